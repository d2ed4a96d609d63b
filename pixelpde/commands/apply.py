"""``pixelpde apply --weights FILE --input U.npy --out F.npy``: evaluate a saved network."""

from __future__ import annotations

from pixelpde.commands._common import add_dim_option, load_field, save_array


def register(sub) -> None:
    p = sub.add_parser("apply", help="evaluate a saved network F_theta on a field (float64)")
    p.add_argument("--weights", required=True, help="weights file (.pt) with its .json sidecar")
    p.add_argument(
        "--input",
        required=True,
        help="U as .npy, shape (r, s) or (batch, r, s); for a system of C fields (C, r, s) or (batch, C, r, s) "
        "(on a 1-D or 3-D grid: (p,) or (p, p, p) in place of (r, s))",
    )
    p.add_argument("--out", required=True, help="output .npy")
    add_dim_option(p, default=None, help_default="the network's, from its sidecar")
    p.set_defaults(func=run)


def run(args) -> None:
    import torch

    from pixelpde.ground.atomic import check_outputs
    from pixelpde.learned.io import load_any_network

    check_outputs({"--out": args.out}, [args.input, args.weights])
    from pixelpde.ground.errors import InputError
    from pixelpde.stencils.boundary import check_dim

    dim = None if args.dim is None else check_dim(args.dim)
    net, meta = load_any_network(args.weights)
    net_dim = getattr(net, "dim", 2)
    if dim is not None and dim != net_dim:
        raise InputError(f"weights file {args.weights!r} holds a network for a {net_dim}-D grid, not --dim {dim}")
    channels = getattr(net, "channels", 1)
    widest = max((p.shape[0] for p in net.parameters() if p.ndim > 2), default=1)
    U = load_field(args.input, channels, net_dim, arrays=(2 * widest + 2 * channels) // channels + 1)
    size = meta.get("size", 3)
    spatial = U.shape[-net_dim:]
    if min(spatial) < size:
        grid, kernel = "x".join(map(str, spatial)), "x".join([str(size)] * net_dim)
        raise InputError(f"grid {grid} is smaller than the {kernel} kernel")
    warn_grid(meta, spatial)
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
        f"pixelpde: warning: the network was built for dx={dx}{nodes} ({bc}); this {'x'.join(map(str, shape))} field has "
        f"{have}, so F(U) is the network's output, not the PDE's right-hand side on this grid",
        file=sys.stderr,
    )
