"""Reference text made gradable: grading meta-text removed, and key points for items that have none.
Pure text."""

import re

from mockint.text.clauses import as_point, whole_clause_spans
from mockint.text.complexity import notation_spans
from mockint.text.sentences import Span, clause_spans, sentence_spans
from mockint.text.words import is_content, words

# Rubric meta-text in labelled data ("(0.25)", "One of the following should be given:") is not content.
_POINT_VALUE = re.compile(r"\(\s*\d+(?:[.,]\d+)?\s*(?:p|pt|pts|points?|marks?)?\s*\)", re.IGNORECASE)
_RUBRIC_META = re.compile(
    r"(?:one of the following|any of the following|should be (?:given|mentioned|stated)|considered (?:fully )?correct|"
    r"possible (?:answers?|differences|challenges|solutions)|correct answers? (?:is|are|include)|"
    r"^\s*(?:note|hint|alternatively)\s*:)",
    re.IGNORECASE,
)


def clean_reference(text: str) -> str:
    """Drop grading meta-text (point values, 'one of the following...') from a labelled reference,
    one sentence or list item at a time; one sentence or list item per line in the result (the parts of a
    sentence joined by semicolons, or hard-wrapped onto several lines, stay on one line)."""
    # "O(1)" is notation, not a point value (PV).
    notations = notation_spans(text)
    text = _POINT_VALUE.sub(lambda m: m.group() if any(s <= m.start() < e for s, e in notations) else "", text)
    kept: list[str] = []
    previous_end = 0
    for s, e in sentence_spans(text, max_words=_WHOLE):
        piece = text[s:e].strip()
        if _RUBRIC_META.search(piece) and len([w for w in words(piece) if is_content(w)]) < 8:
            continue
        piece = re.sub(r"\s+([.,;:])", r"\1", piece)
        if kept and _continues(kept[-1], text[previous_end:s], piece):
            kept[-1] = f"{kept[-1]} {piece}"
        else:
            kept.append(piece)
        previous_end = e
    return "\n".join(kept) or text.strip()


# Sentences are taken whole here (no cut every N words): a rubric point is a whole clause.
_WHOLE = 10**9
# Longer sentences are cut into their whole clauses, so one point is one claim.
_CLAUSE_POINT_WORDS = 20


def _continues(before: str, gap: str, piece: str) -> bool:
    """Whether `piece` is the same sentence as `before`: after a semicolon on the same line, or a
    hard-wrapped line that goes on in lower case."""
    if before.endswith(";") and "\n" not in gap:
        return True
    return gap.strip() == "" and piece[:1].islower() and not before.endswith((".", "!", "?", ":", ";"))


def pseudo_key_points(reference: str, max_points: int = 8) -> list[str]:
    """Key points for items that have none (labelled data from elsewhere, follow-ups): the reference's
    sentences (one per line of `clean_reference`), long ones cut into whole clauses (never 'and check
    annotation consistency' or 'so memory grows'), each written as a sentence; tiny ones dropped."""
    pieces = []
    for line in reference.split("\n"):
        for sentence in _sentences(line):
            parts = [
                c for s, e in sentence for c in (clause_spans(line, (s, e)) if _long(line, sentence) else [(s, e)])
            ]
            for cs, ce in whole_clause_spans(line, parts):
                piece = as_point(line[cs:ce])
                if sum(is_content(w) for w in words(piece)) >= 2:
                    pieces.append(piece)
    if not pieces:
        return [reference.strip()]
    return pieces[:max_points]


def _sentences(line: str) -> list[list[Span]]:
    """The line's sentences, each as its semicolon-separated parts."""
    groups: list[list[Span]] = []
    for s, e in sentence_spans(line, max_words=_WHOLE):
        if groups and line[groups[-1][-1][1] - 1] == ";":
            groups[-1].append((s, e))
        else:
            groups.append([(s, e)])
    return groups


def _long(line: str, sentence: list[Span]) -> bool:
    return len(words(line[sentence[0][0] : sentence[-1][1]])) > _CLAUSE_POINT_WORDS
