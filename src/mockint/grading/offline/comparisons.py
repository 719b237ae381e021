"""Comparisons between the alternatives a question contrasts: "one-stage detectors are faster, while two-stage
detectors were more accurate". An answer that says the opposite ("one-stage is slower but more accurate")
uses the rubric's own words, so an alignment of meanings credits it; what tells it apart is which side each
comparative is said of. Pure text."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mockint.grading.answer_checks import negated
from mockint.grading.offline.contrasts import Contrast
from mockint.text.sentences import Span, sentence_spans
from mockint.text.stems import stem, written_as
from mockint.text.words import ARTICLES, is_content, word_spans, words

# Opposites by the attribute they grade: "slower" says less of what "faster" says more of. Each row gives the
# comparatives (said alone), then the plain forms a degree word grades the same way ("more slowly" says
# "slower", "more expensive" says "costlier"). Only comparisons, which say how one side stands to the other;
# English grammar, not chosen from any graded answer.
_GRADED_OPPOSITES = [
    # attribute, more, less, plain more, plain less
    ("speed", "faster quicker", "slower", "fast quick quickly", "slow slowly"),
    ("height", "higher", "lower", "high", "low"),
    ("size", "larger bigger greater", "smaller", "large big", "small"),
    ("quality", "better", "worse", "", ""),
    ("length", "longer", "shorter", "long", "short"),
    ("strength", "stronger", "weaker", "strong", "weak"),
    ("ease", "easier simpler", "harder", "easy easily simple", "hard"),
    ("cheapness", "cheaper", "costlier", "cheap cheaply", "costly expensive"),
]


def _signed(more: int) -> dict[str, tuple[str, int]]:
    """The words of column `more` (+1) and of the column after it (-1), each with its row's attribute."""
    return {
        w: (row[0], sign)
        for row in _GRADED_OPPOSITES
        for sign, column in ((1, more), (-1, more + 1))
        for w in row[column].split()
    }


_COMPARATIVES = _signed(1)
_PLAIN = _signed(3)
# "more accurate", "less memory", "fewer parameters": the degree word grades the content word after it.
_DEGREE = {"more": 1, "less": -1, "fewer": -1}
# A relative clause speaks of the side named just before it, not of the sentence's subject.
_RELATIVE = frozenset({"which", "who", "that"})
# What a side is measured against follows these: "faster than two-stage", "the advantage over IPv4".
_STANDARD_MARKERS = frozenset({"than", "over", "unlike", "versus", "vs"})
# Where a statement turns to another claim; a piece that names no side speaks of the last side named in
# its sentence ("one-stage is slower | but more accurate").
_PIECE_BREAK = re.compile(
    r"[,;:()]|\s+[-–—]\s+|\s+(?=(?:and|but|so|while|whereas|because|which|although|though|unlike)\s)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Comparison:
    """One comparative said of one side of a contrast: `polarity` +1 when it says the contrast's first side
    has more of `attribute`, -1 when the second."""

    pair: int
    attribute: str
    polarity: int
    side: str
    word: str
    span: Span


def _pieces(text: str, start: int, end: int) -> list[Span]:
    spans, cursor = [], start
    for m in _PIECE_BREAK.finditer(text, start, end):
        spans.append((cursor, m.start()))
        cursor = m.end()
    spans.append((cursor, end))
    return [(s, e) for s, e in spans if e > s]


def _subject(stems: list[str], pair: Contrast) -> int | None:
    """Which side of `pair` a piece speaks of: the one it names before any 'than' ("one-stage is faster than
    two-stage"), or the other side when it names one only after it ("it is shorter than the TCP header"); 'over'
    and 'unlike' alike ("the advantage over IPv4 is that it is faster")."""
    than = next((i for i, s in enumerate(stems) if s in _STANDARD_MARKERS), len(stems))
    before = {0 if s in pair[0] else 1 for s in stems[:than] if s in pair[0] or s in pair[1]}
    after = {0 if s in pair[0] else 1 for s in stems[than:] if s in pair[0] or s in pair[1]}
    if len(before) == 1:
        return before.pop()
    if not before and len(after) == 1:
        return 1 - after.pop()
    return None


def _graded(piece: str, spans: list[tuple[str, int, int]], opens: bool) -> list[tuple[str, int, str, int]]:
    """(attribute, sign, surface words, index of its last word) of each comparative in a piece (`opens`: it starts
    its sentence)."""
    found = []
    for i, (w, start, _) in enumerate(spans):
        # A capital inside a sentence, or before another capital, starts a name: "Faster R-CNN".
        named = piece[start].isupper() and (
            i > 0 or not opens or (i + 1 < len(spans) and piece[spans[i + 1][1]].isupper())
        )
        # After a determiner a comparative says nothing of a side: "the farther from the fulcrum, the less
        # effort" relates two quantities, "there is a bigger amount of sand" describes a noun.
        if named or (i > 0 and spans[i - 1][0] in ARTICLES):
            continue
        if w in _COMPARATIVES:
            attribute, sign = _COMPARATIVES[w]
            found.append((attribute, sign, w, i))
        elif w in _DEGREE and i + 1 < len(spans) and is_content(spans[i + 1][0]):
            graded = spans[i + 1][0]
            attribute, sign = _PLAIN.get(graded, (stem(graded), 1))
            found.append((attribute, _DEGREE[w] * sign, f"{w} {graded}", i + 1))
    return found


def comparisons(text: str, contrasts: tuple[Contrast, ...]) -> list[Comparison]:
    """Every comparative `text` says of one side of a contrast, with the piece that says it (from where the
    side is named). A negated piece is left out: "is not faster" need not mean "is slower"."""
    found = []
    # Per pair, the side the piece before spoke of and where, when it ended on a comparative (CO); kept across a
    # sentence break, as an over-long sentence is cut before an "and" ("... are simpler | and faster ...").
    coordinated: list[tuple[int, int] | None] = [None] * len(contrasts)
    for s_start, s_end in sentence_spans(text):
        for pair_index, pair in enumerate(contrasts):
            side, side_start = None, s_start
            mentioned: tuple[int, int] | None = None  # the side named last, and where its piece starts
            for start, end in _pieces(text, s_start, s_end):
                spans = word_spans(text[start:end])
                stems = [stem(w) for w, _, _ in spans]
                named = _subject(stems, pair)
                if named is not None:
                    side, side_start = named, start
                elif stems and stems[0] in _RELATIVE and mentioned is not None:
                    # "more accurate than one-stage ones, which are faster": the side named last.
                    side, side_start = mentioned
                elif any(s in pair[0] or s in pair[1] for s in stems):
                    side = None
                last = [0 if s in pair[0] else 1 for s in stems if s in pair[0] or s in pair[1]]
                if last:
                    mentioned = (last[-1], start)
                before, coordinated[pair_index] = coordinated[pair_index], None
                if side is None or negated(text[start:end]):
                    continue
                graded = _graded(text[start:end], spans, start == s_start)
                for attribute, sign, word, at in graded:
                    # A comparative straight after "and" that follows one ("simpler and faster two-stage models
                    # were ...") is the second of two predicates of one subject: the piece before's (CO).
                    said_of, said_from = before if before and at == 1 and spans[0][0] == "and" else (side, side_start)
                    polarity = sign if said_of == 0 else -sign
                    side_word = written_as(text, pair[said_of])
                    found.append(Comparison(pair_index, attribute, polarity, side_word, word, (said_from, end)))
                if graded and graded[-1][3] == len(spans) - 1:
                    coordinated[pair_index] = (side, side_start)
    return found


# A side is what a key point is about when it is named in the first content words of one of its pieces, its
# subject: "Two-stage detectors generate ...", "while CBOW trains faster", "Periodic batch retraining ..." (a
# noun and one modifier), not the verb of "Soft Dice uses ...".
SUBJECT_WORDS = 2


def subject_of(text: str) -> frozenset[str]:
    """The stems of the first content words of `text`: what it is about."""
    return frozenset(stem(w) for w in [w for w in words(text) if is_content(w)][:SUBJECT_WORDS])


def alternatives(points: tuple[str, ...], contrasts: tuple[Contrast, ...]) -> Contrast | None:
    """The two alternatives the key points compare: the one pair of the question's whose sides the points
    speak of apart, each side the subject of a piece of some point and no piece naming both before a 'than'.
    A list of three or more ("grid search, random search and Bayesian optimisation") shares words between its
    sides ('search'), and a pair read from a question's wording ("compared with English") may be no pair of
    alternatives at all: where more than one pair or none passes, nothing is checked."""
    apart = _apart(points, contrasts)
    return apart[0] if len(apart) == 1 else None


def _apart(points: tuple[str, ...], contrasts: tuple[Contrast, ...]) -> list[Contrast]:
    return [pair for pair in contrasts if _spoken_of_apart(points, pair)]


def _spoken_of_apart(points: tuple[str, ...], pair: Contrast) -> bool:
    opened = [False, False]
    for point in points:
        for start, end in _pieces(point, 0, len(point)):
            said = [w for w, _, _ in word_spans(point[start:end])]
            stems = [stem(w) for w in said]
            before = set(stems[: next((i for i, s in enumerate(stems) if s in _STANDARD_MARKERS), len(stems))])
            if before & pair[0] and before & pair[1]:
                return False
            subject = subject_of(point[start:end])
            for side in (0, 1):
                opened[side] |= bool(subject & pair[side])
    return all(opened)


@dataclass(frozen=True)
class Reversal:
    point: int
    span: Span
    reason: str


@dataclass(frozen=True)
class Said:
    """What the key points say of a side: the comparative's polarity, the side and word as written, the point."""

    polarity: int
    side: str
    word: str
    point: int


@dataclass(frozen=True)
class SidedRubric:
    """What an item's key points say of the two alternatives they compare, fixed per item: the pair, the
    comparisons they agree on (by attribute), the names the rubric files under one side only, and the first
    point whose subject is each side."""

    pair: Contrast
    said: dict[str, Said]
    filed: dict[str, int]
    subject_point: tuple[int | None, int | None]


def sided_rubrics(
    points: tuple[str, ...], contrasts: tuple[Contrast, ...], reference: str = ""
) -> tuple[SidedRubric, ...]:
    """The item's side of `reversals`: one for the pair of alternatives the key points compare, none where they
    compare none. Where they speak of several pairs apart (encoder-only, decoder-only and encoder-decoder), one for
    each pair the rubric files names under, names only (W3, eval/README.md): a name filed under one side of a pair
    is that side's whatever else the question lists, but a comparative in a list of three does not say which other
    side it is against."""
    apart = _apart(points, contrasts)
    if len(apart) == 1:
        return (_sided(points, apart[0], reference),)
    named = (_sided(points, pair, reference, compared=False) for pair in apart)
    return tuple(rubric for rubric in named if rubric.filed)


def _sided(points: tuple[str, ...], pair: Contrast, reference: str, compared: bool = True) -> SidedRubric:
    """What the key points say of `pair`. A comparison the points disagree on, or the reference answer says
    otherwise, is not kept: nothing is checked that the reference itself would be caught on. A name filed under
    both sides is not kept. Without `compared`, no comparison at all."""
    said: dict[str, Said] = {}
    clashing: set[str] = set()
    for i, point in enumerate(points):
        for c in comparisons(point, (pair,)):
            if c.attribute in said and said[c.attribute].polarity != c.polarity:
                clashing.add(c.attribute)
            said.setdefault(c.attribute, Said(c.polarity, c.side, c.word, i))
    clashing |= {
        c.attribute
        for c in comparisons(reference, (pair,))
        if c.attribute in said and said[c.attribute].polarity != c.polarity
    }
    filed: dict[str, set[int]] = {}
    for text in (reference, *points):
        for f in filings(text, pair):
            filed.setdefault(f.name.lower(), set()).add(f.side)
    return SidedRubric(
        pair=pair,
        said={a: s for a, s in said.items() if a not in clashing} if compared else {},
        filed={name: next(iter(sides)) for name, sides in filed.items() if len(sides) == 1},
        subject_point=(_first_subject_point(points, pair[0]), _first_subject_point(points, pair[1])),
    )


def reversals(rubric: SidedRubric, answer: str, points: tuple[str, ...]) -> list[Reversal]:
    """Key points the answer turns around, one finding each: a comparison said of the wrong side
    (`_turned_comparisons`) or a named method filed under the wrong side (`_misfiled_examples`)."""
    found: list[Reversal] = []
    for r in [*_turned_comparisons(rubric, answer), *_misfiled_examples(rubric, answer, points)]:
        if all(f.point != r.point for f in found):
            found.append(r)
    return found


def _turned_comparisons(rubric: SidedRubric, answer: str) -> list[Reversal]:
    """The answer says of one side the opposite comparative ("one-stage is slower" where a point says one-stage
    is faster) or the same one of the other side ("one-stage is more accurate" where a point says two-stage
    is)."""
    found = []
    for c in comparisons(_names_capitalised(answer, rubric.filed), (rubric.pair,)):
        said = rubric.said.get(c.attribute)
        if said is None or said.polarity == c.polarity:
            continue
        if c.word == said.word:
            reason = f"says '{c.side}' is {c.word} where the reference says '{said.side}' is"
        elif c.side == said.side:
            reason = f"says '{c.word}' where the reference says '{said.word}'"
        else:  # "two-stage ... more quickly" against "one-stage ... faster"
            reason = f"says '{c.word}' of '{c.side}' where the reference says '{said.word}' of '{said.side}'"
        found.append(Reversal(said.point, c.span, reason))
    return found


def _names_capitalised(text: str, names: Iterable[str]) -> str:
    """`text` with the names the rubric gives as examples ("Faster R-CNN") capitalised word by word wherever it
    writes them in lower case, as a typed or transcribed answer does ("like faster r-cnn"), so that they read as
    names and not as comparatives. Same length, so spans in `text` hold in the original."""
    out = list(text)
    for name in names:
        for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE):
            for _, start, _ in word_spans(m.group()):
                out[m.start() + start] = out[m.start() + start].upper()
    return "".join(out)


# What introduces examples of the side named just before: "one-stage detectors such as YOLO, SSD and RetinaNet".
_EXAMPLE_MARKER = re.compile(r"\b(?:such\s+as|like|e\.g\.,?|for\s+example,?|including)\s+", re.IGNORECASE)
# A name is capitalised or an acronym ("Faster R-CNN", "YOLO", "RetinaNet"); a list of them runs on with commas,
# "and" and "or" and ends at the first word in lower case.
_NAME = r"[A-Z][\w.+-]*(?:\s+[A-Z0-9][\w.+-]*)*"
_LIST_SEPARATOR = r"\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+"
_NAMES = re.compile(rf"{_NAME}(?:(?:{_LIST_SEPARATOR}){_NAME})*")
# The side and its examples are one phrase: at most this many words between the side's name and the marker
# ("two-stage detectors such as", "one-stage models like").
SIDE_TO_MARKER_WORDS = 2


@dataclass(frozen=True)
class Filing:
    name: str  # as written
    side: int
    span: Span


def filings(text: str, pair: Contrast) -> list[Filing]:
    """Each name `text` gives as an example of one side of `pair`, with the span from the side's name to the
    end of the list."""
    found = []
    for s_start, s_end in sentence_spans(text):
        for marker in _EXAMPLE_MARKER.finditer(text, s_start, s_end):
            names = _NAMES.match(text, marker.end(), s_end)
            before = word_spans(text[s_start : marker.start()])[-(SIDE_TO_MARKER_WORDS + 1) :]
            sides = [
                (0 if stem(w) in pair[0] else 1, s_start + at) for w, at, _ in before if stem(w) in pair[0] | pair[1]
            ]
            if not names or len({side for side, _ in sides}) != 1:
                continue
            side, start = sides[0]
            for name in re.split(_LIST_SEPARATOR, names.group()):
                found.append(Filing(name, side, (start, names.end())))
    return found


def _misfiled_examples(rubric: SidedRubric, answer: str, points: tuple[str, ...]) -> list[Reversal]:
    """A name the answer gives as an example of one side that the rubric (reference and key points) gives as an
    example of the other side only: it contradicts the first key point whose subject is the name's side."""
    found = []
    for f in filings(answer, rubric.pair):
        right = 1 - f.side
        point = rubric.subject_point[right]
        if rubric.filed.get(f.name.lower()) == right and point is not None:
            reason = (
                f"puts '{f.name}' under '{written_as(answer, rubric.pair[f.side])}' where the reference lists it "
                f"under '{written_as(points[point], rubric.pair[right])}'"
            )
            found.append(Reversal(point, f.span, reason))
    return found


def _first_subject_point(points: tuple[str, ...], side: frozenset[str]) -> int | None:
    """The first key point whose subject (its first content words) is `side`."""
    for i, point in enumerate(points):
        if subject_of(point) & side:
            return i
    return None
