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
products.  A 2 x 2 pivot of the elimination (an indefinite block, chosen when the
diagonal is small) is already one product of signature (1, 1).  []

The pivots follow Bunch and Parlett's complete pivoting, so the factors'
coefficients stay bounded by those of the form (a product is formed by
polarisation, whose rounding error grows with the factors' size), and each
factor is scaled to coefficients of at most 2 (:func:`_monic`).

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
from typing import Any

import sympy as sp

Alpha = tuple[int, ...]


@dataclass(frozen=True)
class LinearForm:
    """``sum_alpha coeffs[alpha] * d^alpha u`` with exact (rational or algebraic) coefficients."""

    coeffs: tuple[tuple[Any, sp.Expr], ...]  #: keys: a multi-index alpha, or a system's (field, alpha)

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
        wrap = lambda e: sp.sstr(e) if len(e.args) == 0 or not e.is_Add else f"({sp.sstr(e)})"
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


#: Bunch-Parlett pivoting constant (1 + sqrt(17)) / 8, rounded down to a rational.
ALPHA = sp.Rational(16, 25)


def diagonalise(M: sp.Matrix):
    """Exact congruence diagonalisation of a symmetric rational matrix, with Bunch-Parlett
    complete pivoting (so the factors stay of the size of the form's coefficients).

    With mu0 the largest off-diagonal and mu1 the largest diagonal magnitude: if
    ``mu1 >= ALPHA * mu0`` the largest diagonal entry M_ii is a 1 x 1 pivot,
    ``d (l . v)^2`` with ``d = M_ii``, ``l = (row i) / M_ii`` (entries <= 1/ALPHA);
    otherwise the largest off-diagonal entry b = M_ij gives a 2 x 2 pivot
    B = [[a, b], [b, c]] with |a|, |c| < ALPHA |b|, so det B < 0: the removed form
    (x, y) B^{-1} (x, y)^T (x = row_i . v, y = row_j . v) is indefinite, one product
    ``(c x - t y)(t x - a y) / (det(B) t)`` with ``t = b + sign(b) sqrt(b^2 - ac)``.

    Returns ``(squares, pairs)``: ``squares`` a list of ``(d, l)`` meaning ``d (l . v)^2``,
    ``pairs`` a list of ``(k, f1, f2)`` meaning ``k (f1 . v)(f2 . v)``, one positive and one
    negative eigenvalue each, with ``v^T M v`` their sum.  Rational except for
    ``sqrt(b^2 - ac)`` in a 2 x 2 pivot with a non-zero diagonal.
    """
    M = sp.Matrix(M)
    size = M.rows
    squares, pairs = [], []
    while True:
        mu0, (i0, j0) = sp.Integer(0), (0, 0)
        mu1, k1 = sp.Integer(0), 0
        for i in range(size):
            if abs(M[i, i]) > mu1:
                mu1, k1 = abs(M[i, i]), i
            for j in range(i + 1, size):
                if abs(M[i, j]) > mu0:
                    mu0, (i0, j0) = abs(M[i, j]), (i, j)
        if mu0 == 0 and mu1 == 0:
            break
        if mu1 >= ALPHA * mu0:
            d = M[k1, k1]
            row = M.row(k1) / d
            squares.append((d, row))
            M = M - d * row.T * row
            continue
        i, j = i0, j0
        a, b, c = M[i, i], M[i, j], M[j, j]
        mi, mj = M.row(i), M.row(j)
        det = a * c - b * b  # < 0 by the pivot choice
        t = sp.radsimp(b + sp.sign(b) * sp.sqrt(b * b - a * c))
        pairs.append((1 / (det * t), c * mi - t * mj, t * mi - a * mj))
        inverse = sp.Matrix([[c, -b], [-b, a]]) / det
        rows = sp.Matrix.vstack(mi, mj)
        M = M - rows.T * inverse * rows
    return squares, pairs


def signature(M: sp.Matrix) -> tuple[int, int]:
    """``(p, q)``: numbers of positive and negative eigenvalues of symmetric ``M``, exactly."""
    squares, pairs = diagonalise(M)
    p = sum(1 for d, _ in squares if d > 0) + len(pairs)
    q = sum(1 for d, _ in squares if d < 0) + len(pairs)
    return p, q


def _monic(row, variables) -> tuple[sp.Expr, LinearForm]:
    """``row . v`` as ``scale * form``: the form's first non-zero coefficient is 1, unless that
    would make another coefficient exceed 2 in magnitude; then its largest coefficient is 1
    (balanced factors keep the polarisation's rounding error small)."""
    entries = [(a, sp.radsimp(c)) for a, c in zip(variables, row, strict=True) if c != 0]
    lead = entries[0][1]
    largest = max((c for _, c in entries), key=lambda c: (abs(c), 0))
    if abs(largest) > 2 * abs(lead):
        lead = largest
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
    matched += list(zip(unmatched_pos[:k], negative[:k], strict=True))
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
