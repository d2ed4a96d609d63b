"""The embedded generator and the Firedrake backend give the same trajectories (~1e-10 relative).

Needs Firedrake (optional: ``scripts/install-firedrake.sh``, then run pytest with
that environment's python); skipped with the reason otherwise.
"""

import numpy as np
import pytest

from pixelpde.fem import generate
from pixelpde.ground.errors import InputError


def _firedrake_or_skip():
    from pixelpde.fem.firedrake_backend import import_firedrake

    try:
        return import_firedrake()
    except InputError as exc:
        pytest.skip(f"Firedrake cross-check skipped: {exc}")


pytestmark = pytest.mark.firedrake


@pytest.mark.parametrize(("problem", "p"), [("advection", 24), ("heat", 24), ("fisher", 24), ("fisher", 100)])
def test_embedded_and_firedrake_trajectories_agree(problem, p):
    _firedrake_or_skip()
    n, steps = (2, 5) if p == 100 else (3, 10)
    embedded = generate(problem, n, steps, seed=11, p=p, progress=False)
    firedrake = generate(problem, n, steps, seed=11, p=p, backend="firedrake", progress=False)
    np.testing.assert_array_equal(firedrake.U[:, 0], embedded.U[:, 0])  # the same initial conditions
    relative = np.abs(firedrake.U - embedded.U).max() / np.abs(embedded.U).max()
    print(f"{problem} p={p}: max relative difference {relative:.2e}")
    assert relative < 1e-10
    assert firedrake.attrs["pde"] == embedded.attrs["pde"]
    assert firedrake.attrs["dt"] == embedded.attrs["dt"]
    assert firedrake.attrs["generator"].startswith("pixelpde")
    assert "Firedrake" in firedrake.attrs["generator"]
