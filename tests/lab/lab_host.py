"""One simulated KVM host: a libvirtd + virtlogd pair in its own mount and PID namespace.

The host sees private directories bind-mounted over /etc/libvirt, /run/libvirt,
/var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt (see `host_config`); its
namespace init is the only process we start, and everything else dies with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.lab.host_config import HOLD_FILE, new_host_uuid, prepare_host_dir
from tests.lab.netns import NetworkNamespace
from tests.lab.prerequisites import LabSetupError, search_path

SERIAL_LOG_DIR_INSIDE = "/var/log/libvirt/qemu"
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

    def libvirtd_pid(self) -> int:
        """The host's libvirtd process id, as this process sees it."""
        if self.directory is None or self.process is None:
            raise LabSetupError(f"{self.name}: only a launched lab host has a libvirtd to find")
        init = _first_child(self.process.pid)
        daemon = _child_named(init, "libvirtd") if init is not None else None
        if daemon is None:
            raise LabSetupError(f"{self.name}: no libvirtd process")
        return daemon

    def kill_libvirtd(self) -> None:
        """SIGKILL this host's libvirtd, as a crash would; its guests (qemu) keep running.

        The host stays down (clients get "client socket is closed", new connections fail)
        until `restart_libvirtd`.
        """
        daemon = self.libvirtd_pid()
        assert self.directory is not None
        (self.directory / HOLD_FILE).touch()
        os.kill(daemon, signal.SIGKILL)
        deadline = time.monotonic() + STOP_TIMEOUT
        while Path(f"/proc/{daemon}").exists() and _state(daemon) != "Z":
            if time.monotonic() > deadline:
                raise LabSetupError(f"{self.name}: libvirtd {daemon} survived SIGKILL")
            time.sleep(0.02)

    def run_inside(
        self, argv: list[str], *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run `argv` in this host's mount namespace (e.g. mount a small tmpfs for a pool
        that fills up: mounts made outside do not reach a host); raises on failure when
        `check`."""
        if self.directory is None or self.process is None:
            raise LabSetupError(f"{self.name}: only a launched lab host has a namespace")
        init = _first_child(self.process.pid)
        if init is None:
            raise LabSetupError(f"{self.name}: the host's namespace init is gone")
        return subprocess.run(
            ["nsenter", "-t", str(init), "-m", *argv],
            capture_output=True,
            text=True,
            check=check,
            env={**os.environ, "PATH": search_path()},
        )

    def restart_libvirtd(self, timeout: float = 30.0) -> None:
        """Start libvirtd again after `kill_libvirtd` and wait until it answers."""
        assert self.directory is not None
        (self.directory / HOLD_FILE).unlink(missing_ok=True)
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.exited() or time.monotonic() > deadline:
                raise LabSetupError(
                    f"{self.name}: libvirtd did not come back\n{self.diagnostics()}"
                )
            time.sleep(0.05)

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


def _child_named(pid: int, name: str) -> int | None:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return None
    for child in map(int, children):
        with contextlib.suppress(FileNotFoundError):
            if Path(f"/proc/{child}/comm").read_text().strip() == name:
                return child
    return None


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return "X"


def _first_child(pid: int) -> int | None:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return None
    return int(children[0]) if children else None
