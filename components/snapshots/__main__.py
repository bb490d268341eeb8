"""`python -m components.snapshots …` (see `components.snapshots.cli`)."""

import sys

from components.snapshots.cli import main

sys.exit(main())
