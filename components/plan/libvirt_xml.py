"""The libvirt XML a planned resource would be applied with, from its provider's spec.

The spec is built from the recorded inputs exactly as the provider's `spec_of` does (all
inputs but the host URI and `adopt`) and written with the spec's own `to_xml`. What the
provider decides only on the host is said, not guessed: `domainType: auto` stays `auto`
(kvm or qemu is chosen at apply), and inputs known only after apply give no XML.
"""

from __future__ import annotations

from pydantic import ValidationError

from components.plan.model import PlannedResource
from components.plan.provider_info import spec_type
from components.plan.values import MASK, SECRET, contains, is_unknown, masked
from components.providers.base import ADOPT_KEY
from components.spec.changes import CONNECTION_KEY


def libvirt_xml(resource: PlannedResource) -> str | None:
    """The XML, or a one-line note saying why there is none; None when the kind has none."""
    model = spec_type(resource.provider)
    if model is None or not resource.custom:
        return None
    fields = {k: v for k, v in resource.inputs.items() if k not in (CONNECTION_KEY, ADOPT_KEY)}
    if is_unknown(fields):
        unknown = sorted(k for k, v in fields.items() if is_unknown(v))
        return f"<!-- known after apply: {', '.join(unknown)} -->\n"
    secret = contains(fields, SECRET)
    try:
        spec = model.model_validate(masked(fields))
    except ValidationError as err:
        return f"<!-- the provider would refuse these inputs: {err.error_count()} error(s) -->\n"
    text = spec.to_xml()
    if secret:
        text = f"<!-- secrets are shown as {MASK} -->\n" + text
    if fields.get("domainType") == "auto":
        text = "<!-- domainType auto: kvm or qemu is chosen on the host at apply -->\n" + text
    return text
