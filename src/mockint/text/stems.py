"""Stems: the Snowball (Porter 2) English stemmer, so 'layers' repeats the question's 'layer' and
'regularizes' is 'regularization'. Cached: graders stem the same words over and over."""

from functools import lru_cache

import snowballstemmer

from mockint.text.words import is_content, words

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word.lower().strip("'"))


def content_stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text) if is_content(w))
