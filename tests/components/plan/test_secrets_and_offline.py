"""Secrets never printed; no libvirt connection; the program's host checks off and back on."""

from __future__ import annotations

import copy
import io
import textwrap

import libvirt
import pytest

from components.hosts import kvm_host
from components.plan.cli import run
from components.plan.registrations import PlanError, offline
from tests.components.plan.projects import inline_project, program_project, stack_file

PLAINTEXT = "Zq8pL2xw"
CIPHERTEXT = "v1:AAABBBCCCdddEEE"

SECRET_PROGRAM = textwrap.dedent(
    f"""
    import pulumi

    class Box(pulumi.ComponentResource):
        def __init__(self, name):
            super().__init__("test:index:Box", name, None)
            pulumi.CustomResource(
                "test:index:Thing",
                name + "-thing",
                {{
                    "password": pulumi.Output.secret("{PLAINTEXT}"),
                    "nested": {{"token": pulumi.Output.secret("{PLAINTEXT}-nested")}},
                    "fromConfig": pulumi.Config().require_secret("apiKey"),
                    "visible": "shown",
                }},
                pulumi.ResourceOptions(parent=self),
            )
            self.register_outputs({{"secretOutput": pulumi.Output.secret("{PLAINTEXT}-out")}})

    Box("box")
    """
)


def _plan(project, stack, *flags):
    out = io.StringIO()
    code = run(["--project-dir", str(project), "--stack", stack, *flags], out=out)
    return code, out.getvalue()


@pytest.mark.parametrize("flags", [[], ["--format", "json"], ["--xml", "--policy"]])
def test_secret_inputs_outputs_and_config_print_as_secret(tmp_path, flags):
    project = inline_project(tmp_path, SECRET_PROGRAM, {"inline:apiKey": {"secure": CIPHERTEXT}})
    code, text = _plan(project, "test", *flags)
    assert code == 0
    assert PLAINTEXT not in text and CIPHERTEXT not in text
    assert text.count("[secret]") >= 4  # password, nested, fromConfig, secretOutput
    assert "shown" in text


def test_console_password_of_the_real_program_is_never_printed(tmp_path):
    stack = copy.deepcopy(stack_file("dev"))
    template = next(iter(stack["config"]["kvm-estate:templates"].values()))
    template["graphics"] = {"type": "vnc", "listen": "0.0.0.0", "password": PLAINTEXT}
    project = program_project(tmp_path, {"dev": stack})
    for flags in ([], ["--format", "json", "--xml"]):
        code, text = _plan(project, "dev", *flags)
        assert code == 0
        assert PLAINTEXT not in text
        assert "[secret]" in text


def test_encrypted_stack_config_is_passed_as_a_secret(tmp_path):
    stack = copy.deepcopy(stack_file("dev"))
    template = next(iter(stack["config"]["kvm-estate:templates"].values()))
    template["graphics"] = {"type": "vnc", "listen": "0.0.0.0", "password": {"secure": CIPHERTEXT}}
    project = program_project(tmp_path, {"dev": stack})
    code, text = _plan(project, "dev", "--format", "json")
    assert code == 0
    assert CIPHERTEXT not in text
    assert '"[secret]"' in text


def test_offline_refuses_libvirt_and_restores_everything():
    def probe(uri):
        raise AssertionError("the plan must not probe hosts")

    previous = kvm_host.host_probe()
    kvm_host.set_host_probe(probe)
    open_before = libvirt.open
    try:
        with offline():
            assert kvm_host.host_probe() is None
            with pytest.raises(PlanError, match="never connects to libvirt"):
                libvirt.open("qemu:///system")
        assert libvirt.open is open_before
        assert kvm_host.host_probe() is probe
    finally:
        kvm_host.set_host_probe(previous)
