"""Keyword stuffing: a bag of terms with no sentences relating them. The one detector for every grader."""

import re

from mockint.text.words import stop_word_share, words

_LIST_SPLIT = re.compile(r"[,;/|\n]+|\s+-\s+|\s*•\s*")
# A question that asks to name or list things makes a list a fair answer.
_ASKS_FOR_LIST = re.compile(
    r"\b(?:name|list|state|enumerate|give)\b[^.?]{0,30}\b(?:two|three|four|five|\d+|some|the)\b", re.IGNORECASE
)
# Fewer words than this is a terse note, not a dump.
MIN_WORDS = 8
# From this many words on, a sentence-free run is a dump even with a few stop words among its terms.
LONG_DUMP_WORDS = 12


def reads_as_keyword_list(text: str, question: str = "") -> bool:
    """Few stop words (real sentences have a third or more; under 5% anywhere, under 15% from 12 words on),
    or a list of many items of at most three words, or a dump of upper-case terms. Terse notes and formulas
    (mostly numbers and symbols) are not stuffing, and a list is fair when the question asks for one."""
    tokens = [t for t in words(text) if any(c.isalpha() for c in t)]
    # Under 60% alphabetic words is a formula or a calculation, not prose or a keyword list.
    if len(tokens) < MIN_WORDS or len(tokens) < 0.6 * len(words(text)) or _ASKS_FOR_LIST.search(question):
        return False
    share = stop_word_share(" ".join(tokens))
    items = [i for i in _LIST_SPLIT.split(text) if words(i)]
    # Five or more items, four in five of them at most three words long: a list of terms.
    listy = len(items) >= 5 and sum(len(words(i)) <= 3 for i in items) >= 0.8 * len(items)
    # A dump of a language's reserved words / acronyms (SQL clauses, protocol names): most tokens are
    # upper-case terms (several of which, like BY or FROM, are stop words). An answer typed all in capitals
    # is shouting, not a dump.
    terms = sum(t.strip(".,;:()").isupper() and len(t.strip(".,;:()")) > 1 for t in text.split())
    term_dump = len(tokens) >= LONG_DUMP_WORDS and 0.5 * len(tokens) <= terms < 0.9 * len(tokens)
    long_and_bare = len(tokens) >= LONG_DUMP_WORDS and share < 0.15
    return share < 0.05 or long_and_bare or (listy and share < 0.2) or term_dump
