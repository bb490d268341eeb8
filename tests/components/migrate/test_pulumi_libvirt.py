"""Converting a pulumi-libvirt stack export: every object adopted as it is, the rest listed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from components.migrate.cli import main
from components.migrate.export import ExportError, parse_export
from components.migrate.pulumi_libvirt import ConversionError, convert
from components.migrate.stack_file import render
from tests.components.migrate.pulumi_libvirt_export import (
    ProgramSettings,
    export_of,
    typical_program,
)
from tests.components.spec.golden import check_golden

FIXTURE = Path(__file__).parent / "fixtures" / "pulumi-libvirt-export.json"


def _export() -> dict:
    return json.loads(FIXTURE.read_text())


def _resource(export: dict, type_suffix: str, name: str) -> dict:
    return next(
        r
        for r in export["deployment"]["resources"]
        if r["type"].endswith(type_suffix) and r["urn"].endswith(f"::{name}")
    )


def test_the_fixture_is_what_the_pulumi_libvirt_sdk_registers():
    export = export_of(typical_program(ProgramSettings()))
    check_golden(FIXTURE, json.dumps(export, indent=2, sort_keys=True) + "\n")
    domain = _resource(export, "domain:Domain", "web-0")
    root = _resource(export, "volume:Volume", "web-0")
    assert domain["inputs"]["disks"][0] == {"volumeId": root["id"]}, "volume ids are keys"
    assert root["id"] == f"/var/lib/libvirt/old-estate/{root['outputs']['name']}"
    assert set(domain["inputs"]) >= {"networkInterfaces", "cloudinit", "consoles", "graphics"}
    seed = _resource(export, "cloudInitDisk:CloudInitDisk", "commoninit")
    assert ";" in seed["id"], "cloud-init ids are <volume key>;<uuid>"
    assert "ciphertext" in seed["inputs"]["userData"], "secrets are sealed as in an export"


def test_every_object_is_adopted_with_its_names_macs_and_machine():
    export = _export()
    sections = convert(parse_export(export)).sections
    pool = _resource(export, "pool:Pool", "images")
    assert sections["pools"]["images"] == {
        "path": "/var/lib/libvirt/old-estate",
        "hosts": ["hv1"],
        "libvirtName": pool["outputs"]["name"],
        "adopt": True,
    }
    assert sections["hosts"] == {"hv1": {"uri": "qemu:///system", "domainType": "kvm"}}
    net = sections["networks"]["vmnet"]
    assert (net["kind"], net["subnet"], net["dhcp"]) == (
        "nat",
        "10.17.3.0/24",
        {"start": "10.17.3.2", "end": "10.17.3.254"},
    ), "the range terraform-provider-libvirt derived from the subnet"
    assert net["bridgeName"] == "virbr1" and net["adopt"] is True
    template = sections["templates"]["debian-base"]
    base = _resource(export, "volume:Volume", "debian-base")
    assert template["image"] == {
        "volume": base["outputs"]["name"],
        "size": "2 GiB",
        "format": "qcow2",
    }
    assert (template["generation"], template["machine"], template["firmware"]) == (
        "custom",
        "pc-i440fx-7.2",
        "bios",
    )
    assert (template["diskBus"], template["nicModel"], template["rng"]) == (
        "virtio",
        "virtio",
        True,
    )
    assert template["serialConsole"] == "plain" and template["graphics"]["type"] == "spice"
    vm = next(v for v in sections["vms"] if v["name"] == "web-0")
    domain = _resource(export, "domain:Domain", "web-0")
    root = _resource(export, "volume:Volume", "web-0")
    assert vm["libvirtName"] == domain["outputs"]["name"] and vm["adopt"] is True
    assert vm["rootDiskLibvirtName"] == root["outputs"]["name"]
    assert vm["nics"][0]["mac"] == domain["outputs"]["networkInterfaces"][0]["mac"].lower()
    assert (
        vm["dataDisks"][0]["libvirtName"]
        == _resource(export, "volume:Volume", "web-0-data")["outputs"]["name"]
    )
    assert vm["existingDisks"] == [
        {
            "path": _resource(export, "cloudInitDisk:CloudInitDisk", "commoninit")["id"].split(";")[
                0
            ],
            "type": "file",
            "device": "cdrom",
            "format": "raw",
            "bus": "ide",
            "target": "hdd",
        }
    ], "the cloud-init ISO stays the CD-ROM it is: a new seed would rerun cloud-init"
    assert len(sections["vms"]) == 2 and len(sections["templates"]) == 1


def test_secrets_never_reach_the_stack_file():
    conversion = convert(parse_export(_export()))
    text = render(conversion, "old.json")
    seed = _resource(_export(), "cloudInitDisk:CloudInitDisk", "commoninit")
    assert seed["inputs"]["userData"]["ciphertext"] not in text
    assert "hunter2" not in text and "ciphertext" not in text
    assert any(
        "userData are secrets and stay in the old state" in f.what for f in conversion.findings
    )


def test_a_show_secrets_export_keeps_plaintext_out_too():
    export = _export()
    seed = _resource(export, "cloudInitDisk:CloudInitDisk", "commoninit")
    seed["inputs"]["userData"] = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "plaintext": '"#cloud-config\\npassword: hunter2\\n"',
    }
    assert "hunter2" not in render(convert(parse_export(export)), "old.json")


def test_a_secret_the_stack_needs_becomes_a_placeholder_to_set():
    export = _export()
    sealed = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "ciphertext": "v1:abc:v1:def",
    }
    for name in ("web-0", "web-1"):
        _set(_resource(export, "domain:Domain", name), "cmdlines", [{"_": sealed}])
    conversion = convert(parse_export(export))
    text = render(conversion, "old.json")
    assert "v1:abc" not in text and "[secret]" not in text
    template = conversion.sections["templates"]["debian-base"]
    assert template["cmdline"] == "SECRET-SET-ME"
    actions = [f.action for f in conversion.findings if "a secret in the old stack" in f.what]
    assert actions == [
        "set it: pulumi config set --secret --path 'kvm-estate:templates[\"debian-base\"].cmdline'"
        " VALUE --stack NEW (the stack file holds SECRET-SET-ME until then)"
    ]


def _set(resource: dict, key: str, value: object) -> None:
    """A property as the bridge saves it: in inputs and outputs alike."""
    resource["inputs"][key] = resource["outputs"][key] = value


def test_what_has_no_equivalent_is_listed_with_what_to_do():
    export = _export()
    net = _resource(export, "network:Network", "vmnet")
    _set(net, "dnsmasqOptions", {"options": [{"optionName": "server", "optionValue": "/x/1.1"}]})
    _set(net, "dns", {**net["inputs"]["dns"], "srvs": [{"service": "ldap", "protocol": "tcp"}]})
    _set(net, "xml", {"xslt": "<xsl:stylesheet/>"})
    domain = _resource(export, "domain:Domain", "web-1")
    _set(domain, "filesystems", [{"source": "/srv", "target": "srv"}])
    _set(domain, "coreosIgnition", "/var/lib/libvirt/ign;uuid")
    resources = export["deployment"]["resources"]
    lvm = copy.deepcopy(_resource(export, "pool:Pool", "images"))
    lvm["urn"] = lvm["urn"].replace("::images", "::vg")
    lvm["inputs"]["type"] = lvm["outputs"]["type"] = "logical"
    resources.append(lvm)
    conversion = convert(parse_export(export))
    lines = [f.line() for f in conversion.findings]
    for expected in (
        "Network 'vmnet': dnsmasq options",
        "Network 'vmnet': DNS SRV records",
        "Network 'vmnet': an XSLT transform",
        "Domain 'web-1': 9p filesystems",
        "Domain 'web-1': an Ignition config",
        "Pool 'vg': a 'logical' pool",
    ):
        assert any(line.startswith(expected) for line in lines), (expected, "\n".join(lines))
    assert all("—" in line for line in lines), "each says what to do"
    assert len(conversion.sections["vms"]) == 2, "their objects are still adopted"
    assert "vg" not in conversion.sections["pools"]


def test_a_vm_that_cannot_be_described_is_left_to_the_old_tool():
    export = _export()
    domain = _resource(export, "domain:Domain", "web-1")
    _set(domain, "networkInterfaces", [{"bridge": "br0", "mac": "52:54:00:00:00:01"}])
    conversion = convert(parse_export(export))
    assert [vm["name"] for vm in conversion.sections["vms"]] == ["web-0"]
    assert any(
        f.subject.startswith("Domain 'web-1'") and "bridge NIC" in f.what
        for f in conversion.findings
    )
    data = _resource(export, "volume:Volume", "web-1-data")["outputs"]["name"]
    assert any(data in f.subject or "web-1-data" in f.subject for f in conversion.findings), (
        "its volumes are listed, not adopted"
    )


def test_host_uri_comes_from_the_provider_or_from_host_option():
    export = _export()
    provider = _resource(export, "providers:libvirt", "hv1")
    del provider["inputs"]["uri"], provider["outputs"]["uri"]
    with pytest.raises(ConversionError, match=r"provider 'hv1' has no uri .* --host hv1=URI"):
        convert(parse_export(export))
    sections = convert(parse_export(export), {"hv1": "qemu+ssh://root@hv1/system"}).sections
    assert sections["hosts"]["hv1"]["uri"] == "qemu+ssh://root@hv1/system"
    with pytest.raises(ConversionError, match="--host hv9: no such host"):
        convert(parse_export(_export()), {"hv9": "qemu:///system"})


def test_network_modes_become_network_kinds():
    export = _export()
    net = _resource(export, "network:Network", "vmnet")
    _set(net, "mode", "none")
    assert convert(parse_export(export)).sections["networks"]["vmnet"]["kind"] == "isolated"
    _set(net, "mode", "route")
    _set(net, "routes", [{"cidr": "10.99.0.0/24", "gateway": "10.17.3.5"}])
    routed = convert(parse_export(export)).sections["networks"]["vmnet"]
    assert routed["kind"] == "routed"
    assert routed["routes"] == [{"subnet": "10.99.0.0/24", "gateway": "10.17.3.5"}]
    _set(net, "dhcp", {"enabled": False})
    assert "dhcp" not in convert(parse_export(export)).sections["networks"]["vmnet"]
    _set(net, "mode", "open")
    conversion = convert(parse_export(export))
    assert conversion.sections["networks"] == {
        "vmnet-b9fa880": {"kind": "existing", "name": "vmnet-b9fa880", "hosts": ["hv1"]}
    }, "an open network stays as it is; the VMs on it use it as an existing network"
    assert len(conversion.sections["vms"]) == 2


def test_boot_order_cpu_mode_and_scsi_disks_are_pinned():
    export = _export()
    for name in ("web-0", "web-1"):
        domain = _resource(export, "domain:Domain", name)
        _set(domain, "bootDevices", [{"devs": ["hd", "network"]}])
        _set(domain, "cpu", {"mode": "host-passthrough"})
        _set(domain, "machine", "pc-q35-7.2")
        disks = domain["outputs"]["disks"]
        _set(domain, "disks", [{**d, "scsi": True} for d in disks])
    template = convert(parse_export(export)).sections["templates"]["debian-base"]
    assert template["bootOrder"] == ["hd", "network"]
    assert template["cpu"] == {"mode": "host-passthrough"}
    assert (template["machine"], template["firmware"]) == ("pc-q35-7.2", "bios"), "q35 + BIOS"
    assert template["diskBus"] == "scsi"


def test_the_default_provider_becomes_host_default():
    text = FIXTURE.read_text().replace("providers:libvirt::hv1", "providers:libvirt::default_0_5_4")
    sections = convert(parse_export(json.loads(text))).sections
    assert list(sections["hosts"]) == ["default"]
    assert {vm["host"] for vm in sections["vms"]} == {"default"}


def test_not_an_export_is_refused_naming_the_problem():
    with pytest.raises(ExportError, match="no 'deployment' object"):
        parse_export({"resources": []})


def test_command_writes_the_stack_file_and_lists_findings(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    export = tmp_path / "old.json"
    export.write_text(FIXTURE.read_text())
    assert main(["from-pulumi-libvirt", str(export), "--stack", "moved"]) == 0
    written = tmp_path / "stacks" / "Pulumi.moved.yaml"
    config = yaml.safe_load(written.read_text())["config"]
    assert set(config) == {
        "kvm-estate:hosts",
        "kvm-estate:pools",
        "kvm-estate:networks",
        "kvm-estate:templates",
        "kvm-estate:vms",
        "kvm-estate:defaults",
    }
    out = capsys.readouterr().out
    assert "adopts 2 domains, 1 networks, 1 pools, 5 volumes" in out
    assert "not carried over: CloudInitDisk 'commoninit'" in out
    assert main(["from-pulumi-libvirt", str(tmp_path / "missing.json"), "--stack", "x"]) == 1
    assert "cannot read" in capsys.readouterr().err
