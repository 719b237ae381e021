"""Where the shipped `prompts/` and `corpus/` live.

In a wheel they are packaged inside `mockint/`; in a source checkout (editable install) they are
the top-level folders of the repository.
"""

from pathlib import Path

from mockint.config import get_settings

_PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    packaged = _PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parents[1] / name


def prompts_dir() -> Path:
    return _shipped("prompts")


def corpus_dir() -> Path:
    return get_settings().corpus_dir or _shipped("corpus")
