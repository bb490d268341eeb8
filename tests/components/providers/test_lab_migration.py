"""What a migrated VM leaves on its source host: nothing.

libvirt's own undefine-on-migrate keeps the source's NVRAM file; the domain provider's
migration undefines the source itself, with its NVRAM, and removes the console log. A UEFI
VM that has run once (so it has an NVRAM file) is moved offline between two lab hosts.
"""

from __future__ import annotations

import libvirt
import pytest

from components.providers.base import ProviderError
from components.providers.migration import migrate
from components.spec.domain import DomainSpec, MigrationSettings, SerialConsole, Tpm
from tests.components.providers.lab_support import cleaned, connection
from tests.lab import LabHost, TinyGuest, serial_log_inside


def _uefi_vm(name: str, guest: TinyGuest, **extra: object) -> DomainSpec:
    return DomainSpec.model_validate(
        {
            "name": name,
            "max_memory_mib": 256,
            "memory_mib": 256,
            "max_vcpus": 1,
            "vcpus": 1,
            "machine": "q35",
            "firmware": "efi",
            "kernel": str(guest.kernel),
            "initrd": str(guest.initrd),
            "cmdline": guest.cmdline(name, "loop"),
            "serial": SerialConsole(log_file=serial_log_inside(name), log_append=True),
            **extra,
        }
    )


def _nvram(host: LabHost, name: str) -> bool:
    return (host.images_dir_outside.parent / "qemu" / "nvram" / f"{name}_VARS.fd").exists()


def _run_once(conn: libvirt.virConnect, spec: DomainSpec) -> libvirt.virDomain:
    dom = conn.defineXML(spec.to_xml())
    dom.create()  # libvirt makes the NVRAM file from the template at the first start
    dom.destroy()
    return dom


def test_an_offline_migration_leaves_no_nvram_or_console_log_on_the_source(
    lab_host_pair: tuple[LabHost, LabHost], tiny_guest: TinyGuest, name_prefix: str
) -> None:
    a, b = lab_host_pair
    name = f"{name_prefix}uefi"
    with (
        cleaned(a, name_prefix),
        cleaned(b, name_prefix),
        connection(a) as src,
        connection(b) as dst,
    ):
        dom = _run_once(src, _uefi_vm(name, tiny_guest))
        assert _nvram(a, name) and a.serial_log_path(name).exists()
        moved, report = migrate(dom, src, dst, b.uri, MigrationSettings())
        assert report.mode == "offline, copied volumes"
        assert name not in [d.name() for d in src.listAllDomains(0)]
        assert not _nvram(a, name), "the source's NVRAM went with the VM"
        assert not a.serial_log_path(name).exists(), "so did its console log"
        moved.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)


def test_an_offline_migration_of_a_vm_with_a_tpm_is_refused(
    lab_host_pair: tuple[LabHost, LabHost], tiny_guest: TinyGuest, name_prefix: str
) -> None:
    a, b = lab_host_pair
    name = f"{name_prefix}tpm"
    with (
        cleaned(a, name_prefix),
        cleaned(b, name_prefix),
        connection(a) as src,
        connection(b) as dst,
    ):
        dom = src.defineXML(_uefi_vm(name, tiny_guest, tpm=Tpm()).to_xml())
        with pytest.raises(ProviderError, match="emulated TPM, whose state an offline"):
            migrate(dom, src, dst, b.uri, MigrationSettings())
        assert dom.isPersistent(), "still defined on the source"
        assert name not in [d.name() for d in dst.listAllDomains(0)]
