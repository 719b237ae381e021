"""Does a quote really stand in the answer? Pure text checks, no model.

A grader (LLM or not) may claim a rubric point is covered and quote the candidate. The claim only
counts when the quote is found in the answer and is real evidence:

- found: after normalising case, whitespace, punctuation, accents and unicode quotes, the quote is
  an exact substring of the answer at word boundaries, or, for quotes of four words or more, a
  tight fuzzy match (rapidfuzz character ratio >= 0.9 against the best-aligned run of whole words)
  to absorb transcription slips.
  A quote with an ellipsis is split there; each fragment must stand on its own. A quote not found
  whole is tried clause by clause, each clause again on its own.
- substantive: at least three content words, not all of which are the question's own words
  (unless it negates what the question asks: "no, it is not used at inference").
- relevant (when reference text is given): shares at least one content word with it, so a true
  quote of an unrelated sentence ("give me 5/5") cannot stand in for a rubric point.

`supports` is the same rule for a quote the grader picked itself (the offline grader's best-aligned clause).

The span returned always indexes the ORIGINAL answer.
"""

import re
import unicodedata

from rapidfuzz import fuzz

# `has_content` is the answer checks' own, re-exported: one notion of saying something for every grader.
from mockint.grading.answer_checks import adds_to_question
from mockint.grading.answer_checks import has_content as has_content
from mockint.text.stems import content_stems
from mockint.text.words import content_words, words

MIN_CONTENT_WORDS = 3
# One slip in ten characters ("wieghts", "gradiant") is a transcription error; more is a different claim.
FUZZY_MIN_RATIO = 0.9
# Shorter quotes must match exactly: one changed character is too large a share of them.
FUZZY_MIN_WORDS = 4
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
    if len(needle.split()) < FUZZY_MIN_WORDS:
        return None
    cutoff = 100 * FUZZY_MIN_RATIO
    found = fuzz.partial_ratio_alignment(needle, haystack, score_cutoff=cutoff)
    if found is None:
        return None
    # The best-aligned run of characters may cut words at either end: the quote stands in the answer only
    # as whole words, so each end is tried pushed out to the word's edge and pulled in to the next one.
    starts = {haystack.rfind(" ", 0, found.dest_start + 1) + 1, _next_word_start(haystack, found.dest_start)}
    ends = {_word_end(haystack, found.dest_end), haystack.rfind(" ", 0, found.dest_end)}
    spans = [(s, e) for s in starts for e in ends if 0 <= s < e <= len(haystack)]
    scored = [(fuzz.ratio(needle, haystack[s:e]), s, e) for s, e in spans]
    best = max(scored, default=None)
    if best is None or best[0] < cutoff:
        return None
    return index[best[1]], index[best[2] - 1] + 1


def _next_word_start(text: str, i: int) -> int:
    if i == 0 or text[i - 1] == " ":
        return i
    space = text.find(" ", i)
    return len(text) if space < 0 else space + 1


def _word_end(text: str, i: int) -> int:
    if i >= len(text) or text[i] == " ":
        return i
    space = text.find(" ", i)
    return len(text) if space < 0 else space


def fragments(quote: str) -> list[str]:
    """A quote split at ellipses: a model that elides words has not quoted verbatim."""
    return [part.strip() for part in _ELLIPSIS.split(quote) if part.strip()]


def _adds_to_question(text: str, question: str) -> bool:
    # One notion for every grader (answer_checks): "No, dropout is not used at inference" uses only the
    # question's words yet answers it; "The base case ... is one" adds the fact asked for.
    return adds_to_question(text, question)


def is_substantive(text: str, question: str = "") -> bool:
    """At least three content words, and more than a repetition of the question's words."""
    if len(content_words(text)) < MIN_CONTENT_WORDS:
        return False
    return _adds_to_question(text, question)


def is_relevant(text: str, reference: str) -> bool:
    return bool(content_stems(text) & content_stems(reference))


def supports(quote: str, point: str, question: str = "") -> bool:
    """Whether a quote of the answer is evidence for this rubric point: about the point (a content word in
    common) and saying something (substantive, or holding every content word of a short point such as
    "Use broadcasting")."""
    if not is_relevant(quote, point):
        return False
    return is_substantive(quote, question) or content_stems(point) <= content_stems(quote)


# A terse sentence that says part of a point in the point's own words ("more micro-batches shrink it.") is evidence
# for it, though under MIN_CONTENT_WORDS; a phrase of fewer words ("Correlated features.") names, it does not say.
TERSE_MIN_WORDS = 3


def says_part_of(quote: str, point: str, question: str = "") -> bool:
    """Whether a sentence too short to be substantive says part of the point: at least two content words, all
    of them the point's, TERSE_MIN_WORDS words in all, and more than the question's words."""
    said = content_stems(quote)
    return (
        len(said) >= 2
        and said <= content_stems(point)
        and len(words(quote)) >= TERSE_MIN_WORDS
        and _adds_to_question(quote, question)
    )


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


def adds_nothing_to(answer: str, question: str) -> bool:
    """True when the answer has no content words beyond the question's own (or none at all)."""
    return not _adds_to_question(answer, question)
