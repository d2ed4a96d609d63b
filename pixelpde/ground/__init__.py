"""ground: what every layer of pixelpde shares, below everything else.

The one error type for bad user input (:mod:`.errors`) and atomic file
writing (:mod:`.atomic`).  This package imports nothing from pixelpde; every
other package may import it, and it imports none of them.
"""
