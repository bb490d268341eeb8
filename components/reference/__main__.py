"""`python -m components.reference [--check README | --write README]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from components.reference.markdown import reference, section_of, with_section


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.reference")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", type=Path, metavar="README", help="exit 1 if it differs")
    group.add_argument("--write", type=Path, metavar="README", help="rewrite its section")
    args = parser.parse_args(argv)
    text = reference()
    if args.check:
        if section_of(args.check.read_text()) != text:
            print(
                f"{args.check}: the Python reference is out of date; run "
                f"python -m components.reference --write {args.check}",
                file=sys.stderr,
            )
            return 1
        return 0
    if args.write:
        args.write.write_text(with_section(args.write.read_text(), text))
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
