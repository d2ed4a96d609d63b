"""The error types the CLI turns into one line: bad user input, and a training that diverged.

Library code raises :class:`InputError` (a :class:`ValueError`) when what a
user gave it cannot be used: a PDE string outside the supported class, a grid
that is too small, an array of the wrong shape.  The CLI turns it into one
line on stderr and exit code 2; :class:`TrainingDiverged` into one line and
exit code 3; any other exception is a bug and keeps its traceback.
"""


class InputError(ValueError):
    """Bad user input; the message is one line that names the culprit."""


class TrainingDiverged(RuntimeError):
    """Training met a non-finite loss or gradient; the message says where and what was kept.
    The CLI prints it as one line and exits with 3 (``train``, ``reproduce``, ``study``)."""
