"""The kvm-estate policy pack, served to the Pulumi CLI.

    pulumi preview --stack prod --policy-pack policy [--policy-pack-config policy-config.json]

Rules: components/policies/rules.py (shared with `python -m components.plan --policy`);
adapter: components/policies/pack.py. The repository root goes on the import path so the pack
uses this checkout's rules without installing the whole project into the pack's venv.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi_policy import PolicyPack

from components.policies.pack import policies

PolicyPack(name="kvm-estate", policies=policies())
