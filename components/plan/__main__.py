"""`python -m components.plan --stack dev`: see components/plan/cli.py."""

import sys

from components.plan.cli import run

sys.exit(run())
