"""Sentences and clauses as character spans of the original text. Pure, no I/O."""

import re

from mockint.text.words import word_spans, words

Span = tuple[int, int]

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "cf.", "resp.", "fig.", "eq.", "no.")
_CLOSING = {")": "(", "]": "[", "}": "{"}
_SENTENCE_END = re.compile(r"(?:^|\n)\s*(?:[-*•●○▪◦]|\d+[.)]|[a-z][.)])\s+|[.!?;]+(?=\s)|\n+")
_CLAUSE_BREAK = re.compile(
    r",\s+(?=(?:and|but|while|whereas|because|so|which|since|although|though|whereas|then|thus|hence)\b)"
    r"|\s+(?=(?:but|whereas|while|because|although|though|so\s+that|which)\s)|:\s+|\s+[-–—]\s+",
    re.IGNORECASE,
)


def _split(text: str, pattern: re.Pattern, start: int, end: int) -> list[Span]:
    spans, cursor = [], start
    chunk = text[start:end]
    inside = bracket_pairs(chunk)
    for m in pattern.finditer(chunk):
        piece_end = start + m.start()
        if any(chunk[: m.start() + 1].lower().endswith(a) for a in _ABBREVIATIONS):
            continue
        if _inside(m, inside) or is_minus(text, piece_end, start + m.end()):
            continue
        if m.group().startswith((".", "!", "?", ";")):
            piece_end = start + m.end()
        spans.append((cursor, piece_end))
        cursor = start + m.end()
    spans.append((cursor, end))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _inside(m: re.Match, brackets: list[Span]) -> bool:
    """Whether a break cuts inside brackets, as in "floor((W | K + 2P)/S)". The end of a sentence ('.', '!',
    '?' or a new line) still ends it there: a bracket never closed (a smiley ':(') or closed by a list mark
    ('b)') would otherwise hold the sentences between them together."""
    ends_sentence = m.group().lstrip(" \t")[:1] in (".", "!", "?", "\n")
    return not ends_sentence and any(open_ < m.start() < close for open_, close in brackets)


def bracket_pairs(text: str) -> list[Span]:
    """(open, close) index pairs of matching brackets; a closing bracket without its opening one is skipped."""
    pairs, stack = [], []
    for i, ch in enumerate(text):
        if ch in "([{":
            stack.append((ch, i))
        elif ch in _CLOSING and stack and stack[-1][0] == _CLOSING[ch]:
            pairs.append((stack.pop()[1], i))
    return pairs


def is_minus(text: str, left_end: int, right_start: int) -> bool:
    """A spaced hyphen next to an operand (a number, a one-letter name, a call, a bracket) is a minus sign,
    not a dash that ends a clause: "(3 - 1) x 2", "z - logsumexp(z)"."""
    before, after = text[:left_end].split(), text[right_start:].split()
    if text[left_end:right_start].strip() != "-" or not before or not after:
        return False
    # Either side suffices ("s(u, i) - log Q(i)"): joining a dash-separated clause only costs a longer point.
    return _operand(before[-1]) or _operand(after[0])


def _operand(token: str) -> bool:
    # The one-letter words "a" and "I" are not names: "a matrix - a costly one" has a dash.
    return (len(token) == 1 and token not in ("a", "I")) or any(c.isdigit() or c in "()[]" for c in token)


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start] in " \t\r\n,":
        start += 1
    while end > start and text[end - 1] in " \t\r\n,":
        end -= 1
    return start, end


# Where a speaker chains claims without punctuation ("... look at the p99 of each one then put a cheap pre ranker
# in front ..."): not "or", which joins alternatives within one claim ("distill or quantize").
_JOINT_WORDS = frozenset(("and", "then", "so", "but", "because", "while", "whereas"))
CLAIM_JOINT = re.compile(rf"\s+(?=(?:{'|'.join(sorted(_JOINT_WORDS))})\s)", re.IGNORECASE)


def sentence_spans(text: str, max_words: int = 60) -> list[Span]:
    """Sentences (and list items) as character spans; over-long ones are cut at clause breaks, then into
    pieces of at most `max_words` words, so no piece overflows the embedding model's window. A piece ends
    before the last word joining claims (`CLAIM_JOINT`) in the second half of its words, where there is one:
    "... a parity check between logged | and recomputed features" is no quote (SJ, eval/README.md); half, so no
    piece is cut to a fragment."""
    result = []
    for s, e in _split(text, _SENTENCE_END, 0, len(text)):
        if len(words(text[s:e])) <= max_words:
            result.append((s, e))
            continue
        for cs, ce in _split(text, _CLAUSE_BREAK, s, e):
            spans = word_spans(text[cs:ce])
            i = 0
            while i < len(spans):
                end = i + max_words
                if end < len(spans):
                    joints = [j for j in range(i + max_words // 2, end) if spans[j][0] in _JOINT_WORDS]
                    end = joints[-1] if joints else end
                result.append((cs + spans[i][1], cs + spans[min(end, len(spans)) - 1][2]))
                i = end
    return [s for s in result if words(text[s[0] : s[1]])]


def clause_spans(text: str, sentence: Span) -> list[Span]:
    """Clauses of one sentence: the unit a key point's evidence is quoted from."""
    return [s for s in _split(text, _CLAUSE_BREAK, *sentence) if words(text[s[0] : s[1]])]


# Verbs that set the task when they open a sentence ("Explain why...", "Compare X and Y."): such a sentence
# asks, as a question does. A hand list because no part-of-speech tagger ships with the grader; these are the
# task verbs that open the instructions of the bank and of the SciEntsBank, SAF and Beetle questions.
_TASK_VERB_LIST = (
    "explain describe compare contrast define name list state identify give write implement design show tell "
    "predict estimate compute calculate derive prove justify discuss outline suggest propose summarise summarize "
    "sketch draw label complete create choose classify walk please find argue evaluate interpret"
)
_TASK_VERBS = frozenset(_TASK_VERB_LIST.split())


def asking_part(text: str) -> str:
    """The sentences of a question that ask: questions ("What does this reaction indicate?") and
    instructions ("Explain why..."), without the scenario sentences they follow ("Paula added yeast to the
    food."). The whole text when no sentence asks or there is only one."""
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    asking = [s for s in sentences if "?" in s or (words(s) or [""])[0] in _TASK_VERBS]
    return " ".join(asking) if asking and len(asking) < len(sentences) else text
