"""Spoken fillers ("um", "so basically", "you know,") and disfluencies (stutters, false starts): the one
detector behind both the delivery insights (which count fillers) and the graders (which grade the answer
without them). Pure text, spans index the original."""

import re
from collections import Counter
from dataclasses import dataclass

from mockint.text.sentences import bracket_pairs
from mockint.text.words import WORD_PATTERN, capitalised, normal_word, words

_TOKEN = re.compile(rf"{WORD_PATTERN}|[,.;:!?—–-]")
_PUNCTUATION = frozenset(",.;:!?—–-")
# Where a clause starts: after these marks (or at the start) a lone "so," or "well," opens it as a filler.
_CLAUSE_START = frozenset(",.;!?")
_HESITATIONS = (
    (re.compile(r"u+h*m+|h+m+|m+h?m+"), "um"),
    (re.compile(r"u+h+|a+h+|e+h"), "uh"),
    (re.compile(r"e+r+m*"), "erm"),
)
# Intensifiers that fill speech ("it's literally like...", "basically, ..."). Anywhere, even typed ("It literally
# copies the weights"): they add emphasis, never a claim, so grading without them loses nothing.
_FILLER_WORDS = frozenset({"basically", "actually", "literally"})
# Discourse openers: fillers only at the start of a clause and set off by a comma ("Well, ...", ", right,").
_OPENERS = frozenset({"so", "well", "right", "yeah", "okay", "ok"})
# "kind of" / "sort of" after these is a noun phrase ("what kind of model"), not a hedge.
_DETERMINER_LIST = "a an the this that these those what which any some every each one same different many all another"
_DETERMINERS = frozenset(_DETERMINER_LIST.split())
# "like" after these is a verb or a comparison ("I like", "would like to", "looks like").
_LIKE_VERB_BEFORE_LIST = """i you we they he she it would i'd we'd you'd they'd don't doesn't didn't do does did to
    look looks looked feel feels felt seem seems seemed sound sounds something things more much just not"""
_LIKE_VERB_BEFORE = frozenset(_LIKE_VERB_BEFORE_LIST.split())
# "like" right after these usually opens a clause as a filler ("and like the model…"); after a comma it is
# as often "for example" (", like Redis,") and counts only set off by a second comma.
_LIKE_FILLER_BEFORE = frozenset({"and", "but", "so", "um", "uh", "erm"})
# "you know" after these is a question or a condition ("do you know", "if you know").
_YOU_KNOW_NOT_BEFORE = frozenset({"do", "did", "don't", "didn't", "if", "when", "whether"})
# A word cut off and restarted ("dis- disables") and a stutter ("the the"). A repeated number is data, not
# a stutter: "in [-1, 1]", "stride 2, 2", "the output is 1 1 0 0"; so is a repeated name (see _is_stutter).
_FALSE_START = re.compile(r"\b[^\W\d_]+-(?=\s)")
_REPEAT = re.compile(r"\b([^\W\d]+(?:\s+[^\W\d]+)?)(?:[\s,]+\1\b)+", re.IGNORECASE)


@dataclass(frozen=True)
class Filler:
    kind: str
    start: int
    end: int


def find_fillers(text: str) -> list[Filler]:
    """Fillers left to right, so "so basically" is not also "basically". Ordinary uses stay out: "like" is
    a filler when followed by a comma or opening a clause ("and like the…"), never after
    "I/would/looks/just…"; "kind of"/"sort of" not after a determiner; "you know"/"I mean" only set off by
    commas; "right" as a tag ("right?", ", right."); "so", "well", "okay"... opening a clause with a comma,
    and "so" opening the answer or a line."""
    tokens = [(normal_word(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    words = [t for t, _, _ in tokens]
    found: list[Filler] = []
    i = 0
    while i < len(tokens):
        word, start, _ = tokens[i]
        prev = words[i - 1] if i else "."
        nxt, after = (words[i + k] if i + k < len(words) else "." for k in (1, 2))
        gap = text[tokens[i - 1][2] if i else 0 : start]
        kind, width = _filler_at(word, prev, nxt, after, line_start=i == 0 or "\n" in gap)
        if kind:
            found.append(Filler(kind, start, tokens[i + width - 1][2]))
            i += width
        else:
            i += 1
    return found


def _filler_at(word: str, prev: str, nxt: str, after: str, *, line_start: bool) -> tuple[str | None, int]:
    """(kind, tokens taken) of a filler starting at `word`, or (None, 0)."""
    pair = f"{word} {nxt}"
    clause_start = prev in _CLAUSE_START or line_start
    if word in _PUNCTUATION:
        return None, 0
    if pair == "so basically":
        return pair, 2
    if pair in ("kind of", "sort of") and prev not in _DETERMINERS:
        return pair, 3 if after == "like" else 2
    set_off = prev == "," or (clause_start and after == ",")
    if pair in ("you know", "i mean") and prev not in _YOU_KNOW_NOT_BEFORE and set_off:
        return ("I mean" if word == "i" else pair), 2
    if pair in ("okay so", "ok so") and clause_start and after == ",":
        return pair, 2
    for pattern, kind in _HESITATIONS:
        if pattern.fullmatch(word):
            return kind, 1
    if word in _FILLER_WORDS:
        return word, 1
    if word == "right" and (nxt == "?" or (prev == "," and nxt in ".,?!")):
        return "right?", 1
    if word in _OPENERS and clause_start and nxt == ",":
        return word, 1
    if word == "so" and line_start:
        return word, 1
    if word == "like" and _like_is_filler(prev, nxt):
        return word, 1
    return None, 0


def _like_is_filler(prev: str, nxt: str) -> bool:
    if prev in _LIKE_VERB_BEFORE:
        return False
    if nxt == ",":
        return True
    return prev in _LIKE_FILLER_BEFORE


def count_fillers(text: str) -> dict[str, int]:
    """Fillers by kind, most frequent first."""
    return dict(Counter(f.kind for f in find_fillers(text)).most_common())


def filler_words(text: str) -> int:
    """How many words the fillers take ("you know" is two)."""
    return sum(len(words(text[f.start : f.end])) for f in find_fillers(text))


@dataclass(frozen=True)
class CleanText:
    """Text with fillers removed; `origin[i]` is the index in the original of clean character i, and `ends[i]`,
    when given, the index just past what it stands for there: "1" written for "one" ends where "one" does."""

    text: str
    origin: tuple[int, ...]
    ends: tuple[int, ...] | None = None

    def span_in_original(self, start: int, end: int) -> tuple[int, int]:
        if end <= start or not self.origin:
            return (0, 0)
        return self.origin[start], self.ends[end - 1] if self.ends else self.origin[end - 1] + 1


def rewritten(clean: CleanText, replacements: list[tuple[int, int, str]]) -> CleanText:
    """`clean` with each (start, end, new text) span, in order and apart, replaced; the map back to the original is
    kept, a replacement standing for the whole span it replaces ("1" written for "one" ends where "one" does)."""
    if not replacements:
        return clean
    text, origin = clean.text, clean.origin
    ends = clean.ends or tuple(k + 1 for k in origin)
    out: list[str] = []
    mapped: list[int] = []
    mapped_ends: list[int] = []
    at = 0
    for start, end, new in replacements:
        out += [text[at:start], new]
        mapped += [*origin[at:start], *[origin[start]] * len(new)]
        mapped_ends += [*ends[at:start], *[ends[end - 1]] * len(new)]
        at = end
    out.append(text[at:])
    return CleanText("".join(out), (*mapped, *origin[at:]), (*mapped_ends, *ends[at:]))


def _removed_span(text: str, filler: Filler) -> tuple[int, int]:
    """A filler with the commas that set it off: "Um," goes with its comma, ", like," and ", you know," whole,
    and a tag ", right" with the comma before it."""
    start, end = filler.start, filler.end
    comma_before = re.search(r",\s*$", text[:start])
    comma_after = re.match(r"\s*,", text[end:])
    if filler.kind == "right?":
        return (comma_before.start() if comma_before else start), end
    if comma_after:
        end += comma_after.end()
        if comma_before:
            start = comma_before.start()
    return start, end


def strip_fillers(text: str) -> CleanText:
    """Remove fillers and false starts, then stutters ("the the", and "you, uh, you" once its filler is gone),
    keeping a map back to the original."""
    keep = [True] * len(text)
    spans = [_removed_span(text, f) for f in find_fillers(text)]
    spans += [m.span() for m in _FALSE_START.finditer(text)]
    for start, end in spans:
        for i in range(start, end):
            keep[i] = False
    first = _kept(text, keep, tuple(range(len(text))))
    keep = [True] * len(first.text)
    brackets = bracket_pairs(first.text)
    for m in (m for m in _REPEAT.finditer(first.text) if _is_stutter(m, brackets)):
        for i in range(m.start() + len(m.group(1)), m.end()):
            keep[i] = False
    return _kept(first.text, keep, first.origin)


def _is_stutter(repeat: re.Match, brackets: list[tuple[int, int]]) -> bool:
    """A repeat inside brackets is notation ("an (n, n) matrix", "(k, k) kernel"): brackets are written,
    not spoken. So is a repeated name: a single letter other than the words "a" and "I" ("the pair x, x")
    or an identifier ("x_i, x_i")."""
    if any(open_ < repeat.start() < close for open_, close in brackets):
        return False
    token = repeat.group(1)
    return not ((len(token) == 1 and token.lower() not in ("a", "i")) or "_" in token)


def _kept(text: str, keep: list[bool], origin_of: tuple[int, ...]) -> CleanText:
    """`text`'s kept characters with the spacing and punctuation their removal leaves tidied ("networks, you
    know." is "networks." and not "networks,."), each mapped to the original through `origin_of`."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if not keep[i]:
            continue
        if ch.isspace() and (not out or out[-1].isspace()):
            continue
        if ch in ",;" and (not out or out[-1] in ",;" or (out[-1].isspace() and len(out) > 1 and out[-2] in ",;")):
            continue
        if ch in ",.;!?" and out and out[-1] == " ":
            out.pop()
            origin.pop()
        if ch in ".!?" and out and out[-1] in ",;":
            out.pop()
            origin.pop()
        out.append(ch)
        origin.append(origin_of[i])
    while out and (out[-1].isspace() or out[-1] == ","):
        out.pop()
        origin.pop()
    start = 0
    while start < len(out) and (out[start].isspace() or out[start] in ",;."):
        start += 1
    return CleanText(capitalised("".join(out[start:])), tuple(origin[start:]))
