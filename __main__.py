"""The kvm-estate program: read this stack's config, build its estate, export outputs.

`pulumi up --stack dev` runs this with `stacks/Pulumi.dev.yaml`; everything it builds is
in `components/`.
"""

from components.config.load import load_stack_config, secret_sections
from components.estate import build_estate, export_estate

export_estate(build_estate(load_stack_config(), secret_sections()))
