"""The one progress bar: tqdm on stderr, and only where someone watches.

Every long loop (data generation, order studies, training, evaluation) draws
its bar through :func:`progress_bar`.  It is quiet when the caller turns it off
(``--no-progress``) and when stderr is not a terminal: a log file or a pipe
would otherwise collect carriage-return redraws (about 87 KB for one
``reproduce --quick``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tqdm import tqdm


def shows_progress(enabled: bool = True, stream: IO[str] | None = None) -> bool:
    """Whether a bar is drawn: ``enabled`` and ``stream`` (stderr) is a terminal."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(enabled) and callable(isatty) and bool(isatty())


def progress_bar(iterable: Iterable[Any] | None = None, *, enabled: bool = True, **kwargs: Any) -> tqdm[Any]:
    """``tqdm(iterable, **kwargs)`` on stderr, disabled unless :func:`shows_progress`."""
    from tqdm import tqdm

    return tqdm(iterable, disable=not shows_progress(enabled), file=sys.stderr, **kwargs)
