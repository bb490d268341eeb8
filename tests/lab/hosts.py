"""A lab of simulated KVM hosts on one machine: independent libvirtd instances in namespaces.

Each `LabHost` is a libvirtd + virtlogd pair in a private mount + PID namespace with its own
/etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt. All
hosts of a `Lab` share one network namespace, so libvirt networks (bridges, dnsmasq, firewall
rules) live and die there, and migrations between hosts run over the lab's loopback.
Paths outside the bind-mounted ones (the lab dir, the guest cache) are the same inside the
hosts and in the test process; that is what `shared_dir` and `scratch_dir()` rely on.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from tests.lab.host_config import QEMU_USER, ensure_mount_points
from tests.lab.lab_host import LabHost, serial_log_inside
from tests.lab.netns import NetworkNamespace
from tests.lab.prerequisites import (
    LAB_PROGRAMS,
    LabSetupError,
    require_programs,
    require_root,
    require_user,
)
from tests.lab.registry import LabLease, sweep_stale_labs

__all__ = ["Lab", "LabHost", "serial_log_inside"]

MIGRATION_PORT_BASE = 49152
MIGRATION_PORTS_PER_HOST = 64
START_TIMEOUT = 60.0


class Lab:
    """Running lab hosts, their shared network namespace and a shared-storage directory.

    Use `Lab.start(n)` (or as a context manager) and `stop()`. `Lab.external(uri)` wraps an
    existing libvirt host instead (no namespaces; `netns` is None).
    """

    def __init__(
        self,
        directory: Path,
        hosts: Sequence[LabHost],
        netns: NetworkNamespace | None,
        *,
        keep_directory: bool = False,
    ) -> None:
        self.directory = directory
        self.hosts = list(hosts)
        self.network_namespace = netns
        self.shared_dir = directory / "shared"
        self.shared_dir.mkdir(parents=True, exist_ok=True)
        self.keep_directory = keep_directory
        self.start_seconds = 0.0
        self.lease: LabLease | None = None

    @property
    def netns(self) -> str | None:
        """Name of the lab's network namespace (`ip netns exec NAME ...`), None if external."""
        return self.network_namespace.name if self.network_namespace else None

    @classmethod
    def start(
        cls,
        n_hosts: int = 2,
        *,
        base_dir: Path | None = None,
        timeout: float = START_TIMEOUT,
        keep_directory: bool = False,
        bare: bool = False,
    ) -> Lab:
        """Start `n_hosts` hosts (named a, b, c, ...) in parallel and wait until all answer.

        `bare` hosts lack UEFI firmware and swtpm (for tests of the preview's host checks).

        Must run on a thread that outlives the lab: the hosts die with the thread that
        started them (so a killed test run leaves no libvirtd behind).
        """
        if not 1 <= n_hosts <= 26:
            raise ValueError(f"n_hosts must be 1..26, got {n_hosts}")
        require_root("the lab")
        require_programs(LAB_PROGRAMS, "the lab")
        require_user(QEMU_USER, "the lab")
        sweep_stale_labs()
        ensure_mount_points()
        lab_id = f"kvmlab-{os.getpid()}-{secrets.token_hex(3)}"
        directory = (base_dir or Path(tempfile.gettempdir())) / lab_id
        begun = time.monotonic()
        lease = LabLease.take(lab_id, directory, keep_directory=keep_directory)
        directory.mkdir(parents=True)
        lab = cls(directory, [], None, keep_directory=keep_directory)
        lab.lease = lease
        try:
            lab.network_namespace = NetworkNamespace.create(lab_id)
            for index in range(n_hosts):
                name = chr(ord("a") + index)
                host = LabHost.in_directory(name, directory / name)
                lab.hosts.append(host)
                low = MIGRATION_PORT_BASE + index * MIGRATION_PORTS_PER_HOST
                ports = (low, low + MIGRATION_PORTS_PER_HOST - 1)
                host.launch(lab.network_namespace, ports, bare=bare)
            _wait_all_ready(lab.hosts, timeout)
        except BaseException:
            lab.stop()
            raise
        lab.start_seconds = time.monotonic() - begun
        return lab

    @classmethod
    def external(cls, uri: str, *, base_dir: Path | None = None) -> Lab:
        """A one-host "lab" over an existing libvirt URI; scratch dirs are local temp dirs."""
        directory = Path(tempfile.mkdtemp(prefix="kvmlab-ext-", dir=base_dir))
        return cls(directory, [LabHost.external(uri)], None)

    def __enter__(self) -> Lab:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def host(self, name: str) -> LabHost:
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(f"no lab host {name!r}; hosts: {[h.name for h in self.hosts]}")

    def scratch_dir(self, label: str = "scratch") -> Path:
        """A new empty directory with the same path for the test process and every host."""
        parent = self.directory / "scratch"
        parent.mkdir(exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=parent))
        scratch.chmod(0o755)  # mkdtemp makes 0700; QEMU (libvirt-qemu) must traverse it
        return scratch

    def run_in_netns(self, argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        """Run `argv` in the lab's network namespace (e.g. `ip link`, `nft list ruleset`).

        For an external lab it runs in the machine's own namespace. Never raises on failure.
        """
        if self.network_namespace is not None:
            return self.network_namespace.run(argv)
        return subprocess.run(list(argv), capture_output=True, text=True, check=False)

    def stop(self) -> None:
        """Stop every host, delete the network namespace and (unless kept) the lab dir."""
        for host in self.hosts:
            host.request_stop()
        for host in self.hosts:
            host.stop()
        if self.network_namespace is not None:
            self.network_namespace.delete()
        if not self.keep_directory:
            shutil.rmtree(self.directory, ignore_errors=True)
        if self.lease is not None:
            self.lease.release()
            self.lease = None


def _wait_all_ready(hosts: Sequence[LabHost], timeout: float) -> None:
    pending = list(hosts)
    deadline = time.monotonic() + timeout
    while pending:
        for host in list(pending):
            if host.exited():
                raise LabSetupError(f"lab host {host.name} exited at start\n{host.diagnostics()}")
            if host.answers():
                pending.remove(host)
        if pending and time.monotonic() > deadline:
            details = "\n".join(h.diagnostics() for h in pending)
            raise LabSetupError(
                f"lab hosts {[h.name for h in pending]} did not answer within {timeout:g} s\n"
                f"{details}"
            )
        if pending:
            time.sleep(0.1)
