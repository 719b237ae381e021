"""Features of one answer against one prepared item, on arrays: the offline grader's evidence.

Everything here is pure: the grader embeds the texts (`PreparedItem`, `PreparedAnswer`) and this
module turns the vectors into a handful of numbers (`FEATURE_NAMES`) plus per-key-point results
(coverage, best-aligned clause, contradiction cue) that the feedback quotes.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from mockint.grading.answer_checks import (
    NEGATION_CUES,
    RUN_ON_WORDS,
    bare_number_cue,
    complexity_cue,
    contradiction_cue,
    cue_stems,
    negated_stems,
    opposite_cue,
    opposite_word,
)
from mockint.grading.evidence import MIN_CONTENT_WORDS
from mockint.grading.offline.alignment import (
    WordVectors,
    best_match,
    cosine,
    demoted_weights,
    lexical_recall,
    ordered_fit,
    pooled,
    similarity,
    weighted_mean,
)
from mockint.grading.offline.comparisons import SidedRubric, subject_of
from mockint.grading.offline.contrasts import Contrast, side_name, with_sides_joined
from mockint.text.acronyms import AcronymForms
from mockint.text.clauses import is_verb
from mockint.text.complexity import Stated, complexities, disagree, notation_spans
from mockint.text.negations import denied_spans, is_negated, reports_belief
from mockint.text.sentences import CLAIM_JOINT
from mockint.text.stems import stem
from mockint.text.words import ARTICLES, content_words, is_content, words

Span = tuple[int, int]

# Features measured as the gain over the question-as-answer baseline (raw - base): restating the
# question earns 0, and items whose question gives much of the answer away are not inflated.
RELATIVE_FEATURES = ("recall", "coverage", "lexical", "sentence_cos", "coverage_max")
FEATURE_NAMES = (
    "recall",
    "precision",
    "coverage",
    "coverage_max",
    "coverage_raw",
    "lexical",
    "sentence_cos",
    "question_cos",
    "length",
    "off_topic",
    "contradiction",
)
# A sentence whose best link to the question/reference material is weaker than this is off topic.
OFF_TOPIC_COS = 0.2
# A key point counts as (partly) covered from these recall levels. Set from the bank: a key point scored
# against another question's answer stays below 0.34 nine times in ten, against its own item's
# explanation it reaches 0.56 three times in four. Checked on human labels since (`python
# eval/check_point_thresholds.py`): on train items whose rubric is one claim the fit picks 0.60 / 0.32, and
# its grouped CV (0.580 balanced accuracy) is no better than these (0.587), so they stay.
COVERED_AT = 0.58
PARTLY_AT = 0.40
# A sentence aligned with the rubric this well is quoted in the model answer; one below it that holds no
# key point's evidence is filler.
STRONG_SENTENCE = 0.55
# A contradiction is only looked for in a clause aligned with the point at least this well.
CONTRADICTION_ALIGNED_AT = 0.48
# Contradictions are looked for against atomic key points; a point derived from a reference sentence is only
# checked by the word cues when it is that short (long sentences compare and contrast, and cue false alarms), for
# another complexity class (CP) at any length, and for an opposite word where it is the whole reference (LO1).
PSEUDO_POINT_CHECK_WORDS = 12


@dataclass(frozen=True)
class PreparedItem:
    question_stems: frozenset[str]
    question_vec: np.ndarray
    reference: WordVectors
    rubric: WordVectors
    points: tuple[str, ...]
    point_words: tuple[WordVectors, ...]
    points_are_pseudo: bool
    reference_text: str
    # Rows of `rubric` holding `reference` (what an answer should cover) and each key point: the rubric is
    # reference answer, key points, explanation in that order, so one similarity matrix serves every feature.
    reference_rows: tuple[int, int]
    point_rows: tuple[tuple[int, int], ...]
    # Raw features of the question itself taken as the answer: restating the question is worth nothing,
    # so alignment features are measured as the gain over it. Set by `with_question_baseline`.
    baseline: dict[str, float] = field(default_factory=dict)
    # The alternatives the question sets against each other (`contrasts.contrast_pairs`), and the key
    # points cut into claims to check them against (`claims_of`), both fixed per item.
    contrasts: tuple[Contrast, ...] = ()
    claims: tuple["Claim", ...] = ()
    # What the key points say of the alternatives they compare (`comparisons.sided_rubrics`), for
    # `comparisons.reversals`; none for pseudo points or where they compare no pair.
    sided: tuple[SidedRubric, ...] = ()
    # Key points the word cues (negation, opposite words, the other side of a contrast) find contradicted by
    # the item's own reference answer: on them the cues misread agreement, so they are not used there.
    # Set by `with_reference_check`.
    misread: frozenset[int] = frozenset()
    # Rows of `rubric` holding the explanation (the why behind the reference), and how much of it the
    # reference answer itself reaches: the depth of a full answer. Set by `with_reference_check`.
    explanation_rows: tuple[int, int] = (0, 0)
    reference_reasoning: float | None = None
    # The rubric's and question's one-piece words, lower case, that an answer's split words close up into
    # (`text.compounds.closed_forms`).
    closed_forms: frozenset[str] = frozenset()
    # How the rubric and question write the numbers from zero to ten, which an answer's are written as
    # (`text.numbers.number_forms`).
    number_forms: frozenset[str] = frozenset()
    # The complexity classes the rubric and question write, which an answer's classes said in words are written as
    # (`text.complexity.classes_as_written`).
    class_forms: tuple[Stated, ...] = ()
    # The acronyms the rubric and question write in one form only, which an answer's are written as
    # (`text.acronyms.acronym_forms`).
    acronym_forms: AcronymForms = field(default_factory=AcronymForms)

    @property
    def reference_vec(self) -> np.ndarray:
        return pooled(self.reference.vectors, demoted_weights(self.reference, self.question_stems))

    @cached_property
    def explanation_weights(self) -> np.ndarray:
        """The explanation's word weights, the question's own words demoted: fixed per item, read per answer."""
        start, end = self.explanation_rows
        return demoted_weights(self.rubric, self.question_stems)[start:end]


@dataclass(frozen=True)
class PreparedAnswer:
    text: str
    words: WordVectors
    sentences: tuple[Span, ...]
    clauses: tuple[Span, ...]


@dataclass(frozen=True)
class PointResult:
    point: str
    recall: float
    clause: Span | None
    contradiction: str | None


@dataclass
class Analysis:
    features: dict[str, float]
    raw: dict[str, float]
    points: list[PointResult]
    on_topic: list[Span]
    off_topic: list[Span]
    sentence_strength: dict[Span, float] = field(default_factory=dict)
    question_novelty: float = 1.0
    # The features without the answer's filler sentences (`filler_spans`), when it has any: the score is
    # the lower of the two, so filler that happens to share the rubric's words can never raise it.
    trimmed_features: dict[str, float] | None = None

    @property
    def contradicted(self) -> int:
        return sum(p.contradiction is not None for p in self.points)


def _sentence_relevance(item: PreparedItem, answer: PreparedAnswer) -> dict[Span, float]:
    anchors = [item.question_vec, item.reference_vec] + [pooled(p.vectors) for p in item.point_words if len(p)]
    result = {}
    for span in answer.sentences:
        mask = answer.words.within(*span)
        if not mask.any():
            continue
        vec = pooled(answer.words.vectors[mask])
        result[span] = max(cosine(vec, a) for a in anchors)
    return result


def point_weights(pw: WordVectors, item: PreparedItem) -> np.ndarray:
    """A key point's word weights, the question's own words demoted; even weights for a point made only of
    them, which would otherwise match nothing."""
    weights = demoted_weights(pw, item.question_stems)
    return weights if weights.sum() > 0 else np.ones(len(pw), dtype=np.float32)


def quote_units(answer: PreparedAnswer) -> list[list[Span]]:
    """Each sentence's clauses, a clause with no verb joined to the one before it: "so one-stage is slower |
    but more accurate" is one claim the clause split cut at 'but', and half of it is no quote. A run-on clause
    is cut into its claims (`_run_on_parts`)."""
    units: list[list[Span]] = []
    for sentence in answer.sentences:
        pieces: list[Span] = []
        for start, end in (c for c in answer.clauses if sentence[0] <= c[0] and c[1] <= sentence[1]):
            if pieces and not any(is_verb(w) for w in words(answer.text[start:end])):
                pieces[-1] = (pieces[-1][0], end)
            else:
                pieces.append((start, end))
        units.append([part for piece in pieces for part in _run_on_parts(answer.text, piece)])
    return units


# A clause with these inside was cut by its writer: it is no run-on, however long.
_INNER_PUNCTUATION = re.compile(r"[,;:]")


def _run_on_parts(text: str, span: Span) -> list[Span]:
    """A clause of more than RUN_ON_WORDS words with no punctuation inside cut where its claims join
    (`CLAIM_JOINT`): a run-on clause is no one point's quote (RQ, eval/README.md). Commas say where the writer
    cut; "and" alone also joins names ("width and height"). A part too short to be a quote on its own (under
    MIN_CONTENT_WORDS, "and the activations are scaled") stays with the part after it, the last with the one
    before."""
    start, end = span
    if len(words(text[start:end])) <= RUN_ON_WORDS or _INNER_PUNCTUATION.search(text, start, end):
        return [span]
    breaks = list(CLAIM_JOINT.finditer(text, start, end))
    parts: list[Span] = []
    opened = start
    for close, reopen in [(m.start(), m.end()) for m in breaks] + [(end, end)]:
        if len(content_words(text[opened:close])) >= MIN_CONTENT_WORDS:
            parts.append((opened, close))
            opened = reopen
    if opened < end:
        parts[-1:] = [(parts[-1][0] if parts else opened, end)]
    return parts


def _credit_band(value: float) -> int:
    """The credit a clause alone would earn a point, as the card grades recall: none, partly, covered."""
    return (value >= PARTLY_AT) + (value >= COVERED_AT)


def _quotes(
    points: list[PointResult], item: PreparedItem, answer: PreparedAnswer, sims: np.ndarray, on_topic: np.ndarray
) -> list[PointResult]:
    """The card's quote for each point with evidence and no contradiction (a contradicted one keeps the clause
    that says the opposite): `_quote_of` it, then `_unshared`. A cue dropped since (`PreparedItem.misread`)
    leaves no trace: its clause was where the point's words are denied or swapped, not where they are said."""
    units = [u for sentence in quote_units(answer) for u in sentence]
    credited = [p.contradiction is None and p.clause is not None and p.recall >= PARTLY_AT for p in points]
    unit_fits, choice = [], []
    for rows, pw in zip(item.point_rows, item.point_words, strict=True):
        point_sims, weights = sims[slice(*rows)], point_weights(pw, item)
        unit_fits.append(_fits(point_sims, weights, units, answer.words, on_topic))
        sentence_fits = _fits(point_sims, weights, answer.sentences, answer.words, on_topic)
        choice.append(_quote_of(sentence_fits, unit_fits[-1]))
    taken = {u for u, c in zip(choice, credited, strict=True) if c}
    return [
        replace(p, clause=_unshared(i, choice, unit_fits, credited, taken))
        if p.contradiction is None and p.clause is not None
        else p
        for i, p in enumerate(points)
    ]


def _fits(
    sims: np.ndarray, weights: np.ndarray, spans: Sequence[Span], words: WordVectors, on_topic: np.ndarray
) -> dict[Span, float]:
    """How well a point (`sims`: its words against the answer's) aligns with each span's on-topic words."""
    masks = {span: words.within(*span) & on_topic for span in spans}
    return {span: weighted_mean(best_match(sims[:, m]), weights) for span, m in masks.items() if m.any()}


def _quote_of(sentence_fit: dict[Span, float], unit_fit: dict[Span, float]) -> Span | None:
    """The unit that fits a point best within the sentence that fits it best. A point said across clauses
    ("it's offline: | it only learns from a fixed dataset, | so it can't learn from its own mistakes") fits no
    one of them as well as a long clause elsewhere that brushes more of its words ("no value model or
    on-policy sampling"); its sentence, all its clauses together, fits it better than that one does."""
    if not sentence_fit:
        return None
    start, end = max(sentence_fit, key=sentence_fit.get)
    return max((u for u in unit_fit if start <= u[0] and u[1] <= end), key=unit_fit.get, default=None)


def _unshared(
    i: int, choice: list[Span | None], fits: list[dict[Span, float]], credited: list[bool], taken: set[Span | None]
) -> Span | None:
    """Point `i`'s quote, or, when another credited point fits that quote better, the unit quoted for no
    credited point that fits `i` best among those that alone earn it the same credit: a clause that says one
    point is no quote for a second when the answer says the second elsewhere as well. A shared quote that alone
    earns `i` nothing stays: any other would be no better evidence."""
    mine = choice[i]
    if mine is None or not credited[i]:
        return mine
    band = _credit_band(fits[i][mine])
    rivals = [j for j, c in enumerate(choice) if j != i and credited[j] and c == mine and fits[j][mine] > fits[i][mine]]
    if not rivals or band == 0:
        return mine
    free = [u for u in fits[i] if u not in taken and _credit_band(fits[i][u]) == band]
    return max(free, key=fits[i].get, default=mine)


def _point_result(
    point: str,
    pw: WordVectors,
    sims: np.ndarray,
    item: PreparedItem,
    answer: PreparedAnswer,
    on_topic: np.ndarray,
    clause_masks: list[np.ndarray],
) -> PointResult:
    """Coverage of one key point (`sims`: its words against the answer's), its best clause as evidence, and
    a contradiction cue."""
    weights = point_weights(pw, item)
    recall = weighted_mean(best_match(sims[:, on_topic]), weights)
    best_clause, best_value = None, -1.0
    for span, mask in zip(answer.clauses, clause_masks, strict=True):
        if mask.any():
            value = weighted_mean(best_match(sims[:, mask]), weights)
            if value > best_value:
                best_clause, best_value = span, value
    found = _contradiction(point, pw, sims, item, answer, clause_masks)
    if found:
        return PointResult(point, recall, found[0], found[1])
    return PointResult(point, recall, best_clause, None)


_POINT_PIECE_BREAK = re.compile(r"[,;:()]|\s+[-–—]\s+|\s+(?=(?:so|which|because|while|whereas|but)\s)")


def _point_pieces(point: str) -> list[Span]:
    """A key point cut at every comma, bracket and conjunction: each piece is one claim to check. A piece of
    fewer than two content words is no claim of its own but qualifies the one before it, and stays with it:
    "... indicates high bias (underfitting)" is checked whole, so "high bias ... overfits" contradicts it."""
    spans, start = [], 0
    # Asymptotic notation is one claim: "O(n^2 d)" cut at its brackets would leave "O" and "n^2 d" (CX).
    notations = notation_spans(point)
    for m in _POINT_PIECE_BREAK.finditer(point):
        if any(s <= m.start() < e for s, e in notations):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(point)))
    pieces: list[Span] = []
    for s, e in spans:
        if sum(is_content(w) for w in words(point[s:e])) >= 2:
            pieces.append((s, e))
        elif pieces and any(is_content(w) for w in words(point[s:e])):
            pieces[-1] = (pieces[-1][0], e)
    return pieces or [(0, len(point))]


def _contradiction(
    point: str,
    pw: WordVectors,
    sims: np.ndarray,
    item: PreparedItem,
    answer: PreparedAnswer,
    clause_masks: list[np.ndarray],
) -> tuple[Span, str] | None:
    """The answer clause that says the opposite of a clause of the point, and why. Each clause of the point
    is paired with the answer clause closest to it counting the question's words too: "dropout is used at
    inference" is about "switched off at inference, with scaling..." although only 'inference' is shared,
    and the question asks about inference."""
    # A reference's long sentence is checked for another complexity class only (CP): the other word cues false-alarm
    # there (LP, eval/README.md: another number read against worked computations). Where it is the whole reference,
    # for an opposite word too (LO1): a reference of several sentences sets sides against each other sentence by
    # sentence, and an answer's opposite word is often the other sentence's claim (LO).
    classes_only = item.points_are_pseudo and len(words(point)) > PSEUDO_POINT_CHECK_WORDS
    whole = len(item.points) == 1
    # A point that is a bare number answers the question by it, as a bare class does; so does an answer that is one,
    # however poorly MiniLM aligns the two ("1" and "0" at 0.43). A piece of a longer point is not checked: a
    # computation's pieces are bare numbers too, and its rounded steps other numbers (BB, eval/README.md).
    if answer.clauses and (cue := bare_number_cue(point, answer.text)):
        return (answer.clauses[0][0], answer.clauses[-1][1]), cue
    one_class = _states_one_class(item)
    for start, end in _point_pieces(point):
        rows = pw.within(start, end)
        plain = np.maximum(pw.rarity[rows], 1e-3)
        best, value = None, CONTRADICTION_ALIGNED_AT
        for span, mask in zip(answer.clauses, clause_masks, strict=True):
            if mask.any():
                v = weighted_mean(best_match(sims[rows][:, mask]), plain)
                if v >= value:
                    best, value = span, v
        if best is None:
            other = _clause_with_another_class(point[start:end], item, answer)
            said = answer.text[other[0] : other[1]] if other else ""
            cue = (
                complexity_cue(point[start:end], said, one_class=one_class)
                if said and not reports_belief(said)
                else None
            )
            if other and cue:
                return other, cue
            continue
        said = answer.text[best[0] : best[1]]
        best = _closest_part(best, sims[rows], plain, answer)
        if reports_belief(said) or _of_the_other_side(point[start:end], best, item, answer):
            continue
        cue = (
            complexity_cue(point[start:end], answer.text[best[0] : best[1]], one_class=one_class)
            or (opposite_cue(point[start:end], answer.text[best[0] : best[1]], item.question_stems) if whole else None)
            if classes_only
            else contradiction_cue(
                point[start:end],
                answer.text[best[0] : best[1]],
                item.question_stems,
                negation=not item.points_are_pseudo,
                one_class=one_class,
            )
        )
        # A "not" is the weakest cue: read against a clause about another point's claim, it is no denial (DW).
        if cue in NEGATION_CUES and _about_another_claim(point[start:end], point, best, item, answer):
            continue
        if cue:
            return best, cue
    return None


# A clause whose subject is one of these speaks of every member: "All models need feature scaling" is said of
# tree-based models too (DW).
_UNIVERSAL = frozenset({"all", "every", "each", "any"})


def _about_another_claim(piece: str, point: str, clause: Span, item: PreparedItem, answer: PreparedAnswer) -> bool:
    """Whether the clause says none of the piece's own words (those no other key point nor the question says),
    where it has any, and names no universal ("all"): it then speaks of what another point says ("Distance based
    models need scaling" is the point on distance-based models, not a denial of "Tree-based models do not need
    scaling"), and a cue read against the piece reads another claim (DW, eval/README.md)."""
    others = set(item.question_stems).union(*(cue_stems(p) for p in item.points if p != point))
    own = cue_stems(piece) - others
    said = answer.text[clause[0] : clause[1]]
    return bool(own) and not own & cue_stems(said) and not _UNIVERSAL & set(words(said))


def _clause_with_another_class(piece: str, item: PreparedItem, answer: PreparedAnswer) -> Span | None:
    """The answer clause holding the first complexity class it states, where the item has one class for its answer
    (every class it writes agrees with every other), the piece states it, and no class the answer states agrees
    with it (CA, eval/README.md): a bare "O(n)" aligns with "log n (logarithmic)" too poorly to be checked."""
    if not _states_one_class(item) or not complexities(piece):
        return None
    said = [(clause, c.growth) for clause in answer.clauses for c in complexities(answer.text[clause[0] : clause[1]])]
    if not said or any(not disagree(growth, item.class_forms[0].growth) for _, growth in said):
        return None
    return said[0][0]


def _states_one_class(item: PreparedItem) -> bool:
    """Whether the item has one complexity class for its answer: it writes classes, each agreeing with every other."""
    forms = item.class_forms
    return bool(forms) and not any(disagree(a.growth, b.growth) for a in forms for b in forms)


# Subject pronouns that point back to what the clause said before them (PJ).
_PRONOUN_SUBJECTS = frozenset({"it", "they", "this", "that", "which"})


def _closest_part(clause: Span, sims: np.ndarray, weights: np.ndarray, answer: PreparedAnswer) -> Span:
    """The part of an answer clause, cut as key points are ("stores the keys | so they are not recomputed"),
    that is closest to a piece of a point: like is compared with like."""
    text = answer.text[clause[0] : clause[1]]
    parts: list[Span] = []
    for s, e in _point_pieces(text):
        # A part that opens on a pronoun has its subject in the part before: "drop the rows with missing values, it
        # never biases the sample" says "never biases" of dropping them (PJ, eval/README.md).
        said = words(text[s:e])
        if parts and said and said[0].lower() in _PRONOUN_SUBJECTS:
            parts[-1] = (parts[-1][0], clause[0] + e)
        else:
            parts.append((clause[0] + s, clause[0] + e))
    masks = [answer.words.within(*p) for p in parts]
    scored = [(weighted_mean(best_match(sims[:, m]), weights), p) for p, m in zip(parts, masks, strict=True) if m.any()]
    return max(scored)[1] if scored else clause


def _of_the_other_side(piece: str, evidence: Span, item: PreparedItem, answer: PreparedAnswer) -> bool:
    """Whether the evidence speaks of the other side of a contrast the point's piece speaks of: of the last side
    its sentence names up to the evidence's end, as comparisons read a piece that names none. "at-most-once
    ..., so a crash can lose a message" and "At-most-once can lose messages, at-least-once won't lose any" say
    nothing against "at-least-once does not lose messages"."""
    sentence = next((s for s in answer.sentences if s[0] <= evidence[0] and evidence[1] <= s[1]), evidence)
    said = [stem(w) for w in words(answer.text[sentence[0] : evidence[1]])]
    meant = {stem(w) for w in words(piece)}
    for side_a, side_b in item.contrasts:
        for mine, theirs in ((side_a, side_b), (side_b, side_a)):
            if meant & mine and not meant & theirs:
                last = next((s for s in reversed(said) if s in mine or s in theirs), None)
                if last in theirs:
                    return True
    return False


def _about_another_point(points: list[PointResult], item: PreparedItem, answer: PreparedAnswer) -> list[PointResult]:
    """Drop a contradiction whose opposite word is what another key point says: "low training error and
    high validation error means overfitting" matches the overfitting point, it does not deny the
    underfitting one. Unless the clause speaks of this point's side of a contrast the question sets and the
    other point is about the other side: "high bias means it memorised the data and overfits" denies "high
    bias (underfitting)", whatever the point on high variance says."""
    stems_of = [{stem(w) for w in words(p.point)} for p in points]
    result = []
    for i, p in enumerate(points):
        if p.contradiction and p.clause:
            clause = answer.text[p.clause[0] : p.clause[1]]
            said = opposite_word(p.point, clause, item.question_stems)
            clause_stems = {stem(w) for w in words(clause)}
            if said and any(
                stem(said[0]) in stems_of[j] and not _sides_apart(stems_of[i], stems_of[j], clause_stems, item)
                for j in range(len(points))
                if j != i
            ):
                p = PointResult(p.point, p.recall, None, None)
        result.append(p)
    return result


def _sides_apart(point: set[str], other: set[str], clause: set[str], item: PreparedItem) -> bool:
    """Whether `point` and the clause speak of one side of a contrast the question sets and `other` of the
    other side only."""
    return any(
        point & mine
        and not point & theirs
        and other & theirs
        and not other & mine
        and clause & mine
        and not clause & theirs
        for side_a, side_b in item.contrasts
        for mine, theirs in ((side_a, side_b), (side_b, side_a))
    )


# A stem with the content stem before it: ('fals', 'posit') for "false positives".
Phrase = tuple[str, str]


@dataclass(frozen=True)
class Claim:
    point: int
    rows: np.ndarray
    weights: np.ndarray
    stems: frozenset[str]
    # For one of two claims cut apart at an "and" (`_turns`): the phrases it says where its partner says other
    # words ("false negatives" where the partner says "positives"; `_swapped_words`).
    tells: tuple[frozenset[Phrase], frozenset[str]] | None = None


# A formula in a key point ("TP / (TP + FP)"): terms joined by arithmetic operators, at least one of them "+", "*" or
# "^", since a slash alone joins alternatives ("input/output") and "=" sets a keyword argument ("dropna=False") (FM).
_FORMULA = re.compile(r"\(?\w+(?:\s*[/+*^]\s*\(?\s*\w+\s*\)?)+\)?")
_ARITHMETIC = re.compile(r"[+*^]")
_CONTRAST_BREAK = re.compile(r";\s*|,?\s+(?=(?:while|whereas|but|unlike)\s)", re.IGNORECASE)
_AND = re.compile(r",?\s+and\s+", re.IGNORECASE)
# Spoken answers also run claims together with a bare comma ("row number gives every row a unique number, rank
# gives tied rows the same rank").
_AND_OR_COMMA = re.compile(r",?\s+and\s+|,\s+", re.IGNORECASE)
# A claim names a side and says something of it: at least this many content words beyond the question's.
CLAIM_WORDS = 2


def _opening(after: list[str], modifiers: frozenset[str]) -> str | None:
    """The stem a clause opens on, past an article and one word of `modifiers` (the question's words that name
    neither side of a pair: 'data' in "a data lake" where the question sets a data lake against a data
    warehouse)."""
    rest = after[1:] if after[:1] and after[0] in ARTICLES else after
    if len(rest) > 1 and stem(rest[0]) in modifiers:
        rest = rest[1:]
    return stem(rest[0]) if rest else None


def _turns(
    text: str,
    contrasts: tuple[Contrast, ...],
    others: tuple[str, ...] = (),
    *,
    answer: bool = False,
    question_stems: frozenset[str] = frozenset(),
) -> list[re.Match[str]]:
    """Where a text that opens on one side of a contrast turns to the other at an "and" opening on it ("Precision
    matters when false positives are costly | and recall when false negatives are costly"), each side the
    subject of its half. "increases precision and decreases recall" opens on neither, "the harmonic mean of
    precision and recall" joins the sides in one phrase, "and can remove" opens on a verb: none is a turn. With
    `others` (the item's other key points), only a pair each side of which is the subject of one of them: a
    pair read from the question's wording ("distinguish equivariance from invariance and explain where CNNs
    fall short") is no pair of alternatives the rubric speaks of apart. An `answer`'s clause that names no side
    before the "and" turns there too: spoken answers run claims together ("it doesn't turn off gradients | and
    torch no grad turns off gradient tracking"), and may open past an article and a word of the question that names
    no side ("a data warehouse stores raw files, | a data lake has strict schemas")."""
    opening = subject_of(text)
    subjects = [subject_of(o) for o in others]
    sides = frozenset().union(*(a | b for a, b in contrasts))
    turns = []
    for m in (_AND_OR_COMMA if answer else _AND).finditer(text):
        said = [stem(w) for w in words(text[: m.start()])]
        before, joined = set(said), said[-1] if said else None
        after = words(text[m.end() :])
        for side_a, side_b in contrasts:
            first = _opening(after, question_stems - side_a - side_b) if answer else stem(after[0]) if after else None
            for mine, theirs in ((side_a, side_b), (side_b, side_a)):
                if (
                    first in theirs
                    and (opening & mine or (answer and not before & sides))
                    and not before & theirs
                    and joined not in mine
                    and (not others or (any(s & mine for s in subjects) and any(s & theirs for s in subjects)))
                ):
                    turns.append(m)
    return list({m.start(): m for m in turns}.values())


def _cut(text: str, breaks: list[re.Match[str]]) -> list[Span]:
    bounds = [0, *(x for m in sorted(breaks, key=lambda m: m.start()) for x in (m.start(), m.end())), len(text)]
    return list(zip(bounds[::2], bounds[1::2], strict=True))


def phrases(ws: Sequence[str]) -> frozenset[Phrase]:
    """Each word's stem with the content stem before it ("false positives": ('fals', 'posit')), and alone
    (after ''), which is how a word that opens its text is told."""
    found, before = set(), ""
    for w in ws:
        s = stem(w)
        found |= {(before, s), ("", s)}
        if is_content(w):
            before = s
    return frozenset(found)


def _swapped_words(pw: WordVectors, own: np.ndarray, partner: np.ndarray) -> tuple[frozenset[Phrase], frozenset[str]]:
    """What two claims of one point swap (`own`, `partner`: their rows in the point, sides left out): pairs of
    a word only one claim has and a word only the other has, each the other's closest ("negatives" and
    "positives"); words with no such partner ("matters more") tell nothing. Own words come as phrases with the
    content word before them in the point ("false positives"), the partner's as stems."""
    own_stems = {pw.stems[i] for i in np.flatnonzero(own)}
    partner_stems = {pw.stems[j] for j in np.flatnonzero(partner)}
    mine = [i for i in np.flatnonzero(own) if pw.stems[i] not in partner_stems]
    theirs = [j for j in np.flatnonzero(partner) if pw.stems[j] not in own_stems]
    if not mine or not theirs:
        return frozenset(), frozenset()
    sims = pw.vectors[mine] @ pw.vectors[theirs].T
    pairs = [
        (i, j)
        for a, i in enumerate(mine)
        for b, j in enumerate(theirs)
        if sims[a].argmax() == b and sims[:, b].argmax() == a
    ]
    told = frozenset((_content_before(pw.words, i), pw.stems[i]) for i, _ in pairs)
    return told, frozenset(pw.stems[j] for _, j in pairs)


def _content_before(ws: Sequence[str], i: int) -> str:
    return next((stem(w) for w in reversed(ws[:i]) if is_content(w)), "")


def _point_claims(
    item: PreparedItem, i: int, breaks: list[re.Match[str]], content: np.ndarray, sides: frozenset[str]
) -> list[tuple[Claim, np.ndarray]]:
    """Key point `i` cut at `breaks`: each piece that names a side and says something of it, with its
    content rows in the point. A side's word a negation governs names no side: "labels every pixel without
    separating instances" says of semantic segmentation that instances are absent, and is no claim about
    instance segmentation; nor do the words such a negation governs count in what the claim says, so "instance
    separates each object" does not make the semantic claim by them."""
    point, pw, (first, _) = item.points[i], item.point_words[i], item.point_rows[i]
    weights = demoted_weights(pw, item.question_stems)
    formula = _formula_words(point, pw)
    claims = []
    for start, end in _cut(point, breaks):
        rows = pw.within(start, end)
        said = words(point[start:end])
        if rows.any() and sum(is_content(w) and stem(w) not in item.question_stems for w in said) >= CLAIM_WORDS:
            absent = negated_stems(point[start:end])
            if not absent & sides:
                absent = set()
            kept = np.array([s not in absent for s in pw.stems], dtype=bool) & ~formula
            claim_weights = np.where(kept, weights, 0.0)[rows]
            named = frozenset(map(stem, said)) - absent
            claims.append((Claim(i, first + np.flatnonzero(rows), claim_weights, named), rows & content))
    return claims


def _formula_words(point: str, pw: WordVectors) -> np.ndarray:
    """Mask of the point's words inside a formula, which a claim's fit leaves out (FM, eval/README.md): an answer
    said aloud gives the definition in words, and two sides' formulas differ by a symbol ("FP" against "FN") that
    the word vectors hardly tell apart, so the formula only dilutes the fit."""
    mask = np.zeros(len(pw.words), dtype=bool)
    for m in _FORMULA.finditer(point):
        if _ARITHMETIC.search(m.group()):
            mask |= pw.within(m.start(), m.end())
    return mask


def claims_of(item: PreparedItem) -> tuple[Claim, ...]:
    """Every key point cut where it turns from one side of a contrast to the other (at "while", "whereas",
    "but", "unlike", ";", or an "and" of `_turns` where that leaves two claims), each claim with its rows in
    the rubric and question-demoted weights; a claim cut at such an "and" with the words it swaps with its
    partner."""
    sides = frozenset().union(*(a | b for a, b in item.contrasts))
    result = []
    for i, (point, pw) in enumerate(zip(item.points, item.point_words, strict=True)):
        content = np.array([is_content(w) and s not in sides for w, s in zip(pw.words, pw.stems, strict=True)], bool)
        breaks = list(_CONTRAST_BREAK.finditer(point))
        turns = _turns(point, item.contrasts, item.points[:i] + item.points[i + 1 :])
        claims = _point_claims(item, i, [*breaks, *turns], content, sides) if turns else []
        if len(claims) == 2:
            (a, a_rows), (b, b_rows) = claims
            result += [
                replace(a, tells=_swapped_words(pw, a_rows, b_rows)),
                replace(b, tells=_swapped_words(pw, b_rows, a_rows)),
            ]
        else:
            result += [c for c, _ in _point_claims(item, i, breaks, content, sides)]
    return tuple(result)


def _swaps(
    item: PreparedItem, answer: PreparedAnswer, sims: np.ndarray, on_topic: np.ndarray
) -> dict[int, tuple[Span, str]]:
    """Key points whose claim the answer makes about the other side of a contrast the question sets
    ("high bias means the model memorised the training data" for the point on high variance), with the
    clause and why. A clause counts when it names only the other side, is about the point's claim (aligned
    with it, the question's own words demoted, as well as a contradiction needs), and fits that claim
    better than any claim the rubric makes about the side it names; where the rubric says nothing about
    that side alone, nothing can be told and nothing is flagged. A claim cut from its partner at an "and"
    counts only a clause that says the word it swaps with the partner and not the partner's ("negatives", not
    "positives"): the two differ in little else. Answer clauses are cut at such an "and" too ("precision when
    ... | and recall when ..."). Points taken from a reference's sentences are not claims to check (they
    compare and contrast), as for contradictions."""
    if not item.contrasts or item.points_are_pseudo:
        return {}
    pieces = item.claims
    text = with_sides_joined(answer.text, item.contrasts)
    # A belief the answer reports ("some people think ...") is no claim of its own, nor what it coordinates.
    clauses = [
        (s + a, s + b)
        for s, e in answer.clauses
        if not reports_belief(text[s:e])
        for a, b in _cut(text[s:e], _turns(text[s:e], item.contrasts, answer=True, question_stems=item.question_stems))
    ]
    clause_masks = [answer.words.within(*c) & on_topic for c in clauses]
    clause_phrases = [phrases(words(text[s:e])) for s, e in clauses]
    clause_stems = [frozenset(s for before, s in told if not before) for told in clause_phrases]

    def fit(piece: Claim, mask: np.ndarray) -> float:
        return weighted_mean(best_match(sims[piece.rows][:, mask]), piece.weights)

    def beats(piece: Claim, rival: Claim, mask: np.ndarray) -> bool:
        """Two claims of the same words (one's all among the other's, the sides aside) differ only in their order,
        which a bag of words cannot see: between them the fit reads the words in order (WO, eval/README.md)."""
        own, other = piece.stems - sides, rival.stems - sides
        if own <= other or other <= own:
            return ordered_fit(sims[piece.rows][:, mask], piece.weights) > ordered_fit(
                sims[rival.rows][:, mask], rival.weights
            )
        return fit(piece, mask) > fit(rival, mask)

    sides = frozenset().union(*(a | b for a, b in item.contrasts))
    found: dict[int, tuple[Span, str]] = {}
    for side_a, side_b in item.contrasts:
        for mine, theirs in ((side_a, side_b), (side_b, side_a)):
            rivals = [p for p in pieces if p.stems & theirs and not p.stems & mine]
            for piece in pieces:
                if piece.point in found or not rivals or not piece.stems & mine or piece.stems & theirs:
                    continue
                for span, mask, stems, told in zip(clauses, clause_masks, clause_stems, clause_phrases, strict=True):
                    if not mask.any() or not stems & theirs or stems & mine:
                        continue
                    if piece.tells is not None and (not told & piece.tells[0] or stems & piece.tells[1]):
                        continue
                    # A clause that says the opposite of one of the point's words does not make its claim, as
                    # for a denial: "BERT is a bidirectional encoder" is no GPT point ("a decoder-only ...").
                    if opposite_word(item.points[piece.point], text[span[0] : span[1]], item.question_stems):
                        continue
                    value = fit(piece, mask)
                    if value >= CONTRADICTION_ALIGNED_AT and all(beats(piece, r, mask) for r in rivals):
                        said = side_name(text[span[0] : span[1]], theirs, item.question_stems)
                        meant = side_name(item.points[piece.point], mine, item.question_stems)
                        found[piece.point] = (span, f"says '{said}' where the reference says '{meant}'")
                        break
    return found


def _denied(item: PreparedItem, answer: PreparedAnswer, sims: np.ndarray) -> dict[int, tuple[Span, str]]:
    """Key points the answer denies: a span under a denial frame that would earn the point credit (aligned
    with it at least PARTLY_AT). Saying the point elsewhere too does not undo the denial: an answer that
    denies and asserts a claim has not made it. Denying the opposite of a point agrees with it, as in
    `contradiction_cue`: "It is not true that dropout is used at inference" agrees with "dropout is not used
    at inference" and with "dropout is disabled at inference"."""
    found: dict[int, tuple[Span, str]] = {}
    for span in denied_spans(answer.text):
        mask = answer.words.within(*span)
        if not mask.any():
            continue
        said = answer.text[span[0] : span[1]]
        for i, (pw, rows) in enumerate(zip(item.point_words, item.point_rows, strict=True)):
            point = item.points[i]
            if i in found or is_negated(point) or opposite_word(point, said, item.question_stems):
                continue
            value = weighted_mean(best_match(sims[slice(*rows)][:, mask]), demoted_weights(pw, item.question_stems))
            if value >= PARTLY_AT:
                found[i] = (_with_its_frame(answer.sentences, span), "denies it")
    return found


def _with_its_frame(sentences: tuple[Span, ...], span: Span) -> Span:
    """The denied claim quoted with its sentence's start, so the quote shows the denial ("It is not true
    that ...") and not the bare claim, which would read as if the candidate had asserted it."""
    start = max((s for s, e in sentences if s <= span[0] < e), default=span[0])
    return start, span[1]


def filler_spans(analysis: Analysis, sentences: tuple[Span, ...]) -> list[Span]:
    """Sentences that hold no key point's evidence and align with the rubric less than a sentence the model
    answer would quote: "Labels are the foundation of everything in machine learning" before a good answer."""
    evidence = [p.clause for p in analysis.points if p.clause]
    return [
        s
        for s in sentences
        if analysis.sentence_strength.get(s, 0.0) < STRONG_SENTENCE
        and not any(s[0] <= c[0] and c[1] <= s[1] for c in evidence)
    ]


def _without(answer: PreparedAnswer, dropped: list[Span]) -> PreparedAnswer:
    """The answer with some sentences left out; spans still index the full text."""
    kept = [s for s in answer.sentences if s not in dropped]
    mask = np.zeros(len(answer.words), dtype=bool)
    for span in kept:
        mask |= answer.words.within(*span)
    clauses = tuple(c for c in answer.clauses if any(s[0] <= c[0] and c[1] <= s[1] for s in kept))
    return replace(answer, words=answer.words.select(mask), sentences=tuple(kept), clauses=clauses)


def analyse(item: PreparedItem, answer: PreparedAnswer, *, trim: bool = True) -> Analysis:
    """All features of `answer` for `item`. Recall-type features and length use only on-topic sentences,
    so padding an answer with unrelated text can lower its precision but never raise anything else; with
    `trim`, the features without its filler sentences too (`Analysis.trimmed_features`)."""
    relevance = _sentence_relevance(item, answer)
    off_spans = [s for s, r in relevance.items() if r < OFF_TOPIC_COS]
    # The filter trims what stands beside an answer; it does not judge an answer none of whose sentences is
    # near the rubric ("last in first out" against "... the first one removed (LIFO)"), which is read whole.
    on_spans = [s for s, r in relevance.items() if r >= OFF_TOPIC_COS] or list(relevance)
    words = answer.words
    on_mask = np.zeros(len(words), dtype=bool)
    for span in on_spans:
        on_mask |= words.within(*span)
    off_mask = np.zeros(len(words), dtype=bool)
    for span in off_spans:
        off_mask |= words.within(*span)
    # What the answer denies ("It is not true that ...") earns nothing for the words it shares with the
    # reference, and a key point whose best evidence it is counts as contradicted (`_denied`).
    denied = np.zeros(len(words), dtype=bool)
    for span in denied_spans(answer.text):
        denied |= words.within(*span)
    on_mask &= ~denied
    on_words = words.select(on_mask)

    ref_w = demoted_weights(item.reference, item.question_stems)
    ans_w = demoted_weights(words, item.question_stems)
    sims = similarity(item.rubric, words)
    recall = weighted_mean(best_match(sims[slice(*item.reference_rows)][:, on_mask]), ref_w)
    answer_match = best_match(sims, axis=0)
    precision = weighted_mean(answer_match, ans_w)
    lexical = lexical_recall(item.reference.stems, ref_w, on_words.stems)
    answer_vec = pooled(on_words.vectors, demoted_weights(on_words, item.question_stems))
    clause_masks = [words.within(*c) & on_mask for c in answer.clauses]
    points = _about_another_point(
        [
            _point_result(p, pw, sims[slice(*rows)], item, answer, on_mask, clause_masks)
            for p, pw, rows in zip(item.points, item.point_words, item.point_rows, strict=True)
        ],
        item,
        answer,
    )
    for i, (span, cue) in _swaps(item, answer, sims, on_mask).items():
        if points[i].contradiction is None:
            points[i] = PointResult(points[i].point, points[i].recall, span, cue)
    points = [PointResult(p.point, p.recall, p.clause, None) if i in item.misread else p for i, p in enumerate(points)]
    for i, (span, cue) in _denied(item, answer, sims).items():
        points[i] = PointResult(points[i].point, points[i].recall, span, cue)
    contradicted = sum(p.contradiction is not None for p in points)
    coverage = float(np.mean([0.0 if p.contradiction else p.recall for p in points])) if points else recall
    # Length counts content that bears on the rubric: a word counts in full from a 0.7 match with a rubric
    # word, not at all below 0.3, so on-topic chatter ("LoRA is a game changer") adds little.
    bearing = np.clip((answer_match[on_mask] - 0.3) / 0.4, 0.0, 1.0)
    content_answer = float(bearing[on_words.rarity > 0].sum())
    content_reference = float((item.reference.rarity > 0).sum())
    total_rarity = float(words.rarity.sum())
    off_topic = float(words.rarity[off_mask].sum() / total_rarity) if total_rarity > 0 else 0.0
    novel = np.array([s not in item.question_stems for s in words.stems], dtype=np.float32)
    raw = {
        "recall": recall,
        "precision": precision,
        "coverage": coverage,
        # A right answer nails at least one point; a wrong one brushes the words of several.
        "coverage_max": max((0.0 if p.contradiction else p.recall for p in points), default=recall),
        "lexical": lexical,
        "sentence_cos": cosine(answer_vec, item.reference_vec),
        "question_cos": cosine(answer_vec, item.question_vec),
        # Shortness costs, length beyond the reference's earns nothing.
        "length": min(0.0, float(np.log((content_answer + 1.0) / (content_reference + 1.0)))),
        "off_topic": off_topic,
        "contradiction": contradicted / max(1, len(points)),
    }
    if item.explanation_rows[1] > item.explanation_rows[0]:
        raw["reasoning"] = _reasoning(item, sims, on_mask)
    features = dict(raw)
    for name in RELATIVE_FEATURES:
        if name in item.baseline:
            base = min(item.baseline[name], 0.95)
            features[name] = raw[name] - base
    # Coverage as it is, not as a gain over the question: a right answer that reuses the question's words
    # ("the base case ... is one") keeps what they match, where the gain over the question can be ~0.
    features["coverage_raw"] = raw["coverage"]
    depth = reasoning_depth(item, raw)
    if depth is not None:
        features["depth"] = depth
    strength = {s: weighted_mean(answer_match[words.within(*s)], ans_w[words.within(*s)]) for s in on_spans}
    result = Analysis(
        features=features,
        raw=raw,
        points=points,
        on_topic=on_spans,
        off_topic=off_spans,
        sentence_strength=strength,
        question_novelty=weighted_mean(novel, words.rarity),
    )
    # Filler is told by the key points it holds no evidence for; points cut from a reference's sentences
    # are too coarse for that (on SAF, trimming by them costs 0.01 of r on unseen questions).
    filler = filler_spans(result, answer.sentences) if trim and not item.points_are_pseudo else []
    if filler and len(filler) < len(answer.sentences):
        result.trimmed_features = analyse(item, _without(answer, filler), trim=False).features
    # Quoted only now: filler above is told by each point's best clause, as the score model was fitted, and a
    # quote chosen for the card must not move a score.
    result.points = _quotes(points, item, answer, sims, on_mask)
    return result


def _reasoning(item: PreparedItem, sims: np.ndarray, on_mask: np.ndarray) -> float:
    """How much of the item's explanation the answer's on-topic words reach, its rare words weighing most."""
    start, end = item.explanation_rows
    return weighted_mean(best_match(sims[start:end][:, on_mask]), item.explanation_weights) if on_mask.any() else 0.0


def reasoning_depth(item: PreparedItem, raw: dict[str, float]) -> float | None:
    """How far the answer goes into the why, 0-1: its reach into the explanation, from the question's own
    (nothing said, 0) to the reference answer's (a full answer, 1). Anchored on the item, nothing fitted; None
    without an explanation, or where the reference reaches no further than the question."""
    if "reasoning" not in raw or item.reference_reasoning is None or "reasoning" not in item.baseline:
        return None
    floor, full = item.baseline["reasoning"], item.reference_reasoning
    if full <= floor:
        return None
    return float(np.clip((raw["reasoning"] - floor) / (full - floor), 0.0, 1.0))


def with_question_baseline(item: PreparedItem, question: PreparedAnswer) -> PreparedItem:
    """The item with its baseline: the raw features the question earns as an answer to itself."""
    return replace(item, baseline=analyse(replace(item, baseline={}), question, trim=False).raw)


def with_reference_check(item: PreparedItem, reference: PreparedAnswer) -> PreparedItem:
    """The item with the key points its own reference answer seems to contradict (`PreparedItem.misread`):
    the reference agrees with its key points by definition, so a cue firing there misreads that point; and
    how far the reference goes into the explanation (`reasoning_depth`'s full answer)."""
    found = analyse(replace(item, misread=frozenset()), reference, trim=False)
    return replace(
        item,
        misread=frozenset(i for i, p in enumerate(found.points) if p.contradiction),
        reference_reasoning=found.raw.get("reasoning"),
    )
