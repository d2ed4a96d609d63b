"""``pixelpde simulate advection|heat|fisher --n N --steps M --seed S --out FILE.h5``: Appendix A datasets;
``pixelpde simulate --generator spectral --preset NAME ...``: spectral reference data for systems (docs/spectral.md)."""

from __future__ import annotations

import time


def register(sub) -> None:
    p = sub.add_parser(
        "simulate",
        help="generate a dataset as an HDF5 file: finite elements (Appendix A) or spectral (systems)",
        description="Simulate N trajectories of M steps of scheme (33) advection, (37) heat or (42) Fisher "
        "from seeded random initial conditions (34), (39), (43) and write them to an HDF5 file (atomically). "
        "With --generator spectral: a preset system (Gray-Scott, FitzHugh-Nagumo, lambda-omega, Burgers) by "
        "Fourier pseudo-spectral ETDRK4 on the periodic unit square (docs/spectral.md).",
    )
    p.add_argument(
        "problem", nargs="?", choices=["advection", "heat", "fisher"], help="which Appendix A problem (fem generator)"
    )
    p.add_argument(
        "--generator",
        choices=["fem", "spectral"],
        default="fem",
        help="fem (default: Appendix A problems) or spectral (systems; needs --preset)",
    )
    p.add_argument("--preset", default=None, help="spectral: the preset system (see docs/spectral.md)")
    p.add_argument(
        "--system",
        default=None,
        metavar="TEXT",
        help="spectral: a system 'u_t = ...; v_t = ...' (2-D, periodic; needs --p and --dt) instead of a preset",
    )
    p.add_argument(
        "--refine",
        type=int,
        default=None,
        help="spectral: compute on refine*p nodes per axis, keep every refine-th (preset default)",
    )
    p.add_argument("--substeps", type=int, default=None, help="spectral: ETDRK4 steps per snapshot (preset default)")
    p.add_argument(
        "--param",
        action="append",
        default=None,
        metavar="NAME=VALUE",
        help="spectral: override a preset parameter (repeatable), e.g. --param f=0.03",
    )
    p.add_argument("--n", type=int, required=True, help="number of trajectories")
    p.add_argument("--steps", type=int, required=True, help="time steps M per trajectory (M+1 snapshots)")
    p.add_argument("--seed", type=int, required=True, help="random seed of the initial conditions (>= 0)")
    p.add_argument(
        "--p",
        type=int,
        default=None,
        help="nodes per axis: periodic p, Dirichlet p interior (default 100; spectral: the preset's)",
    )
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


FEM_ONLY = {
    "alpha": "--alpha",
    "b": "--b",
    "min_norm": "--min-norm",
    "tol": "--tol",
    "max_iter": "--max-iter",
}
SPECTRAL_ONLY = {
    "preset": "--preset",
    "system": "--system",
    "refine": "--refine",
    "substeps": "--substeps",
    "param": "--param",
}


def run(args) -> None:
    from pixelpde.ground.errors import InputError

    if args.generator == "spectral":
        return run_spectral(args)
    given = [flag for name, flag in SPECTRAL_ONLY.items() if getattr(args, name) is not None]
    if given:
        raise InputError(f"{', '.join(given)}: option(s) of --generator spectral, not of the fem generator")
    if args.problem is None:
        raise InputError("give a problem (advection, heat or fisher), or --generator spectral --preset NAME")
    from pixelpde.fem.generator import SimulationSpec, write_simulation

    names = {"alpha": args.alpha, "b": args.b, "min_norm": args.min_norm, "tol": args.tol, "max_iter": args.max_iter}
    params = {k: v for k, v in names.items() if v is not None}
    p = 100 if args.p is None else args.p
    spec = SimulationSpec(args.problem, args.n, args.steps, args.seed, p, args.dt, args.backend, args.solver, params)
    start = time.perf_counter()
    attrs = write_simulation(args.out, spec, progress=not args.no_progress, batch=args.batch, dtype=args.dtype)
    elapsed = time.perf_counter() - start
    print(
        f"wrote {args.out}: {args.n} trajectories x {args.steps + 1} snapshots of {p}x{p} ({attrs['dtype']}) in {elapsed:.2f} s"
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


def _parameters(items) -> dict:
    from pixelpde.ground.errors import InputError

    out = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--param {item!r} must be NAME=VALUE")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"--param {item!r}: {value!r} is not a number") from None
    return out


def run_spectral(args) -> None:
    """``--generator spectral``: a preset system, Fourier pseudo-spectral ETDRK4, HDF5 with a channel axis."""
    from pixelpde.ground.errors import InputError

    if args.problem is not None:
        raise InputError(f"the spectral generator takes --preset, not the Appendix A problem {args.problem!r}")
    given = [flag for name, flag in FEM_ONLY.items() if getattr(args, name) is not None]
    given += ["--backend firedrake"] if args.backend != "embedded" else []
    given += ["--solver lu"] if args.solver != "fast" else []
    if given:
        raise InputError(f"{', '.join(given)}: option(s) of the fem generator, not of --generator spectral")
    if (args.preset is None) == (args.system is None):
        from pixelpde.spectral.presets import PRESETS

        raise InputError(
            f"--generator spectral needs exactly one of --preset (one of {', '.join(PRESETS)}) and --system TEXT"
        )
    from pixelpde.spectral.generator import SpectralSpec, write_simulation

    spec = SpectralSpec(
        n=args.n,
        steps=args.steps,
        seed=args.seed,
        preset=args.preset,
        system=args.system,
        p=args.p,
        dt=args.dt,
        substeps=args.substeps,
        refine=args.refine,
        params=_parameters(args.param),
    )
    start = time.perf_counter()
    attrs = write_simulation(args.out, spec, progress=not args.no_progress, batch=args.batch, dtype=args.dtype)
    elapsed = time.perf_counter() - start
    p, d = attrs["p"], attrs["dim"]
    print(
        f"wrote {args.out}: {args.n} trajectories x {args.steps + 1} snapshots of {attrs['channels']} fields "
        f"on {'x'.join([str(p)] * d)} ({attrs['dtype']}) in {elapsed:.2f} s"
    )
    print(f"system: {attrs['system']}   bc: periodic")
    print(
        f"dt = {attrs['dt']:.6g} ({attrs['substeps']} ETDRK4 steps each), dx = {attrs['dx']:.6g}, "
        f"spectral grid {attrs['spectral_nodes']} per axis (refine {attrs['refine']})"
    )
    print(f"generator: {attrs['generator']}")
    if "source" in attrs:
        print(f"source: {attrs['source']}")
