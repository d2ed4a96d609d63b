"""The qualitative claims of Figures 3-5 (section 4), at a small size, over several seeds.

Each seed runs the paper's pipeline (:func:`pixelpde.learned.reproduce.reproduce`: finite-element
data, training with the paper's network and integrator from a random initialisation, evaluation
of metrics (23)-(25) over J = 40 steps) on a 16 x 16 grid with 6 training trajectories, 8 epochs
per stage M = 2, 3, and the time step of the paper's p = 100 grid.  Claims checked for every seed:

* Figure 3: on advection, the network trained and rolled out with projected Euler (Psi_2) has a
  smaller rE(40) than the same architecture trained with plain Euler (Psi_1)
  (measured, seeds 0, 1, 2: 0.44 vs 1.08, 0.43 vs 1.11, 0.36 vs 0.49);
* Figures 3-5: heat is easier than advection, for the learned network and for the constructed
  one (learned 0.25, 0.20, 0.10 vs 0.44, 0.43, 0.36).

Not reproduced at this size: heat below Fisher.  Fisher's learned rE(40) is 0.83-0.89 times heat's
on these grids (its constructed 3 x 3 error is 1.06-1.08 times heat's); at p = 100 heat is the
easier one (README: 6.93 % vs 10.6 %).
"""

import pytest

from pixelpde.learned.presets import SIZES, ReproduceSize

SEEDS = (0, 1, 2)
SMALL = ReproduceSize(
    p=16,
    n_train=6,
    train_steps=6,
    n_test=4,
    test_steps=40,
    stages=(2, 3),
    epochs=8,
    lr_step=100,
    batch_size=8,
    constructive_noise=0.0,
    eval_dtype="float32",
    dt_grid=100,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("single_thread")]


@pytest.fixture(scope="module")
def final_errors(tmp_path_factory):
    """{(problem, seed): {model: rE(40)}}, figures not drawn (they are not what is checked)."""
    import pixelpde.learned.plots as plots
    from pixelpde.learned.reproduce import reproduce

    mp = pytest.MonkeyPatch()
    mp.setitem(SIZES, "quick", SMALL)
    mp.setattr(plots, "error_curves", lambda *a, **k: None)
    mp.setattr(plots, "prediction_panel", lambda *a, **k: None)
    root = tmp_path_factory.mktemp("figures")
    out = {}
    try:
        for seed in SEEDS:
            for problem in ("advection", "heat"):
                metrics = reproduce(
                    problem,
                    root / f"{problem}-{seed}",
                    quick=True,
                    seed=seed,
                    progress=False,
                    constructive=False,
                    echo=lambda *a: None,
                )
                out[problem, seed] = {name: m["rE_frac"][-1] for name, m in metrics.items()}
    finally:
        mp.undo()
    print(out)
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_figure3_projected_euler_beats_plain_euler_on_advection(final_errors, seed):
    errors = final_errors["advection", seed]
    assert errors["learned"] < errors["learned-euler"], errors


@pytest.mark.parametrize("seed", SEEDS)
def test_heat_is_easier_than_advection(final_errors, seed):
    heat, advection = final_errors["heat", seed], final_errors["advection", seed]
    assert heat["learned"] < advection["learned"], (heat, advection)
    assert heat["constructed"] < advection["constructed"], (heat, advection)
