"""Reading what libvirt gives back (`virsh dumpxml --inactive`), not what we wrote.

libvirt expands a definition: memory in KiB, the machine alias resolved, PCI addresses,
controllers, a console for the serial port, a memballoon, generated MACs. The spec must
read through all of that, and `comparable` must not report libvirt's own choices as drift.
"""

from __future__ import annotations

from components.providers.domain import comparable
from components.spec.domain import Disk, DomainSpec, Interface, SerialConsole
from components.spec.ownership import Ownership

DUMPXML = """\
<domain type='kvm'>
  <name>dev-web-1</name>
  <uuid>0d3f2c59-6b7e-4e1c-9d8a-3b0f6f4c2a11</uuid>
  <metadata>
    <kvmp:owner xmlns:kvmp="https://kvm-pulumi.dev/xmlns/owner/1"
                project="shop" stack="dev" name="web-1"/>
  </metadata>
  <memory unit='KiB'>4194304</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static' current='2'>4</vcpu>
  <resource>
    <partition>/machine</partition>
  </resource>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu mode='custom' match='exact' check='none'>
    <model fallback='forbid'>qemu64</model>
  </cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source pool='default' volume='dev-web-1-root.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </disk>
    <disk type='volume' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source pool='default' volume='dev-web-1-seed.iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <controller type='usb' index='0' model='piix3-uhci'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pci-root'/>
    <controller type='sata' index='0'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    </controller>
    <interface type='network'>
      <mac address='52:54:00:6e:1f:a2'/>
      <source network='dev-lan'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>
    <serial type='pty'>
      <log file='/var/log/kvm-pulumi/dev-web-1.log' append='on'/>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
    </serial>
    <console type='pty'>
      <log file='/var/log/kvm-pulumi/dev-web-1.log' append='on'/>
      <target type='serial' port='0'/>
    </console>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <audio id='1' type='none'/>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>
    </memballoon>
  </devices>
</domain>
"""

LIFECYCLE = {
    "autostart": True,
    "running": True,
    "restart_policy": "manual",
    "shutdown_timeout_seconds": 30,
}

ROOT = Disk(pool="default", volume="dev-web-1-root.qcow2", target="vda", cache="none")
SEED = Disk(
    device="cdrom",
    format="raw",
    pool="default",
    volume="dev-web-1-seed.iso",
    target="sda",
    bus="sata",
    readonly=True,
)
SERIAL = SerialConsole(log_file="/var/log/kvm-pulumi/dev-web-1.log", log_append=True)

LIVE = DomainSpec(
    domain_type="kvm",
    name="dev-web-1",
    ownership=Ownership(project="shop", stack="dev", name="web-1"),
    max_memory_mib=4096,
    memory_mib=2048,
    max_vcpus=4,
    vcpus=2,
    machine="pc-i440fx-7.2",
    cpu_mode="custom",
    cpu_model="qemu64",
    disks=[ROOT, SEED],
    interfaces=[Interface(network="dev-lan", mac="52:54:00:6e:1f:a2")],
    serial=SERIAL,
    **LIFECYCLE,
)

DESIRED = LIVE.model_copy(
    update={
        "machine": "pc",
        "cpu_mode": None,
        "cpu_model": None,
        "interfaces": [Interface(network="dev-lan")],
    }
)


def test_dumpxml_reads_as_the_live_spec() -> None:
    assert DomainSpec.from_xml(DUMPXML, **LIFECYCLE) == LIVE


def test_all_vcpus_online_reads_as_the_maximum() -> None:
    """libvirt leaves out `current` when it equals the maximum."""
    xml = DUMPXML.replace("<vcpu placement='static' current='2'>4</vcpu>", "<vcpu>4</vcpu>")
    assert DomainSpec.from_xml(xml, **LIFECYCLE).vcpus == 4


def test_memory_without_unit_is_kib() -> None:
    xml = DUMPXML.replace("<memory unit='KiB'>4194304</memory>", "<memory>4194304</memory>")
    assert DomainSpec.from_xml(xml, **LIFECYCLE).max_memory_mib == 4096


def test_libvirt_choices_are_not_drift() -> None:
    live = DomainSpec.from_xml(DUMPXML, **LIFECYCLE)
    assert live != DESIRED
    assert comparable(live, DESIRED) == DESIRED


def test_real_drift_stays_visible() -> None:
    live = DomainSpec.from_xml(DUMPXML.replace("2097152", "1048576"), **LIFECYCLE)
    assert comparable(live, DESIRED).memory_mib == 1024
    assert comparable(live, DESIRED) != DESIRED


def test_a_pinned_mac_or_machine_is_compared() -> None:
    pinned = DESIRED.model_copy(
        update={
            "machine": "pc-i440fx-8.0",
            "interfaces": [Interface(network="dev-lan", mac="52:54:00:00:00:01")],
        }
    )
    seen = comparable(DomainSpec.from_xml(DUMPXML, **LIFECYCLE), pinned)
    assert seen.machine == "pc-i440fx-7.2"
    assert seen.interfaces[0].mac == "52:54:00:6e:1f:a2"


def test_auto_domain_type_is_not_drift() -> None:
    desired = DESIRED.model_copy(update={"domain_type": "auto"})
    assert comparable(DomainSpec.from_xml(DUMPXML, **LIFECYCLE), desired) == desired
