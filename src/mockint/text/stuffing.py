"""Keyword stuffing: a bag of terms with no sentences relating them. The one detector for every grader."""

import re
from itertools import pairwise

from mockint.text.sentences import sentence_spans
from mockint.text.stems import stem
from mockint.text.words import is_content, stop_word_share, word_spans, words

_LIST_SPLIT = re.compile(r"[,;/|\n]+|\s+-\s+|\s*•\s*")
# A question that asks to name or list things makes a list a fair answer.
_ASKS_FOR_LIST = re.compile(
    r"\b(?:name|list|state|enumerate|give)\b[^.?]{0,30}\b(?:two|three|four|five|\d+|some|the)\b", re.IGNORECASE
)
# Fewer words than this is a terse note, not a dump.
MIN_WORDS = 8
# From this many words on, a sentence-free run is a dump even with a few stop words among its terms.
LONG_DUMP_WORDS = 12
# What may stand between two items of a list of terms: coordinators, articles, list punctuation.
_LIST_GAP = re.compile(r"(?:[\s,/&]|\b(?:and|or|nor|the|a|an|both|either)\b)*", re.IGNORECASE)
_COORDINATOR = re.compile(r"[,/&]|\b(?:and|or|nor)\b", re.IGNORECASE)
# A sentence relates terms when it says something of them beyond naming them: a frame around a list of
# terms that adds one word ("matter", "are important") names them and asserts nothing about any one.
FRAME_WORDS = 1
# Four terms in frames is the size of the shortest keyword list `listy` counts (five items, one a frame).
FRAMED_TERMS = 4


def _framed_terms(sentence: str, terms: frozenset[str]) -> tuple[int, frozenset[str]]:
    """How many items of the item's `terms` the sentence lists in an empty frame ("The X and Y matter.", "X
    matters."), with the frame's words; 0 when it relates them (a verb, a preposition or a word of its own
    between two terms) or its frame says more than FRAME_WORDS words."""
    spans = word_spans(sentence)
    slots = [i for i, (w, _, _) in enumerate(spans) if is_content(w) and stem(w) in terms]
    if not slots:
        return 0, frozenset()
    items = 1
    for a, b in pairwise(slots):
        gap = sentence[spans[a][2] : spans[b][1]]
        if not _LIST_GAP.fullmatch(gap):
            return 0, frozenset()
        items += bool(_COORDINATOR.search(gap))
    frame = frozenset(stem(w) for i, (w, _, _) in enumerate(spans) if i not in slots and is_content(w))
    return (items, frame) if len(frame) <= FRAME_WORDS else (0, frozenset())


def lists_terms_in_frames(text: str, terms: frozenset[str]) -> bool:
    """Every sentence only lists the item's terms in an empty frame ("The dropout and ensemble matter. The
    neurons and inference matter."), FRAMED_TERMS or more of them in all: keywords with grammar around
    them, not sentences saying how they relate. A sentence naming one term ("Dropout matters.") is such a
    frame only when it repeats the frame of a list in the same answer: alone, a term and a word of its own
    is an ordinary short sentence ("It regularises.")."""
    found = [_framed_terms(text[s:e], terms) for s, e in sentence_spans(text)]
    templates = {frame for items, frame in found if items >= 2}
    counts = [items if items >= 2 or frame in templates else 0 for items, frame in found]
    return bool(counts) and all(counts) and sum(counts) >= FRAMED_TERMS


def _is_word(token: str) -> bool:
    """A word of prose, not a symbol of a formula ('z_i', 'x2', the 'e' of 'e^x'): letters only, and more
    than one unless it is 'a' or 'I'."""
    return token.isalpha() and (len(token) > 1 or token in ("a", "i"))


# A piece opening with one of these is a clause saying something, not an item of a list (LS, eval/README.md).
_SUBORDINATOR = re.compile(
    r"\s*(?:since|because|as|so|which|while|whereas|although|though|when|if|unless|otherwise)\b", re.IGNORECASE
)
# A clause says something when it holds this many content words: "since optimising accuracy alone favours ...".
_CLAUSE_CONTENT_WORDS = 2


def _list_items(text: str) -> list[str]:
    """The pieces of a list of terms, up to a clause that says something of them: "Coverage, diversity, novelty
    and serendipity, since optimising accuracy alone favours popular, obvious items" lists three; what follows
    "since" is one claim, whatever its commas."""
    items = [i for i in _LIST_SPLIT.split(text) if words(i)]
    for n, item in enumerate(items):
        if (
            _SUBORDINATOR.match(item)
            and sum(is_content(w) for i in items[n:] for w in words(i)) >= _CLAUSE_CONTENT_WORDS
        ):
            return items[:n]
    return items


def reads_as_keyword_list(text: str, question: str = "", rubric: str = "") -> bool:
    """Few stop words (real sentences have a third or more; under 5% anywhere, under 15% from 12 words on),
    or a list of many items of at most three words, or a dump of upper-case terms, or the `rubric`'s terms
    listed in empty sentence frames. Terse notes and formulas (mostly numbers and symbols) are not stuffing,
    and a list is fair when the question asks for one."""
    tokens = [t for t in words(text) if _is_word(t)]
    # Under 60% alphabetic words is a formula or a calculation, not prose or a keyword list.
    if len(tokens) < MIN_WORDS or len(tokens) < 0.6 * len(words(text)) or _ASKS_FOR_LIST.search(question):
        return False
    share = stop_word_share(" ".join(tokens))
    items = _list_items(text)
    # Five or more items, four in five of them at most three words long: a list of terms.
    listy = len(items) >= 5 and sum(len(words(i)) <= 3 for i in items) >= 0.8 * len(items)
    # A dump of a language's reserved words / acronyms (SQL clauses, protocol names): most tokens are
    # upper-case terms (several of which, like BY or FROM, are stop words). An answer typed all in capitals
    # is shouting, not a dump.
    terms = sum(t.strip(".,;:()").isupper() and len(t.strip(".,;:()")) > 1 for t in text.split())
    term_dump = len(tokens) >= LONG_DUMP_WORDS and 0.5 * len(tokens) <= terms < 0.9 * len(tokens)
    long_and_bare = len(tokens) >= LONG_DUMP_WORDS and share < 0.15
    framed = bool(rubric) and lists_terms_in_frames(text, frozenset(stem(w) for w in words(rubric) if is_content(w)))
    return share < 0.05 or long_and_bare or (listy and share < 0.2) or term_dump or framed
