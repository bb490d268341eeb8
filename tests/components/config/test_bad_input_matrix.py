"""The bad-input matrix: every section of the stack config, each class of mistake.

Each case edits a valid stack (bad_input.BASE) and must be refused by the loader with the
project's error (StackConfigError), naming the config path and the offending value, and
never a secret's value. No case may pass, crash, or be refused by another exception.
"""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from components.config.load import StackConfigError, parse_stack_config
from components.spec.errors import InputError
from tests.components.config.bad_input import BASE, DELETE, SECRET, Case, at, edited

STACK = "prod"

# Generic bad text, tried on every single-line string that reaches libvirt.
BAD_TEXT = ["a\x01b", "a\nb", "\ufffe", "x\t\x1b[31m"]
TEXT_FIELDS = [
    ("hosts.hv2.sharedStorage", "/srv{}"),
    ("pools.vmstore.path", "/srv/vm{}"),
    ("pools.vmstore.libvirtName", "pool{}"),
    ("networks.lan.dnsDomain", "dev{}.internal"),
    ("networks.lan.bridgeName", "virbr{}"),
    ("networks.lan.libvirtName", "lan{}"),
    ("networks.lan.staticLeases[0].name", "printer{}"),
    ("networks.lan.dnsHosts[0].hostnames[0]", "ns{}"),
    ("networks.uplink.bridge", "br{}"),
    ("networks.default.name", "default{}"),
    ("templates.debian.machine", "q35{}"),
    ("templates.debian.kernel", "/boot/vmlinuz{}"),
    ("templates.debian.cmdline", "console=ttyS0{}"),
    ("templates.debian.image.url", "https://example.org/d{}.qcow2"),
    ("templates.debian.cpu.model", "Skylake{}"),
    ("templates.debian.graphics.listen", "127.0.0.1{}"),
    ("vms[0].name", "web{}"),
    ("vms[0].cmdline", "quiet{}"),
    ("vms[0].dataDisks[0].name", "data{}"),
    ("vms[0].migration.address", "hv1{}"),
    ("vms[0].nics[0].network", "lan{}"),
    ("vms[0].cloudInit.packages[0]", "nginx{}"),
    ("vms[0].cloudInit.users[0].name", "ops{}"),
    ("vms[0].cloudInit.writeFiles[0].path", "/etc/motd{}"),
]
GENERIC = [at(path, form.format(bad)) for path, form in TEXT_FIELDS for bad in BAD_TEXT]
# Trailing newlines (a `$` in a pattern accepts them) and values of the wrong YAML type.
GENERIC += [at(path, form.format("") + "\n") for path, form in TEXT_FIELDS]
GENERIC += [at(path, 12345) for path, _ in TEXT_FIELDS[::3]]

HOSTS = [
    at("hosts.hv2.uri", "qemu+ssh://admin@hv1.example.internal/system"),
    at("hosts.hv2.uri", "qemu+ssh://other@HV1.example.internal:22/system", where="hosts.hv2.uri"),
    at("hosts.hv1.uri", "qemu+ssh://admin@hv1;reboot/system"),
    at("hosts.hv1.uri", "qemu+ssh://-oProxyCommand=touch%20x/system"),
    at("hosts.hv1.uri", "qemu+ssh://hv1$(id)/system"),
    at("hosts.hv1.uri", "qemu+ssh://hv1`id`/system"),
    at("hosts.hv1.uri", "qemu+ssh://hv1|x/system"),
    at("hosts.hv1.uri", "qemu+ssh://ad min@hv1/system"),
    at("hosts.hv1.uri", "qemu+ssh://-admin@hv1/system"),
    at("hosts.hv1.uri", "qemu+tcp://hv1/system"),
    at("hosts.hv1.uri", "qemu+ssh://hv1/elsewhere"),
    at("hosts.hv1.uri", "qemu+ssh://hv1:99999/system"),
    at("hosts.hv1.uri", "qemu+ssh:///system"),
    at("hosts.hv1.uri", "http://hv1"),
    at("hosts.hv1.uri", "hv1.example.internal"),
    at("hosts.hv1.uri", 5),
    at("hosts.hv1.uri", None),
    at("hosts.hv1.uri", ["qemu:///system"], shown="['qemu:///system']"),
    at("hosts.hv1.memoryOvercommit", 0),
    at("hosts.hv1.memoryOvercommit", float("inf")),
    at("hosts.hv1.memoryOvercommit", float("nan"), shown="nan"),
    at("hosts.hv1.vcpuOvercommit", "lots"),
    at("hosts.hv1.vcpuOvercommit", 1e9),
    at("hosts.hv1.domainType", "xen"),
    at("hosts.hv1.sharedStorage", "srv"),
    at("hosts.hv1.sharedStorage", "/srv/../etc"),
    at("hosts.hv1.ssh", {"port": 0}, where="hosts.hv1.ssh.port", shown="0"),
    at("hosts.hv1.ssh", {"port": 70000}, where="hosts.hv1.ssh.port", shown="70000"),
    at("hosts.hv1.ssh", {"user": "ro ot"}, where="hosts.hv1.ssh.user", shown="'ro ot'"),
    at("hosts.hv1.ssh", {"user": "x"}, where="hosts.hv1.ssh.user", shown="'admin'"),
    at(
        "hosts.hv1.ssh",
        {"keyFile": "~/.ssh/id"},
        where="hosts.hv1.ssh.keyFile",
        shown="'~/.ssh/id'",
    ),
    at("hosts.hv1.ssh", {"knownHosts": "/k"}, where="hosts.hv1.ssh.knownHosts", shown="qemu+ssh"),
    at("hosts.hv1.ssh", {"colour": "x"}, where="hosts.hv1.ssh.colour", shown="'x'"),
    at("hosts.hv 1", {"uri": "qemu:///system"}, where="hosts.hv 1", shown="'hv 1'"),
    at(
        "hosts.hv1.maintenance",
        True,
        also={"hosts.hv2.maintenance": True},
        where="vms[0].host",
        shown="'hv1'",
    ),
    at("hosts", {}, shown="at least one host"),
    at("hosts", ["hv1"], shown="a list"),
    at("hosts", "hv1"),
    at(
        "hosts.hv1.uri", "qemu+ssh://admin@hv1.example.internal/system?keyfile=rel", shown="keyfile"
    ),
]

POOLS = [
    at("pools.vmstore.path", "srv/vmstore"),
    at("pools.vmstore.path", "/srv//vmstore"),
    at("pools.vmstore.path", "/srv/vmstore/../x"),
    at("pools.vmstore.path", 7),
    at("pools.vmstore.path", DELETE, where="pools.vmstore.path", shown="Field required"),
    at("pools.vmstore.hosts", ["hv1", "hv1"], where="pools.vmstore.hosts[1]", shown="'hv1'"),
    at("pools.vmstore.hosts", ["hv9"], where="pools.vmstore.hosts", shown="'hv9'"),
    at("pools.vmstore.hosts", [], shown="a list of 0"),
    at(
        "pools.other",
        {"path": "/srv/vmstore/prod"},
        where="pools.other.path",
        shown="'/srv/vmstore/prod'",
    ),
    at(
        "pools.other",
        {"path": "/srv/vmstore/prod/"},
        where="pools.other.path",
        shown="'/srv/vmstore/prod'",
    ),
    at(
        "pools.other",
        {"path": "/srv/o", "libvirtName": "prod-vmstore"},
        where="pools.other.libvirtName",
        shown="'prod-vmstore'",
    ),
    at("pools.vmstore.libvirtName", "x" * 65),
    at("pools.vmstore.libvirtName", "a/b"),
    at("pools.vmstore.size", "1TiB"),
    at("pools.bad name", {"path": "/x"}, where="pools.bad name", shown="'bad name'"),
    at("pools", ["vmstore"], shown="a list"),
]

NETWORKS = [
    at("networks.lan.subnet", "10.70.0.0/33"),
    at("networks.lan.subnet", "10.70.0.1/24"),
    at("networks.lan.subnet", "fd00::/64"),
    at("networks.lan.subnet", "10.70.0.0/31"),
    at("networks.lan.subnet", 10),
    at("networks.lan.gateway", "10.71.0.1", shown="10.71.0.1"),
    at("networks.lan.gateway", "10.70.0.0", shown="10.70.0.0"),
    at("networks.lan.dhcp.start", "10.70.0.250", where="networks.lan", shown="10.70.0.250"),
    at("networks.lan.dhcp.end", "10.70.1.5", where="networks.lan", shown="10.70.1.5"),
    at("networks.lan.dhcp.start", "ten"),
    at(
        "networks.lan.staticLeases[1]",
        {"mac": "52:54:00:aa:bb:01", "ip": "10.70.0.51"},
        where="networks.lan.staticLeases",
        shown="52:54:00:aa:bb:01",
    ),
    at("networks.lan.staticLeases[0].mac", "01:00:5e:00:00:01"),
    at("networks.lan.staticLeases[0].mac", "ff:ff:ff:ff:ff:ff"),
    at("networks.lan.staticLeases[0].mac", "00:00:00:00:00:00"),
    at("networks.lan.staticLeases[0].mac", "zz"),
    at("networks.lan.staticLeases[0].mac", "52:54:00:aa:bb"),
    at(
        "networks.lan.staticLeases[0].ip",
        "10.70.0.1",
        where="networks.lan.staticLeases[0].ip",
        shown="10.70.0.1",
    ),
    at("networks.lan.staticLeases[0].name", "a&b"),
    at("networks.lan.staticLeases[0].name", "has space"),
    at("networks.lan.staticLeases[0].name", "-lead"),
    at("networks.lan.staticLeases[0].name", "x" * 300),
    at("networks.lan.dnsHosts[0].hostnames[0]", "a&b"),
    at("networks.lan.dnsHosts[0].hostnames[0]", "<b>"),
    at("networks.lan.dnsHosts[0].hostnames", [], shown="a list of 0"),
    at("networks.lan.dnsHosts[0].ip", "nope"),
    at("networks.lan.forwarders", ["nope"], where="networks.lan.forwarders[0]", shown="'nope'"),
    at("networks.lan.forwarders", [5], where="networks.lan.forwarders[0]", shown="5"),
    at("networks.lan.dnsDomain", "dev internal"),
    at("networks.lan.dnsDomain", "a..b"),
    at("networks.lan.mtu", 10),
    at("networks.lan.mtu", 70000),
    at("networks.lan.bridgeName", "this-is-too-long0"),
    at("networks.lan.bridgeName", "br 0"),
    at(
        "networks.lan.ipv6.subnet",
        "fd00:80::/64",
        where="networks.backend.ipv6.subnet",
        shown="fd00:80::/64",
    ),
    at(
        "networks.backend.ipv6.subnet",
        "fd00:70::/64",
        where="networks.backend.ipv6.subnet",
        shown="fd00:70::/64",
    ),
    at("networks.lan.ipv6.subnet", "fd00::1/64"),
    at("networks.lan.ipv6.subnet", "10.0.0.0/24"),
    at("networks.lan.ipv6.gateway", "nope"),
    at("networks.lan.ipv6.gateway", "fd00:71::1", where="networks.lan.ipv6", shown="fd00:71::1"),
    at("networks.backend.libvirtName", "prod-lan"),
    at("networks.backend.libvirtName", "default"),
    at(
        "networks.backend.subnet",
        "10.70.0.0/25",
        also={"vms[0].nics[1].ip": "10.70.0.20"},
        shown="10.70.0.0/25",
    ),
    at(
        "networks.backend.forwarders",
        ["9.9.9.9"],
        where="networks.backend.forwarders",
        shown="isolated",
    ),
    at("networks.default.name", "bad name"),
    at("networks.default.name", "prod-lan"),
    at("networks.uplink.interface", "eth0", where="networks.uplink", shown="bridge and interface"),
    at("networks.uplink.mode", "vepa", where="networks.uplink", shown="'vepa'"),
    at(
        "networks.routed.routes[0].gateway",
        "10.99.0.1",
        where="networks.routed.routes[0].gateway",
        shown="10.99.0.1",
    ),
    at("networks.routed.routes[0].subnet", "nope"),
    at("networks.lan.kind", "wifi", where="networks.lan", shown="'wifi'"),
    at("networks.lan.hosts", ["hv1", "hv1"], where="networks.lan.hosts[1]", shown="'hv1'"),
    at("networks.lan.hosts", ["hv7"], where="networks.lan.hosts", shown="'hv7'"),
    at("networks.lan.colour", "red"),
    at("networks.lan2\n", {"subnet": "10.60.0.0/24"}, shown="'lan2\\n'"),
    at("networks.lan\x07", {"subnet": "10.60.0.0/24"}, shown="'lan\\x07'"),
    at("networks", "lan", shown="'lan'"),
]

TEMPLATES = [
    at("templates.debian.machine", "pc-q35-7.2 <b>&"),
    at("templates.debian.machine", "pc", where="templates.debian", shown="'pc'"),
    at("templates.debian.kernel", "vmlinuz"),
    at("templates.debian.kernel", "/boot/../vmlinuz"),
    at("templates.debian.initrd", "initrd.img"),
    at("templates.debian.cmdline", "x" * 3000, shown="3000 characters"),
    at("templates.debian.memory", "20000000000000000TiB"),
    at("templates.debian.memory", "2GB?"),
    at("templates.debian.memory", -1),
    at("templates.debian.memory", True),
    at("templates.debian.memory", "1.5MiB", shown="'1.5MiB'"),
    at("templates.debian.maxMemory", "17TiB"),
    at("templates.debian.vcpus", 5_000_000_000),
    at("templates.debian.vcpus", 0),
    at("templates.debian.vcpus", "many"),
    at("templates.debian.maxVcpus", 300),
    at(
        "templates.debian.maxVcpus",
        260,
        also={"templates.debian.generation": "gen1", "templates.debian.cpu": DELETE},
        where="vms[0].maxVcpus",
        shown="260",
    ),
    at("templates.debian.diskSize", "4000TiB"),
    at("templates.debian.diskSize", "0"),
    at("templates.debian.cpu.model", "Sky lake"),
    at(
        "templates.debian.cpu.mode",
        "host-model",
        where="templates.debian.cpu",
        shown="'Skylake-Server'",
    ),
    at("templates.debian.cpu.mode", "turbo"),
    at(
        "templates.debian.graphics.listen",
        "0.0.0.0",
        where="templates.debian.graphics",
        shown="'0.0.0.0'",
    ),
    at("templates.debian.graphics.listen", "not an ip"),
    at("templates.debian.graphics.type", "rdp"),
    at(
        "templates.debian.image.url",
        "ftp://example.org/d.qcow2",
        where="templates.debian.image",
        shown="'ftp://example.org/d.qcow2'",
    ),
    at(
        "templates.debian.image.url",
        "https://example.org/a b.qcow2",
        where="templates.debian.image",
        shown="'https://example.org/a b.qcow2'",
    ),
    at(
        "templates.debian.image.path",
        "/images/d.qcow2",
        where="templates.debian.image",
        shown="exactly one",
    ),
    at("templates.debian.image.sha256", "xyz"),
    at("templates.debian.image.format", "vmdk"),
    at("templates.debian.pool", "nope"),
    at("templates.debian.generation", "gen3"),
    at(
        "templates.debian.secureBoot",
        True,
        also={"templates.debian.generation": "gen1", "templates.debian.cpu": DELETE},
        where="templates.debian",
        shown="secureBoot",
    ),
    at(
        "templates.debian.bootOrder",
        ["floppy"],
        where="templates.debian.bootOrder[0]",
        shown="'floppy'",
    ),
    at("templates.debian.gen1Reason", "old\nguest"),
    at(
        "templates.debian.cloudInit",
        {"networkConfig": {"version": 1}},
        where="templates.debian.cloudInit.networkConfig",
        shown="version 2",
    ),
    at(
        "templates.debian.retainedImages",
        [{"url": "gopher://x"}],
        where="templates.debian.retainedImages[0]",
        shown="'gopher://x'",
    ),
    at("templates.bad/name", {}, where="templates.bad/name", shown="'bad/name'"),
    at("templates", [], shown="a list"),
]

VMS = [
    at("vms[0].name", "x" * 70),
    at("vms[0].name", "y" * 55, shown="'prod-" + "y" * 55 + "-root.qcow2'"),
    at("vms[0].name", "z" * 62, shown="'prod-" + "z" * 62 + "'"),
    at(
        "pools.vm" + "p" * 58,
        {"path": "/p"},
        shown="'prod-vm" + "p" * 58 + "'",
    ),
    at("vms[0].name", "web/1"),
    at("vms[0].name", ""),
    at("vms[0].name", datetime.date(2024, 1, 1)),
    at("vms[0].name", True),
    at("vms[1].name", "web-1", where="vms", shown="'web-1'"),
    at(
        "vms[0].dataDisks[1]",
        {"name": "root", "size": "1GiB"},
        where="vms[0].dataDisks[1].name",
        shown="'root'",
    ),
    at(
        "vms[0].dataDisks[1]",
        {"name": "data", "size": "1GiB"},
        where="vms[0].dataDisks",
        shown="'data'",
    ),
    at(
        "vms[0].dataDisks[1]",
        {"name": "cloud-init", "size": "1GiB"},
        where="vms[0].dataDisks[1].name",
        shown="'web-1-cloud-init'",
    ),
    at(
        "vms[0].dataDisks[1]",
        {"name": "nic1", "size": "1GiB"},
        where="vms[0].nics[1].ip",
        shown="'web-1-nic1'",
    ),
    at(
        "vms[2]",
        {"name": "web-1-data", "template": "debian", "host": "hv1"},
        where="vms[2].name",
        shown="'web-1-data'",
    ),
    at(
        "vms[2]",
        {"name": "web-1-x", "template": "debian", "host": "hv1"},
        also={"vms[0].dataDisks[1]": {"name": "x-root", "size": "1GiB"}},
        where="vms[2].name",
        shown="'prod-web-1-x-root.qcow2'",
    ),
    at(
        "vms[2]",
        {"name": "hv1-facts", "template": "debian", "host": "hv1"},
        where="vms[2].name",
        shown="'hv1-facts'",
    ),
    at(
        "vms[0].dataDisks",
        [{"name": f"d{i}", "size": "1GiB"} for i in range(65)],
        shown="a list of 65",
    ),
    at("vms[0].dataDisks[0].size", "0"),
    at("vms[0].dataDisks[0].size", "3PiB"),
    at("vms[0].dataDisks[0].format", "vmdk"),
    at("vms[0].dataDisks[0].bus", "floppy"),
    at("vms[0].dataDisks[0].cache", "always"),
    at("vms[0].nics[0].network", "wan"),
    at(
        "vms[0].nics[0].network",
        "uplink",
        also={"vms[0].nics[0].ip": "10.70.0.60"},
        where="vms[0].nics[0].ip",
        shown="'uplink'",
    ),
    at("vms[0].nics[1].ip", "10.80.0.1", shown="10.80.0.1"),
    at("vms[0].nics[1].ip", "10.81.0.5", shown="10.81.0.5"),
    at("vms[0].nics[1].ip", "300.1.1.1"),
    at("vms[1].nics[0].ip", "10.70.0.50", shown="10.70.0.50"),
    at("vms[0].nics[0].mac", "zz"),
    at("vms[0].nics[0].mac", "01:00:5e:00:00:01"),
    at("vms[0].nics[0].mac", "ff:ff:ff:ff:ff:ff"),
    at("vms[0].nics[0].mac", "52:54:00:aa:bb:01", shown="52:54:00:aa:bb:01"),
    at(
        "vms[1].nics[0].mac",
        "52:54:00:00:00:09",
        also={"vms[0].nics[0].mac": "52:54:00:00:00:09"},
        shown="52:54:00:00:00:09",
    ),
    at("vms[0].nics[0].model", "ne2k"),
    at("vms[0].nics", [{"network": "lan"}] * 33, shown="a list of 33"),
    at("vms[0].memory", "4GiB", shown="4096 MiB"),
    at("vms[0].vcpus", 4, shown="4"),
    at("vms[0].host", "hv9"),
    at("vms[0].host", DELETE, where="vms[0].host", shown="several hosts"),
    at("vms[0].template", "nope"),
    at("vms[0].snapshotPolicy", "weekly"),
    at("vms[0].restartPolicy", "sometimes"),
    at("vms[0].shutdownTimeoutSeconds", -1),
    at("vms[0].shutdownTimeoutSeconds", 10**12),
    at("vms[0].migration.bandwidthMib", 0),
    at("vms[0].migration.timeoutSeconds", 0),
    at("vms[0].migration.address", "bad host!"),
    at("vms[0].migration.listenAddress", "a b"),
    at("vms[0].rebuild", -1),
    at("vms[0].colour", "blue"),
    at("vms[0]", "web-1", shown="'web-1'"),
    at("vms", {"web-1": {}}, shown="a mapping"),
    at("vms[0].cloudInit.users[0].shell", "bash"),
    at("vms[0].cloudInit.writeFiles[0].permissions", "999"),
    at("vms[0].cloudInit.writeFiles[0].owner", "root;reboot"),
    at(
        "vms[0].cloudInit.users[0].sshAuthorizedKeys",
        ["not a key"],
        where="vms[0].cloudInit.users[0].sshAuthorizedKeys[0]",
        shown="public key",
    ),
    at("vms[0].cloudInit.onChange", "sometimes"),
    at("vms[0].cloudInit.users[1]", {"name": "ops"}, where="vms[0].cloudInit.users", shown="once"),
]

DEFAULTS = [
    at("defaults.retainDataDisks", "maybe"),
    at("defaults.retainDataDisk", True),
    at("defaults", ["retainDataDisks"], shown="a list"),
]

POLICIES = [
    at("snapshotPolicies.nightly.schedule", "whenever"),
    at("snapshotPolicies.nightly.keepLast", -1),
    at(
        "snapshotPolicies.nightly.mode",
        "internal",
        where="vms[0].snapshotPolicy",
        shown="'nightly'",
    ),
    at("snapshotPolicies.nightly.colour", "x"),
    at(
        "snapshotPolicies.bad name",
        {"schedule": "daily at 02:00"},
        where="snapshotPolicies.bad name",
        shown="'bad name'",
    ),
]

SECTIONS = [
    at(
        "default",
        {"retainDataDisks": True},
        section="unknown sections",
        shown="did you mean defaults",
    ),
    at("snapshotPolicy", {}, section="unknown sections", shown="did you mean snapshotPolicies"),
    at("vm", [], section="unknown sections", shown="did you mean vms"),
]

SECRETS = [
    Case(
        "secrets",
        "templates.debian.graphics.password",
        "x",
        {"templates.debian.graphics.password": SECRET},
        secret=True,
    ),
    Case(
        "secrets",
        "templates.debian.graphics.password",
        "x",
        {"templates.debian.graphics.password": 12345678},
        secret=True,
    ),
    Case(
        "secrets",
        "templates.debian.graphics.password",
        "x",
        {"templates.debian.graphics.password": SECRET[:6] + "\x01"},
        secret=True,
    ),
    Case(
        "secrets",
        "templates.debian.graphics.password",
        "x",
        {"templates.debian.graphics.password": ""},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.userData",
        "x",
        {"vms[0].cloudInit.userData": 12345},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.userData",
        "x",
        {"vms[0].cloudInit.userData": f"#!/bin/sh\necho {SECRET}\n"},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.userData",
        "x",
        {"vms[0].cloudInit.userData": f"#cloud-config\nchpasswd: [{SECRET}\n"},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.userData",
        "x",
        {"vms[0].cloudInit.userData": f"#cloud-config\n- {SECRET}\n"},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.userData",
        "x",
        {"vms[0].cloudInit.userData": f"#cloud-config\nx: '{SECRET}\x02'\n"},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.users[0].password",
        "x",
        {"vms[0].cloudInit.users[0].password": 12345},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.users[0].password",
        "x",
        {"vms[0].cloudInit.users[0].password": [SECRET]},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.users[0].password",
        "x",
        {"vms[0].cloudInit.users[0].password": SECRET + "\x00"},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.writeFiles[0].content",
        "x",
        {"vms[0].cloudInit.writeFiles[0].content": 99999},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.writeFiles[0].content",
        "x",
        {"vms[0].cloudInit.writeFiles[0].content": {"k": SECRET}},
        secret=True,
    ),
    Case(
        "secrets",
        "vms[0].cloudInit.writeFiles[0].content",
        "x",
        {"vms[0].cloudInit.writeFiles[0].content": SECRET + "\x07"},
        secret=True,
    ),
]

CASES: list[Case] = [
    *GENERIC,
    *HOSTS,
    *POOLS,
    *NETWORKS,
    *TEMPLATES,
    *VMS,
    *DEFAULTS,
    *POLICIES,
    *SECTIONS,
    *SECRETS,
]


def test_the_base_stack_is_valid():
    config = parse_stack_config(BASE, STACK)
    assert len(config.vms) == 2 and len(config.networks) == 5


def test_the_matrix_covers_every_section_with_200_cases():
    by_section = Counter(case.section for case in CASES)
    assert len(CASES) >= 200
    for section in (
        "hosts",
        "pools",
        "networks",
        "templates",
        "vms",
        "defaults",
        "snapshotPolicies",
        "secrets",
    ):
        assert by_section[section] > 0, section


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_naming_path_and_value(case: Case):
    with pytest.raises(InputError) as raised:
        parse_stack_config(edited(BASE, case.edits), STACK)
    assert isinstance(raised.value, StackConfigError)
    message = str(raised.value)
    assert case.path in message, message
    expected = case.expected_value()
    if expected is not None:
        assert expected in message, message
    assert SECRET not in message and SECRET[:6] not in message
    if case.secret:
        assert "secret" in message
    assert "lax-or-strict" not in message and "function-after" not in message
