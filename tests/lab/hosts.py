"""A lab of simulated KVM hosts on one machine: independent libvirtd instances in namespaces.

Each `LabHost` is a libvirtd + virtlogd pair in a private mount + PID namespace with its own
/etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt. All
hosts of a `Lab` share one network namespace, so libvirt networks (bridges, dnsmasq, firewall
rules) live and die there, and migrations between hosts run over the lab's loopback.
Paths outside the bind-mounted ones (the lab dir, the guest cache) are the same inside the
hosts and in the test process; that is what `shared_dir` and `scratch_dir()` rely on.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from tests.lab.host_config import (
    ensure_mount_points,
    new_host_uuid,
    prepare_host_dir,
)
from tests.lab.netns import NetworkNamespace
from tests.lab.prerequisites import (
    LAB_PROGRAMS,
    LabSetupError,
    require_programs,
    require_root,
    search_path,
)
from tests.lab.registry import LabLease, sweep_stale_labs

SERIAL_LOG_DIR_INSIDE = "/var/log/libvirt/qemu"
MIGRATION_PORT_BASE = 49152
MIGRATION_PORTS_PER_HOST = 64
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def serial_log_inside(domain: str) -> str:
    """Where a domain's serial log goes, as a path inside a host (same path on every host)."""
    return f"{SERIAL_LOG_DIR_INSIDE}/{domain}-serial.log"


def socket_uri(socket: Path) -> str:
    """libvirt URI of a system libvirtd reached through the unix socket at `socket`."""
    return f"qemu+unix:///system?socket={socket}"


class LabHost:
    """One simulated KVM host; `uri` is what clients (tests, providers) connect to.

    `images_dir_outside` and `log_dir_outside` are the host's private /var/lib/libvirt/images
    and /var/log/libvirt as seen from the test process. For a host given by `KVM_TEST_URI`
    (`external=True`) they are the machine's own paths and `directory` is None.
    """

    def __init__(
        self,
        name: str,
        uri: str,
        *,
        directory: Path | None,
        images_dir_outside: Path,
        log_dir_outside: Path,
    ) -> None:
        self.name = name
        self.uri = uri
        self.directory = directory
        self.images_dir_outside = images_dir_outside
        self.log_dir_outside = log_dir_outside
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def in_directory(cls, name: str, directory: Path) -> LabHost:
        """A lab host whose private dirs live under `directory` (see `host_config`)."""
        return cls(
            name,
            socket_uri(directory / "run" / "libvirt-sock"),
            directory=directory,
            images_dir_outside=directory / "lib" / "images",
            log_dir_outside=directory / "log",
        )

    @classmethod
    def external(cls, uri: str) -> LabHost:
        """An existing libvirt host (`KVM_TEST_URI`), assumed to be local for its log files."""
        return cls(
            "external",
            uri,
            directory=None,
            images_dir_outside=Path("/var/lib/libvirt/images"),
            log_dir_outside=Path("/var/log/libvirt"),
        )

    def __repr__(self) -> str:
        return f"LabHost({self.name!r}, {self.uri!r})"

    def serial_log_path(self, domain: str) -> Path:
        """The file behind `serial_log_inside(domain)`, as seen from the test process."""
        return self.log_dir_outside / "qemu" / f"{domain}-serial.log"

    def read_serial_log(self, domain: str) -> str:
        """The domain's serial log so far ('' before the guest wrote anything)."""
        try:
            return self.serial_log_path(domain).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def launch(self, netns: NetworkNamespace, migration_ports: tuple[int, int]) -> None:
        """Write the host's files and start its namespace init; `wait_ready` waits for it."""
        if self.directory is None:
            raise LabSetupError(f"{self.name} is an external host; it cannot be launched")
        prepare_host_dir(self.directory, host_uuid=new_host_uuid(), migration_ports=migration_ports)
        argv = [
            "setpriv", "--pdeathsig", "KILL",  # the host dies with the thread that started it
            *netns.exec_prefix(),
            "unshare", "--fork", "--pid", "--mount-proc", "--mount",
            "--propagation", "private", "--kill-child",
            "/bin/sh", str(self.directory / "nsinit.sh"),
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIBVIRT")}
        env["PATH"] = search_path()
        with (self.directory / "nsinit.out").open("wb") as out:
            self.process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # Ctrl-C reaches pytest (which stops the lab), not us
            )

    def answers(self) -> bool:
        """True once libvirtd accepts connections and serves the qemu driver."""
        try:
            done = subprocess.run(
                ["virsh", "-c", self.uri, "version"],
                capture_output=True,
                check=False,
                timeout=30,
                env={**os.environ, "PATH": search_path()},
            )
        except subprocess.TimeoutExpired:
            return False
        return done.returncode == 0

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def diagnostics(self) -> str:
        """nsinit output and the tail of libvirtd's log, for error messages."""
        if self.directory is None:
            return ""
        parts = []
        for label, path in (
            ("nsinit output", self.directory / "nsinit.out"),
            ("libvirtd.log (tail)", self.log_dir_outside / "libvirtd.log"),
        ):
            try:
                lines = path.read_text(errors="replace").splitlines()[-40:]
            except FileNotFoundError:
                lines = ["(missing)"]
            parts.append(f"--- {self.name} {label} ({path}):\n" + "\n".join(lines))
        return "\n".join(parts)

    def request_stop(self) -> None:
        """Ask the namespace init to stop libvirtd cleanly (SIGTERM); `stop` finishes the job."""
        if self.process is None or self.process.poll() is not None:
            return
        init = _first_child(self.process.pid)
        if init is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(init, signal.SIGTERM)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the host; when this returns, no process of the host is left.

        Killing `unshare` makes `--kill-child` SIGKILL the namespace init, and the kernel then
        kills every process in the PID namespace (libvirtd, qemu, dnsmasq).
        """
        if self.process is None:
            return
        self.request_stop()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


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
    ) -> Lab:
        """Start `n_hosts` hosts (named a, b, c, ...) in parallel and wait until all answer.

        Must run on a thread that outlives the lab: the hosts die with the thread that
        started them (so a killed test run leaves no libvirtd behind).
        """
        if not 1 <= n_hosts <= 26:
            raise ValueError(f"n_hosts must be 1..26, got {n_hosts}")
        require_root("the lab")
        require_programs(LAB_PROGRAMS, "the lab")
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
                host.launch(lab.network_namespace, (low, low + MIGRATION_PORTS_PER_HOST - 1))
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
        return Path(tempfile.mkdtemp(prefix=f"{label}-", dir=parent))

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


def _first_child(pid: int) -> int | None:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return None
    return int(children[0]) if children else None
