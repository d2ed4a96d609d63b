"""``pixelpde show FILE.h5 --traj I --out FIG.png``: a strip of snapshots of one trajectory."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("show", help="draw a strip of snapshots of one trajectory of a dataset (PNG, PDF, SVG)")
    p.add_argument("file", help="dataset written by `pixelpde simulate`")
    p.add_argument("--traj", type=int, default=0, help="trajectory index (default 0)")
    p.add_argument("--snapshots", type=int, default=6, help="how many snapshots, evenly spaced in time (default 6)")
    p.add_argument("--out", required=True, help="figure file (.png, .pdf or .svg)")
    p.set_defaults(func=run)


def run(args) -> None:
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from pixelpde.fem import Dataset
    from pixelpde.ground.atomic import atomic_path, check_writable
    from pixelpde.ground.errors import InputError

    if Path(args.out).suffix.lower() not in (".png", ".pdf", ".svg"):
        raise InputError(f"figure file {args.out!r} must end in .png, .pdf or .svg")
    if args.snapshots < 1:
        raise InputError(f"--snapshots {args.snapshots} must be >= 1")
    check_writable(args.out)
    with Dataset.open(args.file) as ds:
        U = ds.trajectory(args.traj)
        t = ds.t
        frames = np.unique(np.linspace(0, ds.n_steps, min(args.snapshots, ds.n_steps + 1)).round().astype(int))
        x = ds.bc.nodes(ds.p)
        title = f"{ds.attrs['problem']}: {ds.pde} ({ds.bc}), trajectory {args.traj % ds.n_trajectories}"
    lo, hi = float(U[frames].min()), float(U[frames].max())
    fig, axes = plt.subplots(
        1, len(frames), figsize=(2.2 * len(frames) + 1.2, 2.8), squeeze=False, layout="constrained"
    )
    for ax, j in zip(axes[0], frames, strict=True):
        # U[h, k] = u(x_h, y_k): x to the right, y up
        image = ax.imshow(
            U[j].T,
            origin="lower",
            extent=(x[0], x[-1], x[0], x[-1]),
            vmin=lo,
            vmax=hi,
            cmap="viridis",
            interpolation="nearest",
            aspect="equal",
        )
        ax.set_title(f"t = {t[j]:.4g}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0][0].set_ylabel("y")
    fig.colorbar(image, ax=list(axes[0]), shrink=0.9)
    fig.suptitle(title, fontsize=9)
    with atomic_path(args.out) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    print(f"wrote {args.out}: snapshots {', '.join(map(str, frames))} of trajectory {args.traj}")
