"""Stems: the Snowball (Porter 2) English stemmer, so 'layers' repeats the question's 'layer' and
'regularizes' is 'regularization'. Cached: graders stem the same words over and over."""

import threading
from collections.abc import Collection
from functools import lru_cache

import snowballstemmer

from mockint.text.words import is_content, words

# A Snowball stemmer keeps the word it is working on in itself, so threads sharing one (the app's and
# `eval`'s grading threads) corrupt each other's stems, and the cache below keeps the wrong ones: one each.
_LOCAL = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    if not hasattr(_LOCAL, "stemmer"):
        _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return _LOCAL.stemmer


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower().strip("'"))


def written_as(text: str, stems: Collection[str]) -> str:
    """How `text` writes the first word whose stem is one of `stems` ("one-stage" for 'one-stag'); the
    alphabetically first stem when it writes none (what a message can still name)."""
    return next((w for w in words(text) if stem(w) in stems), min(stems))


def content_stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text) if is_content(w))
