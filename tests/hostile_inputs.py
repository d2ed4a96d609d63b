"""Hostile inputs of issue 12: each must give one line, exit 2, quickly, with little memory.

Used by ``tests/test_hostile_inputs.py`` (in-process, every case) and run as a
script to measure each case as a user would meet it (a fresh process, wall
time and peak memory from ``/usr/bin/time``, an address-space cap of 4 GB so
a regression cannot take the machine down)::

    python tests/hostile_inputs.py [SCRATCH_DIR]
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PDE = "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)"
WEIGHTS = ["weights", "--bc", "periodic", "--dx", "0.01", "--out", "w.pt"]
SIM = ["simulate", "heat", "--seed", "0", "--no-progress"]
CONV = ["convergence", "--pde", "u_t = 0.01*(u_xx + u_yy)", "--bc", "periodic", "--vary", "dt", "--quiet"]

#: (id, argv relative to the fixture directory, a fragment of the one-line message)
CASES = [
    ("pde-exponent-bomb", [*WEIGHTS, "--pde", "((u+u_x+u_y+u_xx+u_xy+u_yy+1)**16)**16"], "more than 2000 terms"),
    ("pde-huge-literal", [*WEIGHTS, "--pde", "1e99999999*u"], "out of range"),
    ("pde-underflow", [*WEIGHTS, "--pde", "1e-400*u"], "underflows float64"),
    ("pde-full-width-u", [*WEIGHTS, "--pde", "ｕ_xx"], "not ASCII"),
    (
        "dx-huge-exponent",
        ["weights", "--pde", "u_xx", "--bc", "periodic", "--dx", "1e-99999999", "--out", "w.pt"],
        "out of range",
    ),
    (
        "dx-overflowing-weights",
        ["weights", "--pde", "u_xx", "--bc", "periodic", "--dx", "1e-300", "--out", "w.pt"],
        "overflows float64",
    ),
    ("stencil-size-20001", ["stencil", "u_xx", "--size", "20001"], "kernel size=20001"),
    ("stencil-size-401-order-398", ["stencil", "u_xx", "--size", "401", "--order", "398"], "kernel size=401"),
    ("stencil-order-99", ["stencil", "u_xx", "--size", "5", "--order", "99"], "order of accuracy=99"),
    ("simulate-n-1e9", [*SIM, "--n", "1000000000", "--steps", "10", "--out", "d.h5"], "n=1000000000"),
    ("simulate-p-100000", [*SIM, "--n", "1", "--steps", "1", "--p", "100000", "--out", "d.h5"], "p=100000"),
    (
        "simulate-seed-huge",
        ["simulate", "heat", "--n", "1", "--steps", "1", "--seed", "99999999999999999999999999", "--out", "d.h5"],
        "seed=",
    ),
    ("simulate-steps-1e9", [*SIM, "--n", "1", "--steps", "1000000000", "--out", "d.h5"], "steps=1000000000"),
    ("simulate-steps-0", [*SIM, "--n", "1", "--steps", "0", "--out", "d.h5"], "steps=0"),
    (
        "simulate-too-big-for-memory",
        [*SIM, "--n", "1", "--steps", "999999", "--p", "4096", "--out", "d.h5"],
        "of memory",
    ),
    ("simulate-too-big-for-disk", [*SIM, "--n", "1000000", "--steps", "1000", "--p", "300", "--out", "d.h5"], "free"),
    ("simulate-out-txt", [*SIM, "--n", "1", "--steps", "1", "--p", "8", "--out", "d.txt"], "must end in .h5"),
    ("simulate-out-in-new-folder-fails", [*SIM, "--n", "0", "--steps", "1", "--out", "new/sub/d.h5"], "n=0"),
    (
        "reproduce-seed-huge",
        ["reproduce", "heat", "--quick", "--seed", "99999999999999999999999999", "--out", "r"],
        "--seed=",
    ),
    (
        "reproduce-device-cuda",
        ["reproduce", "heat", "--quick", "--device", "cuda", "--out", "r"],
        "CUDA is not available",
    ),
    (
        "train-substeps-1e9",
        ["train", "heat", "--data", "small.h5", "--out", "t", "--substeps", "1000000000"],
        "substeps=1000000000",
    ),
    (
        "train-arch-huge",
        ["train", "heat", "--data", "small.h5", "--out", "t", "--arch", "1-200000-200000-1/1-8-1"],
        "width=200000",
    ),
    (
        "train-arch-many-params",
        ["train", "heat", "--data", "small.h5", "--out", "t", "--arch", "1-1024-1024-1024-1024-1/1-8-1"],
        "parameters",
    ),
    (
        "train-seed-huge",
        ["train", "heat", "--data", "small.h5", "--out", "t", "--seed", "99999999999999999999999999"],
        "seed=",
    ),
    (
        "train-device-cuda",
        ["train", "heat", "--data", "small.h5", "--out", "t", "--device", "cuda"],
        "CUDA is not available",
    ),
    ("convergence-ic-overflow", [*CONV, "--ic", "1e308*sin(2*pi*x)*1e308"], "overflows float64"),
    ("convergence-T-1e300", [*CONV, "--T", "1e300"], "T=1e+300"),
    ("convergence-T-long", [*CONV, "--T", "1000"], "node-steps"),
    ("convergence-T-longer", [*CONV, "--T", "100000"], "steps="),
    ("convergence-substeps-1e9", [*CONV, "--substeps", "1000000000"], "substeps="),
    (
        "apply-sidecar-size-negative",
        ["apply", "--weights", "neg.pt", "--input", "U.npy", "--out", "F.npy"],
        "field 'size'=-1",
    ),
    (
        "apply-sidecar-size-huge",
        ["apply", "--weights", "huge.pt", "--input", "U.npy", "--out", "F.npy"],
        "field 'size'=1000000000",
    ),
    (
        "apply-sidecar-bc-edited",
        ["apply", "--weights", "edited_bc.pt", "--input", "U.npy", "--out", "F.npy"],
        "was edited",
    ),
    (
        "apply-sidecar-pde-edited",
        ["apply", "--weights", "edited_pde.pt", "--input", "U.npy", "--out", "F.npy"],
        "was edited",
    ),
    (
        "apply-sidecar-dx-edited",
        ["apply", "--weights", "edited_dx.pt", "--input", "U.npy", "--out", "F.npy"],
        "was edited",
    ),
    (
        "apply-sidecar-field-added",
        ["apply", "--weights", "edited_add.pt", "--input", "U.npy", "--out", "F.npy"],
        "was edited",
    ),
    ("apply-nan-weights", ["apply", "--weights", "nan.pt", "--input", "U.npy", "--out", "F.npy"], "NaN"),
    (
        "apply-malicious-pickle",
        ["apply", "--weights", "evil.pt", "--input", "U.npy", "--out", "F.npy"],
        "cannot read weights",
    ),
    ("apply-out-is-input", ["apply", "--weights", "fisher.pt", "--input", "U.npy", "--out", "U.npy"], "also an input"),
    (
        "rhs-out-is-input",
        ["rhs", "--pde", PDE, "--bc", "dirichlet", "--dx", "0.01", "--input", "U.npy", "--out", "./U.npy"],
        "also an input",
    ),
    ("evaluate-huge-arch-sidecar", ["evaluate", "hugerun", "--data", "small.h5", "--out", "ev"], "width="),
    (
        "evaluate-substeps-0",
        ["evaluate", "run", "--data", "small.h5", "--out", "ev", "--substeps", "0"],
        "--substeps=0",
    ),
    (
        "evaluate-steps-huge",
        ["evaluate", "run", "--data", "small.h5", "--out", "ev", "--steps", "1000000000"],
        "--steps=",
    ),
    ("threads-0", ["evaluate", "run", "--data", "small.h5", "--out", "ev", "--threads", "0"], "--threads=0"),
]

LONG_LITERAL = "1." + "3" * 299
TRAIN = ["train", "heat", "--data", "small.h5", "--no-progress"]
EVALUATE = ["evaluate", "run", "--out", "ev", "--n-test", "3", "--steps", "4", "--no-progress"]
#: Issue 21 (second pass): files the project wrote, sizes derived before bounded, float flags.
CASES += [
    # sizes bounded before the work they size
    ("stencil-derivative-order-200", ["stencil", "u_" + "x" * 200], "derivative of order 200"),
    ("stencil-derivative-order-11", ["stencil", "u_" + "x" * 11], "order 11 in one axis"),
    ("weights-derivative-order-1990", [*WEIGHTS, "--pde", "u_" + "x" * 1990], "unknown symbol"),
    ("pde-long-literal-to-the-16", [*WEIGHTS, "--pde", f"({LONG_LITERAL})**16*u"], "1000 digits"),
    ("pde-expansion-underflow", [*WEIGHTS, "--pde", "1e-200*u*(1e-200*u_x + 1)"], "coefficient of its expansion"),
    ("pde-expansion-overflow", [*WEIGHTS, "--pde", "1e200*u*(1e200*u_x + 1)"], "coefficient of its expansion"),
    ("convergence-T-subnormal", [*CONV, "--T", "5e-324"], "--T=5e-324"),
    ("simulate-dt-subnormal", [*SIM, "--n", "1", "--steps", "1", "--dt", "5e-324", "--out", "d.h5"], "--dt="),
    ("simulate-b-huge", [*SIM, "--n", "1", "--steps", "1", "--b", "1e300", "1", "--out", "d.h5"], "--b="),
    (
        "simulate-tol-huge",
        ["simulate", "fisher", "--n", "1", "--steps", "1", "--seed", "0", "--tol", "1e300", "--out", "d.h5"],
        "--tol=",
    ),
    ("train-lr-huge", [*TRAIN, "--out", "t", "--lr", "1e300"], "--lr="),
    (
        "study-seeds-million",
        ["study", "capacity", "--size", "tiny", "--seeds", "1000000", "--out", "st"],
        "seeds=1000000",
    ),
    ("study-threads-negative", ["study", "capacity", "--size", "tiny", "--threads=-3", "--out", "st"], "--threads=-3"),
    # checkpoints
    ("resume-flipped-bit", [*TRAIN, "--out", "flipped", "--resume"], "CRC-32"),
    ("resume-position-edited", [*TRAIN, "--out", "position", "--resume"], "field 'position'"),
    ("resume-config-a-list", [*TRAIN, "--out", "configlist", "--resume"], "field 'config'"),
    ("resume-config-unknown-key", [*TRAIN, "--out", "configkey", "--resume"], "config.colour"),
    ("resume-optimizer-missing", [*TRAIN, "--out", "noopt", "--resume"], "field 'optimizer' is missing"),
    ("resume-log-an-int", [*TRAIN, "--out", "logint", "--resume"], "field 'log'"),
    ("resume-weights-edited", [*TRAIN, "--out", "nudged", "--resume"], "content hash differs"),
    # weights and run sidecars (checksums recomputed: a deliberate edit)
    (
        "apply-branches-1e9",
        ["apply", "--weights", "branches.pt", "--input", "U.npy", "--out", "F.npy"],
        "structure.branches.3",
    ),
    (
        "evaluate-run-dt-abc",
        ["evaluate", "dtabc", "--data", "small.h5", "--out", "ev", "--n-test", "3", "--steps", "4"],
        "field 'dt'",
    ),
    (
        "evaluate-run-dx-abc",
        ["evaluate", "dxabc", "--data", "small.h5", "--out", "ev", "--n-test", "3", "--steps", "4"],
        "field 'dx'",
    ),
    # datasets
    ("evaluate-nan-in-test-data", [*EVALUATE, "--data", "nan.h5"], "holds NaN or Inf"),
    ("train-a-million-unwritten", [*TRAIN, "--out", "t", "--data", "million.h5"], "unwritten chunks"),
    ("train-zero-trajectories", [*TRAIN, "--out", "t", "--data", "empty.h5"], "declares 0 trajectories"),
    # paths: names confined to their folder, outputs never inputs
    ("train-name-escapes", [*TRAIN, "--out", "t", "--name", "y/../../../escaped"], "must be a plain name"),
    ("train-name-dotdot", [*TRAIN, "--out", "t", "--name", ".."], "must be a plain name"),
    ("evaluate-name-with-slash", ["evaluate", "a/../b=run", "--data", "small.h5", "--out", "ev"], "plain name"),
    (
        "evaluate-run-name-forged",
        ["evaluate", "escaping", "--data", "small.h5", "--out", "ev", "--n-test", "3", "--steps", "4"],
        "field 'name'",
    ),
    ("convergence-json-is-its-weights", [*CONV, "--weights", "ac.pt", "--json", "ac.pt"], "also an input"),
    ("convergence-json-is-the-sidecar", [*CONV, "--weights", "ac.pt", "--json", "ac.json"], "also an input"),
    ("convergence-json-is-the-plot", [*CONV, "--json", "x.png", "--plot", "x.png"], "both name"),
    (
        "apply-out-is-the-sidecar",
        ["apply", "--weights", "fisher.pt", "--input", "U.npy", "--out", "fisher.json"],
        "also an input",
    ),
    (
        "rhs-empty-input",
        ["rhs", "--pde", PDE, "--bc", "dirichlet", "--dx", "0.01", "--input", "E.npy", "--out", "X.npy"],
        "an empty field",
    ),
]


def _rewrite_sidecar(src: Path, dst: Path, change, protect: bool) -> None:
    """Copy the pair ``src`` -> ``dst`` with ``change(meta)`` applied; ``protect``: recompute the
    sidecar's own checksum (a crafted pair), else leave it (an edit)."""
    from pixelpde.constructive.io import sidecar_digest

    shutil.copy(src, dst)
    meta = json.loads(src.with_suffix(".json").read_text())
    change(meta)
    if protect:
        meta["sidecar_sha256"] = sidecar_digest(meta)
    dst.with_suffix(".json").write_text(json.dumps(meta, indent=2))


def _forge(dst: Path, payload: bytes, like: Path) -> None:
    """A weights file with arbitrary bytes and a sidecar whose checksums match them."""
    from pixelpde.constructive.io import file_sha256, sidecar_digest

    dst.write_bytes(payload)
    meta = json.loads(like.with_suffix(".json").read_text())
    meta["sha256"] = file_sha256(dst)
    meta["sidecar_sha256"] = sidecar_digest(meta)
    dst.with_suffix(".json").write_text(json.dumps(meta))


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def make_fixtures(d: Path) -> None:
    """Everything the cases read, in ``d``: a small dataset, weights, a run and doctored copies."""
    import contextlib
    import io

    import numpy as np
    import torch

    from pixelpde.cli import main

    d = Path(d)
    here = os.getcwd()
    os.chdir(d)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            assert (
                main(
                    [
                        "simulate",
                        "heat",
                        "--n",
                        "3",
                        "--steps",
                        "6",
                        "--seed",
                        "0",
                        "--p",
                        "12",
                        "--out",
                        "small.h5",
                        "--no-progress",
                    ]
                )
                == 0
            )
            assert main(["weights", "--pde", PDE, "--bc", "dirichlet", "--dx", "0.01", "--out", "fisher.pt"]) == 0
            np.save("U.npy", np.random.default_rng(0).random((99, 99)))
            assert (
                main(
                    [
                        "train",
                        "heat",
                        "--data",
                        "small.h5",
                        "--out",
                        "run",
                        "--epochs",
                        "1",
                        "--stages",
                        "3",
                        "--arch",
                        "1-2-1/1-2-1",
                        "--no-progress",
                    ]
                )
                == 0
            )
    finally:
        os.chdir(here)
    w = d / "fisher.pt"
    _rewrite_sidecar(w, d / "neg.pt", lambda m: m.update(size=-1), protect=True)
    _rewrite_sidecar(w, d / "huge.pt", lambda m: m.update(size=10**9), protect=True)
    _rewrite_sidecar(w, d / "edited_bc.pt", lambda m: m.update(bc="periodic"), protect=False)
    _rewrite_sidecar(w, d / "edited_pde.pt", lambda m: m.update(pde="u_t = u_xx"), protect=False)
    _rewrite_sidecar(w, d / "edited_dx.pt", lambda m: m.update(dx="1/50"), protect=False)
    _rewrite_sidecar(w, d / "edited_add.pt", lambda m: m.update(note="harmless?"), protect=False)
    state = torch.load(w, weights_only=True)
    state["C"][0, 0, 1, 1] = float("nan")
    buffer = io.BytesIO()
    torch.save(state, buffer)
    _forge(d / "nan.pt", buffer.getvalue(), w)
    _forge(d / "evil.pt", pickle.dumps({"A1": _Evil()}), w)
    _checkpoint_fixtures(d)
    with contextlib.redirect_stdout(io.StringIO()):
        os.chdir(d)
        try:
            assert main(["weights", "--pde", "u - u**3", "--bc", "periodic", "--dx", "1/16", "--out", "ac.pt"]) == 0
        finally:
            os.chdir(here)
    _rewrite_sidecar(d / "ac.pt", d / "branches.pt", lambda m: m["structure"]["branches"].update({"3": 10**9}), True)
    for name, change in (("dtabc", lambda m: m.update(dt="abc")), ("dxabc", lambda m: m.update(dx="abc"))):
        shutil.copytree(d / "run", d / name)
        _rewrite_sidecar(d / "run" / "model.pt", d / name / "model.pt", change, protect=True)
    _dataset_fixtures(d)
    shutil.copytree(d / "run", d / "escaping")
    _rewrite_sidecar(d / "run" / "model.pt", d / "escaping" / "model.pt", lambda m: m.update(name="../../x"), True)
    np.save(d / "E.npy", np.zeros((0, 99, 99)))
    shutil.copytree(d / "run", d / "hugerun")
    _rewrite_sidecar(
        d / "run" / "model.pt",
        d / "hugerun" / "model.pt",
        lambda m: m["arch"].update(relu="1-200000-200000-1"),
        protect=True,
    )


def _checkpoint_fixtures(d: Path) -> None:
    """Copies of ``run`` whose checkpoint is damaged or edited (content hash recomputed where noted)."""
    import zipfile

    import torch

    from pixelpde.learned.runfiles import content_digest

    source = d / "run" / "checkpoint.pt"

    def edited(name, change, rehash=True):
        (d / name).mkdir()
        state = torch.load(source, weights_only=True)
        change(state)
        if rehash:
            state["content_sha256"] = content_digest(state)
        torch.save(state, d / name / "checkpoint.pt")

    edited("position", lambda s: s.update(position=[0, 0]))  # a finished run (log of 1 epoch) set back
    edited("configlist", lambda s: s.update(config=[1, 2]))
    edited("configkey", lambda s: s["config"].update(colour="red"))
    edited("noopt", lambda s: s.pop("optimizer"))
    edited("logint", lambda s: s.update(log=3))
    edited("nudged", lambda s: next(iter(s["model"].values())).add_(1e-3), rehash=False)
    (d / "flipped").mkdir()
    blob = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = max(archive.infolist(), key=lambda i: i.file_size)
    blob[info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.file_size // 2] ^= 0x10
    (d / "flipped" / "checkpoint.pt").write_bytes(bytes(blob))


def _dataset_fixtures(d: Path) -> None:
    """Copies of ``small.h5``: one NaN; a million trajectories declared, none written; none at all."""
    import h5py
    import numpy as np

    with h5py.File(d / "small.h5", "r") as f:
        U, t, ic, columns, attrs = f["U"][...], f["t"][...], f["ic"][...], f["ic"].attrs["columns"], dict(f.attrs)
    for name, n, data in (("nan.h5", U.shape[0], U.copy()), ("million.h5", 10**6, None), ("empty.h5", 0, None)):
        if data is not None:
            data[1, 4, 2, 3] = np.nan
        with h5py.File(d / name, "w") as g:
            g.create_dataset(
                "U", shape=(n, *U.shape[1:]), dtype=U.dtype, chunks=(1, *U.shape[1:]), maxshape=(None, *U.shape[1:])
            )
            if data is not None:
                g["U"][...] = data
            g.create_dataset("t", data=t)
            if n <= ic.shape[0]:
                g.create_dataset("ic", data=np.resize(ic, (n, ic.shape[1])))
            else:  # the right shape, nothing written (chunks read as zeros): only U's stored bytes tell
                g.create_dataset("ic", shape=(n, ic.shape[1]), dtype=ic.dtype, chunks=(1024, ic.shape[1]))
            g["ic"].attrs["columns"] = columns
            g.attrs.update(attrs)


#: The sweep's limits per case (issue 21): address space of the process, and the kill timeout.
MEMORY_CAP = 4 << 30
TIMEOUT_S = 60


def _session(sid: int) -> list[int]:
    """Live processes of session ``sid`` (a case runs in its own session: what survives it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def measure(scratch: Path, cases=None, exe: str | None = None) -> list[dict]:
    """Run every case in a fresh process: exit code, wall time, CPU time, peak RSS, stderr, files left,
    processes left in its session; under an address-space cap of :data:`MEMORY_CAP`."""
    fixtures = scratch / "fixtures"
    fixtures.mkdir(parents=True, exist_ok=True)
    make_fixtures(fixtures)
    exe = exe or shutil.which("pixelpde")
    rows = []
    for name, argv, fragment in CASES if cases is None else cases:
        work = scratch / name
        shutil.copytree(fixtures, work)
        before = set(p.relative_to(work) for p in work.rglob("*"))
        cmd = ["prlimit", f"--as={MEMORY_CAP}", "/usr/bin/time", "-f", "%M %U %S", exe, *argv]
        start = time.perf_counter()
        child = subprocess.Popen(
            cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            _, stderr = child.communicate(timeout=TIMEOUT_S)
            proc = subprocess.CompletedProcess(cmd, child.returncode, "", stderr)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, 9)  # the whole group: /usr/bin/time does not pass a kill on to its child
            child.communicate()
            rows.append(
                dict(
                    case=name,
                    rc=-1,
                    wall_s=60.0,
                    cpu_s=-1.0,
                    rss_mb=-1,
                    lines=0,
                    ok=False,
                    traceback=False,
                    survivors=[],
                    left=[],
                    message=f"TIMED OUT ({TIMEOUT_S} s)",
                )
            )
            continue
        wall = time.perf_counter() - start
        time.sleep(0.2)
        survivors = _session(child.pid)
        for pid in survivors:  # reported, then stopped: one case must not disturb the next
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        lines = proc.stderr.strip().splitlines()
        try:
            rss_kb, user, system = lines[-1].split()
            rss_kb, cpu = int(rss_kb), float(user) + float(system)
        except (IndexError, ValueError):
            rss_kb, cpu = -1, -1.0
        message = [line for line in lines[:-1] if line.strip() and not line.startswith("Command exited")]
        left = sorted(str(p) for p in set(p.relative_to(work) for p in work.rglob("*")) - before)
        rows.append(
            dict(
                case=name,
                rc=proc.returncode,
                wall_s=round(wall, 2),
                cpu_s=round(cpu, 2),
                rss_mb=round(rss_kb / 1024),
                lines=len(message),
                ok=proc.returncode == 2 and len(message) == 1 and fragment in message[0],
                traceback="Traceback" in proc.stderr or proc.returncode < 0 or proc.returncode > 128,
                survivors=survivors,
                left=left,
                message=message[0] if message else "",
            )
        )
    return rows


def summary(rows) -> str:
    """Counts of a sweep: cases, clean one-line refusals, tracebacks/crashes, hangs, files or processes left."""
    return (
        f"{len(rows)} cases: {sum(r['ok'] for r in rows)} clean one-line refusals, "
        f"{sum(r['traceback'] for r in rows)} tracebacks or crashes, {sum(r['rc'] == -1 for r in rows)} hangs, "
        f"{sum(bool(r['left']) for r in rows)} left files, {sum(bool(r['survivors']) for r in rows)} left processes, "
        f"max RSS {max(r['rss_mb'] for r in rows)} MB, max CPU {max(r['cpu_s'] for r in rows):.2f} s"
    )


if __name__ == "__main__":  # pragma: no cover - a measuring script
    scratch = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hostile-"))
    exe = sys.argv[2] if len(sys.argv) > 2 else None  # another installation's pixelpde (before / after)
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; scratch {scratch}")
    print(f"{'case':34} {'rc':>3} {'wall s':>7} {'CPU s':>6} {'RSS MB':>7}  ok  message")
    rows = measure(scratch, exe=exe)
    for row in rows:
        extra = f"  LEFT {row['left']}" if row["left"] else ""
        extra += f"  SURVIVORS {row['survivors']}" if row["survivors"] else ""
        print(
            f"{row['case']:34} {row['rc']:3d} {row['wall_s']:7.2f} {row['cpu_s']:6.2f} {row['rss_mb']:7d}  {'yes' if row['ok'] else 'NO '} "
            f"{row['message'][:150]}{extra}"
        )
    print(summary(rows))
