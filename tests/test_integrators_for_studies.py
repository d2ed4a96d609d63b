"""What the convergence studies need from ``pixelpde.integrators``: ``advance`` and the stability function."""

import pytest
import torch

from pixelpde.ground.errors import InputError
from pixelpde.integrators import advance, get_integrator, rollout


def _field(U):
    return torch.roll(U, 1, dims=-1) - U * U


@pytest.mark.parametrize("name", ["euler", "projected-rk2", "rk4"])
@pytest.mark.parametrize("shape", [(6, 7), (3, 6, 7), (3, 1, 6, 7)])
def test_advance_is_last_rollout_state(name, shape):
    U0 = torch.rand(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    integ = get_integrator(name, substeps=2)
    traj = rollout(_field, U0, 0.05, 7, integ)
    last = traj[-1] if U0.ndim == 2 else traj[:, -1]
    assert torch.equal(advance(_field, U0, 0.05, 7, integ), last)


def test_advance_zero_steps_and_gradients():
    U0 = torch.rand(5, 5, dtype=torch.float64, requires_grad=True)
    assert advance(_field, U0, 0.1, 0, get_integrator("rk4")) is U0
    out = advance(_field, U0, 0.1, 3, get_integrator("rk4"), grad=True)
    out.sum().backward()
    assert U0.grad is not None
    assert not advance(_field, U0, 0.1, 3, get_integrator("rk4"), grad=False).requires_grad


@pytest.mark.parametrize("steps", [-1, 1.5, True])
def test_advance_refuses_bad_steps(steps):
    with pytest.raises(InputError):
        advance(_field, torch.zeros(4, 4), 0.1, steps, get_integrator("euler"))


@pytest.mark.parametrize("name", ["euler", "rk2", "rk4"])
@pytest.mark.parametrize("substeps", [1, 3])
@pytest.mark.parametrize("z", [-0.7, 0.3, 1.9j, -1.2 + 0.8j])
def test_stability_function_is_the_step_on_a_linear_scalar_problem(name, substeps, z):
    integ = get_integrator(name, substeps)
    lam = torch.tensor(complex(z), dtype=torch.complex128)
    U = torch.ones(2, 2, dtype=torch.complex128)
    out = integ.step(lambda V: lam * V, U, 1.0)
    assert torch.allclose(out, torch.full_like(U, complex(integ.stability_function(complex(z)))), rtol=1e-14, atol=0)
