"""How big a study is, and what it asks: one dataclass of sizes for every study, validated before
anything runs, and :class:`StudyHeader`, the one shape of every study module's header."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_COUNT, MAX_NODES_PER_AXIS, MAX_STUDY_SEEDS, check_int, check_positive_int


@dataclass(frozen=True)
class Sizes:
    """Grid, data, seeds and training budget of a study (each run of it uses these)."""

    p: int
    n_train: int
    train_steps: int
    n_test: int
    test_steps: int
    seeds: int
    epochs: int
    stages: tuple[int, ...] = (3, 4, 5)
    batch_size: int = 8
    lr_step: int | None = None  #: None: the lr is constant within a stage
    eval_dtype: str = "float64"

    def __post_init__(self):
        object.__setattr__(self, "stages", tuple(int(m) for m in self.stages))
        for key in ("p", "seeds"):
            check_int(getattr(self, key), key)
        if self.p < 4:
            raise InputError(f"p={self.p} is too small: a study needs a grid of at least 4 x 4 nodes")
        check_int(self.p, "p", 4, MAX_NODES_PER_AXIS)
        if self.seeds < 1:
            raise InputError(f"seeds={self.seeds}: a study needs at least one seed")
        check_int(self.seeds, "seeds", 1, MAX_STUDY_SEEDS)
        for key in ("n_train", "train_steps", "n_test", "test_steps", "epochs", "batch_size"):
            check_positive_int(getattr(self, key), key.replace("_", "-"), MAX_COUNT)
        if not self.stages or max(self.stages) > self.train_steps or min(self.stages) < 1:
            raise InputError(f"stages {list(self.stages)} need windows within {self.train_steps} training steps")

    @property
    def steps(self) -> int:
        """J of metrics (23)-(25): the paper's 40, or the test trajectories' length if shorter."""
        return min(40, self.test_steps)

    def train_config(self, **kw) -> dict:
        """TrainConfig fields with this budget (Algorithm 3's schedule, cut to ``epochs``)."""
        base: dict[str, Any] = dict(
            stages=self.stages,
            epochs=self.epochs,
            lr_step=self.lr_step or self.epochs,
            batch_size=self.batch_size,
            device="cpu",
        )
        base.update(kw)
        base["stages"] = list(base["stages"])
        return base


#: The sizes of every study: ``tiny`` for the tests (seconds), ``quick`` for minutes on a CPU, ``full``.
SIZE_NAMES = ("tiny", "quick", "full")


@dataclass(frozen=True)
class StudyHeader:
    """What a study module declares once, as ``HEADER``: a title (the report's heading), the question
    it answers (the report's first paragraph) and its :class:`Sizes` for each of :data:`SIZE_NAMES`."""

    title: str
    question: str
    sizes: Mapping[str, Sizes]

    def __post_init__(self) -> None:
        # A malformed header is a bug of the study module, not bad input: ValueError, not InputError.
        if not self.title.strip() or "\n" in self.title or not self.question.strip():
            raise ValueError(f"a study needs a one-line title and a question, got {self.title!r}")
        if tuple(self.sizes) != SIZE_NAMES or not all(isinstance(s, Sizes) for s in self.sizes.values()):
            raise ValueError(f"a study's sizes are Sizes for {SIZE_NAMES}, in that order; got {list(self.sizes)}")
        object.__setattr__(self, "sizes", MappingProxyType(dict(self.sizes)))

    def sized(self, size: str, **overrides: Any) -> Sizes:
        """The :class:`Sizes` called ``size`` with ``overrides`` (p, seeds, ...; None keeps the default),
        validated again; an unknown size is a one-line :class:`InputError`."""
        if size not in self.sizes:
            raise InputError(f"unknown size {size!r} (use one of {', '.join(self.sizes)})")
        return replace(self.sizes[size], **{k: v for k, v in overrides.items() if v is not None})


#: The CI size every study shares (seconds): one seed, one epoch of M = 2 windows on an 8 x 8 grid.
TINY = Sizes(p=8, n_train=2, train_steps=3, n_test=2, test_steps=4, seeds=1, epochs=1, stages=(2,), batch_size=4)


def datasets(sizes: Sizes, problem: str, n_train: int | None = None):
    """(train, test) :class:`~pixelpde.studies.data.DataSpec` of ``problem``: data seeds 0 and 1, the
    paper's p = 100 time step on every grid, Fisher's ||U^0|| > 0.1 p filter (as ``reproduce``)."""
    from pixelpde.learned.presets import min_norm
    from pixelpde.studies.data import DataSpec, paper_dt

    dt, threshold = paper_dt(problem), min_norm(problem, sizes.p)
    train = DataSpec(problem, n_train or sizes.n_train, sizes.train_steps, 0, sizes.p, dt, threshold)
    test = DataSpec(problem, sizes.n_test, sizes.test_steps, 1, sizes.p, dt, threshold)
    return train, test
