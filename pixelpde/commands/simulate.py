"""``pixelpde simulate advection|heat|fisher --n N --steps M --seed S --out FILE.h5``: Appendix A datasets."""

from __future__ import annotations

import time


def register(sub) -> None:
    p = sub.add_parser(
        "simulate",
        help="generate a finite-element dataset (Appendix A: advection, heat, Fisher) as an HDF5 file",
        description="Simulate N trajectories of M steps of scheme (33) advection, (37) heat or (42) Fisher "
        "from seeded random initial conditions (34), (39), (43) and write them to an HDF5 file (atomically).",
    )
    p.add_argument("problem", choices=["advection", "heat", "fisher"], help="which Appendix A problem")
    p.add_argument("--n", type=int, required=True, help="number of trajectories")
    p.add_argument("--steps", type=int, required=True, help="time steps M per trajectory (M+1 snapshots)")
    p.add_argument("--seed", type=int, required=True, help="random seed of the initial conditions (>= 0)")
    p.add_argument("--p", type=int, default=100, help="nodes per axis: periodic p, Dirichlet p interior (default 100)")
    p.add_argument(
        "--dt",
        type=float,
        default=None,
        help="time step (default: 0.02 advection; 0.24*dx^2/alpha heat and Fisher, section 4.2)",
    )
    p.add_argument("--out", required=True, help="output HDF5 file (.h5)")
    p.add_argument("--alpha", type=float, default=None, help="diffusivity (heat, Fisher; default 0.01)")
    p.add_argument(
        "--b", type=float, nargs=2, default=None, metavar=("BX", "BY"), help="advection velocity (default 1 1)"
    )
    p.add_argument(
        "--min-norm",
        type=float,
        default=None,
        help="Fisher: keep only initial conditions with ||U0||_F > this (default 10; 0 keeps all)",
    )
    p.add_argument("--tol", type=float, default=None, help="Fisher: Newton residual tolerance (default 1e-10)")
    p.add_argument("--max-iter", type=int, default=None, help="Fisher: Newton iterations per step (default 30)")
    p.add_argument(
        "--backend",
        choices=["embedded", "firedrake"],
        default="embedded",
        help="embedded (default) or firedrake (optional install, scripts/install-firedrake.sh)",
    )
    p.add_argument(
        "--solver",
        choices=["fast", "lu"],
        default="fast",
        help="embedded linear solver: fast diagonalisation (default) or sparse LU (cross-check)",
    )
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64", help="stored precision")
    p.add_argument("--batch", type=int, default=None, help="trajectories simulated together (default: automatic)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> None:
    from pixelpde.fem.generator import SimulationSpec, write_simulation

    names = {"alpha": args.alpha, "b": args.b, "min_norm": args.min_norm, "tol": args.tol, "max_iter": args.max_iter}
    params = {k: v for k, v in names.items() if v is not None}
    spec = SimulationSpec(
        args.problem, args.n, args.steps, args.seed, args.p, args.dt, args.backend, args.solver, params
    )
    start = time.perf_counter()
    attrs = write_simulation(args.out, spec, progress=not args.no_progress, batch=args.batch, dtype=args.dtype)
    elapsed = time.perf_counter() - start
    print(
        f"wrote {args.out}: {args.n} trajectories x {args.steps + 1} snapshots of {args.p}x{args.p} "
        f"({attrs['dtype']}) in {elapsed:.2f} s"
    )
    print(f"pde: {attrs['pde']}   bc: {attrs['bc']}")
    print(f"dt = {attrs['dt']:.6g} ({attrs['dt_rule']}), dx = {attrs['dx']:.6g}")
    print(f"generator: {attrs['generator']}")
    if attrs["problem"] == "fisher":
        print(
            f"Newton: at most {attrs['newton_iterations_max']} iterations per step "
            f"(mean {attrs['newton_iterations_mean']:.2f}), max residual {attrs['newton_residual_max']:.3e} "
            f"<= tol {attrs['tol']:g}; norm filter ||U0|| > {attrs['min_norm']:g} rejected {attrs['ic_rejected']} draws"
        )
