"""The HostFacts provider on libvirt's test driver: check, diff, create/read/update/delete."""

from __future__ import annotations

import libvirt
import pytest

from components.providers import connection
from components.providers.base import ProviderError
from components.providers.host_facts import FACT_KEYS, guest_offers, uefi_firmware, version_text
from components.providers.host_facts_resource import HostFactsProvider
from tests.components.providers.wire import Engine, failures_of

SSH = "qemu+ssh://admin@hv1/system"


def test_facts_of_the_test_driver(node_uri: str) -> None:
    engine = Engine(HostFactsProvider())
    res = engine.create({"connectionUri": node_uri})
    outs = res.outputs
    assert set(FACT_KEYS) <= set(outs)
    assert outs["connectionUri"] == node_uri
    assert outs["hostname"] and res.id == outs["hostname"], "no host UUID here: the hostname"
    assert outs["libvirtVersion"] == version_text(libvirt.getVersion())
    assert outs["arch"] == "i686" and outs["architectures"] == ["i686"]
    assert outs["domainTypes"] == {"i686": ["test"]}
    assert outs["firmware"] == [], "the test driver has no domain capabilities"
    assert outs["domainType"] == "qemu"
    assert outs["domainTypeReason"] == "libvirt offers no kvm domain type for i686"
    assert outs["cpus"] > 0 and outs["memoryMib"] > 0

    conn = connection.connect(node_uri)
    conn.storagePoolDefineXML(
        "<pool type='dir'><name>hf-pool</name><target><path>/hf</path></target></pool>", 0
    )
    found_id, refreshed = engine.read(res)
    assert found_id == res.id
    assert refreshed["storagePools"] == [*outs["storagePools"], "hf-pool"], "refresh shows it"


def test_delete_never_connects() -> None:
    HostFactsProvider().delete("id", {"connectionUri": "qemu+unix:///system?socket=/nonexistent"})


def test_an_unreachable_host_fails_create_with_its_uri() -> None:
    uri = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"
    with pytest.raises(connection.HostUnreachableError, match="/nonexistent/libvirt-sock"):
        HostFactsProvider().create({"connectionUri": uri})


def test_read_failures_name_the_host(monkeypatch: pytest.MonkeyPatch, node_uri: str) -> None:
    def broken(_conn: libvirt.virConnect, _own_prefix: str = "") -> None:
        raise libvirt.libvirtError("cannot read capabilities")

    monkeypatch.setattr("components.providers.host_facts_resource.gather_host_facts", broken)
    with pytest.raises(ProviderError, match=f"reading the facts of host {node_uri} failed"):
        HostFactsProvider().read("id", {"connectionUri": node_uri})


def test_check_accepts_only_host_uris() -> None:
    provider = HostFactsProvider()
    assert failures_of(provider, {}, {"connectionUri": SSH}) == {}
    assert (
        "qemu+tcp is neither"
        in failures_of(provider, {}, {"connectionUri": "qemu+tcp://hv1/system"})["connectionUri"]
    )
    assert failures_of(provider, {}, {}) == {
        "connectionUri": "a libvirt connection URI is required"
    }


@pytest.mark.parametrize(
    ("new_uri", "changes", "replaces"),
    [
        (SSH, False, []),
        (f"{SSH}?keyfile=/srv/keys/hv1&no_verify=1", True, []),
        ("qemu+libssh://ops@hv1:2222/system", True, []),
        ("qemu+ssh://admin@hv2/system", True, ["connectionUri"]),
        ("qemu+ssh://admin@hv1/session", True, ["connectionUri"]),
    ],
)
def test_only_another_daemon_is_a_replace(new_uri: str, changes: bool, replaces: list[str]) -> None:
    olds = {"connectionUri": SSH, "adopt": False, "hostname": "hv1", "cpus": 8}
    diff = HostFactsProvider().diff("id", olds, {"connectionUri": new_uri, "adopt": False})
    assert (diff.changes, diff.replaces) == (changes, replaces)


def test_version_text_decodes_libvirts_encoding() -> None:
    assert version_text(9_000_000) == "9.0.0"
    assert version_text(7_002_022) == "7.2.22"
    assert version_text(10_010_001) == "10.10.1"


def test_guest_offers_and_firmware_parse_capabilities() -> None:
    capabilities = """<capabilities><host><cpu><arch>x86_64</arch></cpu></host>
      <guest><arch name='x86_64'><machine>pc-q35-7.2</machine>
        <machine canonical='pc-q35-7.2'>q35</machine><domain type='qemu'/>
        <domain type='kvm'><machine>pc-i440fx-7.2</machine></domain></arch></guest>
      <guest><arch name='aarch64'><machine>virt-7.2</machine><domain type='qemu'/></arch></guest>
    </capabilities>"""
    machines, domains = guest_offers(capabilities)
    assert machines == {
        "aarch64": ("virt-7.2",),
        "x86_64": ("pc-i440fx-7.2", "pc-q35-7.2", "q35"),
    }
    assert domains == {"aarch64": ("qemu",), "x86_64": ("kvm", "qemu")}
    domcaps = """<domainCapabilities><os supported='yes'><loader supported='yes'>
      <value>/usr/share/OVMF/OVMF_CODE_4M.fd</value><value>/usr/share/OVMF/OVMF_CODE.fd</value>
      </loader></os></domainCapabilities>"""
    assert uefi_firmware(domcaps) == (
        "/usr/share/OVMF/OVMF_CODE_4M.fd",
        "/usr/share/OVMF/OVMF_CODE.fd",
    )
