r"""A polynomial PDE system as data, and its split into a stiff diagonal part and the rest.

A system of C fields :math:`u_0, \dots, u_{C-1}` on the periodic unit cube :math:`[0, 1]^d` is

.. math::  \partial_t u_k = \sum_m c_{k,m} \prod_{(j, \alpha) \in F_{k,m}} \partial^\alpha u_j ,
           \qquad k = 0, \dots, C - 1,

given as ``terms``: a list over the equations; equation ``k`` is a list of monomials
``(coefficient, factors)``, ``factors`` a tuple of ``(field_index, alpha)`` with ``len(alpha) == d``
(``alpha`` the derivative orders per axis: ``(0, 0)`` the field itself, ``(2, 0)`` is
:math:`\partial_x^2`, ``(1, 1)`` is :math:`\partial_x\partial_y`); an empty ``factors`` is a constant
source.  Field order is channel order.  This is the form ``PDESystem.terms()`` of
:mod:`pixelpde.stencils` gives; :func:`as_system` accepts either.

The split used by the exponential integrator (:mod:`pixelpde.spectral.etdrk4`):

* ``L`` -- each equation's monomials with exactly one factor, of its *own* field; diagonal in
  Fourier space with symbol :math:`\sum_\alpha c_\alpha \prod_i (\mathrm{i} k_i)^{\alpha_i}`;
* ``N`` -- everything else (linear terms in other fields, products, constants), evaluated
  pseudo-spectrally (:mod:`pixelpde.spectral.solver`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_EXPRESSION_DEGREE, MAX_TERMS, check_int, check_magnitude
from pixelpde.stencils.system import MAX_FIELDS  # the one limit on fields, the parser's

#: Space dimensions the generator supports.
DIMENSIONS = (1, 2, 3)
#: Largest derivative order per axis in one factor.
MAX_DERIVATIVE_ORDER = 8
#: Default field names, in channel order (more fields: u0, u1, ...).
FIELD_NAMES = ("u", "v", "w")
AXIS_NAMES = ("x", "y", "z")

Factor = tuple[int, tuple[int, ...]]
Monomial = tuple[float, tuple[Factor, ...]]


def default_fields(count: int) -> tuple[str, ...]:
    """``u, v, w`` for up to three fields, else ``u0, u1, ...``."""
    return FIELD_NAMES[:count] if count <= len(FIELD_NAMES) else tuple(f"u{i}" for i in range(count))


@dataclass(frozen=True)
class PolynomialSystem:
    """A validated, canonical system: ``terms[k]`` a tuple of monomials with sorted factors, equal
    monomials merged, zero coefficients dropped.  Build with :meth:`from_terms` or :func:`as_system`."""

    terms: tuple[tuple[Monomial, ...], ...]
    dim: int
    fields: tuple[str, ...]

    @classmethod
    def from_terms(cls, terms, dim: int, fields=None) -> PolynomialSystem:
        dim = check_int(dim, "space dimension d", 1, max(DIMENSIONS))
        if not isinstance(terms, (list, tuple)):
            raise InputError(f"a system is a list of equations (one per field), got {type(terms).__name__}")
        if not terms:
            raise InputError("a system needs at least one equation")
        count = len(terms)
        if count > MAX_FIELDS:
            raise InputError(f"the system has {count} fields; at most {MAX_FIELDS} are accepted")
        fields = default_fields(count) if fields is None else tuple(str(f) for f in fields)
        if len(fields) != count:
            raise InputError(f"{len(fields)} field names for {count} equations")
        if len(set(fields)) != count:
            raise InputError(f"field names {fields} are not distinct")
        total = 0
        canonical = []
        for k, equation in enumerate(terms):
            if not isinstance(equation, (list, tuple)):
                raise InputError(f"equation {k} must be a list of (coefficient, factors) monomials")
            merged: dict[tuple[Factor, ...], float] = {}
            for monomial in equation:
                total += 1
                if total > MAX_TERMS:
                    raise InputError(f"the system has more than {MAX_TERMS} monomials")
                coefficient, factors = _monomial(monomial, k, count, dim)
                merged[factors] = merged.get(factors, 0.0) + coefficient
            canonical.append(tuple((c, f) for f, c in sorted(merged.items()) if c != 0.0))
        return cls(tuple(canonical), dim, fields)

    @property
    def channels(self) -> int:
        return len(self.terms)

    @property
    def max_degree(self) -> int:
        """Largest number of factors of a monomial (0 for a system of constants)."""
        return max((len(f) for eq in self.terms for _, f in eq), default=0)

    def linear(self, k: int) -> dict[tuple[int, ...], float]:
        """Equation ``k``'s stiff part ``L``: ``{alpha: c_alpha}`` of its one-factor monomials in field ``k``."""
        return {f[0][1]: c for c, f in self.terms[k] if len(f) == 1 and f[0][0] == k}

    def nonlinear(self, k: int) -> tuple[Monomial, ...]:
        """Equation ``k``'s remaining monomials (the part ``N``)."""
        return tuple((c, f) for c, f in self.terms[k] if not (len(f) == 1 and f[0][0] == k))

    def text(self) -> str:
        """The system in the project's expression syntax, one equation per ``;`` (e.g. ``u_t = 0.1*u_xx - u*v``)."""
        return "; ".join(f"{self.fields[k]}_t = {self._equation_text(k)}" for k in range(self.channels))

    def _equation_text(self, k: int) -> str:
        parts = []
        order = sorted(self.terms[k], key=lambda m: (len(m[1]), [(j, tuple(-a for a in al)) for j, al in m[1]]))
        for c, factors in order:
            names = [self._factor_name(j, alpha) for j, alpha in factors]
            powers = []
            for name in dict.fromkeys(names):
                e = names.count(name)
                powers.append(name if e == 1 else f"{name}**{e}")
            body = "*".join(powers)
            magnitude = abs(c)
            coeff = repr(float(magnitude))
            term = coeff if not body else (body if magnitude == 1.0 else f"{coeff}*{body}")
            parts.append(("- " if c < 0 else "+ ") + term)
        if not parts:
            return "0"
        joined = " ".join(parts)
        return joined[2:] if joined.startswith("+ ") else "-" + joined[2:]

    def _factor_name(self, j: int, alpha: tuple[int, ...]) -> str:
        suffix = "".join(AXIS_NAMES[i] * a for i, a in enumerate(alpha))
        return self.fields[j] + (f"_{suffix}" if suffix else "")


def _monomial(monomial, k: int, count: int, dim: int) -> tuple[float, tuple[Factor, ...]]:
    where = f"equation {k}"
    if not isinstance(monomial, (list, tuple)) or len(monomial) != 2:
        raise InputError(f"{where}: a monomial is a pair (coefficient, factors), got {monomial!r:.80}")
    coefficient, factors = monomial
    if isinstance(coefficient, bool) or not isinstance(coefficient, (int, float)):
        raise InputError(f"{where}: coefficient {coefficient!r:.40} is not a number")
    coefficient = float(coefficient)
    if not math.isfinite(coefficient):
        raise InputError(f"{where}: coefficient {coefficient!r} is not finite")
    check_magnitude(coefficient, f"{where}: coefficient")
    if not isinstance(factors, (list, tuple)):
        raise InputError(f"{where}: factors must be a tuple of (field_index, alpha), got {factors!r:.80}")
    if len(factors) > MAX_EXPRESSION_DEGREE:
        raise InputError(f"{where}: a monomial of degree {len(factors)}; at most {MAX_EXPRESSION_DEGREE}")
    out = []
    for factor in factors:
        if not isinstance(factor, (list, tuple)) or len(factor) != 2:
            raise InputError(f"{where}: a factor is a pair (field_index, alpha), got {factor!r:.80}")
        j = check_int(factor[0], f"{where}: field index", 0, count - 1)
        alpha = factor[1]
        if not isinstance(alpha, (list, tuple)) or len(alpha) != dim:
            raise InputError(f"{where}: alpha {alpha!r:.40} must be a tuple of {dim} derivative orders (d = {dim})")
        alpha = tuple(check_int(a, f"{where}: derivative order", 0, MAX_DERIVATIVE_ORDER) for a in alpha)
        out.append((j, alpha))
    return coefficient, tuple(sorted(out))


def as_system(system, dim: int | None = None, fields=None) -> PolynomialSystem:
    """A :class:`PolynomialSystem` from one; from text (``'u_t = ...; v_t = ...'``, read by
    :func:`pixelpde.stencils.parse_system`, 2-D); from an object with ``terms()`` (and ``fields``,
    ``dim`` where it has them: the parsed ``PDESystem``; without ``dim`` the dimension is the length of
    its ``alpha``); or from raw ``terms`` with ``dim``."""
    if isinstance(system, PolynomialSystem):
        return system
    if isinstance(system, str):
        from pixelpde.stencils import parse_system

        system = parse_system(system)
    if callable(getattr(system, "terms", None)):
        terms = system.terms()
        d = getattr(system, "dim", dim)
        d = d() if callable(d) else d
        if d is None:
            alphas = [alpha for eq in terms for _, factors in eq for _, alpha in factors]
            d = len(alphas[0]) if alphas else 2
        names = fields if fields is not None else getattr(system, "fields", None)
        names = names() if callable(names) else names
        return PolynomialSystem.from_terms(terms, d, names)
    if dim is None:
        raise InputError("raw system terms need the space dimension d")
    return PolynomialSystem.from_terms(system, dim, fields)
