"""The scoring rule, without any model."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockint.grading.repetition import REPEAT_PENALTY
from mockint.grading.scoring import DIMENSIONS, PointVerdict, ScoringInput, derive_key_points, score_answer
from mockint.types.grade import Coverage, Verdict

C, P, M = Coverage.covered, Coverage.partly, Coverage.missed


def pts(*statuses, verified=True):
    return [PointVerdict(s, verified) for s in statuses]


points_st = st.lists(st.builds(PointVerdict, st.sampled_from(list(Coverage)), st.booleans()), min_size=1, max_size=8)
opinion_st = st.dictionaries(st.sampled_from(DIMENSIONS), st.floats(-10, 10, allow_nan=False), max_size=4)
input_st = st.builds(
    ScoringInput,
    points=points_st,
    misconceptions=st.integers(0, 6),
    answered=st.booleans(),
    on_topic=st.booleans(),
    keyword_list=st.booleans(),
    opinion=opinion_st,
)


@pytest.mark.parametrize(
    ("statuses", "score", "verdict"),
    [
        ((C, C, C, C), 5.0, Verdict.excellent),
        ((C, C, C, P), 4.4, Verdict.good),
        ((C, C, P, M), 3.1, Verdict.partial),
        ((C, M, M, M), 1.2, Verdict.incorrect),
        ((M, M, M, M), 0.0, Verdict.incorrect),
    ],
)
def test_verified_coverage_sets_score_and_verdict(statuses, score, verdict):
    result = score_answer(ScoringInput(points=pts(*statuses)))
    assert (result.score, result.verdict) == (score, verdict)


def test_claims_without_verified_evidence_count_for_nothing():
    result = score_answer(ScoringInput(points=pts(C, C, C, verified=False), opinion={"depth": 5, "communication": 5}))
    assert result.score == 0.0 and result.verdict is Verdict.incorrect
    assert result.dimensions["depth"] == 0.0 and result.dimensions["communication"] == 1.0


def test_misconceptions_subtract_bounded_and_block_excellent():
    assert score_answer(ScoringInput(points=pts(C, C), misconceptions=1)).score == 4.0
    assert score_answer(ScoringInput(points=pts(C, C), misconceptions=1)).verdict is Verdict.good
    assert score_answer(ScoringInput(points=pts(C, C), misconceptions=9)).score == 3.0
    assert score_answer(ScoringInput(points=pts(C, C), misconceptions=2)).dimensions["correctness"] == 2.5


def test_an_answer_that_is_mostly_repetition_loses_a_point_whoever_graded_it():
    points = [PointVerdict(Coverage.covered, verified=True)] * 2
    once = score_answer(ScoringInput(points=points))
    pasted = score_answer(ScoringInput(points=points, repeated=True))
    assert pasted.score == once.score - REPEAT_PENALTY and pasted.verdict is not Verdict.excellent
    assert score_answer(ScoringInput(points=points, estimate=4.2, repeated=True)).score == pytest.approx(3.2)


def test_excellent_only_when_no_point_is_missing_and_the_score_stays():
    """A terse right answer the estimate rates 4.8 is "good" while a rubric point earns nothing (its feedback
    says "Add ..."); its score is the estimate still. Touched on is not missing; unverified evidence is."""
    terse = score_answer(ScoringInput(points=pts(P, P, M), estimate=4.8))
    assert (terse.score, terse.verdict) == (4.8, Verdict.good)
    assert score_answer(ScoringInput(points=pts(P, P, P), estimate=4.8)).verdict is Verdict.excellent
    assert score_answer(ScoringInput(points=pts(C, C, C, C, C, C, C, C, C, C, C, M))).verdict is Verdict.good
    assert score_answer(ScoringInput(points=pts(C, C) + pts(C, verified=False), estimate=4.8)).verdict is Verdict.good


def test_a_score_in_the_excellent_band_with_a_lower_verdict_says_why():
    """Two answers at 4.5, one "excellent" and one "good", read as arbitrary (a browser review): the result
    carries the reason for the card; an answer that is excellent, or is not in the band, carries none."""
    terse = score_answer(ScoringInput(points=pts(P, P, M), estimate=4.8))
    assert terse.held_back == "Rated good, not excellent: a key point earned no credit."
    assert score_answer(ScoringInput(points=pts(P, P, P), estimate=4.8)).held_back is None
    assert score_answer(ScoringInput(points=pts(P, P, M), estimate=4.2)).held_back is None


def test_nothing_credited_and_a_misconception_is_incorrect_whatever_the_estimate():
    """ "partial" beside "covers 0 of 6 key points" and three misconceptions read as a contradiction (a new
    user's review): the score stays, the verdict is "incorrect", and the card says why."""
    wrong = score_answer(ScoringInput(points=pts(M, M, M), misconceptions=3, estimate=3.9))
    assert (wrong.score, wrong.verdict) == (1.9, Verdict.incorrect)
    assert wrong.held_back == (
        "Rated incorrect, not partial: no key point earned credit, and the answer contradicts the reference."
    )
    # Something right with something wrong stays partial; nothing right and nothing wrong follows the estimate.
    assert score_answer(ScoringInput(points=pts(P, M, M), misconceptions=1, estimate=3.9)).verdict is Verdict.partial
    assert score_answer(ScoringInput(points=pts(M, M, M), estimate=3.9)).verdict is Verdict.good


def test_no_answer_and_off_topic():
    assert score_answer(ScoringInput(points=pts(C), answered=False)).verdict is Verdict.no_answer
    off = score_answer(ScoringInput(points=pts(M, M), on_topic=False))
    assert (off.score, off.verdict) == (0.0, Verdict.off_topic)
    assert set(off.dimensions.values()) == {0.0}
    # Verified evidence outweighs a model calling the answer off-topic.
    assert score_answer(ScoringInput(points=pts(C, M), on_topic=False)).verdict is Verdict.partial
    # An answer that only contradicts the rubric is about the question, wrongly.
    wrong = score_answer(ScoringInput(points=pts(M, M), on_topic=False, misconceptions=1))
    assert (wrong.score, wrong.verdict) == (0.0, Verdict.incorrect)


def test_keyword_list_earns_at_most_partial_credit_per_point():
    result = score_answer(ScoringInput(points=pts(C, C, C), keyword_list=True))
    assert result.score == 2.5 and result.verdict is Verdict.partial


def test_opinion_can_lower_depth_but_never_lift_it():
    assert score_answer(ScoringInput(points=pts(C, M), opinion={"depth": 1})).dimensions["depth"] == 1.0
    assert score_answer(ScoringInput(points=pts(C, M), opinion={"depth": 5})).dimensions["depth"] == 2.5
    assert score_answer(ScoringInput(points=pts(C, M))).dimensions["depth"] == 2.5


@given(input_st)
def test_everything_stays_in_range(found):
    result = score_answer(found)
    assert 0.0 <= result.score <= 5.0
    assert all(0.0 <= result.dimensions[d] <= 5.0 for d in DIMENSIONS)
    assert result.verdict in Verdict


@given(input_st)
def test_unverified_claims_and_opinions_never_change_the_score(found):
    base = score_answer(found)
    flipped = [PointVerdict(C if not p.verified else p.status, p.verified) for p in found.points]
    changed = ScoringInput(
        points=flipped,
        misconceptions=found.misconceptions,
        answered=found.answered,
        on_topic=found.on_topic,
        keyword_list=found.keyword_list,
        opinion=dict.fromkeys(DIMENSIONS, 5.0),
    )
    assert score_answer(changed).score == base.score


@given(input_st)
def test_more_verified_coverage_never_lowers_the_score(found):
    better = [PointVerdict(C, True) if i == 0 else p for i, p in enumerate(found.points)]
    improved = ScoringInput(
        points=better,
        misconceptions=found.misconceptions,
        answered=found.answered,
        on_topic=found.on_topic,
        keyword_list=found.keyword_list,
        opinion=found.opinion,
    )
    assert score_answer(improved).score >= score_answer(found).score


@given(input_st)
def test_misconceptions_never_raise_the_score(found):
    worse = ScoringInput(
        points=found.points,
        misconceptions=found.misconceptions + 1,
        answered=found.answered,
        on_topic=found.on_topic,
        keyword_list=found.keyword_list,
        opinion=found.opinion,
    )
    assert score_answer(worse).score <= score_answer(found).score


def test_derived_key_points_are_sentences_with_content():
    reference = (
        "Dropout randomly zeroes activations during training, e.g. with p=0.5. This prevents "
        "co-adaptation; it acts like an ensemble. At test time all units are used. Simple."
    )
    points = derive_key_points(reference)
    assert points == [
        "Dropout randomly zeroes activations during training, e.g. with p=0.5.",
        "This prevents co-adaptation; it acts like an ensemble.",
        "At test time all units are used.",
    ]
    assert derive_key_points(reference) == points
    assert derive_key_points("") == []
    assert derive_key_points("Yes.") == ["Yes."]
    long = " ".join(f"Point {i} says gradient descent follows the slope." for i in range(10))
    assert len(derive_key_points(long)) == 6


def test_long_sentences_split_at_semicolons():
    sentence = (
        "Bias measures systematic error from wrong assumptions in the model family; variance measures "
        "sensitivity to the particular training sample drawn from the population; the total expected error "
        "adds both terms plus irreducible noise."
    )
    assert len(derive_key_points(sentence)) == 3


def test_list_references_become_their_items():
    reference = (
        "Possible differences:\n"
        "- The UDP header (8 bytes) is much shorter than the TCP header\n"
        "- Sequence number\n"
        "- Reserved\n"
        "2) The sender port is optional in UDP, while TCP\n"
        "   (which needs it) must have one.\n"
    )
    assert derive_key_points(reference) == [
        "The UDP header (8 bytes) is much shorter than the TCP header.",
        "Sequence number",
        "The sender port is optional in UDP, while TCP (which needs it) must have one.",
    ]
