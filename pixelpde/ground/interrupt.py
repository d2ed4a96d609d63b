"""Interrupts (SIGINT, SIGTERM) that stop a command promptly and cleanly.

Python raises :class:`KeyboardInterrupt` wherever the main thread happens to
be when SIGINT arrives.  If that is inside a ``__del__`` method or a weakref
callback (h5py closes its objects from such callbacks, many times a second
while a dataset is written), the exception is printed as "Exception ignored
in ... WeakValueDictionary" and **swallowed**: the run goes on and publishes
its file.  SIGTERM, by default, kills the process at once, so no ``finally``
runs and temporary files stay behind.

:func:`handle_signals` installs one handler for both signals that raises
:class:`Interrupted` (a :class:`KeyboardInterrupt`, exit code 128 + signal
number: 130 for SIGINT, 143 for SIGTERM) only at a *safe point*: when no
frame on the stack is a finaliser or a weakref callback.  Otherwise it
re-arms a 10 ms timer and tries again.  The exception then unwinds through
every ``with`` block, so :func:`pixelpde.ground.atomic.atomic_path` removes
its temporary file and nothing partial is left.  Later signals (a second
Ctrl-C while cleaning up) are noted but do not interrupt the clean-up.

:func:`check` raises a pending interrupt; :mod:`pixelpde.ground.atomic` calls
it before publishing a file, so no file is ever completed after an interrupt.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

#: Signals handled, and the retry delay of a deferred interrupt (seconds).
SIGNALS = (signal.SIGINT, signal.SIGTERM)
RETRY_S = 0.01

_pending: int | None = None  #: signal number received and not yet raised
_raised = False  #: an Interrupted has been raised in this command
_held = 0  #: > 0 inside :func:`held` blocks (clean-up that must not be cut short)


class Interrupted(KeyboardInterrupt):
    """The command was stopped by a signal; ``exit_code`` is 128 + the signal number."""

    def __init__(self, signum: int):
        self.signum = signum
        self.exit_code = 128 + int(signum)
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


def _unsafe(frame: FrameType | None) -> bool:
    """Whether an exception raised in ``frame`` could be swallowed (finaliser or weakref callback)."""
    if _held:
        return True
    while frame is not None:
        code = frame.f_code
        if code.co_name in ("__del__", "__dealloc__", "_remove_dead_weakref") or code.co_filename.endswith(
            ("weakref.py", "_weakrefset.py")
        ):
            return True
        frame = frame.f_back
    return False


def _raise_if_safe(frame: FrameType | None) -> None:
    global _pending, _raised
    if _pending is None or _raised:
        return
    if _unsafe(frame):
        signal.setitimer(signal.ITIMER_REAL, RETRY_S)
        return
    signum, _pending, _raised = _pending, None, True
    raise Interrupted(signum)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _pending
    if _raised:
        return  # already unwinding: let the clean-up finish
    if _pending is None:
        _pending = signum
    _raise_if_safe(frame)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    _raise_if_safe(frame)


def check() -> None:
    """Raise a pending interrupt now (call where work is about to be published)."""
    global _pending, _raised
    if _pending is not None and not _raised:
        signum, _pending, _raised = _pending, None, True
        raise Interrupted(signum)
    if _raised:
        raise Interrupted(signal.SIGINT)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Within the block an interrupt waits (publishing a file, removing a temporary one)."""
    global _held
    _held += 1
    try:
        yield
    finally:
        _held -= 1


def pending() -> bool:
    """Whether a signal arrived in this command (raised or not)."""
    return _pending is not None or _raised


@contextlib.contextmanager
def handle_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted` at a safe point."""
    global _pending, _raised
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield  # signals go to the main thread only; no timers on Windows: Python's default handling stays
        return
    _pending, _raised = None, False
    previous = {s: signal.signal(s, _on_signal) for s in SIGNALS}
    previous_alarm = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_alarm)
        for s, handler in previous.items():
            signal.signal(s, handler)
        _pending, _raised = None, False


def exit_code(exc: BaseException) -> int:
    """130 for Ctrl-C, 128 + n for signal n."""
    return getattr(exc, "exit_code", 130)


__all__ = ["Interrupted", "check", "exit_code", "handle_signals", "held", "pending"]
