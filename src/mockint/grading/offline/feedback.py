"""Words for an offline grade: verdict, the four dimensions with one-line reasons, second-person
feedback and a model answer, all built from what the offline grader found. Pure: no model."""

from dataclasses import dataclass, field

from mockint.grading.answer_checks import NOT_ENGLISH, SAY_WHY
from mockint.grading.guard import capped_verdict
from mockint.grading.scoring import CORRECTNESS_SLACK, GOOD_AT, ScoreResult
from mockint.text.clauses import as_point
from mockint.types.grade import Coverage, Dimensions, DimensionScore, KeyPointResult, Verdict

_MAX_LISTED = 3
NOTHING_TO_JUDGE = "Nothing to judge yet."


@dataclass
class Findings:
    """What the offline grader established about one answer."""

    score: float
    key_points: list[KeyPointResult]
    misconceptions: list[str]
    strong_sentences: list[str]
    off_topic: list[str]
    features: dict[str, float]
    points_are_pseudo: bool
    reference_answer: str
    trivial: str | None = None
    # The trivial answer still takes a side ("No.", "both"), with nothing said of why (SW).
    takes_a_side: bool = False
    cap_reasons: list[str] = field(default_factory=list)
    ceiling: float | None = None
    # Spoken fillers the grade ignored, by kind (`text.fillers.count_fillers`), and the words of stutters and
    # false starts it dropped.
    fillers: dict[str, int] = field(default_factory=dict)
    stutter_words: int = 0
    answer_words: int = 0
    # Why the answer repeats itself or rambles (`grading.repetition`), when it does.
    repetition: str | None = None
    rambling: str | None = None
    # Why the answer is held to "incorrect" when it is: it says none of an authored rubric's points, or answers a
    # yes-or-no question the other way.
    held_incorrect: str | None = None
    # What the one scoring rule (`scoring.score_answer`) made of these findings: verdict and dimensions.
    rule: ScoreResult | None = None


# Fewer words than this is "very short": under a sentence of content (the communication note, and the
# feedback for a terse answer that matched nothing).
VERY_SHORT_WORDS = 6
# Correctness runs on precision (the share of the answer's words the reference material backs), from 0 at
# the typical wrong answer's precision to 5 at the typical right one's: on the train splits the medians are
# 0.40 / 0.34 / 0.45 for answers people judged wrong, contradictory or irrelevant, and 0.58 / 0.61 / 0.73
# for correct ones (SAF / SciEntsBank / Beetle; `python eval/check_correctness_scale.py`).
CORRECT_FROM, CORRECT_AT = 0.40, 0.65
# Each contradicted key point costs 1.5: one leaves an otherwise backed answer at 3.5, short of "matches the
# reference" (GOOD_AT), two at 2, below the scale's midpoint.
CORRECTNESS_PER_MISCONCEPTION = 1.5
# Depth is half how right the answer is (its score) and half how far it goes into the why: where the item
# has an explanation, its reach into it against the reference answer's (`features.reasoning_depth`, 0-1);
# else how much it says against the reference (the `length` feature: log of its content words over the
# reference's, at most 0): as much as the reference earns the whole half, e^-1 (about a third) or less none.
DEPTH_FROM_SCORE = DEPTH_FROM_LENGTH = 2.5
DEPTH_NONE_BELOW_LENGTH = -1.0
# Below this depth most of what was asked is missing, which reads as "too brief" rather than "says what".
DEPTH_SOME = 2.0
# What each problem a listener would notice costs the communication dimension: 1.5 for a digression, a very
# short answer or rambling (two of them bring a clear answer to 2, below the scale's midpoint); more (2.0)
# for repeating itself, which spends the listener's time on nothing new; half the scale for an answer that
# is not genuine; half a point for many fillers, which speech is full of and which cost no content.
COMMUNICATION_COST = {
    "off topic": 1.5,
    "very short": 1.5,
    "fillers": 0.5,
    "not genuine": 2.5,
    "repeats": 2.0,
    "rambles": 1.5,
}
# From this many fillers ("um", "you know") the card mentions them: up to three in an answer are ordinary speech.
MANY_FILLERS = 4


def _terse_and_unmatched(f: Findings) -> bool:
    """A word or two that matched no key point. That is more often a term the grader cannot read (an
    abbreviation, a synonym) than a digression, so the card asks for it spelt out rather than dropped."""
    return (
        bool(f.off_topic)
        and f.answer_words < VERY_SHORT_WORDS
        and all(k.status is Coverage.missed for k in f.key_points)
    )


def verdict_for(f: Findings) -> Verdict:
    if f.trivial or f.rule is None:
        return Verdict.no_answer
    if f.cap_reasons and f.ceiling is not None and f.score < 0.5:
        return capped_verdict(f.ceiling)
    if f.ceiling is not None and f.score < f.rule.score:
        return Verdict.partial if f.score >= 1.5 else Verdict.incorrect
    return f.rule.verdict


def _clip(x: float) -> float:
    return round(max(0.0, min(5.0, x)), 1)


def _short(text: str, n: int = 70) -> str:
    """At most `n` characters, cut between words (never inside one: "examples of e…" read as a typo)."""
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    cut = text[:n]  # one character more than is kept, to see whether the cut falls between two words
    if cut.endswith(" "):
        kept = cut[:-1]
    elif " " in cut:
        kept = cut.rsplit(" ", 1)[0]
    else:  # one word longer than the room: nothing better than cutting it
        kept = text[: n - 1]
    return kept.rstrip(" ,;:") + "…"


def _credit(k: KeyPointResult) -> float:
    return {Coverage.covered: 1.0, Coverage.partly: 0.5, Coverage.missed: 0.0}[k.status]


def dimensions_for(f: Findings) -> Dimensions:
    n = len(f.key_points)
    unit = ("reference point" if f.points_are_pseudo else "key point") + ("" if n == 1 else "s")
    if f.trivial:
        # The reason is said once, by correctness; the other dimensions only say there is nothing to judge.
        return Dimensions(
            correctness=DimensionScore(score=0, reason=f.trivial),
            completeness=DimensionScore(score=0, reason=f"Covers none of the {n} {unit} yet."),
            depth=DimensionScore(score=0, reason=NOTHING_TO_JUDGE),
            communication=DimensionScore(score=0, reason=NOTHING_TO_JUDGE),
        )
    cap = 5.0 if f.ceiling is None else f.ceiling
    credit = sum(_credit(k) for k in f.key_points)
    covered = sum(k.status is Coverage.covered for k in f.key_points)
    partly = sum(k.status is Coverage.partly for k in f.key_points)
    # A point touched on is not a point covered: "6 of 6" beside "say it more precisely" would contradict it.
    completeness = DimensionScore(
        score=min(cap, f.rule.dimensions["completeness"] if f.rule else _clip(5.0 * credit / n if n else f.score)),
        reason=f"Covers {covered} of {n} {unit}" + (f", {partly} more in part" if partly else "") + _first_missed(f),
    )
    backed = _clip(5.0 * (f.features.get("precision", 0.0) - CORRECT_FROM) / (CORRECT_AT - CORRECT_FROM))
    correct_score = backed - CORRECTNESS_PER_MISCONCEPTION * len(f.misconceptions)
    correctness = DimensionScore(
        score=min(cap, f.score + CORRECTNESS_SLACK, _clip(correct_score)),
        reason=(
            "Not graded as a genuine answer."
            if f.cap_reasons
            # The misconceptions are quoted in full under their own heading and in the feedback; a third copy
            # here made the card say the same thing three times (a candidate's review).
            else f"Contradicts the reference on {len(f.misconceptions)} point"
            + ("s" if len(f.misconceptions) > 1 else "")
            + " (see Misconceptions)."
            if f.misconceptions
            else "Little of what you say is established by the reference material."
            if f.score + CORRECTNESS_SLACK < 3
            # Beside "Covers 0 of 2 key points" a plain "matches" read as a contradiction (a browser review):
            # the words are backed, the points are not made.
            else "What you say is backed by the reference material, but makes none of its points."
            if backed >= GOOD_AT and not credit
            else "What you say matches the reference material."
            if backed >= GOOD_AT
            else "Much of what you say does not match the reference material."
        ),
    )
    length = f.features.get("length", 0.0)
    said = f.features.get("depth", min(1.0, max(0.0, 1.0 - length / DEPTH_NONE_BELOW_LENGTH)))
    depth_score = min(cap, _clip(DEPTH_FROM_SCORE * f.score / 5.0 + DEPTH_FROM_LENGTH * said))
    depth = DimensionScore(
        score=depth_score,
        reason=(
            "Goes into the reasoning, not just the headline."
            if depth_score >= GOOD_AT
            else "Says what, but not enough of why or how."
            if depth_score >= DEPTH_SOME
            # A long answer that repeats itself is short once its repeats count once: "too brief" beside
            # "rambles on" would read as a contradiction.
            else "Once its repeats count once, too little to show understanding."
            if f.repetition
            else "Too brief to show understanding."
        ),
    )
    deductions, notes = 0.0, []
    if f.off_topic:
        deductions += COMMUNICATION_COST["off topic"]
        quoted = _short(f.off_topic[0], 40)
        notes.append(
            f"'{quoted}' matches nothing in the reference"
            if _terse_and_unmatched(f)
            else f"drifts off topic ('{quoted}')"
        )
    if f.answer_words < VERY_SHORT_WORDS:
        deductions += COMMUNICATION_COST["very short"]
        notes.append("very short")
    if sum(f.fillers.values()) >= MANY_FILLERS:
        deductions += COMMUNICATION_COST["fillers"]
        notes.append("many fillers (not counted against content)")
    if f.cap_reasons:
        deductions += COMMUNICATION_COST["not genuine"]
        notes.append("not a genuine answer")
    if f.repetition:
        deductions += COMMUNICATION_COST["repeats"]
        notes.append("repeats itself")
    if f.rambling:
        deductions += COMMUNICATION_COST["rambles"]
        notes.append("rambles on far longer than needed")
    # The scoring rule holds communication to what the answer covers (an answer that says little of what
    # was asked is not well communicated, however tidy), as it does for every grader.
    held_to = f.rule.dimensions["communication"] if f.rule else 5.0
    if held_to < 5.0 - deductions:
        # Beside a good score the estimate found the answer right, so what holds communication back is the
        # rubric's points not being spelt out; "says little of what the question asks" would contradict it.
        notes.append(
            f"spells out only some of the {'reference points' if f.points_are_pseudo else 'key points'}"
            if f.score >= GOOD_AT
            else f"says {'only part' if held_to >= 2.5 else 'little'} of what the question asks"
        )
    score = min(_clip(5.0 - deductions), held_to)
    if not notes:
        reason = "Clear and on topic."
    elif score >= 2.5:  # the scale's midpoint: below it, "clear enough" would contradict the score beside it
        reason = "Clear enough, but " + "; ".join(notes) + "."
    else:
        said = "; ".join(notes)
        reason = said[0].upper() + said[1:] + "."
    communication = DimensionScore(score=score, reason=reason)
    return Dimensions(correctness=correctness, completeness=completeness, depth=depth, communication=communication)


def _first_missed(f: Findings) -> str:
    missed = [k for k in f.key_points if k.status is Coverage.missed]
    return f"; misses '{_short(missed[0].point, 50)}'." if missed else "."


def feedback_text(f: Findings) -> str:
    if f.trivial:
        first = f.key_points[0].point if f.key_points else f.reference_answer
        # The reason is correctness's; the feedback says what to do about it.
        if f.takes_a_side:
            return f"{SAY_WHY} Start with '{_short(first, 90)}'"
        attempt = "Answer in English" if f.trivial == NOT_ENGLISH else "Give it a try"
        return f"{attempt}, even a partial answer: start with '{_short(first, 90)}'"
    parts = []
    if f.cap_reasons:
        parts.append(
            f"This is not graded as a genuine answer (see the notes), so the score is capped at {f.ceiling:g}."
        )
    covered = [k for k in f.key_points if k.status is Coverage.covered]
    partly = [k for k in f.key_points if k.status is Coverage.partly]
    # A missed point with evidence is one the answer contradicts: "Fix this" already names it, and "Add" the
    # same point after it would read as a second, different fault.
    missed = [k for k in f.key_points if k.status is Coverage.missed and k.evidence is None]
    if covered:
        parts.append(f"You covered {_listed(covered, 60)}.")
    if partly:
        them = "it" if len(partly) == 1 else "them"
        parts.append(f"You touched on {_listed(partly, 60)}: say {them} more precisely.")
    for m in f.misconceptions[:_MAX_LISTED]:
        parts.append(f"Fix this: your answer {m}.")
    if missed:
        parts.append(f"Add {_listed(missed, 80)}.")
    if _terse_and_unmatched(f):
        parts.append(
            f"Nothing in '{_short(f.off_topic[0], 50)}' matched the reference. If it is a term or an "
            "abbreviation, say in a sentence what it means and how it answers the question."
        )
    elif f.off_topic:
        parts.append(f"Leave out what does not answer the question ('{_short(f.off_topic[0], 50)}').")
    if f.repetition:
        parts.append("Say each point once: repeating it adds nothing and costs clarity.")
    if f.rambling:
        parts.append("Cut it down: lead with the key points and stop when they are made.")
    if not (missed or partly or f.misconceptions or f.cap_reasons or f.repetition or f.rambling):
        parts.append("That is a complete answer; keep it this focused.")
    # The fillers left out are named once, in the card's notes (`grader._ignored_note`), not here as well.
    return " ".join(parts)


def _listed(points: list[KeyPointResult], n: int) -> str:
    """Up to _MAX_LISTED points quoted ('A'; 'B' and 'C'), and how many more there are: a list that stops
    short without saying so reads as if it were all of them."""
    quoted = [f"'{_short(k.point.strip().rstrip('.'), n)}'" for k in points[:_MAX_LISTED]]
    more = len(points) - len(quoted)
    if more:
        return "; ".join(quoted) + f" and {more} more"
    return quoted[0] if len(quoted) == 1 else "; ".join(quoted[:-1]) + " and " + quoted[-1]


def _as_sentence(text: str) -> str:
    """A quoted piece of the answer as a sentence of the model answer (`as_point`: a leading "and"/"so" dropped,
    capitalised unless it is code), ended with a full stop where it ended with a comma or semicolon (sentence
    pieces cut there would read "...neuron; At...") or, a bare term, with nothing."""
    text = as_point(text)
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def model_answer_text(f: Findings) -> str:
    """Your strongest sentences (those holding the evidence of a point the card credits) plus the reference's
    wording for what you missed or only touched on, labelled as such."""
    missed = [k.point for k in f.key_points if k.status is not Coverage.covered]
    if f.trivial or f.cap_reasons or not f.strong_sentences:
        return f"From the reference answer: {f.reference_answer.strip()}"
    text = " ".join(_as_sentence(s) for s in f.strong_sentences)
    if missed:
        text += " " + " ".join(_as_sentence(p) for p in missed)
        return (
            "Built from your strongest sentences and the reference answer for the points you missed or only "
            f"touched on: {text}"
        )
    return f"Built from your strongest sentences (the reference adds nothing you missed): {text}"
