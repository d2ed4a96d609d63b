"""``pixelpde stencil u_xy [--size 5 --order 4]``: print an exact stencil."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("stencil", help="print the exact finite-difference stencil of a derivative")
    p.add_argument("derivative", help="u, u_x, u_y, u_xx, u_xy, u_yy, ... (u_yx = u_xy)")
    p.add_argument("--size", type=int, default=3, help="kernel size k (odd; default 3)")
    p.add_argument("--order", type=int, default=2, help="order of accuracy (default 2)")
    p.set_defaults(func=run)


def run(args) -> None:
    from pixelpde.stencils import derive_stencil, parse_derivative

    print(derive_stencil(parse_derivative(args.derivative), args.size, args.order))
