"""`merge_into`: a spec written over an existing definition keeps what it does not model.

That is how a defined VM is changed (or one made by another tool adopted) without losing
the devices libvirt or the other tool added: scalars set, disks and NICs merged into the
element they match (target, MAC), other lists replaced whole, false flags removed,
everything else left alone.
"""

from __future__ import annotations

from hypothesis import given
from lxml import etree

from components.spec.domain import Disk, DomainSpec, Interface
from components.spec.network import DnsHost, NetworkSpec
from tests.components.spec.examples import KERNEL_BOOT_VM, NAT_NETWORK
from tests.components.spec.strategies import DOMAIN_LIFECYCLE, domain_specs, network_specs

EXISTING_DOMAIN = """\
<domain type='kvm'>
  <name>old-name</name>
  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>
  <metadata>
    <other:app xmlns:other="https://example.com/other">kept</other:app>
  </metadata>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <boot dev='network'/>
    <boot dev='cdrom'/>
  </os>
  <features><acpi/><apic/><pae/></features>
  <clock offset='utc'/>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <source file='/old/a.qcow2'/><target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/old/b.qcow2'/><target dev='vdb' bus='virtio'/>
    </disk>
    <interface type='network'><source network='old'/></interface>
    <video><model type='vga'/></video>
    <sound model='ich9'/>
  </devices>
</domain>
"""

EXISTING_NETWORK = """\
<network>
  <name>old</name>
  <uuid>9a05da11-e96b-47f3-8253-a3a482e445f5</uuid>
  <mac address='52:54:00:0a:0b:0c'/>
  <dns>
    <txt name='example' value='kept'/>
    <host ip='10.9.9.9'><hostname>stale</hostname></host>
  </dns>
  <ip address='10.9.9.1' prefix='24'/>
</network>
"""


def _merged(existing: str, spec: DomainSpec | NetworkSpec) -> etree._Element:
    root = etree.fromstring(existing.encode())
    spec.merge_into(root)
    return root


def _node(root: etree._Element, path: str) -> etree._Element:
    node = root.find(path)
    assert node is not None, f"{path} is missing after the merge"
    return node


def _lifecycle(spec: DomainSpec) -> dict[str, object]:
    return {name: getattr(spec, name) for name in DOMAIN_LIFECYCLE}


def _extras_kept(root: etree._Element) -> None:
    assert root.findtext("uuid") == "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
    assert root.find("metadata/{https://example.com/other}app") is not None
    assert root.find("clock") is not None
    assert root.find("features/pae") is not None
    assert root.findtext("devices/emulator") == "/usr/bin/qemu-system-x86_64"
    assert _node(root, "devices/video/model").get("type") == "vga"
    assert _node(root, "devices/sound").get("model") == "ich9"


def test_domain_merge_keeps_extras_and_reads_back_as_the_spec() -> None:
    root = _merged(EXISTING_DOMAIN, KERNEL_BOOT_VM)
    _extras_kept(root)
    assert DomainSpec.from_element(root, **_lifecycle(KERNEL_BOOT_VM)) == KERNEL_BOOT_VM


@given(domain_specs())
def test_any_domain_merge_keeps_extras_and_reads_back_as_the_spec(spec: DomainSpec) -> None:
    root = _merged(EXISTING_DOMAIN, spec)
    _extras_kept(root)
    assert DomainSpec.from_element(root, **_lifecycle(spec)) == spec


def test_entries_matching_nothing_replace_the_old_ones() -> None:
    spec = KERNEL_BOOT_VM.model_copy(
        update={
            "disks": [Disk(pool="default", volume="new.qcow2", target="vdc")],
            "interfaces": [Interface(type="bridge", bridge="br0")],
            "boot_devices": ["hd"],
        }
    )
    root = _merged(EXISTING_DOMAIN, spec)
    assert [t.get("dev") for t in root.iterfind("devices/disk/target")] == ["vdc"]
    assert [s.get("bridge") for s in root.iterfind("devices/interface/source")] == ["br0"]
    assert [b.get("dev") for b in root.iterfind("os/boot")] == ["hd"]


def test_empty_lists_remove_every_entry() -> None:
    spec = KERNEL_BOOT_VM.model_copy(update={"disks": [], "interfaces": [], "boot_devices": []})
    root = _merged(EXISTING_DOMAIN, spec)
    assert root.findall("devices/disk") == []
    assert root.findall("devices/interface") == []
    assert root.findall("os/boot") == []
    assert root.find("devices/video") is not None


def test_false_flags_are_removed_and_true_flags_added() -> None:
    root = _merged(EXISTING_DOMAIN, KERNEL_BOOT_VM.model_copy(update={"acpi": False}))
    assert root.find("features/acpi") is None
    assert root.find("features/apic") is not None
    assert root.find("features/pae") is not None
    without_apic = etree.fromstring(EXISTING_DOMAIN.replace("<apic/>", "").encode())
    KERNEL_BOOT_VM.merge_into(without_apic)
    assert without_apic.find("features/apic") is not None


def test_sizes_are_rewritten_in_the_spec_unit() -> None:
    root = _merged(EXISTING_DOMAIN, KERNEL_BOOT_VM)
    memory = _node(root, "memory")
    assert (memory.get("unit"), memory.text) == ("MiB", "4096")
    vcpu = _node(root, "vcpu")
    assert (vcpu.text, vcpu.get("current"), vcpu.get("placement")) == ("4", "2", "static")


def test_unset_fields_leave_the_existing_value_alone() -> None:
    existing = EXISTING_DOMAIN.replace("<clock", "<cpu mode='host-model'/><clock")
    root = _merged(existing, KERNEL_BOOT_VM.model_copy(update={"cpu_mode": None}))
    assert _node(root, "cpu").get("mode") == "host-model"


def test_network_merge_keeps_extras_and_reads_back_as_the_spec() -> None:
    root = _merged(EXISTING_NETWORK, NAT_NETWORK)
    assert root.findtext("uuid") == "9a05da11-e96b-47f3-8253-a3a482e445f5"
    assert _node(root, "mac").get("address") == "52:54:00:0a:0b:0c"
    assert _node(root, "dns/txt").get("value") == "kept"
    assert "stale" not in [h.text for h in root.iterfind("dns/host/hostname")]
    assert [ip.get("address") for ip in root.iterfind("ip")] == ["192.168.50.1"]
    assert NetworkSpec.from_element(root, autostart=NAT_NETWORK.autostart) == NAT_NETWORK


@given(network_specs())
def test_any_network_merge_reads_back_as_the_spec(spec: NetworkSpec) -> None:
    root = _merged(EXISTING_NETWORK, spec)
    assert root.find("dns/txt") is not None
    assert NetworkSpec.from_element(root, autostart=spec.autostart) == spec


def test_dns_hosts_replaced_whole() -> None:
    spec = NAT_NETWORK.model_copy(update={"dns_hosts": [DnsHost(ip="10.9.9.2", hostnames=["b"])]})
    root = _merged(EXISTING_NETWORK, spec)
    assert [h.get("ip") for h in root.iterfind("dns/host")] == ["10.9.9.2"]


def test_fields_removed_from_the_spec_are_removed_from_the_definition():
    from lxml import etree

    from components.spec.domain import DomainSpec, SerialConsole

    before = DomainSpec(
        name="vm",
        max_memory_mib=256,
        memory_mib=128,
        max_vcpus=1,
        vcpus=1,
        kernel="/boot/k",
        cmdline="console=ttyS0",
        serial=SerialConsole(log_file="/l.log"),
    )
    root = etree.fromstring(before.to_xml().encode())
    after = before.model_copy(update={"kernel": None, "serial": None})
    after.merge_into(root, {"kernel", "serial"})
    assert root.find("os/kernel") is None
    assert root.find("devices/serial") is None
    assert root.findtext("os/cmdline") == "console=ttyS0", "fields not named are kept"
    assert DomainSpec.from_element(root) == after
