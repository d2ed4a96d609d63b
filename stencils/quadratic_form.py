r"""Minimal interactions: the quadratic part of X as a symmetric bilinear form.

The quadratic part of a PDE of class (8),
:math:`Q(v) = \sum_k \beta_k\, v_{a_k} v_{b_k}` with :math:`v_\alpha = \partial_\alpha u`,
is a quadratic form in the distinct derivatives it uses, with the symmetric
rational matrix :math:`M` (``M[a, a] = beta`` for a square, ``M[a, b] = M[b, a]
= beta / 2`` for a product), so :math:`Q(v) = v^T M v`.  Every discretisation
replaces :math:`v_\alpha` by :math:`D_\alpha * U`; the quadratic part of X(U) in
(11) is this form evaluated on the stencil outputs.

**Theorem (minimal number of interactions).**  Let ``M`` have ``p`` positive
and ``q`` negative eigenvalues.  Then

(i) :math:`Q = \sum_{i=1}^{n} \beta_i\, a_i(v)\, b_i(v)` with linear forms
    :math:`a_i, b_i` and :math:`n = \max(p, q)`;
(ii) no sum of fewer than :math:`\max(p, q)` products of linear forms equals
     :math:`Q`.

*Proof.* (ii) :math:`a b = \tfrac14[(a+b)^2 - (a-b)^2]`, so a sum of n products is
a sum of at most n positive and n negative squares of linear forms, i.e. a
symmetric matrix :math:`\sum_i (w_i w_i^T - z_i z_i^T)/4`.  Its positive
eigenvalues are at most n (on the orthogonal complement of the :math:`z_i`,
of codimension <= n, the form is >= 0, so no subspace of dimension > n is
negative definite), and likewise its negative ones; by Sylvester's law of
inertia the counts are those of ``M``: :math:`p, q \le n`.
(i) A congruence diagonalisation over the rationals (symmetric Gaussian
elimination, :func:`diagonalise`) gives :math:`Q = \sum_k d_k \ell_k^2` with
linearly independent rational :math:`\ell_k`, exactly ``p`` of the
:math:`d_k` positive and ``q`` negative (Sylvester again).  A positive and a
negative square pair into one product,
:math:`d \ell^2 - e m^2 = d(\ell + s m)(\ell - s m)` with :math:`s = \sqrt{e/d}`,
and an unpaired square is the product :math:`d\,(\ell)(\ell)`: :math:`\max(p, q)`
products.  A 2 x 2 pivot of the elimination (zero diagonal) is already one
product of signature (1, 1), :math:`2 (m_i\cdot v)(m_j\cdot v)/M_{ij}`.  []

The elimination is exact (SymPy rationals, no floating eigenvalues).  The
factors are rational combinations of the derivatives whenever ``e/d`` is the
square of a rational, which the pairing prefers and which holds in every
example below; otherwise ``s`` is an exact square root (over the rationals
alone fewer products may not exist: :math:`u_x^2 - 2u_y^2` has no rational
factorisation).  On a grid the minimum carries over to stencils: distinct
derivatives have linearly independent stencils (their moments differ), so the
form in the pixel values has the same signature.

Examples: :math:`u u_x + u u_y = u (u_x + u_y)`, n = 1;
:math:`u_x^2 + u_y^2`, n = 2; :math:`u_x^2 - u_y^2 = (u_x + u_y)(u_x - u_y)`, n = 1;
:math:`u u_{xx} - u_x^2` has signature (1, 2), n = 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

Alpha = tuple[int, int]


@dataclass(frozen=True)
class LinearForm:
    """``sum_alpha coeffs[alpha] * d^alpha u`` with exact (rational or algebraic) coefficients."""

    coeffs: tuple[tuple[Alpha, sp.Expr], ...]

    def expression(self, symbol) -> sp.Expr:
        return sp.Add(*[c * symbol(a) for a, c in self.coeffs])


@dataclass(frozen=True)
class Product:
    """``beta * first * second`` with linear forms ``first`` and ``second``."""

    beta: sp.Expr
    first: LinearForm
    second: LinearForm

    def expression(self, symbol) -> sp.Expr:
        return self.beta * self.first.expression(symbol) * self.second.expression(symbol)

    def text(self, symbol) -> str:
        """``'beta*(a)*(b)'`` (``'beta*(a)**2'`` for a square), parentheses only where needed."""
        a, b = (f.expression(symbol) for f in (self.first, self.second))
        wrap = lambda e: sp.sstr(e) if len(e.args) == 0 or not e.is_Add else f"({sp.sstr(e)})"  # noqa: E731
        body = f"{wrap(a)}**2" if a == b else f"{wrap(a)}*{wrap(b)}"
        return body if self.beta == 1 else f"-{body}" if self.beta == -1 else f"{sp.sstr(self.beta)}*{body}"


def form_matrix(terms, variables) -> sp.Matrix:
    """Symmetric matrix of ``sum beta * v_a * v_b`` over ``variables`` (list of alphas)."""
    index = {a: i for i, a in enumerate(variables)}
    M = sp.zeros(len(variables), len(variables))
    for beta, a, b in terms:
        i, j = index[a], index[b]
        if i == j:
            M[i, i] += beta
        else:
            M[i, j] += sp.Rational(beta) / 2
            M[j, i] += sp.Rational(beta) / 2
    return M


def diagonalise(M: sp.Matrix):
    """Exact congruence diagonalisation of a symmetric rational matrix.

    Returns ``(squares, pairs)``: ``squares`` is a list of ``(d, l)`` with
    ``v^T M v`` containing ``d * (l . v)^2`` (``l`` a row of rationals,
    first pivot coefficient 1), ``pairs`` a list of ``(c, m1, m2)`` meaning
    ``c * (m1 . v) * (m2 . v)`` from 2 x 2 pivots (one positive and one
    negative square each), so that ``v^T M v = sum d (l.v)^2 + sum c (m1.v)(m2.v)``.
    """
    M = sp.Matrix(M)
    size = M.rows
    squares, pairs = [], []
    while True:
        diag = [i for i in range(size) if M[i, i] != 0]
        if diag:
            i = diag[0]
            d = M[i, i]
            row = M.row(i) / d
            squares.append((d, row))
            M = M - d * row.T * row
            continue
        off = [(i, j) for i in range(size) for j in range(i + 1, size) if M[i, j] != 0]
        if not off:
            break
        i, j = off[0]
        a = M[i, j]
        mi, mj = M.row(i), M.row(j)
        # v^T (mi^T mj + mj^T mi) v / a = 2 (mi.v)(mj.v) / a zeroes rows i and j
        pairs.append((2 / a, mi, mj))
        M = M - (mi.T * mj + mj.T * mi) / a
    return squares, pairs


def signature(M: sp.Matrix) -> tuple[int, int]:
    """``(p, q)``: numbers of positive and negative eigenvalues of symmetric ``M``, exactly."""
    squares, pairs = diagonalise(M)
    p = sum(1 for d, _ in squares if d > 0) + len(pairs)
    q = sum(1 for d, _ in squares if d < 0) + len(pairs)
    return p, q


def _monic(row, variables) -> tuple[sp.Expr, LinearForm]:
    """``row . v`` as ``scale * form`` with the form's first non-zero coefficient 1."""
    entries = [(a, sp.nsimplify(c) if not isinstance(c, sp.Basic) else c) for a, c in zip(variables, row)]
    entries = [(a, sp.radsimp(c)) for a, c in entries if c != 0]
    lead = entries[0][1]
    return lead, LinearForm(tuple((a, sp.radsimp(c / lead)) for a, c in entries))


def _is_rational_square(x: sp.Rational) -> bool:
    return sp.sqrt(x).is_Rational


def minimal_products(terms, variables) -> tuple[Product, ...]:
    """The ``max(p, q)`` products of the theorem for ``sum beta * v_a * v_b``.

    ``terms``: iterable of ``(beta, alpha_a, alpha_b)``; ``variables``: the
    alphas in a fixed order (the factorisation is deterministic).
    """
    M = form_matrix(terms, variables)
    squares, pairs = diagonalise(M)
    products = []
    for c, m1, m2 in pairs:
        s1, f1 = _monic(m1, variables)
        s2, f2 = _monic(m2, variables)
        products.append(Product(sp.radsimp(c * s1 * s2), f1, f2))
    positive = [(d, row) for d, row in squares if d > 0]
    negative = [(d, row) for d, row in squares if d < 0]
    # pair first where e/d is a rational square (rational factors), then the rest in order
    matched, unmatched_pos = [], []
    for dp, rp in positive:
        partner = next((j for j, (dn, _) in enumerate(negative) if _is_rational_square(-dn / dp)), None)
        if partner is None:
            unmatched_pos.append((dp, rp))
        else:
            matched.append(((dp, rp), negative.pop(partner)))
    k = min(len(unmatched_pos), len(negative))
    matched += list(zip(unmatched_pos[:k], negative[:k]))
    rest = unmatched_pos[k:] + negative[k:]
    for (dp, rp), (dn, rn) in matched:
        s = sp.sqrt(-dn / dp)
        s1, f1 = _monic(rp + s * rn, variables)
        s2, f2 = _monic(rp - s * rn, variables)
        products.append(Product(sp.radsimp(dp * s1 * s2), f1, f2))
    for d, row in rest:
        scale, f = _monic(row, variables)
        products.append(Product(sp.radsimp(d * scale**2), f, f))
    return tuple(products)
