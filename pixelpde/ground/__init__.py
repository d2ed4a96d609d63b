"""ground: what every layer of pixelpde shares, below everything else.

The one error type for bad user input (:mod:`.errors`), atomic file
writing (:mod:`.atomic`) and the one progress bar (:mod:`.progress`).  This package imports nothing from pixelpde; every
other package may import it, and it imports none of them.
"""
