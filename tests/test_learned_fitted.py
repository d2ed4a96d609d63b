"""--init fitted (pixelpde.learned.fitted): conventions, exact recovery of a known linear map, the embedding."""

import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pixelpde.ground.errors import InputError
from pixelpde.integrators import get_integrator, rollout
from pixelpde.learned import fitted
from pixelpde.learned.architectures import parse_arch
from pixelpde.learned.data import Trajectories
from pixelpde.stencils.boundary import convolve

pytestmark = pytest.mark.usefixtures("single_thread")
f64 = torch.float64


def _random_chain(widths, k=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, a, k, k, dtype=f64, generator=g) for a, b in itertools.pairwise(widths)]


def _apply_chain(chain, U):
    x = U[:, None]
    for W in chain:
        x = convolve(x, W, "periodic")
    return x[:, 0]


def test_symbol_convention_matches_the_chain_and_the_stencil():
    """F(U) = ifft2(symbol * fft2(U)) for the chain's symbol, and stencil_symbol agrees with conv2d."""
    U = torch.randn(3, 13, 13, dtype=f64, generator=torch.Generator().manual_seed(1))
    chain = _random_chain([1, 2, 3, 1])
    S = fitted.linear_chain_symbol(chain, 13)
    assert torch.allclose(torch.fft.ifft2(S * torch.fft.fft2(U)).real, _apply_chain(chain, U), atol=1e-12, rtol=0)
    K = torch.randn(5, 5, dtype=f64, generator=torch.Generator().manual_seed(2))
    via_conv = convolve(U[:, None], K[None, None], "periodic")[:, 0]
    via_symbol = torch.fft.ifft2(fitted.stencil_symbol(K, 13) * torch.fft.fft2(U)).real
    assert torch.allclose(via_conv, via_symbol, atol=1e-12, rtol=0)


def test_embedding_reproduces_the_linear_chain_exactly():
    """The +/- channel pairs of eqs. (28)-(29): the ReLU network equals the linear chain it holds."""
    spec = parse_arch("table2")
    chain = _random_chain([1, 4, 8, 8, 4, 1], seed=3)
    model = spec.build("periodic", dtype=f64)
    fitted.embed_linear_chain(model, spec, chain)
    U = torch.randn(2, 12, 12, dtype=f64, generator=torch.Generator().manual_seed(4))
    scale = _apply_chain(chain, U).abs().max()
    assert (model(U) - _apply_chain(chain, U)).abs().max() <= 1e-13 * scale


@pytest.mark.parametrize(("integrator", "substeps"), [("euler", 2), ("euler", 1), ("projected-euler", 2)])
def test_a_known_linear_map_is_recovered(integrator, substeps):
    """Data made by stepping a known stencil F0: the fitted target equals F0's symbol on every mode,
    the chosen stencil equals F0's taps, and the embedded network steps like the data."""
    p, dt = 12, 0.05
    F0 = torch.tensor([[0.0, 1.5, 0.0], [-1.0, -2.0, 0.5], [0.0, 1.0, 0.0]], dtype=f64)
    integ = get_integrator(integrator, substeps)
    if integ.projected:  # a skew-symmetric F0 is what the projected integrator's data look like: |G| = 1 per mode
        F0 = torch.tensor([[0.0, 1.0, 0.0], [-2.0, 0.0, 2.0], [0.0, -1.0, 0.0]], dtype=f64)
    field = lambda U: convolve(U[:, None], F0[None, None], "periodic")[:, 0]
    U0 = torch.randn(6, p, p, dtype=f64, generator=torch.Generator().manual_seed(5))
    if integ.projected:  # exact unitary data: G = (1 + hF0)^s / |1 + hF0|^s per mode
        h = dt / substeps
        S = fitted.stencil_symbol(F0, p)
        G = ((1 + h * S) / (1 + h * S).abs()) ** substeps
        U = [U0]
        for _ in range(3):
            U.append(torch.fft.ifft2(G * torch.fft.fft2(U[-1])).real)
        U = torch.stack(U, 1)
    else:
        U = rollout(field, U0, dt, 3, integ, grad=False)
    data = Trajectories(U, dt, f"1/{p}", "periodic", "u_t = u_x + u_y")
    target, weights, info = fitted.fitted_target(data, dt, integ)
    assert info["seen_modes"] == p * p
    S0 = fitted.stencil_symbol(F0, p)
    if not integ.projected:
        assert (target - S0).abs().max() <= 1e-9 * S0.abs().max()
    # the target field, stepped by the integrator itself (projection included), reproduces the data
    exact_field = lambda V: torch.fft.ifft2(target * torch.fft.fft2(V)).real
    stepped = rollout(exact_field, U[:, 0], dt, 3, integ, grad=False)
    assert (stepped - U).abs().max() <= 1e-12 * U.abs().max()
    K, _ = fitted.choose_stencil(target, weights, 1, dt, integ)
    if not integ.projected:
        assert (K - F0).abs().max() <= 1e-6 * F0.abs().max()
    spec = parse_arch("1-8-8-1/1-1-1")
    model = spec.build("periodic", dtype=f64)
    info = fitted.fitted_init_(model, spec, data, dt, integ, torch.Generator().manual_seed(0))
    pred = rollout(model, U[:, 0], dt, 3, integ, grad=False)
    rel = torch.linalg.vector_norm(pred - U) / torch.linalg.vector_norm(U)
    assert rel < (1e-4 if integ.projected else 1e-5), info  # projected: the 7 x 7 stencil of G^(1/2) is not exact


def test_refuses_what_it_cannot_describe():
    U = torch.randn(2, 3, 8, 8, dtype=f64)
    with pytest.raises(InputError, match="periodic"):
        fitted.check_fittable(Trajectories(U, 0.01, "1/9", "dirichlet", "u_t = u_xx + u_yy"))
    with pytest.raises(InputError, match="linear PDE"):
        fitted.check_fittable(Trajectories(U, 0.01, "1/8", "periodic", "u_t = u_xx + u*(1 - u)"))
    data = Trajectories(U, 0.01, "1/8", "periodic", "u_t = u_x")
    with pytest.raises(InputError, match="Algorithm 2"):
        fitted.fitted_init_(
            parse_arch("algorithm1").build("periodic"),
            parse_arch("algorithm1"),
            data,
            0.01,
            get_integrator("euler"),
            torch.Generator(),
        )
    spec = parse_arch("table2")
    model = spec.build("periodic")
    with pytest.raises(InputError, match="receptive field"):
        fitted.fitted_init_(model, spec, data, 0.01, get_integrator("euler"), torch.Generator())


def test_cli_train_init_fitted_on_dirichlet_data_is_one_line(tmp_path, capsys):
    from pixelpde.cli import main
    from pixelpde.fem import generate, write_dataset

    write_dataset(tmp_path / "heat.h5", generate("heat", 2, 3, 0, p=8, progress=False))
    code = main(
        [
            "train",
            "heat",
            "--data",
            str(tmp_path / "heat.h5"),
            "--init",
            "fitted",
            "--epochs",
            "1",
            "--stages",
            "2",
            "--out",
            str(tmp_path / "run"),
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1
    assert "periodic" in err[0]
    assert not (tmp_path / "run" / "model.pt").exists()


# -- --tied-pairs: fine-tuning that keeps the fitted linear network --------------------------------------------


@settings(max_examples=60, deadline=None)
@given(out=st.integers(1, 5), inp=st.integers(1, 5), k=st.sampled_from([1, 3]), seed=st.integers(0, 2**31 - 1))
def test_tie_pairs_is_the_orthogonal_projection_onto_the_paired_layout(out, inp, k, seed):
    """For all layer shapes: P(W) has exactly the layout of embed_linear_chain (each pair group +A / -A,
    an odd last channel 0), P(P(W)) = P(W) bit for bit, and W - P(W) is orthogonal to every P(V)."""
    g = torch.Generator().manual_seed(seed)
    W, V = (torch.randn(out, inp, k, k, dtype=f64, generator=g) for _ in range(2))
    P = fitted.tie_pairs(W)
    assert torch.equal(fitted.tie_pairs(P), P)
    assert abs(float(((W - P) * fitted.tie_pairs(V)).sum())) <= 1e-12 * float(W.abs().sum() * V.abs().sum())
    for o in range(out):
        for i in range(inp):
            odd = (out > 1 and out % 2 and o == out - 1) or (inp > 1 and inp % 2 and i == inp - 1)
            if odd:
                assert torch.all(P[o, i] == 0)
                continue
            so = 1 if out == 1 else (-1) ** (o % 2)
            si = 1 if inp == 1 else (-1) ** (i % 2)
            base = P[o - o % 2 if out > 1 else 0, i - i % 2 if inp > 1 else 0]
            assert torch.equal(P[o, i], so * si * base)
    # the layout embed_linear_chain writes is fixed by the projection
    spec = parse_arch("1-4-6-5-1/1-2-1")
    model = spec.build("periodic", dtype=f64)
    fitted.embed_linear_chain(model, spec, _random_chain([1, 2, 3, 2, 1], seed=seed % 1000))
    assert fitted.tie_defect(model) == 0


def _advection(n, steps, seed, p=12):
    from pixelpde.fem import generate

    return Trajectories.from_arrays(generate("advection", n, steps, seed, p=p, progress=False))


@pytest.mark.parametrize("tied", [True, False])
def test_fine_tuning_with_tied_pairs_keeps_the_network_linear(tmp_path, tied):
    """Adam at a deliberately large lr from the fitted start: with --tied-pairs the network stays exactly
    tied (biases and ReLU^2 branch exactly 0), hence linear, and its loss falls; without, the same training
    moves the biases and the network is no longer linear (the failure --tied-pairs prevents)."""
    from pixelpde.learned.train import TrainConfig, train

    data = _advection(4, 4, 0)
    config = TrainConfig(
        arch="1-4-4-1/1-2-1",
        integrator="projected-euler",
        substeps=2,
        init="fitted",
        stages=(2,),
        epochs=3,
        lr=1e-3,
        batch_size=4,
        dtype="float64",
        tied_pairs=tied,
    )
    result = train(data, config, tmp_path / "run", progress=False)
    model = result.model
    g = torch.Generator().manual_seed(9)
    U, V = (torch.randn(2, 12, 12, dtype=f64, generator=g) for _ in range(2))
    with torch.no_grad():
        nonlinearity = float((model(2 * U - 3 * V) - (2 * model(U) - 3 * model(V))).abs().max())
        scale = float(model(U).abs().max())
    if tied:
        assert fitted.tie_defect(model) == 0
        assert nonlinearity <= 1e-12 * scale
        assert all(torch.all(b == 0) for n, b in model.named_parameters() if n.endswith("bias"))
        losses = [r["loss"] for r in result.log]
        assert losses[-1] < losses[0], losses
    else:
        assert fitted.tie_defect(model) > 1e-5
        assert nonlinearity > 1e-6 * scale


def test_tied_pairs_is_refused_without_the_fitted_start():
    from pixelpde.learned.train import TrainConfig

    with pytest.raises(InputError, match="--tied-pairs is an option of --init fitted"):
        TrainConfig(init="random", tied_pairs=True)
    spec = parse_arch("1-4-4-1/1-2-1")
    from pixelpde.learned.embedding import random_init_

    model = random_init_(spec.build("periodic", dtype=f64), torch.Generator().manual_seed(0))  # not tied
    with pytest.raises(InputError, match="does not start with tied"):
        fitted.tied_projection(model)


def test_a_tied_fine_tuning_resumes_bit_for_bit_without_refitting(tmp_path, monkeypatch):
    """--resume restores every weight from the checkpoint: the fitted initialisation (minutes at p = 100) is
    not computed again, and the resumed run ends with exactly the weights of the uninterrupted one."""
    from pixelpde.learned.train import TrainConfig, train

    data = _advection(4, 4, 0)
    config = TrainConfig(
        arch="1-4-4-1/1-2-1",
        integrator="projected-euler",
        substeps=2,
        init="fitted",
        tied_pairs=True,
        stages=(2, 3),
        epochs=2,
        lr=1e-4,
        batch_size=4,
        dtype="float64",
    )
    full = train(data, config, tmp_path / "full", progress=False)
    train(data, config, tmp_path / "part", progress=False, max_epochs=1)

    def refit(*args, **kwargs):
        raise AssertionError("the fitted initialisation was computed again on --resume")

    monkeypatch.setattr(fitted, "fitted_init_", refit)
    resumed = train(data, config, tmp_path / "part", resume=True, progress=False)
    a, b = full.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [r["loss"] for r in full.log] == [r["loss"] for r in resumed.log]
