"""``pixelpde apply --weights FILE --input U.npy --out F.npy``: evaluate a saved network."""

from __future__ import annotations

from pixelpde.commands._common import load_field, save_array


def register(sub) -> None:
    p = sub.add_parser("apply", help="evaluate a saved network F_theta on a field (float64)")
    p.add_argument("--weights", required=True, help="weights file (.pt) with its .json sidecar")
    p.add_argument("--input", required=True, help="U as .npy, shape (r, s) or (batch, r, s)")
    p.add_argument("--out", required=True, help="output .npy")
    p.set_defaults(func=run)


def run(args) -> None:
    import torch

    from pixelpde.learned.io import load_any_network

    net, meta = load_any_network(args.weights)
    U = load_field(args.input)
    size = meta.get("size", 3)
    if min(U.shape[-2:]) < size:
        from pixelpde.ground.errors import InputError

        raise InputError(f"grid {U.shape[-2]}x{U.shape[-1]} is smaller than the {size}x{size} kernel")
    with torch.no_grad():
        F = net(torch.from_numpy(U)).numpy()
    save_array(args.out, F)
    print(f"F(U) of shape {F.shape} written to {args.out} ({meta.get('network')} network, bc={meta.get('bc')})")
