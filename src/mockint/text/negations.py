"""The one negation list: words that turn a statement into its opposite, and the frames that deny a whole claim."""

import re

from mockint.text.sentences import sentence_spans
from mockint.text.words import words

_NEGATION_LIST = """not no never none nothing without cannot neither nor can't don't doesn't isn't aren't wasn't
    weren't won't wouldn't shouldn't couldn't hasn't haven't hadn't didn't"""
NEGATIONS = frozenset(_NEGATION_LIST.split())


def is_negation(word: str) -> bool:
    """`word` (lower case) negates; any "-n't" contraction does ("mustn't", "needn't")."""
    return word in NEGATIONS or word.endswith("n't")


def is_negated(text: str) -> bool:
    return any(is_negation(w) for w in words(text))


# A negation of a whole claim: a frame that denies the clause after it ("It is not true that ...", "it
# isn't the case that ...", "It is false that ..."). The train splits of SAF, SciEntsBank and Beetle hold
# none, so no data can decide these words; they are the frames English uses for denying a statement.
_DENIAL = re.compile(
    r"(?:\b(?:not|never)|n't)\s+(?:(?:at\s+all|really|entirely|quite)\s+)?(?:true|the\s+case|correct|right|so|accurate)"
    r"\s+that\b|\b(?:false|untrue|wrong|incorrect|a\s+myth)\s+that\b",
    re.IGNORECASE,
)


def denied_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `text` a denial frame scopes over: from the frame to the end of its sentence."""
    result = []
    for start, end in sentence_spans(text):
        found = _DENIAL.search(text, start, end)
        if found:
            result.append((found.end(), end))
    return result
