"""Dataset generation and files: contract, reproducibility, ICs, atomic writes, refused files, windows."""

import hashlib
import math
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import h5py
import numpy as np
import pytest

from pixelpde.fem import Dataset, generate, get_problem, simulate_to_file, write_dataset
from pixelpde.fem.dataset import REQUIRED_ATTRS
from pixelpde.ground.errors import InputError
from pixelpde.stencils import parse_pde

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(p=12, progress=False)


@pytest.fixture(scope="module")
def heat_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fem") / "heat.h5"
    simulate_to_file(path, "heat", 5, 6, seed=3, **SMALL)
    return path


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- the contract ----------------------------------------------------------------------------


@pytest.mark.parametrize("problem", ["advection", "heat", "fisher"])
def test_generate_contract_and_round_trip(problem, tmp_path):
    p = 24 if problem == "fisher" else 12  # p = 12 makes dt = 0.24 dx^2/alpha = 0.14: Fisher ICs with beta < 0 blow up
    sim = generate(problem, 3, 4, seed=1, p=p, progress=False)
    assert sim.U.shape == (3, 5, p, p)
    assert sim.U.dtype == np.float64
    np.testing.assert_array_equal(sim.t, sim.attrs["dt"] * np.arange(5))
    for key in REQUIRED_ATTRS:
        assert key in sim.attrs
    prob = get_problem(problem)
    assert all(k in sim.attrs for k in prob.defaults)
    assert sim.attrs["bc"] == str(prob.bc)
    assert sim.attrs["p"] == p
    assert sim.attrs["seed"] == 1
    np.testing.assert_array_equal(sim.U[:, 0], prob.initial_field(sim.ic, p))
    path = write_dataset(tmp_path / f"{problem}.h5", sim)
    with Dataset.open(path) as ds:
        assert (ds.n_trajectories, ds.n_steps, ds.p) == (3, 4, p)
        assert ds.dt == sim.attrs["dt"]
        assert ds.dx == sim.attrs["dx"]
        assert ds.pde == sim.attrs["pde"]
        assert str(ds.bc) == sim.attrs["bc"]
        assert ds.dx_exact == prob.bc.spacing(p)
        np.testing.assert_array_equal(ds.trajectory(2), sim.U[2])
        np.testing.assert_array_equal(ds.ic, sim.ic)
        assert ds.ic_columns == prob.ic_columns
        f = ds._file
        assert f["U"].chunks == (1, 5, p, p)
        assert f["U"].fletcher32


def test_streamed_file_equals_in_memory_generation(tmp_path):
    sim = generate("fisher", 5, 3, seed=2, min_norm=0.0, **SMALL)
    attrs = simulate_to_file(tmp_path / "f.h5", "fisher", 5, 3, seed=2, min_norm=0.0, batch=2, **SMALL)
    with Dataset.open(tmp_path / "f.h5") as ds:
        np.testing.assert_array_equal(np.stack(list(ds.iter_trajectories())), sim.U)
    assert attrs["newton_residual_max"] <= 1e-10


def test_float32_storage(tmp_path):
    simulate_to_file(tmp_path / "h.h5", "heat", 2, 2, seed=0, dtype="float32", **SMALL)
    with Dataset.open(tmp_path / "h.h5") as ds:
        assert ds.trajectory(0).dtype == np.float32
        assert ds.attrs["dtype"] == "float32"


# -- reproducibility -------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    a, b, c = (tmp_path / name for name in ("a.h5", "b.h5", "c.h5"))
    for path, seed in ((a, 7), (b, 7), (c, 8)):
        simulate_to_file(path, "advection", 3, 3, seed=seed, **SMALL)
    assert _sha(a) == _sha(b)
    with Dataset.open(a) as da, Dataset.open(c) as dc:
        assert not np.array_equal(da.trajectory(0), dc.trajectory(0))


@pytest.mark.parametrize("problem", ["advection", "fisher"])
def test_trajectory_i_depends_on_seed_and_i_only(problem):
    """Not on n, nor on how many are simulated together (Newton is per trajectory)."""
    big = generate(problem, 5, 3, seed=4, p=24, progress=False)
    small = generate(problem, 2, 3, seed=4, batch=1, p=24, progress=False)
    np.testing.assert_array_equal(small.ic, big.ic[:2])
    np.testing.assert_allclose(small.U, big.U[:2], rtol=0, atol=1e-13)


# -- initial conditions ----------------------------------------------------------------------


def test_initial_condition_distributions():
    heat = get_problem("heat")
    table, rejected = heat.draw(0, 4000, 10, heat.parameters({}))
    k, beta = table.T
    assert rejected == 0
    assert set(np.unique(k)) == {2, 3, 4, 5, 6, 7}
    # beta ~ N(1, 0.5): variance 0.5; a 5-sigma band for 4000 draws
    assert abs(beta.mean() - 1) < 5 * math.sqrt(0.5 / 4000)
    assert abs(beta.var() - 0.5) < 5 * 0.5 * math.sqrt(2 / 4000)
    adv = get_problem("advection")
    a1, a2, xs, ys = adv.draw(0, 2000, 10, adv.parameters({}))[0].T
    assert set(np.unique(a1)) == set(np.unique(a2)) == {5, 6, 7, 8}
    assert xs.min() >= 0
    assert xs.max() < 1
    assert ys.min() >= 0
    assert ys.max() < 1


def test_fisher_norm_filter():
    fisher = get_problem("fisher")
    params = fisher.parameters({})
    table, rejected = fisher.draw(5, 300, 100, params)
    norms = np.linalg.norm(fisher.initial_field(table, 100), axis=(1, 2))
    assert norms.min() > 10
    assert rejected > 0
    # without the filter, Fisher draws the heat equation's initial conditions
    unfiltered, none = fisher.draw(5, 300, 100, fisher.parameters({"min_norm": 0}))
    heat = get_problem("heat")
    np.testing.assert_array_equal(unfiltered, heat.draw(5, 300, 100, heat.parameters({}))[0])
    assert none == 0
    kept = unfiltered[np.linalg.norm(heat.initial_field(unfiltered, 100), axis=(1, 2)) > 10]
    np.testing.assert_array_equal(table[: len(kept)], kept)
    with pytest.raises(InputError, match="rejects more than"):
        fisher.draw(0, 5, 3, params)  # on a 3x3 grid ||U0|| <= 1.5 |beta|: the filter can hardly be met


def test_pde_strings_and_time_steps():
    pdes = {name: get_problem(name).pde(get_problem(name).parameters({})) for name in ("advection", "heat", "fisher")}
    assert pdes == {
        "advection": "u_t = u_x + u_y",
        "heat": "u_t = 0.01*(u_xx + u_yy)",
        "fisher": "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)",
    }
    fisher = parse_pde(pdes["fisher"])
    assert dict(fisher.linear) == {(2, 0): Fraction(1, 100), (0, 2): Fraction(1, 100), (0, 0): 1}
    assert [(t.beta, t.first, t.second) for t in fisher.quadratic] == [(-1, (0, 0), (0, 0))]
    assert dict(parse_pde(pdes["advection"]).linear) == {(1, 0): 1, (0, 1): 1}
    assert get_problem("advection").pde({"b": (2.5, -1.0)}) == "u_t = 2.5*u_x - u_y"
    heat = get_problem("heat")
    dt = heat.default_dt(100, heat.parameters({}))
    assert dt == pytest.approx(0.24 / (0.01 * 101**2), rel=1e-15)
    assert dt == pytest.approx(2.353e-3, abs=1e-6)
    # the paper quotes 2.445e-3: of the grids near p = 100, the rule gives it most nearly with
    # dx = 1/99 (p = 98 interior nodes, i.e. p = 100 counting both boundary nodes): 2.449e-3;
    # p = 99 (dx = 1/100) gives 2.400e-3, p = 100 (ours, dx = 1/101) 2.353e-3
    params = heat.parameters({})
    rule = {p: heat.default_dt(p, params) for p in (98, 99, 100)}
    assert rule == pytest.approx({98: 2.449e-3, 99: 2.400e-3, 100: 2.353e-3}, abs=6e-7)
    assert min(rule, key=lambda p: abs(rule[p] - 2.445e-3)) == 98
    fisher_problem = get_problem("fisher")
    assert fisher_problem.default_dt(100, fisher_problem.parameters({})) == dt  # the same rule, same alpha
    assert get_problem("advection").default_dt(100, {}) == 0.02


# -- atomic writes ---------------------------------------------------------------------------


def test_killed_write_leaves_no_complete_looking_file(tmp_path):
    """SIGKILL just before the attributes are written: no destination, and the temporary is refused."""
    out = tmp_path / "killed.h5"
    script = textwrap.dedent(f"""
        import os, signal
        import pixelpde.fem.dataset
        def die(self, *a, **k):
            self.file.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        pixelpde.fem.dataset.DatasetWriter.finish = die
        from pixelpde.fem import simulate_to_file
        simulate_to_file({str(out)!r}, "heat", 4, 3, seed=0, p=12, progress=False)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True)
    assert proc.returncode == -9
    assert not out.exists()
    leftovers = list(tmp_path.glob(".killed.h5.*.part.h5"))
    assert len(leftovers) == 1
    with pytest.raises(InputError, match=r"missing attribute|not a readable"):
        Dataset.open(leftovers[0])


def test_failed_write_keeps_the_previous_file(heat_file, tmp_path, monkeypatch):
    target = tmp_path / "keep.h5"
    target.write_bytes(heat_file.read_bytes())
    before = _sha(target)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("pixelpde.fem.dataset.DatasetWriter.finish", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        simulate_to_file(target, "heat", 2, 2, seed=0, **SMALL)
    assert _sha(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.h5"]


# -- refused files ---------------------------------------------------------------------------


def _copy(src, dst):
    dst.write_bytes(src.read_bytes())
    return dst


def test_missing_and_non_hdf5_files_are_refused(tmp_path):
    with pytest.raises(InputError, match="no such dataset file"):
        Dataset.open(tmp_path / "nope.h5")
    (tmp_path / "text.h5").write_text("not hdf5\n")
    with pytest.raises(InputError, match="not a readable HDF5 file"):
        Dataset.open(tmp_path / "text.h5")


def test_truncated_file_is_refused(heat_file, tmp_path):
    path = _copy(heat_file, tmp_path / "t.h5")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"not a readable HDF5 file|cannot be read"), Dataset.open(path) as ds:
        ds.verify()


def test_corrupted_chunk_is_refused(heat_file, tmp_path):
    path = _copy(heat_file, tmp_path / "c.h5")
    with h5py.File(path, "r") as f:
        offset = f["U"].id.get_chunk_info(2).byte_offset
    with open(path, "r+b") as fh:
        fh.seek(offset + 100)
        byte = fh.read(1)
        fh.seek(offset + 100)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with Dataset.open(path) as ds:
        ds.trajectory(1)  # other chunks are intact
        with pytest.raises(InputError, match="trajectory 2 cannot be read"):
            ds.trajectory(2)
        with pytest.raises(InputError, match="corrupt"):
            ds.verify()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f.attrs.__setitem__("pde", "u_t = -0.01*(u_xx + u_yy)"), "mislabelled: pde"),
        (lambda f: f.attrs.__setitem__("alpha", 0.02), "mislabelled: pde"),
        (lambda f: f.attrs.__setitem__("bc", "periodic"), "mislabelled: bc"),
        (lambda f: f.attrs.__setitem__("p", 13), "mislabelled: dx"),
        (lambda f: f.attrs.update({"p": 13, "dx": 1 / 14}), "expected float"),
        (lambda f: f.attrs.__setitem__("dx", 1 / 12), "mislabelled: dx"),
        (lambda f: f.attrs.__setitem__("dt", 0.5), "mislabelled: t"),
        (lambda f: f.attrs.__setitem__("problem", "burgers"), "unknown problem"),
        (lambda f: f.attrs.__setitem__("generator", "someone else"), "not pixelpde"),
        (lambda f: f.attrs.__setitem__("version", 2), "version 2"),
        (lambda f: f.attrs.__delitem__("seed"), "missing attribute"),
        (lambda f: f.attrs.__delitem__("alpha"), "missing parameter"),
        (lambda f: f.__delitem__("t"), "missing dataset"),
    ],
)
def test_mislabelled_files_are_refused(heat_file, tmp_path, edit, message):
    path = _copy(heat_file, tmp_path / "m.h5")
    with h5py.File(path, "r+") as f:
        edit(f)
    with pytest.raises(InputError, match=message):
        Dataset.open(path)


# -- windows ---------------------------------------------------------------------------------


def test_training_windows_of_a_dataset_file_are_its_slices(heat_file):
    """The one window enumeration (pixelpde.learned.data) on a dataset file: every start, strides, refusals."""
    from pixelpde.learned.data import Trajectories, gather_windows, window_index

    data = Trajectories.open(heat_file)
    with Dataset.open(heat_file) as ds:
        index = window_index(data.n_trajectories, data.n_steps, 3)
        windows = gather_windows(data.U, index, 3)
        assert windows.shape == (5 * 5, 3, 12, 12)  # 5 trajectories x (7 - 3 + 1) starts
        for w, (i, s) in zip(windows, index.tolist(), strict=True):
            np.testing.assert_array_equal(w.numpy(), ds.trajectory(i)[s : s + 3])
        strided = window_index(data.n_trajectories, data.n_steps, 2, stride=3)
        assert strided.tolist() == [[i, s] for i in range(5) for s in (0, 3)]
        whole = gather_windows(data.U, window_index(data.n_trajectories, data.n_steps, ds.n_steps + 1), ds.n_steps + 1)
        np.testing.assert_array_equal(whole[4].numpy(), ds.trajectory(4))
        with pytest.raises(InputError):
            window_index(data.n_trajectories, data.n_steps, 8)
        with pytest.raises(InputError):
            window_index(data.n_trajectories, data.n_steps, 2, stride=0)
        with pytest.raises(InputError, match="out of range"):
            ds.trajectory(5)


def test_semidiscrete_system_of_a_dataset(heat_file):
    with Dataset.open(heat_file) as ds:
        sd = ds.semidiscrete()
        assert sd.dx == ds.dx_exact
        assert str(sd.bc) == "dirichlet"
        np.testing.assert_allclose(sd.L, 0.01 / float(ds.dx_exact) ** 2 * np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]]))


def test_generate_argument_errors():
    for kwargs, message in [
        (dict(problem="burgers"), "unknown problem"),
        (dict(p=2), "p=2"),
        (dict(dt=-0.1), "dt=-0.1"),
        (dict(dt=float("nan")), "dt=nan"),
        (dict(n=0), "n=0"),
        (dict(steps=-1), "steps=-1"),
        (dict(seed=-3), "seed=-3"),
        (dict(backend="fenics"), "unknown backend"),
        (dict(solver="cg"), "unknown linear solver"),
        (dict(b=(1, 1)), "unknown parameter"),
        (dict(alpha=-1.0), "alpha=-1.0"),
    ]:
        args = dict(problem="heat", n=1, steps=1, seed=0, **SMALL)
        args.update(kwargs)
        with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
            generate(**args)


def test_a_simulation_spec_is_the_one_request(tmp_path):
    """generate/simulate_to_file are the keyword forms of simulate/write_simulation of one SimulationSpec."""
    import dataclasses

    from pixelpde.fem import SimulationSpec, simulate, write_simulation

    spec = SimulationSpec("fisher", n=2, steps=3, seed=4, p=12, params={"min_norm": 0.5})
    via_spec = simulate(spec, progress=False)
    via_args = generate("fisher", 2, 3, 4, p=12, progress=False, min_norm=0.5)
    np.testing.assert_array_equal(via_spec.U, via_args.U)
    assert via_spec.attrs == via_args.attrs
    assert via_spec.attrs["min_norm"] == 0.5
    attrs = write_simulation(tmp_path / "f.h5", spec, progress=False)
    with Dataset.open(tmp_path / "f.h5") as ds:
        np.testing.assert_array_equal(ds.trajectory(1), via_spec.U[1])
    assert attrs["seed"] == 4
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.n = 3
    with pytest.raises(InputError, match="backend"):
        simulate(dataclasses.replace(spec, backend="gpu"), progress=False)
