"""The time step a network is trained and evaluated with (the dt policy).

A network steps with the dataset's snapshot spacing dt; a different dt is
refused unless asked for (the paper's heat model was once trained with the
wrong one, section 4.2 prints dt = 2.445e-3 for data with 2.3527e-3).
Used by training (:mod:`pixelpde.learned.train`) and evaluation alike.
"""

from __future__ import annotations

from pixelpde.ground.errors import InputError

DT_RTOL = 1e-9


def same_dt(a: float, b: float) -> bool:
    """Whether time steps ``a`` and ``b`` agree to :data:`DT_RTOL` relative to ``b``."""
    return abs(a - b) <= DT_RTOL * abs(b)


def model_dt(config, data_dt: float) -> float:
    """The network's dt: ``config.dt`` or the dataset's; a mismatch is refused
    unless ``config.allow_dt_mismatch``."""
    if config.dt is None:
        return float(data_dt)
    if not same_dt(config.dt, data_dt) and not config.allow_dt_mismatch:
        raise InputError(
            f"the network's dt={config.dt!r} differs from the dataset's dt={data_dt!r}; "
            "drop --dt, or pass --allow-dt-mismatch if this is intended"
        )
    return float(config.dt)
