"""The scoring rule: verified rubric verdicts in, a 0-5 score, a verdict and four dimensions out.

Pure and deterministic, so every grader that can say which rubric points an answer covers, with
evidence, gets the same score for the same findings.

The rule
--------
1. No answer: an empty answer, or one that only repeats the question's words, scores 0 with the
   verdict "no answer" (every dimension 0).
2. Credit per rubric point: covered = 1, partly = 0.5, missed = 0, and only when the evidence for
   it was verified in the answer (see `evidence.py`). A claim without verified evidence counts for
   nothing. When the answer reads as a bare list of terms, each point earns at most 0.5: naming
   a concept is not explaining it.
3. coverage = credit / number of rubric points (0..1). The base score is 5 * coverage, or, from a grader
   that estimates the whole answer's worth with a model fitted on human grades (the offline grader, whose
   embedding-based point verdicts are too coarse to count alone), that `estimate`.
4. Off-topic: no credit at all and the answer does not address the question -> 0, "off-topic" (or "incorrect"
   when it contradicts a rubric point: then it does address the question, wrongly).
5. Misconceptions (each backed by a verified quote) subtract 1 point each, at most 2 in total; an answer
   that is mostly repetition of itself (`repetition.py`, read from its text) loses REPEAT_PENALTY more.
   score = clamp(base - penalty, 0, 5), rounded to one decimal; from an estimate, at most 2.5 when there is
   a misconception (the estimate reads the words an answer shares with the rubric, so the contradicted
   point may have raised it).
6. Verdict from the score: >= 4.5, no misconception and no rubric point without credit "excellent"
   ("excellent" says nothing important is missing, and the feedback's "Add ..." would say otherwise; the
   score stays, since people often give full marks to an answer without every reference point, and the card
   says why it is not "excellent"), >= 3.5 "good",
   >= 1.5 "partial", else "incorrect" (also whenever no point earned credit, unless the base was an
   estimate; and whenever no point earned credit and there is a misconception, whatever the base).
7. Dimensions (0-5):
   - completeness = 5 * coverage
   - correctness = 5 * credit / (credit + misconceptions), 0 when nothing earned credit, and at most
     the score + 2.5 (a card saying "correct" over a score of 1 would tell two different things)
   - depth = the grader's opinion, capped at 5 * coverage
   - communication = the grader's opinion, capped at 5 * coverage + 1 (clear but thin is possible)
   Without an opinion, depth and communication take their caps. An opinion can lower these two
   dimensions but never lift anything above what the verified points allow; it never moves the
   overall score.
"""

import re
from dataclasses import dataclass, field

from mockint.grading.repetition import REPEAT_PENALTY
from mockint.text.clauses import as_point, whole_clause_spans
from mockint.text.words import content_words
from mockint.types.grade import SCORE_MAX, Coverage, Verdict

CREDIT = {Coverage.covered: 1.0, Coverage.partly: 0.5, Coverage.missed: 0.0}
KEYWORD_LIST_MAX_CREDIT = 0.5
MISCONCEPTION_PENALTY = 1.0
# How far correctness may stand above the overall score (rule 7): issue 11 asks that no card shows a score
# <= 1 with correctness >= 4; 2.5 keeps "thin but right" (score 2, correctness 4.5) possible.
CORRECTNESS_SLACK = 2.5
# An estimated score with a misconception (rule 5): the scale puts "partially right ... with a notable error"
# at 2 and "the core only partly there" at 2-2.5 (eval/README.md, how the gold scores were set), so an
# answer that says the opposite of a key point is at most the top of that band, however much else it says.
ESTIMATE_WITH_MISCONCEPTION_MAX = 2.5
MAX_MISCONCEPTION_PENALTY = 2.0
COMMUNICATION_SLACK = 1.0
VERDICT_THRESHOLDS = ((4.5, Verdict.excellent), (3.5, Verdict.good), (1.5, Verdict.partial))
# The score from which the verdict is "excellent".
EXCELLENT_AT = next(at for at, verdict in VERDICT_THRESHOLDS if verdict is Verdict.excellent)
# The score from which the verdict is "good".
GOOD_AT = next(at for at, verdict in VERDICT_THRESHOLDS if verdict is Verdict.good)
# The score from which the verdict says an answer is partly right.
PARTIAL_AT = next(at for at, verdict in VERDICT_THRESHOLDS if verdict is Verdict.partial)
DIMENSIONS = ("correctness", "completeness", "depth", "communication")


@dataclass(frozen=True)
class PointVerdict:
    """What a grader found for one rubric point, and whether its evidence stood up."""

    status: Coverage
    verified: bool


@dataclass(frozen=True)
class ScoringInput:
    points: list[PointVerdict]
    misconceptions: int = 0
    answered: bool = True
    on_topic: bool = True
    keyword_list: bool = False
    repeated: bool = False
    opinion: dict[str, float] = field(default_factory=dict)
    estimate: float | None = None


@dataclass(frozen=True)
class ScoreResult:
    score: float
    verdict: Verdict
    coverage: float
    credit: float
    dimensions: dict[str, float]
    # Why a score in the excellent band has a lower verdict (rule 6), said on the card: two answers at 4.5,
    # one "excellent" and one "good", read as arbitrary otherwise.
    held_back: str | None = None


def point_credit(point: PointVerdict, *, keyword_list: bool = False) -> float:
    if not point.verified:
        return 0.0
    credit = CREDIT[point.status]
    return min(credit, KEYWORD_LIST_MAX_CREDIT) if keyword_list else credit


def score_answer(found: ScoringInput) -> ScoreResult:
    """Apply the rule in the module docstring."""
    if not found.answered:
        return _flat(Verdict.no_answer)
    credit = sum(point_credit(p, keyword_list=found.keyword_list) for p in found.points)
    coverage = credit / len(found.points) if found.points else 0.0
    if credit == 0 and not found.on_topic:
        # An answer that contradicts the rubric is about the question, wrongly: "incorrect", not "off-topic".
        return _flat(Verdict.incorrect if found.misconceptions else Verdict.off_topic)

    misconceptions = max(0, found.misconceptions)
    penalty = min(MAX_MISCONCEPTION_PENALTY, MISCONCEPTION_PENALTY * misconceptions)
    base = SCORE_MAX * coverage if found.estimate is None else found.estimate
    score = _clamp(round(base - penalty - (REPEAT_PENALTY if found.repeated else 0.0), 1))
    if found.estimate is not None and misconceptions:
        score = min(score, ESTIMATE_WITH_MISCONCEPTION_MAX)
    missing = any(point_credit(p) == 0 for p in found.points)
    verdict = Verdict.incorrect
    if credit > 0 or found.estimate is not None:
        for threshold, label in VERDICT_THRESHOLDS:
            if score >= threshold and not (label is Verdict.excellent and (misconceptions or missing)):
                verdict = label
                break

    caps = {
        "depth": SCORE_MAX * coverage,
        "communication": min(SCORE_MAX, SCORE_MAX * coverage + COMMUNICATION_SLACK),
    }
    dimensions = {
        "completeness": SCORE_MAX * coverage,
        "correctness": min(SCORE_MAX * credit / (credit + misconceptions), score + CORRECTNESS_SLACK)
        if credit
        else 0.0,
    }
    for name, cap in caps.items():
        opinion = found.opinion.get(name)
        dimensions[name] = cap if opinion is None else min(_clamp(opinion), cap)
    held_back = None
    if score >= EXCELLENT_AT and verdict is not Verdict.excellent:
        held_back = f"Rated {verdict.value}, not excellent: " + (
            "the answer has a misconception." if misconceptions else "a key point earned no credit."
        )
    if credit == 0 and misconceptions and verdict is not Verdict.incorrect:
        # "partial" beside "covers 0 of 6 key points" and three misconceptions (a new user's review) read as
        # a contradiction: nothing right and something wrong is wrong, whatever the estimate says.
        held_back = (
            f"Rated incorrect, not {verdict.value}: no key point earned credit, and the answer contradicts the "
            "reference."
        )
        verdict = Verdict.incorrect
    return ScoreResult(
        score=score,
        verdict=verdict,
        coverage=coverage,
        credit=credit,
        dimensions={name: round(_clamp(dimensions[name]), 1) for name in DIMENSIONS},
        held_back=held_back,
    )


def _flat(verdict: Verdict) -> ScoreResult:
    return ScoreResult(score=0.0, verdict=verdict, coverage=0.0, credit=0.0, dimensions=dict.fromkeys(DIMENSIONS, 0.0))


def _clamp(value: float) -> float:
    return min(SCORE_MAX, max(0.0, float(value)))


# -- rubric points for items without key points ---------------------------------------------------

MAX_DERIVED_POINTS = 6
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\betc)(?<=[.!?])\s+(?=[A-Z0-9\"“(`])")
_BULLET = re.compile(r"^(?:[-*•●○▪◦–]+|\(?\d+[.)](?!\d)|\(?[ivx]+\)|[a-z]\))\s*", re.IGNORECASE)
_LONG_SENTENCE_WORDS = 30


def derive_key_points(reference: str, max_points: int = MAX_DERIVED_POINTS) -> list[str]:
    """Rubric points from a reference answer: its list items and sentences (long ones split at
    semicolons where both sides are whole clauses), written as sentences, without bullets and without
    heading lines ending in a colon, keeping those with at least three content words, the first
    `max_points` in order.

    Deterministic, so labelled data without key points is graded by the same evidence rule.
    """
    points: list[str] = []
    for line, bulleted in _logical_lines(reference):
        # A list item may be a bare term pair ("Sequence number"); prose needs a real clause.
        least = 2 if bulleted else 3
        for sentence in _SENTENCE_END.split(line):
            parts = _semicolon_parts(sentence) if len(sentence.split()) > _LONG_SENTENCE_WORDS else [(0, len(sentence))]
            clauses = (as_point(sentence[s:e]) for s, e in whole_clause_spans(sentence, parts))
            points.extend(p for p in clauses if len(content_words(p)) >= least)
    whole = " ".join(reference.split())
    return points[:max_points] or ([whole] if whole else [])


def _semicolon_parts(sentence: str) -> list[tuple[int, int]]:
    cuts = [m.start() for m in re.finditer(r"; ", sentence)]
    return [(start + 2 if start else 0, end) for start, end in zip([0, *cuts], [*cuts, len(sentence)], strict=True)]


def _logical_lines(text: str) -> list[tuple[str, bool]]:
    """(line, was a list item) with bullets removed; a line that continues the previous one
    (hard-wrapped prose, starting in lower case or with a bracket) is joined back to it."""
    lines: list[tuple[str, bool]] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        bullet = _BULLET.match(line)
        if bullet is None and lines and (line[0].islower() or line[0] in "([") and not lines[-1][0].endswith(":"):
            lines[-1] = (f"{lines[-1][0]} {line}", lines[-1][1])
            continue
        lines.append((line[bullet.end() :], True) if bullet else (line, False))
    return [(line, bulleted) for line, bulleted in lines if line and not line.endswith(":")]
