"""Which words of an answer the offline card quotes as a key point's evidence: where the answer says the point,
not a sentence that brushes its words, and not another point's quote when a clause of its own fits as well."""

import pytest

from mockint.doors.bank_files import load_bank
from mockint.doors.embeddings import shared_local_embedder
from mockint.grading.offline.alignment import best_match, similarity, weighted_mean
from mockint.grading.offline.features import COVERED_AT, PARTLY_AT, point_weights, quote_units
from mockint.grading.offline.grader import OfflineGrader, prepare_answer
from mockint.types.grade import Coverage, GradingItem

pytestmark = pytest.mark.slow

DPO = "llm-dpo-vs-ppo"
DPO_ANSWER = (
    "DPO drops the separate reward model and the PPO sampling loop. Because the KL-regularised RLHF objective has a "
    "closed-form optimum, you can train the policy directly on preference pairs with a logistic loss: it pushes up "
    "the log-probability ratio of the chosen response against a frozen reference model relative to the rejected one, "
    "and beta controls how far the policy can drift from the reference. It's simpler, cheaper and more stable than "
    "PPO since there's no value model or on-policy sampling. The downside is that it's offline: it only learns from a "
    "fixed preference dataset, so it can't explore or learn from its own new mistakes unless you run it iteratively."
)
DETECTORS = "cv-two-stage-vs-one-stage-detectors"
DETECTORS_ANSWER = (
    "Two-stage detectors like YOLO run the whole image once, and one-stage detectors like Faster R-CNN first propose "
    "regions and then classify them, so one-stage is slower but more accurate."
)


@pytest.fixture(scope="module")
def grader():
    return OfflineGrader(embedder=shared_local_embedder())


def _item(question_id: str) -> GradingItem:
    return GradingItem.from_question(load_bank(None).get(question_id))


def _quote_of(grader, question_id: str, answer: str, words: str):
    grade = grader.grade(_item(question_id), answer)
    return next(k for k in grade.key_points if words in k.point)


def test_a_point_cut_over_clauses_is_quoted_from_the_sentence_that_says_it(grader):
    # The last sentence says the point across three clauses ("offline: | it only learns ... | so it can't ...");
    # a long clause of another sentence brushed more of its words ("on-policy sampling") and was quoted.
    offline = _quote_of(grader, DPO, DPO_ANSWER, "DPO is offline")
    assert offline.span is not None
    assert offline.span[0] >= DPO_ANSWER.index("The downside is")


def test_each_covered_point_of_a_complete_answer_has_its_own_quote(grader):
    grade = grader.grade(_item(DPO), DPO_ANSWER)
    spans = [k.span for k in grade.key_points if k.status is Coverage.covered]
    assert len(spans) == len(grade.key_points)
    assert len(set(spans)) == len(spans)


def test_a_comparison_is_quoted_where_the_answer_compares(grader):
    # The point was quoted with the clause a dropped side-swap cue had found ("Two-stage detectors like YOLO run
    # the whole image once"), not with what the answer says of speed and accuracy. Whether that is right is the
    # verdict's business; the quote is where it is said.
    speed = _quote_of(grader, DETECTORS, DETECTORS_ANSWER, "generally faster")
    assert speed.evidence is not None
    assert "slower" in speed.evidence
    assert "YOLO" not in speed.evidence


def _band(value: float) -> int:
    """The credit a clause would earn a point on its own: none, partly, covered (the card's own thresholds)."""
    return (value >= PARTLY_AT) + (value >= COVERED_AT)


@pytest.mark.parametrize(("question_id", "answer"), [(DPO, DPO_ANSWER), (DETECTORS, DETECTORS_ANSWER)])
def test_a_quote_serves_two_points_only_when_no_other_clause_earns_either_as_much(grader, question_id, answer):
    """Two credited points share a quote only when, for the one it fits less, no clause quoted for no point
    would earn that point the same credit on its own (a clause that earns it nothing alone is no better
    quote than the shared one, so then the shared one stands)."""
    item = _item(question_id)
    clean, prepared, _ = grader.analyse(item, answer)
    assert clean.text == answer  # spans of the card and of the analysis are the same offsets
    embedded = prepare_answer(grader.embedder, answer)
    sims = similarity(prepared.rubric, embedded.words)
    units = [u for sentence in quote_units(embedded) for u in sentence]

    def fit(i: int, unit: tuple[int, int]) -> float:
        rows = sims[slice(*prepared.point_rows[i])]
        weights = point_weights(prepared.point_words[i], prepared)
        return weighted_mean(best_match(rows[:, embedded.words.within(*unit)]), weights)

    grade = grader.grade(item, answer)
    credited = [(i, k) for i, k in enumerate(grade.key_points) if k.status is not Coverage.missed and k.span]
    quoted = {u for _, k in credited for u in units if u[0] <= k.span[0] < u[1]}
    for i, k in credited:
        for j, other in credited:
            if j == i or other.span != k.span:
                continue
            unit = next(u for u in units if u[0] <= k.span[0] < u[1])
            if fit(i, unit) > fit(j, unit) or _band(fit(i, unit)) == 0:
                continue
            free = [u for u in units if u not in quoted]
            assert all(_band(fit(i, u)) != _band(fit(i, unit)) for u in free), (k.point, other.point)
