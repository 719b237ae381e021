"""Cues read from the answer's text alone: non-answers, keyword stuffing, a restated question,
and the negation / opposite-word cues behind contradiction detection. Pure functions."""

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import groupby

from mockint.text.clauses import modify_alike
from mockint.text.complexity import Stated, complexities, disagree, notation_spans, spoken_alone
from mockint.text.negations import is_negation
from mockint.text.numbers import DIGITS, NUMBER_WORD_LIST, is_number, only_numbers
from mockint.text.sentences import asking_part, sentence_spans
from mockint.text.stems import stem, written_as
from mockint.text.stopwords import STOP_WORDS
from mockint.text.stuffing import reads_as_keyword_list
from mockint.text.words import ARTICLES, is_content, word_spans, words

_NON_ANSWER_PHRASES = re.compile(
    r"\b(?:i\s+(?:really\s+)?(?:do\s*n[o']?t|dont|have\s+no)\s+(?:know|idea|remember|recall)|no\s+idea|idk|dunno|"
    r"not\s+sure|no\s+(?:submission|answer|response|comment)|n/?a|pass|skip(?:ping|ped)?|next(?:\s+question)?|fine|ok(?:ay)?|good|sorry|"
    r"nothing|none|whatever|no\s+clue|can'?t\s+remember|i\s+forgot|forgot|honestly|really|sure|hmm+|test(?:ing)?|"
    # A spoken close ("that's all I know"): its "all" is no answer's side (SW).
    r"that(?:'?s|\s+is)\s+all)\b",
    re.IGNORECASE,
)


# Function words of the languages a candidate is likeliest to answer in instead of English (French, Spanish,
# German, Italian, Portuguese), none of them an English word ("die", "come", "per", "no" and "as" are left
# out): a hand list, as no language detector ships with the grader.
_FOREIGN_FUNCTION_WORD_LIST = """le la les des est une du et dans pour pas que qui avec sur sont ce cette il elle nous
    vous mais ou donc el los las del es una y en por para con se su al lo como pero más muy der das und ist nicht
    ein eine zu den mit von dem sich auch auf für oder della di che non sono è anche gli nel os da não um uma são
    é mais com"""
_FOREIGN_FUNCTION_WORDS = frozenset(_FOREIGN_FUNCTION_WORD_LIST.split())
# A sentence's worth of words before the language is judged: a short answer ("LIFO", "log n") says too
# little to tell.
LANGUAGE_MIN_WORDS = 6


NOT_ENGLISH = "The answer is not in English; mockint's questions, references and graders work in English."


def language_reason(clean: str) -> str | None:
    """Why the answer cannot be graded as English, or None: mostly letters of another script (Chinese,
    Cyrillic, ...), or more function words of another language than of English."""
    letters = [c for c in clean if c.isalpha()]
    if letters and sum(c.isascii() or "À" <= c <= "ɏ" for c in letters) < len(letters) / 2:
        return NOT_ENGLISH
    said = [w.lower() for w in words(clean)]
    foreign = sum(w in _FOREIGN_FUNCTION_WORDS for w in said)
    if len(said) >= LANGUAGE_MIN_WORDS and foreign >= 2 and foreign > sum(w in STOP_WORDS for w in said):
        return NOT_ENGLISH
    return None


def has_content(answer: str) -> bool:
    """False for an empty answer or one of only filler words ("um, I don't know"); a number is content ("only
    one", TN)."""
    return any(is_content(w) or is_number(w) for w in words(answer))


# Grammar words that answer a question alone, by a quantity, a sameness or an order and place: "both", "the
# same", "as many as you like" (SW, eval/README.md). A closed class of English, none chosen from a graded answer.
_SIDE_WORD_LIST = """all both each every either neither many much few more most less least same other another
    before after above below over under up down on off once"""
_SIDE_WORDS = frozenset(_SIDE_WORD_LIST.split())


# What both graders tell an answer that takes a side and stops (`takes_a_side`), before pointing to where to start.
SAY_WHY = "Say why: an interviewer will ask what your answer rests on."


def takes_a_side(clean: str) -> bool:
    """An answer of grammar words alone that still answers: a yes or a no, or a word that answers alone ("both",
    "the same"). Nothing in it can be matched against the reference, and it says nothing of why (SW)."""
    rest = _NON_ANSWER_PHRASES.sub(" ", clean)
    said = words(rest)
    return not has_content(rest) and any(w in _YES_NO or w in _SIDE_WORDS for w in said)


def trivial_reason(clean: str) -> str | None:
    """Why the answer is no answer at all (empty, 'idk', 'pass', 'fine', not English), or None if it says
    something."""
    if sum(c.isalnum() for c in clean) <= 1 and not any(is_number(w) for w in words(clean)):
        return "The answer is empty." if not clean.strip() else f"The answer ('{clean.strip()}') is too short to grade."
    if not has_content(_NON_ANSWER_PHRASES.sub(" ", clean)):
        said = words(clean)
        # "No." to a yes-or-no question, or "both", takes a side: "no content" reads as if nothing was said.
        if said and all(w in _YES_NO for w in said):
            return f"The answer ('{clean.strip()[:40]}') says yes or no but not why: give the reason."
        if takes_a_side(clean):
            return f"The answer ('{clean.strip()[:40]}') says what but not why: give the reason."
        return f"The answer ('{clean.strip()[:40]}') gives no content to grade."
    return language_reason(clean)


def stuffing_reason(clean: str, question: str, rubric: str = "") -> str | None:
    """Why the answer is a bag of keywords (see `text.stuffing`; `rubric` names the item's terms), or None."""
    if reads_as_keyword_list(clean, question, rubric):
        return (
            "The answer is a list of keywords without sentences saying how they relate; "
            "keywords alone do not show understanding."
        )
    return None


# Opposites that flip a statement's meaning ("used at inference" vs "disabled at inference").
_OPPOSITE_LIST = [
    ("enabled enable used use applied apply", "disabled disable unused off"),
    # A comparative of size says a change's outcome: "makes the cache bigger" is "increases it" (J, eval/README.md).
    # "higher" too, as "bigger" (HL), and "greater" (GR).
    (
        "increase increasing raise grow rise bigger larger higher greater",
        "decrease decreasing reduce lower shrink drop fall smaller",
    ),
    ("highest high", "lowest low"),
    # Which of many, not a change (MX, eval/README.md); "max" and "min" are parts of names ("min-max scaling").
    (
        "maximise maximize maximum maxima maximal largest biggest",
        "minimise minimize minimum minima minimal smallest",
    ),
    ("before earlier", "after later"),
    ("nearest closest", "farthest furthest"),
    # Not "prior" (a Bayesian prior) nor "following" ("the following steps") (PN).
    ("previous preceding", "next succeeding"),
    ("sequential sequentially serial serially", "parallel"),
    ("true correct valid always", "false incorrect invalid never"),
    ("same identical equal", "different distinct unequal"),
    ("overfitting overfit overfits", "underfitting underfit underfits"),
    ("lifo", "fifo"),
    # Ends of a sequence, and access levels (FL): "the recursive call is the first thing the function does" for tail
    # recursion, "struct members are private by default".
    ("first", "last"),
    ("head", "tail"),
    ("public", "private"),
    ("sorted ordered", "unsorted unordered"),
    ("stable", "unstable"),
    ("synchronous", "asynchronous"),
    ("static", "dynamic"),
    ("dense", "sparse"),
    ("supervised", "unsupervised"),
    ("convex", "non-convex nonconvex"),
    ("encoder encoder-only", "decoder decoder-only"),
]
# Opposites that flip a statement's meaning ("used at inference" vs "disabled at inference"), by stem.
_OPPOSITES = [({stem(w) for w in a.split()}, {stem(w) for w in b.split()}) for a, b in _OPPOSITE_LIST]
_OPPOSABLE = frozenset().union(*(a | b for a, b in _OPPOSITES))


def _operator_flags(text: str) -> list[bool]:
    """For each word of `text`, whether it is part of a run of capitalised keywords inside ordinary text (SQL's
    NOT IN, IS DISTINCT FROM): such a run names an operator. A lone acronym (LIFO) is a word like any other."""
    spans = word_spans(text)
    if not any(c.islower() for c in text):
        return [False] * len(spans)
    caps = [len(w) > 1 and text[s:e].isupper() for w, s, e in spans]
    return [c and ((i > 0 and caps[i - 1]) or (i + 1 < len(caps) and caps[i + 1])) for i, c in enumerate(caps)]


def _operators(text: str) -> set[tuple[str, ...]]:
    """The operators `text` writes (`_operator_flags`), each as its words."""
    ws = [w for w, _, _ in word_spans(text)]
    return {
        tuple(ws[i] for i, _ in run)
        for is_operator, run in groupby(enumerate(_operator_flags(text)), key=lambda x: x[1])
        if is_operator
    }


def _claim_words(text: str, other: str = "") -> list[str]:
    """The words of `text` that make its claim: an operator (`_operator_flags`) does not negate or oppose
    anything, nor do the words of one that `other` writes as an operator, as a transcript writes "not in" for
    NOT IN."""
    return _prefixes_joined(words(_without_operators(text, other)))


def _without_operators(text: str, other: str = "") -> str:
    """`text` with the operators `_claim_words` drops blanked out, its punctuation kept."""
    spans = word_spans(text)
    ws = [w for w, _, _ in spans]
    dropped = _operator_flags(text)
    for run in _operators(other):
        for i in range(len(ws) - len(run) + 1):
            if tuple(ws[i : i + len(run)]) == run:
                dropped[i : i + len(run)] = [True] * len(run)
    out = text
    for (_, start, end), gone in zip(spans, dropped, strict=True):
        if gone:
            out = out[:start] + " " * (end - start) + out[end:]
    return out


def _prefixes_joined(ws: list[str]) -> list[str]:
    """A "non" written apart joined to the word after it, as its hyphen would join them: English has no word
    "non", so "a non linear boundary" says what "a non-linear boundary" does (NA, eval/README.md)."""
    out: list[str] = []
    for w in ws:
        if out and out[-1] == "non":
            out[-1] = f"non-{w}"
        else:
            out.append(w)
    return out


# Prefixes that say "not" of an adjective or adverb: "in-" and its forms before l, m and r ("independent",
# "illegal", "impossible", "irrelevant"), and "dis-" ("dissimilar"). Before other words they say something else
# ("improve", "inform", "discover"), so they count only where the word and its base modify alike (IN,
# eval/README.md).
_MODIFIER_NEGATING_PREFIXES = ("dis", "in", "im", "il", "ir")


@lru_cache(maxsize=8192)
def _prefixed_base(word: str) -> str | None:
    """The stem of the base of an 'un-' or 'non-' word ("unchanged": 'chang'), or of an "in-" or "dis-" one that
    modifies as its base does ("independent": 'depend'), or None. The prefix belongs to the word before any
    apostrophe: "unit's" is not "un-" + "it's"."""
    root = word.split("'", 1)[0]
    if root.startswith("non"):
        base = root[3:].lstrip("-")
    elif root.startswith("un"):
        base = root[2:]
    else:
        prefix = next((p for p in _MODIFIER_NEGATING_PREFIXES if root.startswith(p)), "")
        base = root[len(prefix) :] if prefix and modify_alike(root, root[len(prefix) :]) else ""
    return stem(base) if len(base) > 3 else None


def _bases_other_uses(text: str, other: str) -> list[str]:
    """The stems of the bases of `text`'s prefixed words (`_prefixed_base`) that `other` uses, one per such word:
    each says "not" of its base ("unchanged" against "changes nothing": 'chang')."""
    other_stems = {stem(w) for w in _prefixes_joined(words(other))}
    return [base for w in _claim_words(text, other) if (base := _prefixed_base(w)) in other_stems]


def negated(text: str, other: str = "") -> bool:
    """Whether `text` says not: an odd number of negations, counting a prefixed word whose base `other` uses
    (`_bases_other_uses`: "unchanged" against "changes nothing")."""
    count = sum(is_negation(w) for w in _claim_words(text, other)) + len(_bases_other_uses(text, other))
    return count % 2 == 1


# Content words a negation governs: the first ones after it ("not recomputed", "cannot reference aggregates"),
# within its clause, which ends at punctuation or at a conjunction opening another ("so you don't recompute
# them | and prefill is ...", as a spoken answer runs on).
NEGATED_WORDS = 2
_NEGATION_SCOPE_END = re.compile(r"[,;:()]|\b(?:and|but|so|or|while|whereas|because|although|though)\b", re.IGNORECASE)


def _negation_scopes(text: str) -> list[set[str]]:
    """What each of `text`'s negations governs: the first NEGATED_WORDS content words after it in its clause,
    or, where none follows ("changes nothing"), the content word before it."""
    return [
        set(_governed(ws, i) or [stem(x) for x in ws[:i] if is_content(x)][-1:])
        for ws in _scoped_words(text)
        for i, w in enumerate(ws)
        if is_negation(w)
    ]


def negated_stems(text: str) -> set[str]:
    """Stems of what `text`'s negations govern (`_negation_scopes`); a prefixed word (`_prefixed_base`) governs
    its base ("unchanged": 'chang')."""
    prefixed = {base for ws in _scoped_words(text) for w in ws if (base := _prefixed_base(w)) is not None}
    return prefixed.union(*_negation_scopes(text))


def _scoped_words(text: str) -> list[list[str]]:
    """The words of each piece of `text` a negation can govern (`_NEGATION_SCOPE_END`), a "non" written apart
    joined to its word."""
    return [_prefixes_joined(words(c)) for c in _NEGATION_SCOPE_END.split(text)]


def _governed(ws: list[str], i: int) -> list[str]:
    """Stems of the first NEGATED_WORDS content words after word `i`: what a negation there governs."""
    return [stem(x) for x in ws[i + 1 :] if is_content(x)][:NEGATED_WORDS]


# Verbs that say "not" of what follows them ("prevent settling", "fail to converge"). They are no negation: read
# as one, a point's "prevents skew" flagged right answers (experiment I, eval/README.md). But where the other
# text says "not" of the words such a verb governs, the two agree: "can't settle into a minimum" says what
# "prevent settling into a minimum" says (NV). The verbs English uses for "cause not to" or "not do"; "stop" and
# "block" are left out, as ML texts use them as nouns ("stop words", "a transformer block").
_NEGATING_VERB_LIST = "prevent avoid preclude prohibit forbid fail lack"
_NEGATING_VERB_STEMS = frozenset(stem(w) for w in _NEGATING_VERB_LIST.split())


def _says_not_by_verb(text: str) -> bool:
    return any(_is_negating_verb(w) for w in words(text))


def _stems_governed_by(text: str, governs: Callable[[str], bool]) -> set[str]:
    """Stems of what `text`'s governing words (those `governs` holds for) govern, as `negated_stems` reads a
    negation's."""
    return {s for ws in _scoped_words(text) for i, w in enumerate(ws) if governs(w) for s in _governed(ws, i)}


def _is_negating_verb(word: str) -> bool:
    return stem(word) in _NEGATING_VERB_STEMS


# A key point with none of these is a bare noun phrase ('Sequence number'), not a claim to contradict.
_STATEMENT_WORD_LIST = (
    "is are was were be been has have had can cannot does do did will would should must may at in on of to for by "
    "with from than not no never into when"
)
_STATEMENT_WORDS = frozenset(_STATEMENT_WORD_LIST.split())


def opposite_word(point: str, evidence: str, ignore: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """(word the evidence says, its opposite in the point), e.g. ('used', 'disabled'), or None. A point with
    words of both sides of a pair ("disables autograd and reduces memory use") gives that pair no side to
    contradict."""
    found = next(_opposites(point, evidence, ignore), None)
    return None if found is None else (written_as(evidence, found[0]), written_as(point, found[1]))


def _opposites(point: str, evidence: str, ignore: frozenset[str]) -> Iterator[tuple[set[str], set[str]]]:
    """Each pair's (stems the evidence says, their opposites in the point), as `opposite_word` reads them."""
    p_stems = _opposable_stems(_claim_words(point, evidence))
    e_stems = _opposable_stems(_claim_words(evidence, point))
    e_agrees = e_stems | _spoken_directions(evidence)
    for side_a, side_b in _OPPOSITES:
        if p_stems & side_a and p_stems & side_b:
            continue
        for mine, theirs in ((side_a, side_b), (side_b, side_a)):
            said = (e_stems & theirs) - p_stems - ignore
            expected = (p_stems & mine) - e_agrees
            if said and expected and not (e_agrees & mine):
                yield said, expected


def _opposite_about_one_thing(point: str, evidence: str, ignore: frozenset[str]) -> tuple[str, str] | None:
    """`opposite_word`, leaving out a pair whose two words are said of different things (OT, eval/README.md):
    "reduce the open-endedness" says nothing against "increases reliability"."""
    for said, expected in _opposites(point, evidence, ignore):
        mine, theirs = _things_said_of(evidence, said, point), _things_said_of(point, expected, evidence)
        if mine is None or theirs is None or any(_one_thing(m, t) for m in mine for t in theirs):
            return written_as(evidence, said), written_as(point, expected)
    return None


# Words that open a noun phrase before its noun: "reduce the open-endedness" is said of the open-endedness.
_DETERMINER_LIST = "its their his her our your my this that these those each every some any all both"
_DETERMINERS = ARTICLES | frozenset(_DETERMINER_LIST.split())
# At most this many content words name what a word is said of: a compound noun ("learning rate schedule"); more
# runs on into the next claim of a run-on answer ("smaller sub-tasks add loop detection").
_THING_WORDS = 3
# Nouns of the opposite pairs: the word after one is a compound's head ("an encoder stack"), not what it is said of.
_NOUN_OPPOSITE_LIST = "encoder encoder-only decoder decoder-only lifo fifo overfitting underfitting"
_NOUN_OPPOSITES = frozenset(stem(w) for w in _NOUN_OPPOSITE_LIST.split())

# What a word is said of: the stems of its noun phrase, and of the phrase an "of" after it adds ("the magnitude | of
# the weights").
Thing = tuple[frozenset[str], frozenset[str]]


def _one_thing(a: Thing, b: Thing) -> bool:
    """Whether two things are one: a shared noun, or one's noun in the other's "of" phrase ("the weights" and
    "the magnitude of the weights"); not two nouns of one whole ("the bias of the model", "the variance of the
    model")."""
    return bool(a[0] & (b[0] | b[1]) or b[0] & a[1])


def _things_said_of(text: str, stems: set[str], other: str) -> list[Thing] | None:
    """For each of `text`'s words with a stem in `stems`, what it is said of, past a determiner ("higher scores",
    "reduces the exposure of the long tail"); None where one is followed by nothing it is said of ("the error is
    higher", "higher than"), is a hyphenated word's first part ("lowest-probability"), or is a noun."""
    if stems & _NOUN_OPPOSITES:
        return None
    ws = _claim_words(text, other)

    def phrase(j: int) -> tuple[frozenset[str], int]:
        while j < len(ws) and ws[j] in _DETERMINERS:
            j += 1
        found: list[str] = []
        while j < len(ws) and len(found) < _THING_WORDS and is_content(ws[j]):
            found.append(stem(ws[j]))
            j += 1
        return frozenset(found), j

    things = []
    for i, w in enumerate(ws):
        if stem(w) not in stems:
            if stem(w.split("-", 1)[0]) in stems:
                return None
            continue
        noun, j = phrase(i + 1)
        if not noun:
            return None
        things.append((noun, phrase(j + 1)[0] if j < len(ws) and ws[j] == "of" else frozenset()))
    return things or None


def _opposable_stems(ws: list[str]) -> set[str]:
    """Stems of the words, a hyphenated word's first part a word too (HL): "lowest-probability" says "lowest", as
    "tree-based" names "tree" (XB). A hyphenated word whose parts' initials spell an opposite pair's word is that
    word, not its first part (FI): "last-in-first-out" is "lifo", and says "first" as much as "last"."""
    stems = {stem(w) for w in ws}
    for w in ws:
        if "-" in w.strip("-"):
            initials = stem("".join(part[0] for part in w.split("-") if part))
            stems.add(initials if initials in _OPPOSABLE else stem(w.split("-", 1)[0]))
    return stems


# A spoken change of direction: "the test error goes down" says it decreases. Only as agreement (UD,
# eval/README.md): "down" and "up" alone are parts of other verbs ("break down", "set up"), so neither phrase
# makes an opposite word, but either answers one in the same clause ("make the model bigger and the error goes
# down" says the point's "decrease").
_SPOKEN_DIRECTION = re.compile(r"\b(?:go|goes|going|went|gone)\s+(down|up)\b", re.IGNORECASE)
_DIRECTION_STEMS = {"down": stem("decrease"), "up": stem("increase")}


def _spoken_directions(text: str) -> set[str]:
    return {_DIRECTION_STEMS[m.group(1).lower()] for m in _SPOKEN_DIRECTION.finditer(text)}


# A number as a claim states it: digits with a sign, thousands commas, decimals or a power ("2^32"), not
# fused to a word before them (L1, IPv4, fp16 and top-5 name things, not quantities); a unit after them
# ("100Mbps", "3D") is the number's. A product ("224x224") is its numbers.
_NUMBER = re.compile(r"(?<![\w.])(?<!\w-)-?\d+(?:,\d{3})*(?:\.\d+)?(?:\^-?\d+)?")
_PRODUCT = re.compile(r"(?<=\d)\s*[x×*]\s*(?=\d)")
# What follows an example marker illustrates the claim ("e.g. from 300m to 30m"): its numbers are the
# writer's choice, not the claim's.
_EXAMPLE = re.compile(r"\b(?:e\.?g\b\.?|for\s+example|for\s+instance|such\s+as)", re.IGNORECASE)
# A number that labels a list item ("1." or "2)" starting a line or a bulleted item) counts items.
_LIST_LABEL = re.compile(r"(?:^|\n)[\s•●*-]*\d+[.)](?!\d)")


def _numbers(text: str) -> dict[str, str]:
    """The numbers `text` states as claims, each as a comparable value ("2.0" and "2" alike) with how it
    was written."""
    example = _EXAMPLE.search(text)
    claim = _PRODUCT.sub(" x ", _LIST_LABEL.sub("\n", text[: example.start()] if example else text))
    found: dict[str, str] = {}
    for m in _NUMBER.finditer(claim):
        written = m.group()
        plain = written.replace(",", "")
        found.setdefault(plain if "^" in plain else repr(float(plain)), written)
    # Number words count too, but not "one": it is as often a pronoun ("the first one") as a count.
    for w in words(claim):
        if w in DIGITS and w != "one":
            found.setdefault(repr(float(DIGITS[w])), w)
    return found


def other_number(point: str, evidence: str) -> tuple[str, str] | None:
    """(a number the evidence states, one the point states instead), when each states a number the other does
    not: "224 x 224 x 64" against "112 x 112 x 64". An answer that adds a number ("3 or 4 layers" against "3
    layers") or leaves one out does not contradict."""
    said, expected = _numbers(evidence), _numbers(point)
    extra, missing = said.keys() - expected.keys(), expected.keys() - said.keys()
    if extra and missing:
        return said[min(extra, key=list(said).index)], expected[min(missing, key=list(expected).index)]
    return None


def other_complexity(point: str, evidence: str) -> tuple[str, str] | None:
    """(a complexity class the evidence states, one the point states instead), when none of the evidence's
    classes agrees with one of the point's: "O(1)" against "a linear O(n) scan" (CX, eval/README.md). An
    evidence that states no class, or "O(n^2)" against "O(n^2 d)", does not contradict."""
    said, expected = _stated_complexities(evidence), _stated_complexities(point)
    clashes = [(s, e) for s in said for e in expected if disagree(s.growth, e.growth)]
    if not clashes or any(not disagree(s.growth, e.growth) for s in said for e in expected):
        return None
    return clashes[0][0].written, clashes[0][1].written


# A choice set against its alternative: "embeds a hypothetical answer instead of the raw question".
_REJECTING = re.compile(r"\b(?:instead\s+of|rather\s+than)\b", re.IGNORECASE)


def _choice(text: str) -> tuple[set[str], set[str]] | None:
    """(stems of the choice, stems of its alternative) where `text` sets one against the other: the words before
    the phrase in its piece, and those after it up to the piece's end (`_piece_bounds`)."""
    m = _REJECTING.search(text)
    if not m:
        return None
    start, end = _piece_bounds(text, m.start())
    return _cue_stems(_cue_words(text[start : m.start()])), _cue_stems(_cue_words(text[m.end() : end]))


def swapped_alternatives(point: str, evidence: str) -> tuple[str, str] | None:
    """(the evidence's choice, its alternative), as its words, where the evidence sets the point's alternatives the
    other way round (RT, eval/README.md): "embeds the raw question instead of a hypothetical answer" against
    "embeds a hypothetical answer instead of the raw question". Naming the alternative in passing is no swap."""
    said, meant = _choice(evidence), _choice(point)
    if not said or not meant:
        return None
    chosen_only, rejected_only = meant[0] - meant[1], meant[1] - meant[0]
    took, left = said[0] & rejected_only, said[1] & chosen_only
    if not took or not left or said[1] & rejected_only:
        return None
    ws = _cue_words(evidence)
    return " ".join(dict.fromkeys(w for w in ws if stem(w) in took)), " ".join(
        dict.fromkeys(w for w in ws if stem(w) in left)
    )


def _stated_complexities(text: str) -> list[Stated]:
    """The classes `text` states: not one a "not" before it in its piece denies ("removes the O(n^2) memory but
    not the quadratic compute"), nor one it sets aside ("constant lookup time instead of log n", RJ)."""
    stated = []
    for c in complexities(text):
        before = text[_piece_bounds(text, c.start)[0] : c.start]
        if not any(is_negation(w) for w in words(before)) and not _REJECTING.search(before):
            stated.append(c)
    return stated


def _piece_bounds(text: str, at: int) -> tuple[int, int]:
    """(start, end) of the piece of `text` holding position `at`, cut at `_NEGATION_SCOPE_END`, a notation's
    brackets no cut ("O(n^2 d)")."""
    notations = notation_spans(text)
    cuts = [m for m in _NEGATION_SCOPE_END.finditer(text) if not any(s <= m.start() < e for s, e in notations)]
    start = max((m.end() for m in cuts if m.end() <= at), default=0)
    return start, min((m.start() for m in cuts if m.start() >= at), default=len(text))


def _cue_words(text: str) -> list[str]:
    """`text`'s words for the cues: "224x224" is three words, as "224 x 224" is, so that two texts share their
    numbers' words."""
    return words(_PRODUCT.sub(" x ", text))


def _cue_stems(ws: list[str]) -> set[str]:
    """Stems of the content words, an "X-based" word naming X too (XB): "tree models" are "tree-based models"."""
    return {stem(w) for w in ws if is_content(w)} | {stem(w[: -len("-based")]) for w in ws if w.endswith("-based")}


# What the negation cue says: the answer says "not" where the reference does not, or leaves out its "not".
NEGATION_CUES = ("negates the reference's claim", "leaves out the reference's 'not'")


def cue_stems(text: str) -> set[str]:
    """The content stems the cues compare two texts by (`_cue_words`, `_cue_stems`)."""
    return _cue_stems(_cue_words(text))


# An answer clause longer than this runs several claims together: 99% of the train splits' answer clauses are no
# longer (`python eval/clause_lengths.py`).
RUN_ON_WORDS = 34


def complexity_cue(point: str, evidence: str, *, one_class: bool = False) -> str | None:
    """Why `evidence` (the answer's clause best aligned with `point`) states another complexity class than the
    point, or None. A class is a word of a closed scale, as an opposite word is, and needs its share (CX); in a
    run-on clause, its piece's share, as OL reads an opposite word. A class states a claim whatever phrase holds
    it, so a bare "O(log n)" is checked too (CP), needing no share where the item has `one_class` for its answer
    (BC)."""
    complexity = other_complexity(point, evidence)
    if not complexity:
        return None
    piece = evidence
    if len(words(evidence)) > RUN_ON_WORDS:
        piece = evidence[slice(*_piece_bounds(evidence, evidence.find(complexity[0])))]
    # The share is of the words around the point's classes, where it has any (NX): the letters of "O(n^2)" are what
    # is compared, not what it is said of, and "merge sort is O(n log n)" shares its "o" and "n" with "quicksort's
    # unbalanced pivots can make it O(n^2)".
    point_stems = _cue_stems(_cue_words(_without_classes(point))) or _cue_stems(_cue_words(point))
    shared = len(point_stems & _cue_stems(_cue_words(piece))) / max(1, len(point_stems))
    # A piece that says nothing but its classes ("O(n log n)", "it is n log n") has no words to share: the class is its
    # whole claim (BC). Not where the item states classes that disagree: a bare class the item says of another thing
    # ("O(n log n)" for merge sort, against quicksort's "O(n^2)") omits a point, it does not deny it (as CA).
    bare = one_class and not _cue_stems(_cue_words(_without_classes(piece)))
    return f"says '{complexity[0]}' where the reference says '{complexity[1]}'" if bare or shared >= 0.25 else None


def _without_classes(text: str) -> str:
    """`text` with the complexity classes it states blanked out, a bare scale word ("(logarithmic)") too, its other
    words in place."""
    for c in complexities(text) + spoken_alone(text):
        text = text[: c.start] + " " * len(c.written) + text[c.start + len(c.written) :]
    return text


def bare_number_cue(point: str, evidence: str) -> str | None:
    """Why an answer that is a bare number contradicts a point that is one ("three" against "Two", BB): each says
    nothing but a number, so another number answers otherwise. A text with any other content word, a computation
    ("P(C) = 0.27648", BN's failure) or a number of something ("3 children"), is left to the other cues."""
    number = other_number(point, evidence) if only_numbers(point) and only_numbers(evidence) else None
    return f"says '{number[0]}' where the reference says '{number[1]}'" if number else None


# English asks a yes-or-no question with an auxiliary verb first ("Does ...?", "Can ...?"): a closed class of words.
_AUXILIARY_WORDS = "is are was were am do does did can could will would shall should may might must has have had"
_AUXILIARIES = frozenset(_AUXILIARY_WORDS.split())
# How an answer says yes or no. "True" and "false" answer statements, not questions, so they are left out.
_YES_NO = {"yes": "yes", "yeah": "yes", "yep": "yes", "no": "no", "nope": "no"}


def asks_yes_or_no(question: str) -> bool:
    """Whether a sentence of `question` is a yes-or-no question: it opens with an auxiliary and ends with "?"."""
    return any(
        question[start:end].rstrip().endswith("?") and (words(question[start:end]) or [""])[0] in _AUXILIARIES
        for start, end in sentence_spans(question)
    )


def opening_yes_no(text: str) -> tuple[str, tuple[int, int]] | None:
    """ "yes" or "no", as `text` opens with one, and where that word is; none for a text that opens otherwise or
    with both ("yes and no", "no, yes")."""
    spans = word_spans(text)
    if not spans or spans[0][0] not in _YES_NO:
        return None
    if {_YES_NO.get(w) for w, _, _ in spans[:3]} >= {"yes", "no"}:
        return None
    return _YES_NO[spans[0][0]], (spans[0][1], spans[0][2])


def yes_no_reversal(question: str, reference: str, answer: str) -> tuple[tuple[int, int], str] | None:
    """Where `answer` answers a yes-or-no question with the other word than the reference opens with ("Yes, zero
    correlation means they are independent" against "No. Pearson correlation only measures ..."), and the
    reference's word as it writes it (YN): the one word that decides such a question, which alignment reads as any
    other. None where it does not."""
    said, meant = opening_yes_no(answer), opening_yes_no(reference)
    if said is None or meant is None or said[0] == meant[0] or not asks_yes_or_no(question):
        return None
    return said[1], reference[slice(*meant[1])]


def opposite_cue(point: str, evidence: str, question_stems: frozenset[str] = frozenset()) -> str | None:
    """Why `evidence` says the opposite word of one of the point's about the same thing, with its share of the point's
    words and no "not" cancelling it, or None (`contradiction_cue`'s first cue)."""
    point_stems = _cue_stems(_cue_words(point))
    opposite = _opposite_about_one_thing(point, evidence, question_stems)
    if not opposite or not point_stems:
        return None
    piece = evidence
    if len(words(evidence)) > RUN_ON_WORDS:
        # A run-on clause holds several claims: an opposite word there speaks of its own piece, as a "not" does
        # (OL, eval/README.md), so only that piece's words count as saying the point again, and only a "not" in
        # it cancels the opposite word (OL2): "the result is not significant and the width grows" says "grows".
        at = next((start for w, start, _ in word_spans(evidence) if w == opposite[0]), None)
        piece = evidence if at is None else evidence[slice(*_piece_bounds(evidence, at))]
    shared = len(point_stems & _cue_stems(_cue_words(piece))) / len(point_stems)
    if negated(point, piece) != negated(piece, point) or shared < 0.25:
        return None
    return f"says '{opposite[0]}' where the reference says '{opposite[1]}'"


def contradiction_cue(
    point: str,
    evidence: str,
    question_stems: frozenset[str] = frozenset(),
    *,
    negation: bool = True,
    one_class: bool = False,
) -> str | None:
    """Why `evidence` (the answer's clause best aligned with `point`) says the opposite, or None.
    An opposite word and a negation cancel out ("not used" = "disabled"). Only statements are checked,
    not bare noun phrases ('Sequence number' vs 'UDP has no sequence number' is a comparison, not a
    contradiction), and the two must share enough content words to be about the same thing; a lone
    negation, the weaker cue, needs more. An opposite word the question itself uses ("if you increase the
    speed...") is the answer echoing the question, not a claim. `negation=False` skips the negation cue
    (for points that are not atomic: a contrast such as 'in TCP and not in UDP' defeats it); `one_class` is
    `complexity_cue`'s."""
    point_words = _cue_words(point)
    point_stems = _cue_stems(point_words)
    if len(point_stems) < 2 or (len(point_words) < 4 and not any(w in _STATEMENT_WORDS for w in point_words)):
        return complexity_cue(point, evidence, one_class=one_class)
    evidence_stems = _cue_stems(_cue_words(evidence))
    shared = len(point_stems & evidence_stems) / len(point_stems)
    both_ways = min(shared, len(point_stems & evidence_stems) / max(1, len(evidence_stems)))
    opposite = _opposite_about_one_thing(point, evidence, question_stems)
    negation_differs = negated(point, evidence) != negated(evidence, point)
    cue = opposite_cue(point, evidence, question_stems)
    if cue:
        return cue
    swap = swapped_alternatives(point, evidence)
    if swap:
        return f"says '{swap[0]}' rather than '{swap[1]}', the reverse of the reference"
    complexity = complexity_cue(point, evidence, one_class=one_class)
    if complexity:
        return complexity
    # Another number in a clause that says the point again (the weaker cue's share): a computation or an
    # example beside the point shares fewer of its words.
    number = other_number(point, evidence)
    if number and both_ways >= 0.6:
        return f"says '{number[0]}' where the reference says '{number[1]}'"
    if not (negation and negation_differs and not opposite and both_ways >= 0.6):
        return None
    said_not = negated(evidence, point)
    # A "not" the other text does not speak to ("so they are not recomputed" against a clause on what is
    # stored) is a part left unsaid, not one said the other way.
    if not negated_stems(evidence if said_not else point) & (point_stems if said_not else evidence_stems):
        return None
    # The other text's verb says "not" of the same words (NV): "can't settle" against "prevent settling". Not
    # where the "not" has such a verb of its own to negate: "does not prevent ..." denies "prevents ...".
    negating, other = (evidence, point) if said_not else (point, evidence)
    if not _says_not_by_verb(negating) and _stems_governed_by(other, _is_negating_verb) & negated_stems(negating):
        return None
    # A condition states nothing (CN): "assuming the null hypothesis is true" does not say it is true, so it
    # leaves out no "not", nor does "if it is not cached" deny anything.
    if _CONDITION.match(evidence):
        return None
    # Negations that each say "not" of what the other text's negation does (DN) are one "not" said twice, not
    # a double negation: "not evidence of no effect" says "not evidence that the effect is zero", "No, it is not
    # used" says "it is not used". The count's parity is left to negations of other words ("It is not true that
    # it does not ...").
    if _each_negation_governs(other, negating):
        return None
    # "For any batch size" says what "doesn't care about the batch" says (AN).
    if _stems_governed_by(other, lambda w: w in _FREE_CHOICE) & negated_stems(negating):
        return None
    if not said_not and _said_of_the_other_side(point, evidence):
        return None
    prefixed = _only_a_prefix_says_not(negating, other)
    if prefixed:
        said, meant = prefixed if said_not else prefixed[::-1]
        return f"says '{said}' where the reference says '{meant}'"
    return NEGATION_CUES[0] if said_not else NEGATION_CUES[1]


# The words a point turns to its other side with: "Stuff classes ... have no instances, while thing classes do".
_TURN = re.compile(r"\b(?:while|whereas|but)\b", re.IGNORECASE)
# Grammar words beside a side's name in the turn ("while thing classes do", "but they have them"): none names a side.
_NAMES_NO_SIDE = _AUXILIARIES | _DETERMINERS | {"they", "them", "it"}


def _said_of_the_other_side(point: str, evidence: str) -> bool:
    """Whether `evidence` says what `point`'s "not" governs only of the other side the point turns to, and names the
    side the point says "not" of in a claim of its own (two content words or more; OS, eval/README.md): "stuff by
    class, things by instance" says 'instance' of things, as "Stuff classes such as sky or road have no instances,
    while thing classes do" does. Pieces are cut as a negation's scope is. The turn may name its side by a word no
    cue reads ("thing"), so any of its words counts but grammar words."""
    turn = _TURN.search(point)
    if turn is None:
        return False
    ws = _claim_words(point[: turn.start()])
    first = next((i for i, w in enumerate(ws) if is_negation(w)), None)
    if first is None:
        return False
    governed = negated_stems(point[: turn.start()])
    subject = _cue_stems(ws[:first]) - governed
    other = {stem(w) for w in words(point[turn.end() :]) if w not in _NAMES_NO_SIDE} - subject - governed
    pieces = [({stem(w) for w in words(p)}, _cue_stems(_cue_words(p))) for p in _NEGATION_SCOPE_END.split(evidence)]
    saying = [every for every, content in pieces if content & governed]
    return (
        bool(saying and subject)
        and all(s & other and not s & subject for s in saying)
        and any(len(content) >= 2 and content & subject and not content & governed for _, content in pieces)
    )


def _only_a_prefix_says_not(negating: str, other: str) -> tuple[str, str] | None:
    """(the "un-", "in-" or "dis-" word, its base as `other` writes it) where that word is `negating`'s only "not":
    the card names the two words ("says 'dependent' where the reference says 'independent'"), as the reference
    may hold no "not" to leave out."""
    ws = _claim_words(negating, other)
    bases = _bases_other_uses(negating, other)
    if len(bases) != 1 or any(is_negation(w) for w in ws):
        return None
    word = next(w for w in ws if _prefixed_base(w) == bases[0])
    return written_as(negating, {stem(word)}), written_as(other, set(bases))


# Words that say a claim holds whatever the words they govern are: "for any batch size", "regardless of the
# batch", as "does not depend on the batch" says (AN). Not "independent": in statistics it is a claim of its own
# ("features independent given the class").
_FREE_CHOICE = frozenset({"any", "regardless"})


# The words English opens a condition with; "when" is left out, as it as often says when a claim holds
# ("when the model is in eval mode, dropout is off") as it supposes.
_CONDITION = re.compile(r"\W*(?:if|assuming|assume|supposing|suppose|provided|given\s+that)\b", re.IGNORECASE)


def _each_negation_governs(text: str, other: str) -> bool:
    """Whether each of `text`'s negations that `negated(text, other)` counts and that governs words
    (`_negation_scopes`; a prefixed word its base) governs a word `other`'s negations govern, and one
    does. A "No," alone in its clause governs nothing: it answers, it negates no word."""
    prefixed = [{base} for base in _bases_other_uses(text, other)]
    scopes = [s for s in _negation_scopes(_without_operators(text, other)) + prefixed if s]
    stems = negated_stems(other)
    return bool(scopes) and all(s & stems for s in scopes)


_ABOUT_THE_QUESTION = re.compile(
    r"\b(?:the|this|your|that)\s+question\b|\byou(?:'re|\s+are)?\s+ask(?:ing|ed)?\b|\basks?\s+(?:what|how|why|whether|about)\b",
    re.IGNORECASE,
)


# A gain over the question's own features this small is no gain: the question reworded ("top-k and top-p
# decide which tokens can be sampled, and temperature also decides...") moves each by a few hundredths.
NO_GAIN = 0.05
# A statement with words beyond the question that the estimate scores below the scale's midpoint, with a
# rewording's features, rewords the question; at or above it, it says something (a fixed point of the scale).
REWORDED_BELOW = 2.5


# Stop words that still say something when an answer adds them to the question's words: a yes, a no, a
# negation ("no, it is not"), a number ("the base case is one"). Other grammar words only restate.
_MEANINGFUL_FUNCTION_WORD_LIST = (
    "not no never yes none cannot can't don't doesn't isn't aren't wasn't weren't won't wouldn't shouldn't "
    "couldn't hasn't haven't didn't " + NUMBER_WORD_LIST
)
_MEANINGFUL_FUNCTION_WORDS = frozenset(_MEANINGFUL_FUNCTION_WORD_LIST.split())
# Indefinite pronouns are grammar too, though no stop word list of the text layer holds them: "Something
# will happen when she moves the switch" names nothing the question did not. The negative ones ("nothing
# happens") are claims and stay meaningful.
_PLACEHOLDER_WORD_LIST = (
    "something anything everything someone somebody anyone anybody everyone everybody somewhere anywhere "
    "everywhere somehow whatever whichever"
)
_PLACEHOLDER_WORDS = frozenset(_PLACEHOLDER_WORD_LIST.split())
# Words about the question rather than about its subject ("the question asks...").
_ABOUT_WORD_LIST = "question questions ask asks asked asking answer answers"
_ABOUT_WORDS = frozenset(_ABOUT_WORD_LIST.split())
RESTATED = "The answer mostly restates the question; it does not say anything the question did not."
SAYS_NOTHING = "The answer does not say anything about the question's subject yet."


def nothing_added_reason(answer: str, question: str) -> str:
    """Why an answer that adds nothing to the question scores 0: it restates the question when it uses the
    question's words, and otherwise it says nothing at all ("my answer", "ok"), which is not a restatement."""
    return RESTATED if _echoed(answer, question) else SAYS_NOTHING


def _echoed(answer: str, question: str) -> set[str]:
    """The question's content words the answer says again."""
    asked = {_claim_stem(w) for w in words(question)}
    return {_claim_stem(w) for w in words(answer) if is_content(w) and w not in _ABOUT_WORDS} & asked


def _claim_stem(word: str) -> str:
    # A number in words or in digits is the same claim: "is one" states a rubric's "1".
    return DIGITS.get(word, stem(word))


def _beyond(answer: str, question: str) -> set[str]:
    asked = {_claim_stem(w) for w in words(question)}
    return {
        _claim_stem(w)
        for w in words(answer)
        if _claim_stem(w) not in asked
        and w not in _ABOUT_WORDS
        and w not in _PLACEHOLDER_WORDS
        and (w not in STOP_WORDS or w in _MEANINGFUL_FUNCTION_WORDS)
    }


def _said_beyond(answer: str, question: str) -> set[str]:
    """Stems of the answer's words that the question lacks and that do not only restate it. The scenario a
    question opens with is material for the answer, so an answer is judged against the question's asking
    part (`text.sentences.asking_part`): "The motor will run" answers "Denise made a circuit to light a bulb
    or run a motor. ... What will happen when she moves the switch?" with the scenario's words. An answer
    that repeats the asking part (its every content word) is restating the question, and is judged against
    the whole of it: the scenario it copies as well is no more an answer than the asking part."""
    asking = asking_part(question)
    if asking != question and {stem(w) for w in words(asking) if is_content(w)} <= {stem(w) for w in words(answer)}:
        asking = question
    return _beyond(answer, asking)


def adds_to_question(answer: str, question: str) -> bool:
    """Whether the answer says anything beyond the question (judged against the sentences that ask, not the
    scenario before them; see `_said_beyond`): a word the question lacks that is not mere grammar or talk
    about the question ("The base case for a recursive merge sort is one" does; "No, it is not" does)."""
    return bool(_said_beyond(answer, question))


def copy_reason(
    question_novelty: float,
    features: dict[str, float],
    answer: str = "",
    question: str = "",
    rubric: str = "",
    estimate: float | None = None,
) -> str | None:
    """The answer restates the question instead of answering it. Given the question, it fires only when
    nothing beyond the question is said (issue 11, item 4): an answer with no word beyond the question's
    (grammar and talk about the question aside) is a restatement. A statement that adds a word of the rubric
    says something ("The base case for a recursive merge sort is one"); one that adds words of its own does
    ("the diameter will shrink by a factor of 10" for "decreases") unless it only rewords the question ("what
    dropout does in a neural net"): its features say so and the learned `estimate` agrees, below
    REWORDED_BELOW. A question asked
    back, talk about the question, and an answer given without its question are told by their features alone.
    The features of a rewording: almost no rare words beyond the question's (`question_novelty`), or close in
    meaning to the question while gaining nothing on the reference (recall, stem overlap and meaning no better
    than the question's own) and either mostly the question's words or talking about the question."""
    statement = False
    if question:
        beyond = _said_beyond(answer, question)
        if not beyond:
            return nothing_added_reason(answer, question)
        # A question back or talk about the question that happens to add a word ("so which tokens can top-k
        # sample?") still only restates it.
        statement = "?" not in answer and not _ABOUT_THE_QUESTION.search(answer)
        if statement and beyond & {_claim_stem(w) for w in words(rubric)}:
            return None
        # A statement that shares no content word with the question does not restate it ("more than one" to "How
        # many constructors can a class have?", RN): it is graded, however little it gains on the reference.
        if statement and not _echoed(answer, question):
            return None
    no_gain = (
        all(features[name] <= NO_GAIN for name in ("recall", "lexical", "sentence_cos", "coverage_max"))
        and features["question_cos"] >= 0.6
    )
    reworded = question_novelty < 0.15 or (no_gain and (question_novelty < 0.35 or _ABOUT_THE_QUESTION.search(answer)))
    # A terse right answer in words of its own has a rewording's features too (it gains few of the reference's
    # words); the learned estimate, which reads meaning, tells the two apart.
    if reworded and statement and (estimate is None or estimate >= REWORDED_BELOW):
        return None
    return RESTATED if reworded else None
