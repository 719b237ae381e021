"""Reference text made gradable: grading meta-text removed, and key points for items that have none.
Pure text."""

import re

from mockint.text.sentences import clause_spans, sentence_spans
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
    one sentence or list item at a time; one item per line in the result."""
    text = _POINT_VALUE.sub("", text)
    kept = []
    for s, e in sentence_spans(text):
        piece = text[s:e].strip()
        if _RUBRIC_META.search(piece) and len([w for w in words(piece) if is_content(w)]) < 8:
            continue
        kept.append(re.sub(r"\s+([.,;:])", r"\1", piece))
    return "\n".join(kept) or text.strip()


def pseudo_key_points(reference: str, max_points: int = 8) -> list[str]:
    """Key points for items that have none (labelled data from elsewhere): the reference's sentences,
    long ones split into clauses, tiny fragments merged away."""
    pieces = []
    for s, e in sentence_spans(reference, max_words=30):
        for cs, ce in clause_spans(reference, (s, e)) if len(words(reference[s:e])) > 20 else [(s, e)]:
            piece = reference[cs:ce].strip(" -•*:")
            if sum(is_content(w) for w in words(piece)) >= 2:
                pieces.append(piece)
    if not pieces:
        return [reference.strip()]
    return pieces[:max_points]
