"""``pixelpde rhs --pde ... --bc ... --dx ... --input U.npy --out X.npy``: X(U) directly."""

from __future__ import annotations

from pixelpde.commands._common import add_dim_option, add_pde_options, load_field, save_array, semidiscrete_from_args


def register(sub) -> None:
    p = sub.add_parser("rhs", help="evaluate the semi-discrete right-hand side X(U) of eq. (11) directly")
    add_pde_options(p)
    add_dim_option(p)
    p.add_argument(
        "--input",
        required=True,
        help="U as .npy, shape (r, s) or (batch, r, s); for a system of C fields (C, r, s) or (batch, C, r, s) "
        "(with --dim 1 or 3: (p,) or (p, p, p) in place of (r, s))",
    )
    p.add_argument("--out", required=True, help="output .npy")
    p.set_defaults(func=run)


#: float64 arrays of a field's size that X(U) holds at once (padded copies, products, the output), per component.
RHS_ARRAYS = 6


def run(args) -> None:
    from pixelpde.ground.atomic import check_outputs

    check_outputs({"--out": args.out}, [args.input])
    sd = semidiscrete_from_args(args)
    channels = getattr(sd, "channels", 1)
    U = load_field(args.input, channels, sd.dim, arrays=RHS_ARRAYS)
    X = sd.rhs(U)
    save_array(args.out, X)
    print(f"X(U) of shape {X.shape} written to {args.out} (max |X| = {abs(X).max():.6g})")
