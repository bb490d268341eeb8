"""pytest setup shared by all kvm-pulumi tests: loads the lab fixtures (see tests/lab)."""

pytest_plugins = ["tests.lab.fixtures"]
