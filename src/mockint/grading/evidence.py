"""Does a quote really stand in the answer? Pure text checks, no model.

A grader (LLM or not) may claim a rubric point is covered and quote the candidate. The claim only
counts when the quote is found in the answer and is real evidence:

- found: after normalising case, whitespace, punctuation, accents and unicode quotes, the quote is
  an exact substring of the answer at word boundaries, or, for quotes of four words or more, a
  tight fuzzy match (character ratio >= 0.9 against a window of about the same number of words)
  to absorb transcription slips.
  A quote with an ellipsis is split there; each fragment must stand on its own. A quote not found
  whole is tried clause by clause, each clause again on its own.
- substantive: at least three content words, not all of which are the question's own words
  (unless it negates what the question asks: "no, it is not used at inference").
- relevant (when reference text is given): shares at least one content word with it, so a true
  quote of an unrelated sentence ("give me 5/5") cannot stand in for a rubric point.

The span returned always indexes the ORIGINAL answer.
"""

import re
import unicodedata
from difflib import SequenceMatcher

from mockint.text.negations import is_negated
from mockint.text.stems import content_stems
from mockint.text.words import content_words

MIN_CONTENT_WORDS = 3
FUZZY_MIN_RATIO = 0.9
# Shorter quotes must match exactly: one changed character is too large a share of them.
FUZZY_MIN_WORDS = 4
FUZZY_MAX_WINDOWS = 40
_CLAUSE_BREAK = re.compile(r"[.;:!?]+\s+|,\s+|\s+[-–—]+\s+")
_ELLIPSIS = re.compile(r"\.{3,}|…|\[\s*\.\.\.\s*\]")
_TRANSLATE = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Lowercased alphanumerics with single spaces between words, and for every output character the
    index of the original character it came from."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text.translate(_TRANSLATE)):
        for c in unicodedata.normalize("NFKD", ch).casefold():
            if unicodedata.category(c) == "Mn":
                continue
            if c.isalnum():
                out.append(c)
                index.append(i)
            elif out and out[-1] != " ":
                out.append(" ")
                index.append(i)
    if out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def normalise(text: str) -> str:
    return normalise_with_map(text)[0]


def locate(quote: str, answer: str) -> tuple[int, int] | None:
    """Character span of `quote` in `answer` (exact on normalised text, else tight fuzzy), or None."""
    needle = normalise(quote)
    if not needle:
        return None
    haystack, index = normalise_with_map(answer)
    exact = re.search(rf"(?:^|(?<= )){re.escape(needle)}(?= |$)", haystack)
    if exact:
        return index[exact.start()], index[exact.end() - 1] + 1
    return _fuzzy_locate(needle, haystack, index)


def _fuzzy_locate(needle: str, haystack: str, index: list[int]) -> tuple[int, int] | None:
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", haystack)]
    quote_tokens = needle.split()
    size = len(quote_tokens)
    if not tokens or size < FUZZY_MIN_WORDS:
        return None
    wanted = set(quote_tokens)
    hits = [0]
    for start, end in tokens:
        hits.append(hits[-1] + (haystack[start:end] in wanted))
    # A 0.9 character match shares most of its words with the quote, so only the windows sharing the
    # most words are compared character by character: this bounds the cost on long, repetitive answers.
    windows = sorted(
        (
            (hits[first + width] - hits[first], first, width)
            for width in (size - 1, size, size + 1)
            if width <= len(tokens)
            for first in range(len(tokens) - width + 1)
        ),
        key=lambda w: -w[0],
    )
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(needle)
    best: tuple[float, int, int] | None = None
    for shared, first, width in windows[:FUZZY_MAX_WINDOWS]:
        if shared < size / 2:
            break
        start, end = tokens[first][0], tokens[first + width - 1][1]
        matcher.set_seq1(haystack[start:end])
        if matcher.real_quick_ratio() < FUZZY_MIN_RATIO or matcher.quick_ratio() < FUZZY_MIN_RATIO:
            continue
        ratio = matcher.ratio()
        if ratio >= FUZZY_MIN_RATIO and (best is None or ratio > best[0]):
            best = (ratio, start, end)
    if best is None:
        return None
    return index[best[1]], index[best[2] - 1] + 1


def fragments(quote: str) -> list[str]:
    """A quote split at ellipses: a model that elides words has not quoted verbatim."""
    return [part.strip() for part in _ELLIPSIS.split(quote) if part.strip()]


def _adds_to_question(text: str, question: str) -> bool:
    # "No, dropout is not used at inference" uses only the question's words yet answers it.
    return bool(content_stems(text) - content_stems(question)) or (is_negated(text) and not is_negated(question))


def is_substantive(text: str, question: str = "") -> bool:
    """At least three content words, and more than a repetition of the question's words."""
    if len(content_words(text)) < MIN_CONTENT_WORDS:
        return False
    return _adds_to_question(text, question)


def is_relevant(text: str, reference: str) -> bool:
    return bool(content_stems(text) & content_stems(reference))


def verify_quote(quote: str, answer: str, *, question: str = "", reference: str = "") -> tuple[int, int] | None:
    """The span in `answer` backing `quote` as evidence, or None when it is not evidence.

    A quote that is not found whole is tried clause by clause (a model that stitched two clauses
    together, or dropped a word between them, still quoted each clause); every piece must pass the
    same checks on its own. The checks run on the answer's own words at that span, not on the
    model's rendering of them.
    """
    parts = fragments(quote)
    clauses = [c for part in parts for c in _clauses(part) if c != part]
    for part in parts + clauses:
        span = locate(part, answer)
        if span is None:
            continue
        said = answer[span[0] : span[1]]
        if is_substantive(said, question) and (not reference or is_relevant(said, reference)):
            return span
    return None


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_BREAK.split(text) if c.strip()]


def has_content(answer: str) -> bool:
    """False for an empty answer or one of only filler words ("um, I don't know")."""
    return bool(content_words(answer))


def adds_nothing_to(answer: str, question: str) -> bool:
    """True when the answer has no content words beyond the question's own (or none at all)."""
    return not _adds_to_question(answer, question)
