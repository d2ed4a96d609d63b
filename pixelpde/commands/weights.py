"""``pixelpde weights --pde ... --bc ... --dx ... --out FILE.pt``: the exact network's weights.

Theorem 3.2's network for the paper's quadratic class, the polynomial network
(:mod:`pixelpde.constructive.polynomial`) when the PDE has terms of degree >= 3; for a system
(``--pde "u_t = ...; v_t = ..."``) the same with one channel per field.
The quadratic part is built from its minimal factorisation unless
``--interactions as-written``; both n and both parameter counts are printed.
"""

from __future__ import annotations

from pixelpde.commands._common import add_dim_option, add_pde_options, semidiscrete_from_args


def register(sub) -> None:
    p = sub.add_parser("weights", help="write the exact network weights for a PDE (+ JSON sidecar)")
    add_pde_options(p)
    add_dim_option(p)
    p.add_argument("--out", required=True, help="weights file (.pt); the sidecar goes to the same stem with .json")
    p.set_defaults(func=run)


def _kernel(sd) -> str:
    """``3x3`` (2-D), ``3-point (1-D)``, ``3x3x3`` stencils."""
    return f"{sd.size}-point (1-D)" if sd.dim == 1 else "x".join([str(sd.size)] * sd.dim)


def _ones(sd) -> str:
    """The compact form's filter: ``1x1`` (2-D), ``1`` (1-D), ``1x1x1`` (3-D)."""
    return "x".join(["1"] * sd.dim)


def _counts(sd):
    from pixelpde.constructive import exact_network
    from pixelpde.constructive.size import count

    net = exact_network(sd)
    total, nonzero = count(net.weights())
    return net, total, nonzero, net.compacted().num_parameters()


def run(args) -> None:
    sd = semidiscrete_from_args(args)  # parse first: a bad PDE fails before torch is imported
    from pixelpde.constructive import save_network

    if getattr(sd, "system", None) is not None:
        return _run_system(args, sd)
    other_kind = "as-written" if sd.interactions == "minimal" else "minimal"
    other = sd.pde.discretise(sd.dx, sd.bc, interactions=other_kind)
    net, total, nonzero, compact = _counts(sd)
    record = save_network(args.out, net, sd)
    print(f"PDE: {sd.pde}  (bc={sd.bc}, dx={sd.dx}, {_kernel(sd)} stencils, order {sd.pde.order})")
    p, q = sd.pde.signature()
    print(
        f"n = {sd.n} quadratic interaction{'s' if sd.n != 1 else ''} ({sd.interactions}; "
        f"signature (p, q) = ({p}, {q}), minimal n = max(p, q) = {max(p, q)}, as written {sd.pde.n})"
    )
    _print_products(record)
    if sd.higher:
        print(f"higher-degree terms: {len(sd.higher)} ({_branches(net)})")
    for name, shape in record["shapes"].items():
        print(f"  {name}: {' x '.join(map(str, shape))}")
    print(f"parameters: {total} ({compact} in compact {_ones(sd)} form), {nonzero} non-zero")
    _, o_total, o_nonzero, o_compact = _counts(other)
    print(
        f"{other_kind} instead: n = {other.n}, parameters: {o_total} ({o_compact} in compact {_ones(sd)} form), {o_nonzero} non-zero"
    )
    print(f"wrote {args.out} and {args.out[:-3]}.json")


def _run_system(args, sd) -> None:
    """A system of C fields: the network with C channels in and out, its products shared between
    equations, and its size beside a PeRCNN cell's for the same number of fields."""
    from pixelpde.constructive import save_network
    from pixelpde.constructive.size import percnn_count

    system = sd.system
    net, total, nonzero, compact = _counts(sd)
    record = save_network(args.out, net, sd)
    print(f"system of {system.channels} fields ({', '.join(system.fields)}: channels in this order)")
    print(f"  {system}".replace("; ", "\n  "))
    print(f"bc={sd.bc}, dx={sd.dx}, {_kernel(sd)} stencils, order {system.order}")
    uses = [int((sd.betas[:, i] != 0).sum()) for i in range(sd.n)]
    print(
        f"n = {sd.n} quadratic product{'s' if sd.n != 1 else ''} ({sd.interactions}), "
        f"{sum(u > 1 for u in uses)} shared by several equations"
    )
    _print_products(record)
    if sd.higher:
        shared = sum(int((g != 0).sum()) > 1 for g, _ in sd.higher)
        print(f"higher-degree monomials: {len(sd.higher)}, {shared} shared ({_branches(net)})")
    if any(sd.source):
        print(f"constant sources: the output bias S = {[float(c) for c in sd.source]}")
    for name, shape in record["shapes"].items():
        print(f"  {name}: {' x '.join(map(str, shape))}")
    print(f"parameters: {total} ({compact} in compact {_ones(sd)} form), {nonzero} non-zero")
    if sd.dim == 2:  # the published cell counted here is the 2-D one
        print(
            f"a PeRCNN cell for {system.channels} fields (3 parallel 5x5 convolutions of 16 channels per field): "
            f"{percnn_count(system.channels)} trainable parameters"
        )
    print(f"wrote {args.out} and {args.out[:-3]}.json")


def _print_products(record: dict) -> None:
    for product in record.get("products", []):
        print(f"  {product}")


def _branches(net) -> str:
    """The ReLU^q branches of a polynomial network, e.g. 'degree 3: 6 ReLU^3 channels'."""
    return ", ".join(f"degree {q}: {c} ReLU^{q} channels" for q, c in net.structure["branches"].items())
