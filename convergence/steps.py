r"""Default step counts for refinement studies.

A study takes :math:`n_0 g^i` steps of size :math:`T / (n_0 g^i)` on level i
(g = 2 in a time study, :math:`2^k` in a space study at a fixed ratio
:math:`\delta t / \delta x^k`).  The default :math:`n_0` is the smallest
count that makes every level stable and the coarsest one accurate, both
judged from the semi-discrete field X of (11) at :math:`U^0`:

* stability, :math:`n_{stab}`: the eigenvalues of the Jacobian
  :math:`X'(U^0)` lie in a rectangle :math:`[a, b] \times i[-c, c]`
  (Bendixson's theorem: the symmetric and skew parts of the linear kernel
  L, each bounded by Gershgorin, widened on every side by a bound of the
  quadratic terms' Jacobian).  :math:`n_{stab}` is the smallest n for which
  no :math:`\lambda` there is amplified by the integrator more than by the
  exact flow by over a factor e in total:
  :math:`n \max_\lambda \big(\log|R(\delta t\lambda)| - \max(0, \mathrm{Re}\,\delta t\lambda)\big) \le 1`,
  R the integrator's stability function.  (Explicit Euler is never stable
  for the imaginary spectrum of central advection; this keeps its growth
  bounded.)
* accuracy, :math:`n_{acc}`: a method of order r has a global error of
  about :math:`T \rho^{r+1} \delta t^r / (r+1)!` relative to the solution,
  with :math:`\rho = \max(\|X(U^0)\| / \|U^0\|, \|X'(U^0) X(U^0)\| / \|X(U^0)\|)` the
  rate at which the solution changes; :math:`n_{acc}` makes that estimate
  equal to ``target`` (:data:`TARGET`), and keeps :math:`\rho\,\delta t \le 1/2`
  (:data:`Z_MAX`): small enough for the coarsest step to be in the
  asymptotic regime, large enough for the finest to stay far above
  round-off.

These are heuristics, documented in ``docs/convergence.md``; the number of
steps can always be given explicitly.
"""

from __future__ import annotations

import math

import numpy as np

#: Relative error aimed at on the coarsest level of a study.
TARGET = 1e-2
#: Largest rho * dt on the coarsest level (beyond it, higher-order terms still show).
Z_MAX = 0.5


def nonlinear_bound(sd, U0: np.ndarray) -> float:
    """A bound of the max-norm of the quadratic terms' Jacobian at U0:
    :math:`V \\mapsto \\sum_i \\beta_i [(D_{2i-1} * V)(D_{2i} * U_0) + (D_{2i-1} * U_0)(D_{2i} * V)]`."""
    bound = 0.0
    for i, beta in enumerate(sd.betas):
        D1, D2 = sd.D[2 * i], sd.D[2 * i + 1]
        a = float(np.max(np.abs(sd.correlate(D1, U0))))
        b = float(np.max(np.abs(sd.correlate(D2, U0))))
        bound += abs(beta) * (np.abs(D1).sum() * b + a * np.abs(D2).sum())
    for gamma, kernels in getattr(sd, "higher", ()):  # d/dV prod_j (K_j * U) = sum_j (K_j * V) prod_{l != j} (K_l * U)
        sizes = [float(np.max(np.abs(sd.correlate(K, U0)))) for K in kernels]
        for j, K in enumerate(kernels):
            bound += abs(gamma) * float(np.abs(K).sum()) * float(np.prod(sizes[:j] + sizes[j + 1 :]))
    return bound


def spectrum_rectangle(sd, U0: np.ndarray) -> tuple[float, float, float]:
    """``(a, b, c)`` with the eigenvalues of X'(U0) in ``[a, b] x i[-c, c]``: Gershgorin discs of the
    symmetric and skew parts of the linear kernel, widened by :func:`nonlinear_bound` for the nonlinear terms."""
    L = sd.L
    flipped = L[::-1, ::-1]
    sym, skew = (L + flipped) / 2, (L - flipped) / 2
    centre = sd.size // 2
    middle = float(sym[centre, centre])
    radius = float(np.abs(sym).sum()) - abs(middle)
    extra = nonlinear_bound(sd, U0)
    return middle - radius - extra, middle + radius + extra, float(np.abs(skew).sum()) + extra


def stable_steps(integrator, rectangle, T: float, samples: int = 41) -> int:
    """Smallest n with ``n * max excess growth <= 1`` over the rectangle (module docstring)."""
    a, b, c = rectangle
    x, y = np.meshgrid(np.linspace(a, b, samples), np.linspace(-c, c, samples))
    lam = (x + 1j * y).ravel()

    def ok(n: int) -> bool:
        z = lam * (T / n)
        with np.errstate(over="ignore", divide="ignore"):
            excess = np.log(np.abs(integrator.stability_function(z))) - np.maximum(0.0, z.real)
        worst = float(np.max(excess))
        return not math.isnan(worst) and n * max(0.0, worst) <= 1.0

    high = 1
    while not ok(high):
        high *= 2
    low = high // 2
    while high - low > 1:  # ok(high), not ok(low) (or low == 0)
        mid = (low + high) // 2
        low, high = (low, mid) if ok(mid) else (mid, high)
    return high


def solution_rate(sd, U0: np.ndarray) -> float:
    """How fast the semi-discrete solution of ``sd`` changes at ``U0``:
    :math:`\\rho = \\max(\\|X(U_0)\\| / \\|U_0\\|, \\|X'(U_0) X(U_0)\\| / \\|X(U_0)\\|)` (the Jacobian product by
    central differences), 0 for a zero field or a steady state; it sets the default number of steps."""
    X0 = sd.rhs(U0)
    norm_u, norm_x = np.linalg.norm(U0), np.linalg.norm(X0)
    if norm_u == 0 or norm_x == 0:
        return 0.0
    h = 1e-6 * norm_u / norm_x
    JX = (sd.rhs(U0 + h * X0) - sd.rhs(U0 - h * X0)) / (2 * h)
    return float(max(norm_x / norm_u, np.linalg.norm(JX) / norm_x))


def accurate_steps(order: int, rate: float, T: float, target: float = TARGET) -> int:
    r""":math:`n_{acc}` for a method of ``order`` and a solution changing at ``rate``
    (also :math:`\rho\,\delta t \le` :data:`Z_MAX`, so the step resolves the solution)."""
    if rate == 0:
        return 1
    dt = (math.factorial(order + 1) * target / (T * rate ** (order + 1))) ** (1.0 / order)
    dt = min(dt, Z_MAX / rate)
    return max(1, math.ceil(T / dt))


def estimated_error(order: int, rate: float, T: float, steps: int) -> float:
    r"""The relative global error estimate :math:`T \rho^{r+1} \delta t^r / (r+1)!` of ``steps`` steps."""
    return T * rate ** (order + 1) * (T / steps) ** order / math.factorial(order + 1)


def refinements_above(floor: float, order: int, rate: float, T: float, n0: int, default: int, least: int = 2) -> int:
    """The number of halvings of dt, at most ``default`` and at least ``least``, whose estimated error
    stays above ``floor``: where stability imposes far smaller steps than accuracy needs (diffusion
    with a slowly varying solution), the default ladder would end at round-off."""
    e0 = estimated_error(order, rate, T, n0)
    if e0 <= 0:
        return least
    fit = math.floor(math.log2(e0 / floor) / order) if e0 > floor else 0
    return max(least, min(default, fit))


def default_steps(systems, U0s, T: float, integrator, growth: int, target: float = TARGET) -> int:
    r""":math:`n_0` for a ladder whose level i takes :math:`n_0\,\mathrm{growth}^i` steps on ``systems[i]``.

    Every level must be stable (:func:`stable_steps`; in a space study at a
    fixed ratio the finest level is the one that decides) and the coarsest
    accurate to ``target`` (:func:`accurate_steps`).
    """
    n0 = accurate_steps(integrator.order, solution_rate(systems[0], U0s[0]), T, target)
    for i, (sd, U0) in enumerate(zip(systems, U0s, strict=True)):
        n_stab = stable_steps(integrator, spectrum_rectangle(sd, U0), T)
        n0 = max(n0, -(-n_stab // growth**i))
    return n0
