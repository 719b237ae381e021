"""Complexity classes a text states ("O(n log n)", "quadratic memory", "grows linearly"), read as growth per
variable so that two texts' classes can be compared. Pure, no I/O."""

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

from mockint.text.fillers import CleanText, rewritten
from mockint.text.words import ARTICLES, is_content, word_spans

# A variable a class is stated in without naming it ("linear time"): it stands for any variable of the other
# class it is compared with.
ANY = "*"


class Growth(NamedTuple):
    """How a cost grows in one variable: its power and its power of log ("n log n" is (1, 1))."""

    power: float
    log: float


# The growth "2^n" and "exponential" state: above every power.
EXPONENTIAL = Growth(math.inf, 0)


# Asymptotic notation as textbooks write it, one level of brackets inside: "O(n^2 d)", "Θ(log(n))", "big O of n".
# A lower-case "o(n)" too: a spoken answer typed in one breath writes it so.
_NOTATION = re.compile(r"(?<![\w.])(?:big[\s-]+)?[OoΘΩθ]\s*\(((?:[^()]|\([^()]*\))+)\)")
_SPOKEN_NOTATION = re.compile(
    r"\bbig[\s-]+o\s+of\s+((?:log\s+)?(?:n|k|m|d|v)(?:\s+(?:squared|cubed|log\s+n))?)\b", re.I
)
# A class said standing alone, as candidates say it: "n squared", "n log n", "log n", "log base 2 of n" (CS). In n, m
# and k only: "d squared" and "v squared" are a distance and a speed as often.
_BARE_SPOKEN = re.compile(
    r"(?<![\w.^(])(?:[nmk]\s+log\s+[nmk]|log\s+(?:base\s+\d+\s+)?(?:of\s+)?[nmk]|[nmk]\s+(?:squared|cubed)"
    # Typed as maths, in n only (CF): "n^2", "n²", "n*n", "log(n)", "logn", "lg n", "log2(n)". "k^2" and "m*m" count
    # a kernel's weights and a matrix's cells as often. "log2 n" is left to MiniLM: a rubric that writes it beside
    # "log base 2 of n" would have "log n" rewritten to the first.
    r"|n\s*(?:\^|\*\*)\s*[23]|n[²³]|n\s*\*\s*n|(?:log(?:_?2)?|lg)\s*\(\s*n\s*\)|(?:log|lg)n|lg\s+n)"
    r"(?![\w(^²³])",
    re.IGNORECASE,
)
# A log's base changes no class: "log base 2 of n" is read as "log n".
_LOG_WORDS = re.compile(r"\s+base\s+\d+|\s+of(?=\s)", re.IGNORECASE)
# "lg" is the base-2 log's name.
_LG = re.compile(r"\blg(?=\s|\(|n\b)", re.IGNORECASE)
# The scale's plain words: "linear" and "quadratic" name models and losses too ("linear regression", "quadratic
# loss"), so they state a class only before a cost noun or after a verb of growth.
_SCALE_WORDS = {
    "constant": {},
    "logarithmic": {ANY: Growth(0, 1)},
    "logarithmically": {ANY: Growth(0, 1)},
    "linear": {ANY: Growth(1, 0)},
    "linearly": {ANY: Growth(1, 0)},
    "quadratic": {ANY: Growth(2, 0)},
    "quadratically": {ANY: Growth(2, 0)},
    "cubic": {ANY: Growth(3, 0)},
    "cubically": {ANY: Growth(3, 0)},
    "exponential": {ANY: EXPONENTIAL},
    "exponentially": {ANY: EXPONENTIAL},
}
_SCALE = "|".join(sorted(_SCALE_WORDS, key=len, reverse=True))
_COST_NOUN = r"(?:-|\s+)(?:time|memory|space|cost|compute|scan|complexity|work|runtime)\b"
_GROWTH_VERB = r"\b(?:grows?|growing|grew|scales?|scaling|scaled)\s+(?:roughly\s+|only\s+)?"
# A prefixed scale word ("near-linear", "sub-linear", "super-linear") states a class near the word's, not it.
_SCALE_PHRASE = re.compile(rf"(?<![\w-])({_SCALE}){_COST_NOUN}|{_GROWTH_VERB}({_SCALE})\b", re.IGNORECASE)
_TERM = re.compile(
    r"(?P<log>log(?:_?\d+)?\s*\(?\s*(?P<logvar>[a-z]\w*)\s*\)?(?:\s*\^\s*(?P<logpow>\d+))?)"
    r"|(?P<sqrt>sqrt\s*\(?\s*(?P<sqrtvar>[a-z]\w*)\s*\)?)"
    r"|(?P<exp>\d+\s*\^\s*(?P<expvar>[a-z]\w*))"
    r"|(?P<var>[a-z](?:(?![²³])\w)*)\s*(?:(?:\^|\*\*)\s*(?P<pow>\d+(?:\.\d+)?)|(?P<sup>[²³]))?"
    r"|(?P<one>1)"
    r"|(?P<factor>\d+(?:\.\d+)?)(?=\s*[*·×⋅]?\s*[a-z])"
)
_SPOKEN_POWERS = {"squared": "^2", "cubed": "^3"}
_SUPERSCRIPTS = {"²": 2, "³": 3}
_PRODUCT_JOINER = re.compile(r"\s*[*·×⋅]\s*|\s+")
# Punctuation that ends the phrase a word is in: a slash or a bracket does not ("linear/logistic regression").
_PHRASE_END = re.compile(r"\s*[,;:.!?]")


def _growth(expression: str) -> dict[str, Growth] | None:
    """The growth per variable `expression` (the inside of an O(...)) states, or None where it is not a product
    of terms this reads (a sum "n + m", an amortised note): no class is better than a wrong one."""
    # "nlogn" is "n log n" run together.
    text = re.sub(r"(?<=[a-z])log", " log", expression.strip().lower())
    for word, power in _SPOKEN_POWERS.items():
        text = text.replace(f" {word}", power)
    growth: dict[str, Growth] = {}
    position = 0
    while position < len(text):
        joiner = _PRODUCT_JOINER.match(text, position)
        if joiner and joiner.end() > position:
            position = joiner.end()
            continue
        term = _TERM.match(text, position)
        if not term:
            return None
        position = term.end()
        if term["one"] or term["factor"]:
            continue
        if term["log"]:
            name, add = term["logvar"], Growth(0, float(term["logpow"] or 1))
        elif term["sqrt"]:
            name, add = term["sqrtvar"], Growth(0.5, 0)
        elif term["exp"]:
            growth[term["expvar"]] = EXPONENTIAL
            continue
        else:
            power = _SUPERSCRIPTS[term["sup"]] if term["sup"] else float(term["pow"] or 1)
            name, add = term["var"], Growth(power, 0)
        before = growth.get(name, Growth(0, 0))
        growth[name] = Growth(before.power + add.power, before.log + add.log)
    return growth


def notation_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` writes asymptotic notation ("O(n^2 d)"): a unit its brackets and spaces do not cut."""
    return [m.span() for m in _NOTATION.finditer(text)]


class Stated(NamedTuple):
    """A complexity class as `text` writes it, where, and its growth per variable ({} for constant)."""

    written: str
    start: int
    growth: dict[str, Growth]


def complexities(text: str) -> list[Stated]:
    """The complexity classes `text` states, in the order written."""
    found = _in_notation(text)
    for m in _SCALE_PHRASE.finditer(text):
        found.append(Stated(m.group().strip(), m.start(), dict(_SCALE_WORDS[(m.group(1) or m.group(2)).lower()])))
    return sorted(found + _said_standing_alone(text, found), key=lambda c: c.start)


def spoken_alone(text: str) -> list[Stated]:
    """The classes `text` says standing alone ("n squared", "log n"), not inside notation it writes (CS), and its
    scale words that modify nothing ("constant", "linear in n", SA): the classes an answer says in words."""
    return sorted(_said_standing_alone(text, _in_notation(text)) + _scale_words_alone(text), key=lambda c: c.start)


def _scale_words_alone(text: str) -> list[Stated]:
    """Scale words that modify nothing: not straight before a content word ("linear regression", "constant factor";
    past a comma, "quadratic, even when ...", it modifies nothing, CM), not after an article, not a prefixed form
    ("near-linear"), not one CX reads already ("constant time", "grows linearly")."""
    spans = word_spans(text)
    read = [m.span() for m in _SCALE_PHRASE.finditer(text)]
    return [
        Stated(text[start:end], start, dict(_SCALE_WORDS[w]))
        for i, (w, start, end) in enumerate(spans)
        if w in _SCALE_WORDS
        and not any(s <= start < e for s, e in read)
        and not (i + 1 < len(spans) and is_content(spans[i + 1][0]) and not _PHRASE_END.match(text, end))
        and not (i > 0 and spans[i - 1][0] in ARTICLES)
    ]


def _in_notation(text: str) -> list[Stated]:
    """The classes `text` writes in notation, written ("O(n^2)") or spoken ("big O of n squared")."""
    return [
        Stated(m.group().strip(), m.start(), growth)
        for pattern in (_NOTATION, _SPOKEN_NOTATION)
        for m in pattern.finditer(text)
        if (growth := _growth(m.group(1))) is not None
    ]


def _said_standing_alone(text: str, found: list[Stated]) -> list[Stated]:
    taken = [(c.start, c.start + len(c.written)) for c in found]
    return [
        Stated(m.group(), m.start(), growth)
        for m in _BARE_SPOKEN.finditer(text)
        if not any(s <= m.start() < e for s, e in taken)
        and (growth := _growth(_LG.sub("log", _LOG_WORDS.sub("", m.group())))) is not None
    ]


def disagree(one: dict[str, Growth], other: dict[str, Growth]) -> bool:
    """Whether two classes state different growth: one constant and the other not, a variable both name grown
    another way, or a class in an unnamed variable ("quadratic") that is no variable's growth in the other.
    "O(n^2)" and "O(n^2 d)" agree: what one leaves out is not denied."""
    if not one or not other:
        return bool(one) != bool(other)
    for a, b in ((one, other), (other, one)):
        if ANY in a and a[ANY] not in b.values():
            return True
    return any(name != ANY and name in other and other[name] != growth for name, growth in one.items())


def classes_as_written(clean: CleanText, rubric: Sequence[Stated]) -> CleanText:
    """`clean` with each class it says standing alone ("n squared", "n^2") written as the rubric writes a class that
    agrees with it ("O(n^2)", CS), a scale phrase ("constant time", WN) and notation ("O(n)", WB, CF) too: the word
    pieces of "n squared" land far from those of "O(n^2)". The map back to the original is kept."""
    # Most rubrics state no class, and every answer is read through here: nothing to write it as.
    if not rubric:
        return clean
    replacements = []
    for said in spoken_alone(clean.text):
        # A scale word is written only as notation: the rubric's own scale words ("grows linearly") it matches as is.
        forms = [r for r in rubric if said.written.lower() not in _SCALE_WORDS or _is_notation(r.written)]
        form = next((r.written for r in forms if not disagree(said.growth, r.growth)), None)
        if form is not None and form.lower() != said.written.lower():
            replacements.append((said.start, said.start + len(said.written), form))
    # A scale phrase's word ("constant time", "grows linearly") is written as the rubric's notation where the rubric
    # writes that class in notation only (WN): "constant time" lands as far from "O(1)" as "constant" does. Where the
    # rubric says the class in words too, the answer's words match them as they are.
    for m in _SCALE_PHRASE.finditer(clean.text):
        word = 1 if m.group(1) else 2
        agreeing = [r for r in rubric if not disagree(_SCALE_WORDS[m.group(word).lower()], r.growth)]
        if agreeing and all(_is_notation(r.written) for r in agreeing):
            replacements.append((m.start(word), m.end(word), agreeing[0].written))
    # Notation is written as the rubric's words ("O(n)" as "Linear time") where the rubric writes that class in words
    # only (WB), and as the rubric's notation where the rubric types the same class otherwise ("O(logn)" as "O(log
    # n)", CF: MiniLM reads "logn" as another word). The same growth only: "O(n^2)" agrees with "O(n^2 d)" but does
    # not say it.
    for said in _in_notation(clean.text):
        agreeing = [r for r in rubric if not disagree(said.growth, r.growth)]
        same = [r.written for r in agreeing if _is_notation(r.written) and r.growth == said.growth]
        if agreeing and not any(_is_notation(r.written) for r in agreeing):
            replacements.append((said.start, said.start + len(said.written), agreeing[0].written))
        elif same and said.written.lower() not in {w.lower() for w in same}:
            replacements.append((said.start, said.start + len(said.written), same[0]))
    return rewritten(clean, sorted(replacements))


def _is_notation(written: str) -> bool:
    return bool(_NOTATION.fullmatch(written) or _SPOKEN_NOTATION.fullmatch(written))
