"""``pixelpde stencil u_xy [--size 5 --order 4] [--dim 1|2|3]``: print an exact stencil
(a 1-D kernel as one row, a 3-D kernel slice by slice)."""

from __future__ import annotations

from pixelpde.commands._common import add_dim_option


def register(sub) -> None:
    p = sub.add_parser("stencil", help="print the exact finite-difference stencil of a derivative")
    p.add_argument("derivative", help="u, u_x, u_y, u_xx, u_xy, u_yy, ... (u_yx = u_xy); u_z, u_xz, u_zz with --dim 3")
    p.add_argument("--size", type=int, default=3, help="kernel size k (odd; default 3)")
    p.add_argument("--order", type=int, default=2, help="order of accuracy (default 2)")
    add_dim_option(p)
    p.set_defaults(func=run)


def run(args) -> None:
    from pixelpde.stencils import derive_stencil, parse_derivative
    from pixelpde.stencils.boundary import check_dim

    print(derive_stencil(parse_derivative(args.derivative, check_dim(args.dim)), args.size, args.order))
