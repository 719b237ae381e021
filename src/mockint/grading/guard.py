"""What any grader's grade must respect, whatever produced it (a model can be talked round; code cannot).

- The deterministic answer checks cap the score: an answer that instructs the grader or is a bag of
  keywords scores at most CAPPED_SCORE; one that says nothing, or only restates the question, scores 0.
  `answer_caps` is the one place these checks are applied, for every grader (the offline grader's own
  caps start from it).
- Feedback that states a score or praise the grade does not back ("Perfect, 11/5" on a 1.2) is replaced
  by feedback built from the key points the grade credits.

`guard_grade` is a pure function over (item, answer, grade), applied to every grade the graders hand out
(`factory.build_grader` wraps the offline grader in it as it does the LLM grader and the fallback).
"""

import re

from mockint.grading.answer_checks import nothing_added_reason, stuffing_reason, trivial_reason
from mockint.grading.evidence import adds_nothing_to
from mockint.grading.scoring import GOOD_AT
from mockint.grading.steering import injection_reason
from mockint.text.fillers import strip_fillers
from mockint.types.grade import Coverage, Grade, GradingItem, KeyPointResult, Verdict

# The same ceilings the offline grader applies (grading/offline/grader.py): steering the grader or listing
# keywords shows no understanding worth more than a fragment; saying nothing new is no answer.
CAPPED_SCORE = 1.0
NO_ANSWER_SCORE = 0.0
# Feedback that states a score more than this far (on the 0-5 scale) from the grade contradicts it.
STATED_SCORE_TOLERANCE = 1.0
_STATED_SCORE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:/|out\s+of)\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_PRAISE = re.compile(
    r"(?<!not )(?<!n't )(?<!far from )\b(?:perfect(?:ly)?|excellent|flawless|outstanding|impeccable|superb|"
    r"full\s+marks|nailed\s+it|exemplary)\b",
    re.IGNORECASE,
)


def rubric_text(item: GradingItem) -> str:
    """Everything the item says about its subject: the words an answer may use without steering anyone."""
    return " ".join([item.question, item.reference_answer, item.explanation, *item.key_points])


def answer_caps(item: GradingItem, answer: str, clean: str | None = None) -> dict[str, float]:
    """Why this answer may not score above some ceiling, each reason with its ceiling. `clean` is the
    answer as the grader read it (default: without spoken fillers)."""
    clean = strip_fillers(answer).text if clean is None else clean
    rubric = rubric_text(item)
    found = (
        (trivial_reason(clean), NO_ANSWER_SCORE),
        (
            nothing_added_reason(clean, item.question)
            if clean.strip() and adds_nothing_to(clean, item.question)
            else None,
            NO_ANSWER_SCORE,
        ),
        (injection_reason(answer, rubric), CAPPED_SCORE),
        (stuffing_reason(clean, item.question, rubric), CAPPED_SCORE),
    )
    return {reason: ceiling for reason, ceiling in found if reason}


def capped_verdict(ceiling: float) -> Verdict:
    """The verdict of a grade held to a cap: "no answer" at the cap of saying nothing (the question restated,
    nothing given), "incorrect" at the cap of a non-genuine attempt. Never "off-topic": a restated question
    is on the topic and says nothing about it."""
    return Verdict.no_answer if ceiling == NO_ANSWER_SCORE else Verdict.incorrect


# A stated score with this many characters before it, all found in the answer, is the feedback quoting the
# answer ("... and give me 5/5"): a stretch that long does not match by chance, and a bare "5/5" could
# be the grader's own.
QUOTED_CONTEXT = 15


def feedback_contradicts(feedback: str, score: float, answer: str = "") -> str | None:
    """Why `feedback` cannot stand beside `score` (it states another score, or praises a weak answer). A score
    the feedback quotes from the answer ("leave out '... give me 5/5'") is the candidate's, not the grader's."""
    for match in _STATED_SCORE.finditer(feedback):
        if feedback[max(0, match.start() - QUOTED_CONTEXT) : match.end()] in answer:
            continue
        said, out_of = float(match.group(1)), float(match.group(2))
        if out_of <= 0 or said > out_of or abs(said / out_of * 5 - score) > STATED_SCORE_TOLERANCE:
            return f"it stated a score ({match.group().strip()}) the grade does not give"
    # Unqualified praise below a "good" score contradicts the grade.
    if score < GOOD_AT and (praise := _PRAISE.search(feedback)):
        return f"it called the answer '{praise.group()}', which the grade does not back"
    return None


def feedback_from_key_points(results: list[KeyPointResult]) -> str:
    made = [r.point for r in results if r.status is Coverage.covered]
    touched = [r.point for r in results if r.status is Coverage.partly]
    missing = [r.point for r in results if r.status is Coverage.missed]
    parts = []
    if made:
        parts.append("You made these points: " + "; ".join(made) + ".")
    # A point only touched on is not made: the card shows it half covered.
    if touched:
        parts.append("You touched on, but did not quite make: " + "; ".join(touched) + ".")
    if missing:
        parts.append("Your answer does not clearly state: " + "; ".join(missing) + ".")
    parts.append("Say each point in your own words and explain why it holds.")
    return " ".join(parts)


def guard_grade(item: GradingItem, answer: str, grade: Grade) -> Grade:
    """`grade` with the answer checks' ceilings applied and contradicting feedback replaced."""
    update: dict = {}
    notes = list(grade.notes)
    caps = answer_caps(item, answer)
    ceiling = min(caps.values(), default=None)
    if ceiling is not None and grade.score > ceiling:
        reason = min(caps, key=caps.get)
        dims = grade.dimensions.model_copy(
            update={
                name: getattr(grade.dimensions, name).model_copy(
                    update={"score": min(getattr(grade.dimensions, name).score, ceiling)}
                )
                for name in ("correctness", "completeness", "depth", "communication")
            }
        )
        update.update(
            score=ceiling,
            dimensions=dims,
            verdict=capped_verdict(ceiling),
        )
        if ceiling == NO_ANSWER_SCORE:
            update["key_points"] = [
                k.model_copy(update={"status": Coverage.missed, "evidence": None, "span": None})
                for k in grade.key_points
            ]
        notes.append(f"{reason} The score is capped at {ceiling:g}.")
    score = update.get("score", grade.score)
    why = feedback_contradicts(grade.feedback, score, answer)
    if why is not None or "score" in update:
        update["feedback"] = feedback_from_key_points(update.get("key_points", grade.key_points))
        if why is not None:
            notes.append(f"The grader's feedback was replaced: {why}.")
    if not update:
        return grade
    return grade.model_copy(update={**update, "notes": notes})
