"""Pure text helpers shared by the offline grader: sentences, clauses, stems, function words,
rubric clean-up and pseudo key points. No model, no I/O."""

import re
from functools import lru_cache

from wordfreq import zipf_frequency

Span = tuple[int, int]

# Closed-class words: they carry grammar, not content. Used for rarity weights (weight 0) and for
# the keyword-stuffing check (a real sentence has a healthy share of them).
_FUNCTION_WORD_LIST = """a an the this that these those it its it's they them their there here he she we you
    your i me my
    our us is are was were be been being am has have had having do does did doing done can could will would
    shall should may might must of to in on at by for with from into onto over under about as than then
    so and or but nor if else when while where which who whom whose what why how not no yes also too very
    just only all any each every some such both either neither other another more most less least much many
    few own same because since until unless although though whereas whether via per like up down out off
    again further once s t don't doesn't isn't aren't wasn't weren't can't cannot won't wouldn't shouldn't
    couldn't hasn't haven't hadn't didn't let lets get gets got"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORD_LIST.split())

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "cf.", "resp.", "fig.", "eq.", "no.")
_SENTENCE_END = re.compile(r"(?:^|\n)\s*(?:[-*•●○▪◦]|\d+[.)]|[a-z][.)])\s+|[.!?;]+(?=\s)|\n+")
_CLAUSE_BREAK = re.compile(
    r",\s+(?=(?:and|but|while|whereas|because|so|which|since|although|though|whereas|then|thus|hence)\b)"
    r"|\s+(?=(?:but|whereas|while|because|although|though|so\s+that|which)\s)|:\s+|\s+[-–—]\s+",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'_+#-]*")
# Rubric meta-text in labelled data ("(0.25)", "One of the following should be given:") is not content.
_POINT_VALUE = re.compile(r"\(\s*\d+(?:[.,]\d+)?\s*(?:p|pt|pts|points?|marks?)?\s*\)", re.IGNORECASE)
_RUBRIC_META = re.compile(
    r"(?:one of the following|any of the following|should be (?:given|mentioned|stated)|considered (?:fully )?correct|"
    r"possible (?:answers?|differences|challenges|solutions)|correct answers? (?:is|are|include)|"
    r"^\s*(?:note|hint|alternatively)\s*:)",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def word_spans(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]


def stem(word: str) -> str:
    """A crude, dependency-free stem: enough to tell that 'layers' repeats the question's 'layer'."""
    w = word.lower().strip("'")
    for suffix in ("ization", "isation", "ations", "ation", "ings", "ing", "ies", "ed", "es", "ly", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w[:7]


def is_content(word: str) -> bool:
    return word not in FUNCTION_WORDS and any(c.isalnum() for c in word)


@lru_cache(maxsize=65536)
def rarity(word: str) -> float:
    """0..1 weight from the word's general English frequency (wordfreq Zipf scale): common words count
    little, rare technical words a lot. Independent of any one dataset, unlike a fitted IDF."""
    w = word.lower()
    if not is_content(w):
        return 0.0
    zipf = zipf_frequency(w, "en")
    return float(min(1.0, max(0.05, (7.0 - zipf) / 5.0)))


def _split(text: str, pattern: re.Pattern, start: int, end: int) -> list[Span]:
    spans, cursor = [], start
    chunk = text[start:end]
    for m in pattern.finditer(chunk):
        piece_end = start + m.start()
        if any(chunk[: m.start() + 1].lower().endswith(a) for a in _ABBREVIATIONS):
            continue
        if m.group().startswith((".", "!", "?", ";")):
            piece_end = start + m.end()
        spans.append((cursor, piece_end))
        cursor = start + m.end()
    spans.append((cursor, end))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start] in " \t\r\n,":
        start += 1
    while end > start and text[end - 1] in " \t\r\n,":
        end -= 1
    return start, end


def sentence_spans(text: str, max_words: int = 60) -> list[Span]:
    """Sentences (and list items) as character spans; over-long ones are cut at clause breaks, then at
    every `max_words` words, so no piece overflows the embedding model's window."""
    result = []
    for s, e in _split(text, _SENTENCE_END, 0, len(text)):
        if len(words(text[s:e])) <= max_words:
            result.append((s, e))
            continue
        for cs, ce in _split(text, _CLAUSE_BREAK, s, e):
            spans = word_spans(text[cs:ce])
            for i in range(0, len(spans), max_words):
                group = spans[i : i + max_words]
                result.append((cs + group[0][1], cs + group[-1][2]))
    return [s for s in result if words(text[s[0] : s[1]])]


def clause_spans(text: str, sentence: Span) -> list[Span]:
    """Clauses of one sentence: the unit a key point's evidence is quoted from."""
    return [s for s in _split(text, _CLAUSE_BREAK, *sentence) if words(text[s[0] : s[1]])]


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


def function_word_ratio(text: str) -> float:
    tokens = words(text)
    return sum(t in FUNCTION_WORDS for t in tokens) / len(tokens) if tokens else 0.0
