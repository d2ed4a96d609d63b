r"""Structure measures of a rollout, beside metrics (23)-(25).

All take the predictions ``pred`` and references ``true``, both (N, J+1, p, p)
float64 with ``pred[:, 0] = true[:, 0]``, and the test data.

* ``norm_drift``: :math:`d(j) = \frac1N \sum_i \|\mathcal N^j(U_i^0)\| / \|U_i^0\| - 1`, j = 1..J
  (Lemma 2.1: zero for projected integrators; the advection data conserve the norm);
* ``dissipativity``: how many of the N J steps satisfy
  :math:`\|\mathcal N^{j}(U_i^0)\| \le \|\mathcal N^{j-1}(U_i^0)\|` (the heat equation's
  data do, identity (38));
* ``boundary_band``: rE(j) of eq. (25) restricted to the band of the ``w``
  pixels next to the boundary and to the interior, for w in :data:`BANDS`
  (section 4.2: CNN errors near the boundary).
"""

from __future__ import annotations

import torch

BANDS = (1, 2, 4)


def _norms(U: torch.Tensor) -> torch.Tensor:
    return torch.linalg.vector_norm(U, dim=(-2, -1))


def norm_drift(pred, true, data=None) -> list:
    n = _norms(pred)
    return ((n[:, 1:] / n[:, :1]) - 1).mean(dim=0).tolist()


def dissipativity(pred, true, data=None) -> dict:
    n = _norms(pred)
    ok = n[:, 1:] <= n[:, :-1]
    ref = _norms(true)
    return {
        "steps": int(ok.numel()),
        "dissipative": int(ok.sum()),
        "reference_dissipative": int((ref[:, 1:] <= ref[:, :-1]).sum()),
    }


def band_mask(p: int, w: int) -> torch.Tensor:
    """True on the pixels within ``w`` of the grid's edge."""
    idx = torch.arange(p)
    edge = (idx < w) | (idx >= p - w)
    return edge[:, None] | edge[None, :]


def boundary_band(pred, true, data=None) -> dict:
    E = pred[:, 1:] - true[:, 1:]
    T = true[:, 1:]
    out = {}
    for w in BANDS:
        if 2 * w >= pred.shape[-1]:
            continue
        mask = band_mask(pred.shape[-1], w)
        band = (_norms(E * mask) / _norms(T * mask)).mean(dim=0).tolist()
        inner = (_norms(E * ~mask) / _norms(T * ~mask)).mean(dim=0).tolist()
        out[str(w)] = {"band": band, "interior": inner}
    return out


MEASURES = {"norm_drift": norm_drift, "dissipativity": dissipativity, "boundary_band": boundary_band}
