"""ground: what every layer of pixelpde shares, below everything else.

The one error type for bad user input (:mod:`.errors`), atomic file writing
(:mod:`.atomic`), the documented input limits and the one family of
validators (:mod:`.validate`), and interrupt handling (:mod:`.interrupt`).
This package imports nothing from pixelpde outside itself; every other
package may import it, and it imports none of them.
"""
