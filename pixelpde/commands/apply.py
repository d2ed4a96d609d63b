"""``pixelpde apply --weights FILE --input U.npy --out F.npy``: evaluate a saved network."""

from __future__ import annotations

from pixelpde.commands._common import load_field, save_array


def register(sub) -> None:
    p = sub.add_parser("apply", help="evaluate a saved network F_theta on a field (float64)")
    p.add_argument("--weights", required=True, help="weights file (.pt) with its .json sidecar")
    p.add_argument(
        "--input",
        required=True,
        help="U as .npy, shape (r, s) or (batch, r, s); for a system of C fields (C, r, s) or (batch, C, r, s)",
    )
    p.add_argument("--out", required=True, help="output .npy")
    p.set_defaults(func=run)


def run(args) -> None:
    import torch

    from pixelpde.constructive.io import sidecar_path
    from pixelpde.ground.atomic import check_distinct
    from pixelpde.learned.io import load_any_network

    check_distinct(args.out, [args.input, args.weights, sidecar_path(args.weights)], "--out")
    net, meta = load_any_network(args.weights)
    U = load_field(args.input, getattr(net, "channels", 1))
    size = meta.get("size", 3)
    if min(U.shape[-2:]) < size:
        from pixelpde.ground.errors import InputError

        raise InputError(f"grid {U.shape[-2]}x{U.shape[-1]} is smaller than the {size}x{size} kernel")
    warn_grid(meta, U.shape[-2:])
    with torch.no_grad():
        F = net(torch.from_numpy(U)).numpy()
    save_array(args.out, F)
    print(f"F(U) of shape {F.shape} written to {args.out} ({meta.get('network')} network, bc={meta.get('bc')})")


def warn_grid(meta: dict, shape) -> None:
    """Warn (stderr) when the field's grid is not the one the network's dx was built for."""
    import sys
    from fractions import Fraction

    from pixelpde.convergence.grids import nodes_for_cells
    from pixelpde.stencils.boundary import BoundaryCondition

    if meta.get("dx") is None:
        return
    try:  # a sidecar or grid this check cannot read is judged elsewhere
        dx, bc = Fraction(str(meta["dx"])), BoundaryCondition.parse(meta["bc"])
        if all(bc.spacing(n) == dx for n in shape):
            return
        have = " x ".join(f"dx={bc.spacing(n)}" for n in dict.fromkeys(shape))
        nodes = f" ({nodes_for_cells(bc, (1 / dx).numerator)} nodes per axis)" if dx.numerator == 1 else ""
    except (ValueError, ZeroDivisionError):  # InputError is a ValueError
        return
    print(
        f"pixelpde: warning: the network was built for dx={dx}{nodes} ({bc}); this {shape[0]}x{shape[1]} field has "
        f"{have}, so F(U) is the network's output, not the PDE's right-hand side on this grid",
        file=sys.stderr,
    )
