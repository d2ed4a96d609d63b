"""The one error type for bad user input.

Library code raises :class:`InputError` (a :class:`ValueError`) when what a
user gave it cannot be used: a PDE string outside the supported class, a grid
that is too small, an array of the wrong shape.  The CLI turns it into one
line on stderr and exit code 2; any other exception is a bug and keeps its
traceback.
"""


class InputError(ValueError):
    """Bad user input; the message is one line that names the culprit."""
