"""``pixelpde weights --pde ... --bc ... --dx ... --out FILE.pt``: Theorem 3.2 weights."""

from __future__ import annotations

from pixelpde.commands._common import add_pde_options, semidiscrete_from_args


def register(sub) -> None:
    p = sub.add_parser("weights", help="write the exact Theorem 3.2 network weights for a PDE (+ JSON sidecar)")
    add_pde_options(p)
    p.add_argument("--out", required=True, help="weights file (.pt); the sidecar goes to the same stem with .json")
    p.set_defaults(func=run)


def run(args) -> None:
    sd = semidiscrete_from_args(args)  # parse first: a bad PDE fails before torch is imported
    from pixelpde.constructive import Theorem32Network, save_network

    net = Theorem32Network.from_system(sd)
    record = save_network(args.out, net, sd)
    print(f"PDE: {sd.pde}  (bc={sd.bc}, dx={sd.dx}, {sd.size}x{sd.size} stencils, order {sd.pde.order})")
    print(f"n = {sd.n} quadratic interaction{'s' if sd.n != 1 else ''}")
    for name, shape in record["shapes"].items():
        print(f"  {name}: {' x '.join(map(str, shape))}")
    compact = net.compacted().num_parameters()
    print(f"parameters: {record['parameters']} ({compact} in compact 1x1 form)")
    print(f"wrote {args.out} and {args.out[:-3]}.json")
