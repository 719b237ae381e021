"""The offline grader's feedback words: quoted key points are shortened between words, never inside one, and
a point touched on is never called covered."""

from hypothesis import given
from hypothesis import strategies as st

from mockint.grading.answer_checks import NOT_ENGLISH
from mockint.grading.offline.feedback import Findings, _short, dimensions_for, feedback_text, model_answer_text
from mockint.types.grade import Coverage, KeyPointResult

WORDS = st.lists(st.text("abcdefghij", min_size=1, max_size=12), min_size=1, max_size=30).map(" ".join)


@given(WORDS, st.integers(min_value=15, max_value=90))
def test_a_shortened_point_ends_on_a_whole_word(text, n):
    short = _short(text, n)
    assert len(short) <= n
    if short == text:
        return
    assert short.endswith("…")
    kept = short[:-1]
    assert kept and text.startswith(kept) and text[len(kept)] == " "  # the cut falls between two words


def test_the_examples_from_the_issue_are_not_cut_mid_word():
    assert _short("Dropout needs examples of each class to learn from", 20) == "Dropout needs…"
    assert _short("With a zero bias the forget gate starts around sigmoid = 0.5", 50).endswith("around…")


def _findings(*statuses: str) -> Findings:
    points = [
        KeyPointResult(point=f"point {i}", status=Coverage(s), evidence=f"said {i}" if s != "missed" else None)
        for i, s in enumerate(statuses)
    ]
    return Findings(
        score=4.0,
        key_points=points,
        misconceptions=[],
        strong_sentences=["I said point 0."],
        off_topic=[],
        features={"precision": 0.7, "length": 0.0},
        points_are_pseudo=False,
        reference_answer="Point 0. Point 1. Point 2.",
        answer_words=30,
    )


def test_a_point_touched_on_is_not_counted_covered_nor_the_answer_called_complete():
    f = _findings("covered", "covered", "partly")
    assert dimensions_for(f).completeness.reason == "Covers 2 of 3 key points, 1 more in part."
    assert "say it more precisely" in feedback_text(f) and "complete answer" not in feedback_text(f)
    assert model_answer_text(f).endswith("I said point 0. Point 2.")
    assert "only touched on" in model_answer_text(f)


def test_an_answer_with_every_point_covered_is_complete_and_its_model_answer_is_its_own():
    f = _findings("covered", "covered", "covered")
    assert dimensions_for(f).completeness.reason == "Covers 3 of 3 key points."
    assert "That is a complete answer" in feedback_text(f)
    assert (
        model_answer_text(f)
        == "Built from your strongest sentences (the reference adds nothing you missed): I said point 0."
    )


def test_lists_say_how_many_more_and_agree_in_number():
    f = _findings("partly", "partly", "partly", "partly", "missed")
    text = feedback_text(f)
    assert "You touched on 'point 0'; 'point 1'; 'point 2' and 1 more: say them more precisely." in text
    assert "Add 'point 4'." in text
    assert "You touched on 'point 0': say it more precisely." in feedback_text(_findings("partly", "covered"))


def test_a_quoted_point_ending_in_a_full_stop_is_not_punctuated_twice():
    f = _findings("covered", "missed")
    f.key_points[1] = KeyPointResult(point="Labels come from a proxy label.", status=Coverage.missed)
    assert "Add 'Labels come from a proxy label'." in feedback_text(f)


def test_one_reference_point_is_singular():
    f = _findings("covered")
    f.points_are_pseudo = True
    assert dimensions_for(f).completeness.reason == "Covers 1 of 1 reference point."


def test_model_answer_sentences_cut_at_a_semicolon_read_as_sentences():
    f = _findings("covered", "missed")
    f.strong_sentences = ["so the network cannot rely on any single neuron;", "at inference it is off,"]
    assert model_answer_text(f).endswith(
        ": The network cannot rely on any single neuron. At inference it is off. Point 1."
    )


def test_model_answer_sentences_keep_the_case_of_code_and_drop_the_conjunction_that_tied_them():
    """A review of the cards saw "X[:, None] silently builds..." for the candidate's "x[:, None]" (x and X are
    different arrays) and "And keep the ordered merge list." standing alone."""
    f = _findings("covered", "missed")
    f.strong_sentences = ["x[:, None] silently builds an (n, n) matrix", "and keep the ordered merge list"]
    assert model_answer_text(f).endswith(
        ": x[:, None] silently builds an (n, n) matrix. Keep the ordered merge list. Point 1."
    )


def test_a_misconception_is_quoted_once_on_the_card_not_again_in_the_correctness_reason():
    """The card quoted each misconception in full three times: under Misconceptions, in the feedback's "Fix
    this" and in the correctness reason (a candidate's review); the reason now counts them and points there."""
    f = _findings("covered", "missed")
    f.misconceptions = ["negates the reference's claim: you said 'X is never Y', but the reference says 'X is Y'"]
    f.key_points[1] = f.key_points[1].model_copy(update={"evidence": "X is never Y"})
    correctness = dimensions_for(f).correctness
    assert correctness.reason == "Contradicts the reference on 1 point (see Misconceptions)."
    assert feedback_text(f).count("you said 'X is never Y'") == 1


def test_correctness_does_not_say_matches_beside_no_point_made():
    """Correctness 5.0 "What you say matches the reference material" stood beside "Covers 0 of 2 reference
    points" on an answer beside the follow-up (a browser review)."""
    f = _findings("missed", "missed")
    f.features = {"precision": 0.95, "length": 0.0}
    f.score = 2.7
    reason = dimensions_for(f).correctness.reason
    assert "matches the reference" not in reason and "makes none of its points" in reason
    f = _findings("covered", "missed")
    f.features = {"precision": 0.95, "length": 0.0}
    assert dimensions_for(f).correctness.reason == "What you say matches the reference material."


def test_an_answer_not_graded_says_why_once_and_what_to_do():
    """A French answer's card gave "The answer is not in English; ..." as the reason of all four dimensions
    and again in the feedback, then "Give it a try" to someone who had answered (a CLI review)."""
    f = _findings("missed", "missed")
    f.trivial = NOT_ENGLISH
    dims = dimensions_for(f)
    reasons = [d.reason for d in (dims.correctness, dims.completeness, dims.depth, dims.communication)]
    assert [r.count(NOT_ENGLISH) for r in reasons] == [1, 0, 0, 0]
    assert dims.completeness.reason == "Covers none of the 2 key points yet."
    assert NOT_ENGLISH not in feedback_text(f) and feedback_text(f).startswith("Answer in English")
    f.trivial = "The answer is empty."
    assert feedback_text(f).startswith("Give it a try")
