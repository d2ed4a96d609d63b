import sys

from pixelpde.cli import main

sys.exit(main())
