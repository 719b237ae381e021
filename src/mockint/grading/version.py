"""A grader's version, derived from what decides its scores: a short hash of its rule code and data. Any
change to them (a rule, a word list, a refitted calibration, another prompt or model) is a new version,
so grade caches miss and history rows tell grades of different graders apart."""

import hashlib
from collections.abc import Iterable
from pathlib import Path

import mockint

_PACKAGE = Path(mockint.__file__).parent
# Ten hex digits (40 bits): no two versions of one grader will collide, and a name stays readable.
VERSION_CHARS = 10


def package_files(*folders_or_files: str) -> list[Path]:
    """The Python files of these package-relative folders (recursively) or files, in a stable order."""
    found: set[Path] = set()
    for name in folders_or_files:
        path = _PACKAGE / name
        found.update(path.rglob("*.py") if path.is_dir() else [path])
    return sorted(found)


def content_version(files: Iterable[Path], *data: str) -> str:
    """Hash of the files' package-relative names and bytes, then of `data` (model names, prompt text...)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for part in data:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:VERSION_CHARS]
