"""``pixelpde rhs --pde ... --bc ... --dx ... --input U.npy --out X.npy``: X(U) directly."""

from __future__ import annotations

from pixelpde.commands._common import add_pde_options, load_field, save_array, semidiscrete_from_args


def register(sub) -> None:
    p = sub.add_parser("rhs", help="evaluate the semi-discrete right-hand side X(U) of eq. (11) directly")
    add_pde_options(p)
    p.add_argument(
        "--input",
        required=True,
        help="U as .npy, shape (r, s) or (batch, r, s); for a system of C fields (C, r, s) or (batch, C, r, s)",
    )
    p.add_argument("--out", required=True, help="output .npy")
    p.set_defaults(func=run)


def run(args) -> None:
    from pixelpde.ground.atomic import check_distinct

    check_distinct(args.out, [args.input], "--out")
    sd = semidiscrete_from_args(args)
    U = load_field(args.input, getattr(sd, "channels", 1))
    X = sd.rhs(U)
    save_array(args.out, X)
    print(f"X(U) of shape {X.shape} written to {args.out} (max |X| = {abs(X).max():.6g})")
