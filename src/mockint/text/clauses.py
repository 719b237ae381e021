"""Whole clauses: the pieces of a sentence that can stand on their own as a rubric point. Pure text (the
lexicon is data inside the lemminflect package, read once).

A piece is a whole clause when it has a verb, its brackets are balanced, and it does not hang on
the clause before it: it does not open with a coordinating conjunction or a relative pronoun ("and check
annotation consistency", "so memory grows", "which forces..."), nor with a subordinating conjunction unless
a main clause follows it after a comma ("If the decision flips, the data are not yet conclusive").
Which words can be verbs comes from lemminflect's English lexicon.
"""

import re

from lemminflect import getAllLemmas

from mockint.text.sentences import Span, is_minus
from mockint.text.words import capitalised, word_spans

# A piece opening with one of these continues the clause before it. A relative pronoun only in lower case:
# a sentence may open with "Which view is right depends on...".
DANGLING_OPENERS = frozenset({"and", "or", "but", "nor", "so", "yet", "plus"})
RELATIVES = frozenset({"which", "who", "whom", "whose"})
# A piece opening with one of these is a subordinate clause: whole only with a main clause after a comma.
SUBORDINATORS = frozenset(
    {"because", "since", "while", "whereas", "although", "though", "if", "when", "whenever", "unless", "until"}
)
# A main clause does not open with these ("because averaging only reduces variance, not bias").
_NOT_MAIN = DANGLING_OPENERS | RELATIVES | SUBORDINATORS | {"not"}
_VERB_TAGS = ("VERB", "AUX")
_BRACKETS = {")": "(", "]": "[", "}": "{"}
_TERMINAL = (".", "!", "?")
# A coordinating conjunction that tied a clause to the one before it ("..., and keep the merge list"): a
# clause standing alone goes without it. Not "so" opening a purpose or degree phrase ("so that", "so far"),
# nor "nor" or "yet", without which the clause would say something else ("nor does it fit", "yet another").
_LINK = re.compile(r"(?:and|but|or|plus|so(?!\s+(?:that|far|much|many|long|as)\b))(?:\s*,)?\s+(?=\S)", re.IGNORECASE)
# An equation states something as a verb does: "Q = 0.5 / 50.5, about 1%".
_EQUATION = re.compile(r"\s=\s")
# Two words make a term ("Sequence number", "Reserved field"), not a sentence.
_TERM_WORDS = 2


def is_verb(word: str) -> bool:
    """Whether the (lower-case) word can be a verb form: 'grows', 'is', 'check', 'excluding'."""
    return any(tag in getAllLemmas(word) for tag in _VERB_TAGS)


def modify_alike(word: str, other: str) -> bool:
    """Whether the lexicon reads both (lower-case) words as adjectives, or both as adverbs: 'independent' and
    'dependent', 'irrelevantly' and 'relevantly'; not 'improve' and 'prove'."""
    return bool(set(getAllLemmas(word)) & set(getAllLemmas(other)) & {"ADJ", "ADV"})


def can_name(word: str) -> bool:
    """Whether the (lower-case) word can be part of a thing's name: a noun or adjective form, a gerund
    ('retraining'), or a word the lexicon lacks ('word2vec'); not 'learns' or 'is'."""
    tags = getAllLemmas(word)
    return not tags or word.endswith("ing") or any(t in tags for t in ("NOUN", "ADJ", "PROPN"))


def balanced(text: str) -> bool:
    stack: list[str] = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in _BRACKETS and (not stack or stack.pop() != _BRACKETS[ch]):
            return False
    return not stack


def dangling_reason(text: str) -> str | None:
    """Why the piece cannot stand alone as a clause, or None when it can (case and end punctuation aside)."""
    tokens = word_spans(text)
    if not tokens:
        return "has no words"
    if not balanced(text):
        return "cuts a bracket"
    first, start, end = tokens[0]
    if first in DANGLING_OPENERS or text[start:end] in RELATIVES:
        return f"opens with '{text[start:end]}'"
    if hangs_on_previous(text):
        return f"is only a '{first}' clause"
    if tokens[-1][0] in DANGLING_OPENERS | RELATIVES | SUBORDINATORS:
        return f"ends with '{tokens[-1][0]}'"
    if not any(is_verb(w) for w, _, _ in tokens) and not _EQUATION.search(text):
        return "has no verb"
    return None


def hangs_on_previous(text: str) -> bool:
    """Whether the piece says something only of the clause before it: it opens with a relative pronoun
    ("which comes from the model reacting...") or is only a subordinate clause ("because it only learns from
    interactions"). A coordinating conjunction does not count: `as_point` drops it and the clause stands."""
    tokens = word_spans(text)
    if not tokens:
        return False
    first, start, end = tokens[0]
    return text[start:end] in RELATIVES or (first in SUBORDINATORS and not _main_clause_follows(text, end))


def is_whole_clause(text: str) -> bool:
    return dangling_reason(text) is None


def _main_clause_follows(text: str, start: int) -> bool:
    """Whether a comma outside brackets is followed by a piece that is not itself subordinate or dangling."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            rest = word_spans(text[i + 1 :])
            if rest and rest[0][0] not in _NOT_MAIN and any(is_verb(w) for w, _, _ in rest):
                return True
    return False


def whole_clause_spans(text: str, parts: list[Span]) -> list[Span]:
    """Consecutive parts of one sentence joined until each piece is a whole clause: a part that is not one
    joins the piece before it (or, at the start, the piece after it). Within a sentence a piece also needs
    more than a term's words ("Use broadcasting: expand ...") and, after the first, must not open with a
    subordinating conjunction ("..., perplexity can fall | while style gets worse"). A sentence that is not
    a whole clause itself (a list item such as 'Sequence number') stays one piece."""
    pieces: list[Span] = []
    for start, end in parts:
        if pieces and (
            is_minus(text, pieces[-1][1], start)
            or not (_stands_alone(text[slice(*pieces[-1])], first=len(pieces) == 1) and _stands_alone(text[start:end]))
        ):
            pieces[-1] = (pieces[-1][0], end)
        else:
            pieces.append((start, end))
    return pieces


def _stands_alone(piece: str, *, first: bool = False) -> bool:
    tokens = word_spans(piece)
    if len(tokens) <= _TERM_WORDS or (not first and tokens[0][0] in SUBORDINATORS):
        return False
    return is_whole_clause(piece)


def as_point(piece: str) -> str:
    """A piece written as a sentence: stray list marks, separators and a leading coordinating conjunction
    trimmed, the first word capitalised (unless it is written as code), a full stop at the end of a clause.
    A subordinate piece ("which comes from...", "because it...") stays one: `dangling_reason` tells it."""
    point = " ".join(piece.split()).strip(" -•*,;:")
    while link := _LINK.match(point):
        point = point[link.end() :]
    if not point:
        return point
    point = capitalised(point)
    # A list item that is a bare term ("Sequence number", whose words can be verbs too) is not a sentence and
    # takes no full stop.
    if point.endswith(_TERMINAL) or len(word_spans(point)) <= _TERM_WORDS or not is_whole_clause(point):
        return point
    return point + "."
