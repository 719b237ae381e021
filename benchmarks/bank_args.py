"""The command line every bank benchmark module takes: which bank, and how much of it."""

import argparse
from pathlib import Path


def bank_args(prog: str, doc: str, argv: list[str] | None) -> argparse.Namespace:
    """`--corpus DIR` and `--limit N`, parsed from `argv`; `doc` is the module docstring, its first line the help."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: the shipped bank)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    return parser.parse_args(argv)
