"""The `migrate` command line: convert a pulumi-libvirt export, probe the hosts.

    python -m components.migrate from-pulumi-libvirt EXPORT.json --stack NAME
        [--host KEY=URI]... [--out FILE] [--probe]
    python -m components.migrate probe --stack NAME [--file FILE]

`probe` checks a stack file again after you edited it. Exit codes: 0 converted (and the
first `up` restarts and replaces nothing), 1 the export cannot be converted, the stack file is
invalid or a host cannot be read, 2 the probe found changes the first `up` would make that
restart or replace something (each listed with why).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from components.migrate.export import ExportError, load_export
from components.migrate.pulumi_libvirt import ConversionError, convert
from components.migrate.stack_file import write

EXIT_DISRUPTIVE = 2


def _host(value: str) -> tuple[str, str]:
    key, sep, uri = value.partition("=")
    if not sep or not key or not uri:
        raise argparse.ArgumentTypeError(f"--host {value!r}: expected KEY=URI")
    return key, uri


def parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    top = argparse.ArgumentParser(
        prog="python -m components.migrate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", required=True)
    sub = commands.add_parser(
        "from-pulumi-libvirt", help="stack file adopting a pulumi-libvirt stack's objects"
    )
    sub.add_argument("export", type=Path, help="output of `pulumi stack export` of the old stack")
    sub.add_argument("--stack", required=True, help="the new stack's name")
    sub.add_argument(
        "--host",
        action="append",
        type=_host,
        default=[],
        metavar="KEY=URI",
        help="a host's libvirt URI (when the export has none, or to reach it another way)",
    )
    sub.add_argument("--out", type=Path, help="default: stacks/Pulumi.<stack>.yaml")
    sub.add_argument(
        "--probe",
        action="store_true",
        help="read the live objects and say what the first `up` would change (exit 2 if it "
        "would restart or replace anything)",
    )
    again = commands.add_parser("probe", help="probe the hosts for an existing stack file")
    again.add_argument("--stack", required=True, help="the new stack's name")
    again.add_argument("--file", type=Path, help="default: stacks/Pulumi.<stack>.yaml")
    return top


def _stack_file(stack: str, given: Path | None) -> Path:
    return given or Path("stacks") / f"Pulumi.{stack}.yaml"


def probe(stack_file: Path, stack: str) -> int:
    """Probe the hosts for `stack_file`; print the report; return the exit code."""
    from components.migrate.probe import ProbeError, probe_stack

    try:
        report = probe_stack(stack_file, stack)
    except ProbeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(report.text())
    return EXIT_DISRUPTIVE if report.disruptive() else 0


def main(argv: list[str] | None = None) -> int:
    """Run the command; print the findings; return the exit code."""
    args = parser().parse_args(argv)
    if args.command == "probe":
        return probe(_stack_file(args.stack, args.file), args.stack)
    out = _stack_file(args.stack, args.out)
    try:
        conversion = convert(load_export(args.export), dict(args.host))
    except (ExportError, ConversionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    write(conversion, args.export.name, out)
    adopted = ", ".join(f"{n} {kind}s" for kind, n in sorted(conversion.adopted.items()))
    print(f"wrote {out}: adopts {adopted or 'nothing'}")
    for finding in conversion.findings:
        print(f"  not carried over: {finding.line()}")
    return probe(out, args.stack) if args.probe else 0
