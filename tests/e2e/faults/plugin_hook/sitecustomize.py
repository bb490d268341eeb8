"""Applies the fault plan of `tests.e2e.faults.injection` in a provider plugin process.

Python imports `sitecustomize` at start-up from `PYTHONPATH`; the fault tests put this
directory there only while a fault is armed. Without a plan in the environment it does
nothing.
"""

import json
import os
import sys
from pathlib import Path

_plan = os.environ.get("KVM_FAULT_PLAN")
if _plan:
    sys.path.insert(0, str(Path(__file__).resolve().parents[4]))  # the repository
    from tests.e2e.faults.injection import FaultPlan, install

    install(FaultPlan(**json.loads(_plan)))
