"""Q1 matrices and the two solvers: scikit-fem assembly == closed Kronecker forms,
fast diagonalisation == sparse LU, closed-form trilinear form == scikit-fem."""

import numpy as np
import pytest
import scipy.sparse as sps
from hypothesis import given, settings
from hypothesis import strategies as st

from pixelpde.fem import q1
from pixelpde.fem.linalg import Pencil, SparseLUSolver, SpectralSolver, get_solver
from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition

BCS = ["periodic", "dirichlet"]
grids = st.tuples(st.sampled_from(BCS), st.integers(3, 11))


def _dense(A):
    return A.toarray() if sps.issparse(A) else A


@settings(max_examples=12)
@given(grids)
def test_scikit_fem_matrices_are_the_closed_kronecker_forms(grid):
    bc, p = grid
    assembled = q1.assemble(bc, p).matrices
    closed = q1.kronecker_forms(bc, p)
    for name in ("M", "K", "Cx", "Cy"):
        np.testing.assert_allclose(_dense(assembled[name]), _dense(closed[name]), rtol=0, atol=1e-14, err_msg=name)


@pytest.mark.parametrize("bc", BCS)
def test_one_dimensional_closed_forms(bc):
    """dx/6 (1,4,1), (-1,2,-1)/dx, (-1,0,1)/2 -- circulant when periodic, on the grids of stencils.boundary."""
    p = 6
    h = float(BoundaryCondition.parse(bc).spacing(p))
    M1, K1, G1 = (_dense(f(bc, p)) for f in (q1.mass_1d, q1.stiffness_1d, q1.derivative_1d))
    assert M1[2, 1:4] == pytest.approx(np.array([1, 4, 1]) * h / 6)
    assert K1[2, 1:4] == pytest.approx(np.array([-1, 2, -1]) / h)
    assert G1[2, 1:4] == pytest.approx([-0.5, 0, 0.5])
    wrap = bc == "periodic"
    assert (M1[0, -1] != 0) == wrap
    assert (K1[-1, 0] != 0) == wrap
    assert (G1[0, -1] != 0) == wrap
    assert h == (1 / p if wrap else 1 / (p + 1))


@pytest.mark.parametrize("p", [3, 4, 9])
def test_periodic_advection_matrices_are_skew_with_zero_column_sums(p):
    """What makes (33) conserve the mass int U (phi = 1) and the norm int U^2 (phi = U_1/2)."""
    m = q1.assemble("periodic", p).matrices
    for name in ("Cx", "Cy"):
        C = _dense(m[name])
        np.testing.assert_allclose(C, -C.T, atol=1e-15)
        np.testing.assert_allclose(C.sum(axis=0), 0, atol=1e-15)
    assert np.all(np.linalg.eigvalsh(_dense(m["M"])) > 0)
    assert _dense(m["M"]).sum() == pytest.approx(1.0, abs=1e-14)  # int 1 = area of the unit square


# allow_subnormal=False: a process that has imported Firedrake runs with subnormals flushed to zero
_floats = lambda lo, hi: st.floats(lo, hi, allow_subnormal=False)
pencils = st.tuples(_floats(0.1, 10), _floats(0, 1), _floats(-1, 1), _floats(-1, 1))


@settings(max_examples=10)
@given(grids, pencils, st.integers(0, 2**32 - 1))
def test_fast_diagonalisation_agrees_with_sparse_lu(grid, coeffs, seed):
    bc, p = grid
    a, b, cx, cy = coeffs
    if bc == "dirichlet":
        cx = cy = 0.0  # the sine transform does not diagonalise C (and no Dirichlet scheme needs it)
    lhs, rhs = Pencil(a, b, cx, cy), Pencil(1.0, -0.5 * b, -cx, cy)
    U = np.random.default_rng(seed).standard_normal((3, p, p))
    fast, lu = SpectralSolver(bc, p), SparseLUSolver(bc, p)
    scale = np.abs(lu.apply(lhs, U)).max()
    np.testing.assert_allclose(fast.apply(lhs, U), lu.apply(lhs, U), rtol=0, atol=1e-13 * scale)
    X = lu.solve(lhs, U, rhs)
    np.testing.assert_allclose(fast.solve(lhs, U, rhs), X, rtol=0, atol=1e-12 * np.abs(X).max())
    np.testing.assert_allclose(fast.solve(lhs, lu.apply(lhs, U)), U, rtol=0, atol=1e-12 * np.abs(U).max())
    steps = list(fast.propagate(lhs, rhs, U, 3))
    ref = list(lu.propagate(lhs, rhs, U, 3))
    np.testing.assert_allclose(steps[-1], ref[-1], rtol=0, atol=1e-12 * np.abs(ref[-1]).max())


@pytest.mark.parametrize("p", [3, 4, 8, 100])
def test_dense_and_fft_sine_transforms_agree(p):
    """p = 100 uses the dense DST-I (2(p+1) = 202 = 2 x 101 is a slow FFT length); both are the same transform."""
    U = np.random.default_rng(p).standard_normal((2, p, p))
    fft, dense = SpectralSolver("dirichlet", p, transform="fft"), SpectralSolver("dirichlet", p, transform="dense")
    np.testing.assert_allclose(fft.forward(U), dense.forward(U), atol=1e-13)
    np.testing.assert_allclose(dense.inverse(dense.forward(U)), U, atol=1e-13)
    assert SpectralSolver("dirichlet", 100).transform == "dense"
    assert SpectralSolver("dirichlet", 99).transform == "fft"


@settings(max_examples=12)
@given(grids, st.integers(0, 2**32 - 1))
def test_trilinear_form_agrees_with_scikit_fem(grid, seed):
    bc, p = grid
    rng = np.random.default_rng(seed)
    U, V = rng.standard_normal((2, 2, p, p))
    lu = SparseLUSolver(bc, p)
    np.testing.assert_allclose(q1.product(U, V, bc), lu.product(U, V), rtol=0, atol=1e-15)
    np.testing.assert_allclose(q1.product(U, U, bc), lu.product(U, U), rtol=0, atol=1e-15)


@pytest.mark.parametrize("bc", BCS)
def test_trilinear_form_with_a_constant_is_the_mass_matrix(bc):
    """int U * 1 * phi = (M U) on periodic grids (and int U V phi is symmetric in U, V)."""
    p = 7
    rng = np.random.default_rng(0)
    U, V = rng.standard_normal((2, p, p))
    np.testing.assert_allclose(q1.product(U, V, bc), q1.product(V, U, bc), atol=1e-16)
    if bc == "periodic":
        M = SpectralSolver(bc, p).apply(Pencil(mass=1.0), U)
        np.testing.assert_allclose(q1.product(U, np.ones((p, p)), bc), M, atol=1e-16)


def test_solver_errors():
    with pytest.raises(InputError, match="unknown linear solver"):
        get_solver("cg", "periodic", 8)
    with pytest.raises(InputError, match="sine transform"):
        SpectralSolver("dirichlet", 8).symbol(Pencil(1.0, adv_x=1.0))
    with pytest.raises(InputError, match="8 x 8"):
        SpectralSolver("periodic", 8).apply(Pencil(1.0), np.zeros((3, 4)))
    with pytest.raises(InputError, match="p=2"):
        SpectralSolver("periodic", 2)
