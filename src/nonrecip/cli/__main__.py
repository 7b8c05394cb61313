"""``python -m nonrecip.cli ARGS``: the ``nonrecip`` command without the console script."""

import sys

from . import main

sys.exit(main())
