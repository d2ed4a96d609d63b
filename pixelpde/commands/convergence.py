"""``pixelpde convergence``: an order study in dt or dx (Corollary 3.3), as a table, JSON and a plot.

    pixelpde convergence --pde "u_t = u_x + u_y" --bc periodic --vary dt --integrator rk4 \\
        --json out.json --plot out.png

The network integrated is the exact network of the PDE (Theorem 3.2's, or the
polynomial network for terms of degree >= 3; the table's ``field:`` line says which), or with
``--weights FILE`` any saved network (time studies only: a network is built
for one grid); the PDE then defines the reference the network is measured
against.  See ``docs/convergence.md``.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

from pixelpde.commands._common import add_pde_options, save_json
from pixelpde.ground.errors import InputError


def register(sub) -> None:
    p = sub.add_parser("convergence", help="order study in dt or dx of a network integrated in time (Corollary 3.3)")
    add_pde_options(p, dx=False)
    p.add_argument("--vary", required=True, choices=["dt", "dx"], help="refine the time step or the grid")
    p.add_argument(
        "--integrator",
        default="rk4",
        help="time integrator: euler, projected-euler, rk2, projected-rk2, rk4, projected-rk4 (default rk4)",
    )
    p.add_argument("--substeps", type=int, default=1, help="substeps s per step, eqs. (30)-(31) (default 1)")
    p.add_argument("--T", type=float, default=None, help="final time (default 0.5)")
    p.add_argument("--ic", default=None, help='initial condition u0(x, y), e.g. "sin(2*pi*x)*sin(2*pi*y)"')
    p.add_argument("--weights", default=None, help="study this saved network instead of the exact one (--vary dt)")
    p.add_argument("--grid", type=int, default=None, help="nodes per axis (dt: the grid, default 32; dx: the coarsest)")
    p.add_argument("--refinements", type=int, default=None, help="number of halvings (default 4 for dt, 2 for dx)")
    p.add_argument("--steps", type=int, default=None, help="time steps on the coarsest level (default: automatic)")
    p.add_argument(
        "--factor", type=int, default=None, help="refinement factor of a computed reference (8 for dt, 4 for dx)"
    )
    p.add_argument("--norm", default="l2", choices=["max", "l2", "rel"], help="norm of the orders (default l2)")
    p.add_argument("--json", default=None, help="write the study as JSON")
    p.add_argument("--plot", default=None, help="write the log-log plot (.png)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> None:
    from pixelpde.ground.validate import MAX_SUBSTEPS, MAX_TIME, check_int, check_positive

    check_int(args.substeps, "substeps", 1, MAX_SUBSTEPS)  # cheap checks before the heavy imports
    if args.T is not None:
        check_positive(args.T, "final time T", MAX_TIME)
    from pixelpde.convergence.plan import DEFAULT_T, StudySpec
    from pixelpde.convergence.study import run_study
    from pixelpde.ground.atomic import check_outputs, check_writable
    from pixelpde.stencils.boundary import BoundaryCondition

    if args.plot is not None and Path(args.plot).suffix.lower() != ".png":
        raise InputError(f"plot file {args.plot!r} must end in .png")
    check_outputs({"--json": args.json, "--plot": args.plot}, [args.weights])
    for path in (args.json, args.plot):
        if path is not None:
            check_writable(path)
    args.bc = BoundaryCondition.parse(args.bc)  # parsed once, here at the edge; typed inward
    spec = StudySpec(
        pde=args.pde,
        bc=args.bc,
        vary=args.vary,
        integrator=args.integrator,
        substeps=args.substeps,
        T=DEFAULT_T if args.T is None else args.T,
        ic=args.ic,
        size=args.size,
        order=args.order,
        grid=args.grid,
        refinements=args.refinements,
        steps=args.steps,
        factor=args.factor,
        norm=args.norm,
    )
    field, name = None, None  # None: run_study names the exact network it builds
    if args.weights is not None:
        field, name, grid = _saved_network(args)
        spec = StudySpec(**{**spec.__dict__, "grid": grid})
    study = run_study(spec, field=field, field_name=name, progress=not args.quiet)
    print(format_table(study))
    for line in notes(study):
        print(f"note: {line}", file=sys.stderr)
    if args.plot is not None:
        from pixelpde.convergence.plot import plot_study

        plot_study(study, args.plot)
        print(f"wrote {args.plot}")
    if args.json is not None:
        save_json(args.json, study)
        print(f"wrote {args.json}")


def _saved_network(args):
    """(field factory, description, grid) for ``--weights``; the grid follows the network's dx."""
    from pixelpde.convergence.grids import nodes_for_cells
    from pixelpde.learned.io import load_any_network

    if args.vary != "dt":
        raise InputError("--weights needs --vary dt: a saved network is built for one grid spacing")
    net, meta = load_any_network(args.weights)
    if str(meta.get("bc")) != args.bc:
        raise InputError(f"weights file {args.weights!r} is for bc={meta.get('bc')!r}, not {str(args.bc)!r}")
    grid = args.grid
    dx = meta.get("dx")
    if dx is not None:
        dx = Fraction(str(dx))
        if dx.numerator != 1:
            raise InputError(f"weights file {args.weights!r} has dx={dx}, not 1/m for an integer m")
        p = nodes_for_cells(args.bc, dx.denominator)
        if grid is not None and grid != p:
            raise InputError(f"--grid {grid} does not match the network's dx={dx} ({p} nodes per axis)")
        grid = p
    elif grid is None:
        raise InputError(f"weights file {args.weights!r} records no dx; give the grid with --grid")

    def field(sd):
        if dx is not None and sd.dx != dx:  # pragma: no cover - the grid was fixed from dx above
            raise InputError(f"the network is for dx={dx}, the study's grid has dx={sd.dx}")
        return net

    return field, f"saved network {args.weights} ({meta.get('network')})", grid


def format_table(study: dict) -> str:
    """The study as a plain-text table (one row per refinement)."""
    symbol = "dt" if study["vary"] == "dt" else "dx"
    lines = [
        f"{study['pde']}  ({study['bc']}, {study['stencils']['size']}x{study['stencils']['size']} stencils, "
        f"T={study['T']:g}, {study['integrator']}"
        + (f" x{study['substeps']} substeps" if study["substeps"] > 1 else "")
        + ")",
        f"field: {study['field']};  reference: {study['reference']['kind']}",
        f"{symbol:>12} {'steps':>8} {'nodes':>6} {'max error':>11} {'L2 error':>11} {'rel error':>11} {'order':>7}",
    ]
    for row, n, p in zip(study["rows"], study["steps"], study["nodes"], strict=True):
        order = "" if row["order"] is None else f"{row['order']:.3f}"
        lines.append(
            f"{row['delta']:12.5g} {n:8d} {p:6d} {row['error_max']:11.3e} {row['error_l2']:11.3e} "
            f"{row['error_rel']:11.3e} {order:>7}"
        )
    fitted = "n/a" if study["fitted_order"] is None else f"{study['fitted_order']:.3f}"
    lines.append(f"fitted order ({study['norm']} norm): {fitted}   expected: {study['expected_order']}")
    return "\n".join(lines)


def notes(study: dict) -> list[str]:
    """Warnings a reader of the numbers should see."""
    out = [study["expected_order_note"]] if study.get("expected_order_note") else []
    left_out = len(study["rows"]) - len(study["fitted_rows"])
    if study["fitted_order"] is None:
        out.append("all errors are at round-off level; no order can be fitted (larger T, fewer --steps or a faster IC)")
    elif left_out:
        out.append(f"{left_out} finest row(s) at round-off level left out of the fitted order")
    if study["fitted_order"] is not None and abs(study["fitted_order"] - study["expected_order"]) > 0.2:
        out.append(
            f"fitted order {study['fitted_order']:.2f} differs from the expected {study['expected_order']}: "
            "pre-asymptotic steps, an error floor (a network with F_theta != X, eq. (17)) or a reference limit"
        )
    return out
