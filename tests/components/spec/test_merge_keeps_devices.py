"""A redefine keeps what libvirt assigned each device (PCI address, alias, boot order,
driver tuning): disks are matched by target and NICs by MAC and merged, not replaced.

Otherwise libvirt hands out PCI slots anew on every restart-needing change, and a guest's
NIC names (enp1s0 → enp2s0) can change under it.
"""

from __future__ import annotations

from lxml import etree

from components.spec.domain import Disk, DomainSpec, Interface
from tests.components.spec.golden import GOLDEN_DIR, check_golden

# What `virsh dumpxml --inactive` gives for a VM we defined (pool volumes, libvirt's
# addresses and aliases, a boot order and a driver setting added by hand).
DEFINED = """\
<domain type='qemu'>
  <name>web</name>
  <uuid>0d3f2c59-6b7e-4e1c-9d8a-3b0f6f4c2a11</uuid>
  <memory unit='KiB'>524288</memory>
  <currentMemory unit='KiB'>524288</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2' io='threads'/>
      <source pool='vms' volume='web-root.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <boot order='1'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </disk>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='raw'/>
      <source pool='vms' volume='web-data.raw'/>
      <target dev='vdb' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    </disk>
    <controller type='usb' index='0' model='piix3-uhci'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
    </controller>
    <interface type='network'>
      <mac address='52:54:00:00:00:01'/>
      <source network='lan'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>
    </memballoon>
  </devices>
</domain>
"""

# The same VM after a restart-needing change (max memory), with a NIC added, as the domain
# provider writes it for the host (volumes as their files).
CHANGED = DomainSpec(
    name="web",
    max_memory_mib=1024,
    memory_mib=512,
    max_vcpus=1,
    vcpus=1,
    boot_devices=[],
    disks=[
        Disk(type="file", file="/pool/web-root.qcow2", target="vda"),
        Disk(type="file", file="/pool/web-data.raw", format="raw", target="vdb"),
    ],
    interfaces=[
        Interface(network="lan", mac="52:54:00:00:00:01"),
        Interface(network="lan", mac="52:54:00:00:00:02"),
    ],
)


def _merged() -> etree._Element:
    root = etree.fromstring(DEFINED.encode(), etree.XMLParser(remove_blank_text=True))
    CHANGED.merge_into(root)
    return root


def _key(device: etree._Element) -> str:
    target, mac = device.find("target"), device.find("mac")
    if target is not None and target.get("dev"):
        return str(target.get("dev"))
    if mac is not None:
        return str(mac.get("address"))
    return str(device.tag)


def _addresses(root: etree._Element) -> dict[str, str | None]:
    """Device (disk by target, NIC by MAC, others by kind) → its PCI slot."""
    return {
        _key(device): (
            address.get("slot") if (address := device.find("address")) is not None else None
        )
        for device in root.iterfind("devices/*")
        if device.tag != "emulator"
    }


def test_every_existing_device_keeps_its_pci_address() -> None:
    before = _addresses(etree.fromstring(DEFINED.encode()))
    after = _addresses(_merged())
    assert {key: after.get(key) for key in before} == before
    assert after["52:54:00:00:00:02"] is None, "the new NIC gets its address from libvirt"


def test_what_libvirt_or_an_operator_set_on_a_device_survives() -> None:
    root = _merged()
    root_disk = root.find("devices/disk")
    assert root_disk is not None
    assert root_disk.find("boot").get("order") == "1"
    assert root_disk.find("driver").get("io") == "threads"
    assert root_disk.get("type") == "file"
    assert dict(root_disk.find("source").attrib) == {"file": "/pool/web-root.qcow2"}, (
        "the pool volume became its file: no stale pool/volume attributes"
    )


def test_merged_definition_matches_golden_file() -> None:
    text = etree.tostring(_merged(), pretty_print=True, encoding="unicode")
    check_golden(GOLDEN_DIR / "merged" / "domain-devices-kept.xml", text)
