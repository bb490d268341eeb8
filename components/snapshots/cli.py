"""`python -m components.snapshots`: run the schedule, list, revert and delete snapshots.

    python -m components.snapshots run --stack prod [--dry-run]
    python -m components.snapshots run --uri qemu+ssh://admin@hv1/system --uri …
    python -m components.snapshots list --stack prod [VM]
    python -m components.snapshots revert --stack prod VM SNAPSHOT --yes
    python -m components.snapshots delete --stack prod VM SNAPSHOT --yes   (or --all)

`--stack S` reads the host URIs from `stacks/Pulumi.S.yaml` of the project in the current
directory (or `--project-dir`) and limits every command to that stack's VMs; `--uri` takes
hosts directly (all governed VMs on them). A VM is named by its libvirt name (`prod-db-1`) or,
with `--stack`, its name in the stack (`db-1`). Exit codes: 0 done, 1 something failed (the
message says what; the other hosts and VMs still ran), 2 bad usage or not confirmed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import libvirt
import yaml

from components.config.host_uri import connection_uri
from components.config.load import StackConfigError, parse_stack_config
from components.providers.snapshots.external_revert import RevertRefusedError
from components.providers.snapshots.hosts import LibvirtSnapshotHost, read_metadata
from components.providers.snapshots.operations import (
    delete_snapshot,
    list_snapshots,
    revert_snapshot,
)
from components.providers.snapshots.pruning import RUN_ERRORS
from components.snapshots.runner import Runner
from components.spec.ownership import OWNER_NS, Ownership

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or config; exit code 2."""


@dataclass(frozen=True)
class Target:
    """Which hosts, and which stack's VMs on them (None: all)."""

    uris: tuple[str, ...]
    stack: str | None
    project: str | None

    def hosts(self) -> list[LibvirtSnapshotHost]:
        return [LibvirtSnapshotHost(uri, self.stack, self.project) for uri in self.uris]


def stack_target(stack: str, project_dir: Path) -> Target:
    """Host URIs and project name from `<project_dir>/stacks/Pulumi.<stack>.yaml`."""
    project_file = project_dir / "Pulumi.yaml"
    stack_file = project_dir / "stacks" / f"Pulumi.{stack}.yaml"
    for path in (project_file, stack_file):
        if not path.is_file():
            raise UsageError(
                f"{path} not found (run from the project directory or pass --project-dir)"
            )
    project = str(yaml.safe_load(project_file.read_text())["name"])
    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    sections = {
        key.split(":", 1)[1]: value
        for key, value in config.items()
        if key.startswith(f"{project}:")
    }
    try:
        parsed = parse_stack_config(sections, stack)
    except StackConfigError as err:
        raise UsageError(str(err)) from None
    uris = (connection_uri(h.uri, h.ssh) for h in parsed.hosts.values())
    return Target(tuple(dict.fromkeys(uris)), stack, project)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m components.snapshots",
        description="Snapshot policies of kvm-pulumi VMs: run the schedule, list, revert, delete.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        where = sub.add_mutually_exclusive_group(required=True)
        where.add_argument("--stack", help="a stack of the project (hosts from its YAML)")
        where.add_argument("--uri", action="append", help="a libvirt host URI (repeatable)")
        sub.add_argument("--project-dir", type=Path, default=Path.cwd(), help="default: .")
        return sub

    run = command("run", "take the snapshots that are due, then prune by retention")
    run.add_argument("--dry-run", action="store_true", help="print what would be done")
    listing = command("list", "list the snapshots of VMs (all, or one)")
    listing.add_argument("vm", nargs="?", help="only this VM")
    revert = command("revert", "revert a VM to a snapshot (needs --yes)")
    revert.add_argument("vm")
    revert.add_argument("snapshot")
    revert.add_argument("--yes", action="store_true", help="really revert")
    delete = command("delete", "delete a VM's snapshot, or all of them (needs --yes)")
    delete.add_argument("vm")
    delete.add_argument("snapshot", nargs="?")
    delete.add_argument("--all", action="store_true", help="every snapshot of the VM")
    delete.add_argument("--yes", action="store_true", help="really delete")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        target = (
            stack_target(args.stack, args.project_dir)
            if args.stack
            else Target(tuple(args.uri), None, None)
        )
        if args.command == "run":
            report = Runner(target.hosts(), dry_run=args.dry_run, err=_stderr).run()
            return report.exit_code
        if args.command == "list":
            return list_command(target, args.vm)
        if args.command == "revert":
            return revert_command(target, args.vm, args.snapshot, confirmed=args.yes)
        return delete_command(target, args.vm, args.snapshot, every=args.all, confirmed=args.yes)
    except UsageError as err:
        _stderr(f"error: {err}")
        return EXIT_USAGE
    except RUN_ERRORS as err:
        _stderr(f"FAILED {err}")
        return EXIT_FAILED


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _owner(dom: libvirt.virDomain) -> Ownership | None:
    xml = read_metadata(dom, OWNER_NS)
    return Ownership.from_xml(xml) if xml else None


def _domains(target: Target, vm: str | None) -> list[tuple[str, libvirt.virDomain]]:
    """(host URI, domain) of the target's VMs (or the one named `vm`); hosts that fail raise."""
    found = []
    for host in target.hosts():
        for dom in host.conn.listAllDomains(0):
            owner = _owner(dom)
            if target.stack is not None and (
                owner is None or owner.stack != target.stack or owner.project != target.project
            ):
                continue
            names = {str(dom.name())} | ({owner.name} if owner and target.stack else set())
            if vm is None or vm in names:
                found.append((host.uri, dom))
    return sorted(found, key=lambda item: (item[0], str(item[1].name())))


def _one_domain(target: Target, vm: str) -> tuple[str, libvirt.virDomain]:
    found = _domains(target, vm)
    if not found:
        raise UsageError(f"no VM named {vm!r} on {', '.join(target.uris)}")
    if len(found) > 1:
        raise UsageError(f"{vm!r} names several VMs: {[f'{u} {d.name()}' for u, d in found]}")
    return found[0]


def list_command(target: Target, vm: str | None) -> int:
    try:
        domains = _domains(target, vm)
    except RUN_ERRORS as err:
        _stderr(f"FAILED {err}")
        return EXIT_FAILED
    rows = [("host", "vm", "snapshot", "kind", "memory", "taken", "made by")]
    for uri, dom in domains:
        for snap in list_snapshots(dom):
            tag = snap.tag
            by = "manual (never pruned)" if tag is None else str(tag.kind)
            if tag is not None and tag.policy:
                by += f" ({tag.policy})"
            memory = "yes" if snap.spec.has_memory() else "no"
            taken = snap.taken.isoformat(timespec="seconds")
            rows.append((uri, str(dom.name()), snap.name, snap.kind, memory, taken, by))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return EXIT_OK


def revert_command(target: Target, vm: str, snapshot: str, *, confirmed: bool) -> int:
    uri, dom = _one_domain(target, vm)
    if not confirmed:
        _stderr(
            f"reverting {dom.name()} on {uri} to {snapshot} discards every change made since "
            "(disks, and for a snapshot with memory the running state); add --yes to do it"
        )
        return EXIT_USAGE
    try:
        print(revert_snapshot(dom, snapshot))
    except RevertRefusedError as err:
        _stderr(f"refused: {err}")
        return EXIT_FAILED
    except RUN_ERRORS as err:
        _stderr(f"FAILED revert of {dom.name()} to {snapshot}: {err}")
        return EXIT_FAILED
    return EXIT_OK


def delete_command(
    target: Target, vm: str, snapshot: str | None, *, every: bool, confirmed: bool
) -> int:
    if (snapshot is None) == (not every):
        raise UsageError("name one snapshot, or --all (not both)")
    uri, dom = _one_domain(target, vm)
    names = [s.name for s in list_snapshots(dom)] if every else [str(snapshot)]
    if not confirmed:
        _stderr(f"would delete snapshots {names} of {dom.name()} on {uri}; add --yes to do it")
        return EXIT_USAGE
    failed = 0
    for name in reversed(names):
        try:
            delete_snapshot(dom, name)
            print(f"{uri} {dom.name()}: deleted {name}")
        except RUN_ERRORS as err:
            failed += 1
            _stderr(f"FAILED deleting {name} of {dom.name()}: {err}")
    return EXIT_FAILED if failed else EXIT_OK
