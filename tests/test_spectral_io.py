"""pixelpde.spectral as software: systems as data, bad input, HDF5 files, seeding and batching."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from pixelpde.ground.errors import InputError
from pixelpde.spectral.generator import SpectralSpec, simulate, write_simulation
from pixelpde.spectral.presets import PRESETS
from pixelpde.spectral.system import MAX_FIELDS, PolynomialSystem, as_system
from pixelpde.stencils import parse_pde, parse_system

U2 = (0, (0, 0))
HEAT = [[(0.01, ((0, (2, 0)),)), (0.01, ((0, (0, 2)),))]]


@pytest.mark.parametrize(
    ("terms", "dim", "match"),
    [
        ([], 2, "at least one equation"),
        ([[(1.0, ((0, (2,)),))]], 2, "alpha"),
        ([[(1.0, ((1, (0, 0)),))]], 2, "field index"),
        ([[("1", (U2,))]], 2, "not a number"),
        ([[(True, (U2,))]], 2, "not a number"),
        ([[(float("nan"), (U2,))]], 2, "not finite"),
        ([[(1e-320, (U2,))]], 2, None),
        ([[(1.0, (U2,) * 17)]], 2, "degree"),
        ([[(1.0, ((0, (9, 0)),))]], 2, "derivative order"),
        ([[(1.0, ((0, (-1, 0)),))]], 2, "derivative order"),
        ([[(1.0, ((0, (2, 0)), 3))]], 2, "factor"),
        ([[(1.0,)]], 2, "pair"),
        ([[(1.0, (U2,))]] * (MAX_FIELDS + 1), 2, "fields"),
        ([[(1.0, ((0, (0, 0, 0, 0)),))]], 4, "dimension"),
        ("u_t = u", 2, "list of equations"),
    ],
)
def test_bad_systems_are_refused_in_one_line(terms, dim, match):
    if match is None:  # a subnormal coefficient is accepted (float64 holds it)
        PolynomialSystem.from_terms(terms, dim)
        return
    with pytest.raises(InputError, match=match) as info:
        PolynomialSystem.from_terms(terms, dim)
    assert "\n" not in str(info.value)


def test_the_split_and_the_text():
    s = as_system(PRESETS["gray-scott"].terms(), 2, ("u", "v"))
    assert s.linear(0) == {(2, 0): 2e-5, (0, 2): 2e-5, (0, 0): -0.04}
    assert {len(f) for _, f in s.nonlinear(0)} == {0, 3}  # the constant f and -u v^2
    assert s.text().startswith("u_t = 0.04 + 2e-05*u_xx + 2e-05*u_yy - 0.04*u - u*v**2; v_t = ")
    merged = as_system([[(1.0, (U2, (0, (1, 0)))), (2.0, ((0, (1, 0)), U2)), (-3.0, (U2, (0, (1, 0))))]], 2)
    assert merged.terms == ((),)  # equal monomials merged (factor order irrelevant), zeros dropped


def test_a_scalar_system_text_is_the_projects_pde_syntax():
    s = as_system([[(0.01, ((0, (2, 0)),)), (0.01, ((0, (0, 2)),)), (1.0, (U2,)), (-1.0, (U2, U2, U2))]], 2)
    pde = parse_pde(s.text(), size=5, order=4)
    U = np.random.default_rng(0).standard_normal((8, 8))
    expected = parse_pde("u_t = 0.01*u_xx + 0.01*u_yy + u - u**3", size=5, order=4)
    assert np.array_equal(pde.discretise(0.125, "periodic").rhs(U), expected.discretise(0.125, "periodic").rhs(U))


@pytest.mark.parametrize("name", ["gray-scott", "fitzhugh-nagumo", "lambda-omega", "burgers"])
def test_the_text_of_a_2d_preset_reads_back_through_parse_system(name):
    preset = PRESETS[name]
    s = as_system(preset.terms(), 2, preset.fields)
    assert as_system(parse_system(s.text())) == s
    assert as_system(s.text()) == s


def test_a_parsed_system_gives_the_same_data_as_its_terms():
    text = "u_t = 2e-5*(u_xx + u_yy) - u*v**2 + 0.04*(1 - u); v_t = 5e-6*(v_xx + v_yy) + u*v**2 - 0.1*v"
    spec = {"n": 2, "steps": 3, "seed": 0, "p": 16, "dt": 0.5}
    from_text = simulate(SpectralSpec(system=text, **spec), progress=False)[0]
    from_parsed = simulate(SpectralSpec(system=parse_system(text), **spec), progress=False)[0]
    from_terms = simulate(SpectralSpec(system=PRESETS["gray-scott"].terms(), dim=2, **spec), progress=False)[0]
    assert np.array_equal(from_text, from_parsed)
    assert np.abs(from_text - from_terms).max() < 1e-14  # 0.1 = f + k to rounding


def test_an_object_with_terms_and_dim_is_accepted():
    class Parsed:
        dim = 2

        def terms(self):
            return HEAT

    assert as_system(Parsed()).terms == as_system(HEAT, 2).terms


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"preset": "grey-scott"}, "unknown preset"),
        ({"preset": "gray-scott", "params": {"F": 0.1}}, "no parameter"),
        ({"preset": "gray-scott", "params": {"f": "x"}}, "parameter f"),
        ({"preset": "gray-scott", "system": HEAT, "dim": 2}, "exactly one"),
        ({}, "exactly one"),
        ({"preset": "gray-scott", "n": 0}, "n"),
        ({"preset": "gray-scott", "steps": 0}, "steps"),
        ({"preset": "gray-scott", "refine": 0}, "refine"),
        ({"preset": "gray-scott", "refine": 17}, "refine"),
        ({"preset": "gray-scott", "p": 2}, "grid size"),
        ({"preset": "gray-scott", "p": 4000, "refine": 2}, "spectral nodes"),
        ({"preset": "gray-scott", "dt": -1.0}, "dt"),
        ({"preset": "gray-scott", "substeps": 0}, "substeps"),
        ({"system": HEAT, "dim": 2, "dt": 0.1}, "needs the grid size p"),
        ({"system": HEAT, "dim": 2, "p": 8}, "needs the time step"),
        ({"system": HEAT, "p": 8, "dt": 0.1}, "dimension"),
        ({"preset": "gray-scott", "n": 10**6, "steps": 10**6, "p": 4096}, "memory"),
    ],
)
def test_bad_requests_are_refused_before_any_work(kwargs, match):
    spec = {"n": 2, "steps": 2, "seed": 0, **kwargs}
    with pytest.raises(InputError, match=match) as info:
        simulate(SpectralSpec(**spec), progress=False)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("terms", "ok"),
    [
        ([[(-0.01, ((0, (2, 0)),))]], False),  # backward heat
        ([[(0.01, ((0, (4, 0)),))]], False),  # u_t = +u_xxxx
        ([[(-1.0, ((0, (2, 0)),)), (-1.0, ((0, (4, 0)),))]], True),  # Kuramoto-Sivashinsky: growth at low k only
        ([[(1.0, ((0, (3, 0)),))]], True),  # dispersion: Re L = 0
        ([[(5.0, (U2,))]], True),  # uniform growth is a reaction, not ill-posedness
    ],
)
def test_ill_posed_linear_parts_are_refused(terms, ok):
    spec = SpectralSpec(n=1, steps=1, seed=0, system=terms, dim=2, p=16, dt=1e-4)
    if ok:
        simulate(spec, progress=False)
    else:
        with pytest.raises(InputError, match="ill-posed"):
            simulate(spec, progress=False)


def test_a_dataset_too_large_for_the_disk_is_refused_and_nothing_is_written(tmp_path):
    out = tmp_path / "big.h5"
    with pytest.raises(InputError, match="free"):
        write_simulation(out, SpectralSpec(n=10**6, steps=100, seed=0, preset="gray-scott", p=512), progress=False)
    assert list(tmp_path.iterdir()) == []


def test_blow_up_is_one_line_and_leaves_no_file(tmp_path):
    out = tmp_path / "blow.h5"
    spec = SpectralSpec(n=1, steps=20, seed=0, system=[[(50.0, (U2, U2))]], dim=2, p=8, dt=0.1)
    with pytest.raises(InputError, match="not finite"):
        write_simulation(out, spec, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_system_file_layout_and_attributes(tmp_path):
    out = tmp_path / "gs.h5"
    attrs = write_simulation(out, SpectralSpec(n=3, steps=4, seed=7, preset="gray-scott", p=16), progress=False)
    U, _, ic, mem_attrs = simulate(SpectralSpec(n=3, steps=4, seed=7, preset="gray-scott", p=16), progress=False)
    with h5py.File(out, "r") as f:
        assert f["U"].shape == (3, 5, 2, 16, 16)
        assert f["U"].chunks == (1, 5, 2, 16, 16)
        assert np.array_equal(f["U"][...], U)
        assert np.allclose(f["t"][...], 0.5 * np.arange(5), rtol=0, atol=0)
        assert [c.decode() if isinstance(c, bytes) else c for c in f["ic"].attrs["columns"]] == [
            "trajectory", "x1", "y1", "x2", "y2",
        ]  # fmt: skip
        assert np.array_equal(f["ic"][...], ic)
        a = f.attrs
        assert a["fields"] == "u,v"
        assert a["system"] == attrs["system"] == mem_attrs["system"]
        assert (a["channels"], a["dim"], a["p"], a["bc"], a["dx"]) == (2, 2, 16, "periodic", 1 / 16)
        assert a["problem"] == "gray-scott"
        assert str(a["generator"]).startswith("pixelpde")
        assert "PeRCNN" in a["source"]


def test_initial_states_are_the_presets_formula_seeded_per_trajectory():
    """Odd p carries every mode, so snapshot 0 is the formula at the nodes; trajectory i uses
    SeedSequence(seed).spawn(n)[i]."""
    U, _, ic, _ = simulate(SpectralSpec(n=3, steps=1, seed=7, preset="gray-scott", p=15), progress=False)
    preset = PRESETS["gray-scott"]
    X = np.meshgrid(np.arange(15) / 15, np.arange(15) / 15, indexing="ij")
    for i, seq in enumerate(np.random.SeedSequence(7).spawn(3)):
        state, row = preset.ic(np.random.default_rng(seq), X, 15, preset.params)
        assert np.abs(U[i, 0] - state).max() < 1e-14
        assert np.array_equal(ic[i], [i, *row])


def test_a_scalar_2d_system_keeps_the_scalar_shape(tmp_path):
    out = tmp_path / "heat.h5"
    write_simulation(out, SpectralSpec(n=2, steps=3, seed=0, system=HEAT, dim=2, p=12, dt=0.1), progress=False)
    with h5py.File(out, "r") as f:
        assert f["U"].shape == (2, 4, 12, 12)
        assert f.attrs["channels"] == 1


@pytest.mark.parametrize(("dim", "shape"), [(1, (2, 3, 1, 16)), (3, (2, 3, 1, 8, 8, 8))])
def test_other_dimensions_carry_a_channel_axis(dim, shape):
    heat = [[(0.01, ((0, tuple(2 if i == j else 0 for j in range(dim))),)) for i in range(dim)]]
    U, *_ = simulate(SpectralSpec(n=2, steps=2, seed=0, system=heat, dim=dim, p=shape[-1], dt=0.1), progress=False)
    assert U.shape == shape


def test_trajectories_do_not_depend_on_batching_or_on_n():
    spec = {"steps": 3, "seed": 11, "preset": "lambda-omega", "p": 16}
    U3, *_ = simulate(SpectralSpec(n=3, **spec), progress=False, batch=1)
    U3b, *_ = simulate(SpectralSpec(n=3, **spec), progress=False)
    U2, *_ = simulate(SpectralSpec(n=2, **spec), progress=False)
    other, *_ = simulate(SpectralSpec(n=2, **{**spec, "seed": 12}), progress=False)
    assert np.array_equal(U3, U3b)
    assert np.array_equal(U3[:2], U2)
    assert not np.allclose(U2, other)


def test_refine_samples_the_finer_solution_at_the_pixel_nodes():
    """Burgers at p = 32: refine 2 and 4 agree to 1e-6 (the fine grids resolve it), refine 1 less well."""
    spec = {"n": 1, "steps": 4, "seed": 3, "preset": "burgers", "p": 32, "dt": 0.02, "substeps": 8}
    fine = simulate(SpectralSpec(refine=4, **spec), progress=False)[0]
    mid = simulate(SpectralSpec(refine=2, **spec), progress=False)[0]
    coarse = simulate(SpectralSpec(refine=1, **spec), progress=False)[0]
    assert np.abs(mid - fine).max() < 1e-9
    assert np.abs(coarse - fine).max() > np.abs(mid - fine).max()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_runs_and_cites_its_source(name):
    preset = PRESETS[name]
    assert "(checked)" in preset.source
    p = 8 if preset.dim == 3 else 16
    U, _, _, attrs = simulate(SpectralSpec(n=1, steps=2, seed=0, preset=name, p=p), progress=False)
    assert U.shape == (1, 3, 2) + (p,) * preset.dim
    assert np.all(np.isfinite(U))
    assert attrs["rescaling"]
    assert attrs["ic_formula"]


def test_a_spectral_dataset_opens_and_describes_itself(tmp_path):
    """It has no Appendix A problem: repr names its system instead (it raised AttributeError)."""
    from pixelpde.fem.dataset import Dataset

    out = tmp_path / "heat.h5"
    write_simulation(out, SpectralSpec(n=2, steps=3, seed=0, system=HEAT, dim=2, p=12, dt=0.1), progress=False)
    with Dataset.open(out) as ds:
        assert ds.problem is None
        assert repr(ds).startswith(f"Dataset({str(out)!r}: {ds.pde}, 2 trajectories x 4 snapshots of 12x12")
