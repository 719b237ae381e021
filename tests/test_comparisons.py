"""A comparison said of the wrong side of a contrast: read from text alone, and on the offline grader's card."""

import pytest

from mockint.doors.embeddings import shared_local_embedder
from mockint.grading.offline.comparisons import alternatives, comparisons, filings, reversals, sided_rubrics
from mockint.grading.offline.contrasts import contrast_pairs
from mockint.grading.offline.grader import OfflineGrader
from mockint.types.grade import Coverage, GradingItem, Verdict

QUESTION = "What is the difference between two-stage and one-stage object detectors?"
POINTS = (
    "Two-stage detectors generate region proposals first and then classify and refine each proposal",
    "One-stage detectors predict classes and boxes densely in a single pass",
    "One-stage detectors are generally faster, while two-stage detectors were historically more accurate",
)
REFERENCE = (
    "Two-stage detectors such as Faster R-CNN first propose candidate regions, then classify and refine each one. "
    "One-stage detectors such as YOLO predict classes and boxes densely in a single pass. One-stage models are "
    "simpler and faster; two-stage models were historically more accurate."
)
CONTRASTS = tuple(contrast_pairs(QUESTION, " ".join([REFERENCE, *POINTS])))


def reversed_points(points, answer, contrasts, reference=""):
    """The reversals the grader finds: the item's side once, then the answer's."""
    return [r for sided in sided_rubrics(points, contrasts, reference) for r in reversals(sided, answer, points)]


def flagged(answer: str) -> list[tuple[int, str]]:
    return [(r.point, r.reason) for r in reversed_points(POINTS, answer, CONTRASTS, REFERENCE)]


def test_the_question_sets_the_two_detector_families_against_each_other():
    (pair,) = CONTRASTS
    assert pair == (frozenset({"two-stag"}), frozenset({"one-stag"}))


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("YOLO runs once, so one-stage is slower but more accurate.", "says 'slower' where the reference says"),
        ("Two-stage detectors are faster.", "says 'two-stage' is faster where the reference says 'one-stage' is"),
        ("One-stage detectors are more accurate.", "says 'one-stage' is more accurate where the reference says"),
        ("One-stage is slower than two-stage.", "says 'slower' where the reference says 'faster'"),
        ("Two-stage ones are simple, and faster.", "says 'two-stage' is faster"),
        ("Two-stage detectors, which are faster, propose regions first.", "says 'two-stage' is faster"),
        ("One-stage detectors run more slowly.", "says 'more slowly' where the reference says 'faster'"),
        (
            "Two-stage detectors answer more quickly.",
            "says 'more quickly' of 'two-stage' where the reference says 'faster' of",
        ),
    ],
)
def test_a_comparative_said_of_the_wrong_side_contradicts_the_point_that_compares(answer, reason):
    (found,) = flagged(answer)
    assert found[0] == 2
    assert found[1].startswith(reason)


@pytest.mark.parametrize(
    "answer",
    [
        "One-stage detectors are faster but two-stage ones are more accurate.",
        "Two-stage is slower than one-stage, and one-stage is less accurate.",
        "The advantage over two-stage detectors is that one-stage detectors are faster.",
        "One-stage is not slower.",
        "Two-stage detectors such as Faster R-CNN propose regions first.",
        # A name the rubric gives as an example, typed in lower case, is still that name.
        "two-stage detectors such as faster r-cnn propose regions first.",
        "two-stage detectors like faster r-cnn propose regions first, so they are slower",
        "With two-stage detectors, the more proposals, the slower the detector.",
        "Two-stage detectors take a longer path and one-stage detectors predict in a single pass.",
        "Two-stage detectors are more accurate than one-stage, which are faster.",
        "The one-stage approach is faster but less accurate than the two-stage approach.",
        "Unlike two-stage detectors, one-stage ones are faster.",
        "YOLO is faster than Faster R-CNN.",
        "Two-stage detectors run more slowly.",
        "One-stage detectors predict more quickly but less accurately.",
    ],
)
def test_comparisons_that_agree_with_the_rubric_or_say_nothing_of_a_side_are_not_flagged(answer):
    assert flagged(answer) == []


def test_a_comparative_coordinated_with_the_one_before_is_said_of_its_subject():
    """CO: in "one-stage models are simpler and faster two-stage models were ...", typed in one breath, "faster" is
    the second predicate of one-stage, not said of the two-stage models named after it; a comparative that opens its
    piece after a piece that does not end on one is read as before."""
    run_on = "one-stage models are simpler and faster two-stage models were historically more accurate"
    assert flagged(run_on) == []
    assert flagged(run_on.replace("are simpler and faster", "predict in one pass and faster")) != []


def test_the_reference_answer_itself_is_never_flagged():
    assert flagged(REFERENCE) == []


def test_a_comparative_reads_as_which_side_has_more():
    (faster, accurate) = comparisons(POINTS[2], CONTRASTS)
    assert (faster.attribute, faster.polarity, faster.side, faster.word) == ("speed", -1, "one-stage", "faster")
    assert (accurate.attribute, accurate.polarity, accurate.side) == ("accur", 1, "two-stage")


def test_a_plain_form_after_a_degree_word_reads_as_its_comparative():
    """ "more slowly" says "slower" and "more expensive" says "costlier": the same attribute, the same way."""
    pair = (frozenset({"gpu"}), frozenset({"cpu"}))
    read = {(c.side, c.attribute, c.polarity) for c in comparisons("The GPU runs more slowly.", (pair,))}
    assert read == {(c.side, c.attribute, c.polarity) for c in comparisons("The GPU is slower.", (pair,))}
    (costly,) = comparisons("The GPU is more expensive.", (pair,))
    (cheaper,) = comparisons("The CPU is cheaper.", (pair,))
    assert (costly.attribute, costly.polarity) == (cheaper.attribute, cheaper.polarity) == ("cheapness", -1)
    (other,) = comparisons("The GPU is more accurate.", (pair,))
    assert (other.attribute, other.polarity) == ("accur", 1)


def test_sides_the_points_speak_of_in_one_breath_are_not_alternatives_and_are_not_checked():
    points = ("During a flood there is more water in the creek and the water flows faster.",)
    contrasts = ((frozenset({"flood", "creek"}), frozenset({"water"})),)
    assert reversed_points(points, "In a flood the water flows slower.", contrasts) == []
    assert reversed_points(("A flood is faster.", "Still water is slower."), "A flood is slower.", contrasts)


def test_key_points_that_disagree_on_an_attribute_leave_it_unchecked():
    points = ("Two-stage detectors are faster on a GPU", "One-stage detectors are faster on a phone")
    assert reversed_points(points, "One-stage detectors are slower.", CONTRASTS) == []


def test_the_rubric_files_each_named_method_under_its_side():
    assert [(f.name, f.side) for f in filings(REFERENCE, CONTRASTS[0])] == [("Faster R-CNN", 0), ("YOLO", 1)]


def test_a_method_filed_under_the_wrong_side_contradicts_the_first_point_about_its_side():
    answer = "Two-stage detectors like YOLO run the whole image once, and one-stage detectors such as SSD are fast."
    assert flagged(answer) == [(1, "puts 'YOLO' under 'two-stage' where the reference lists it under 'one-stage'")]


@pytest.mark.parametrize(
    "answer",
    [
        "One-stage detectors such as YOLO predict densely. Two-stage detectors, e.g. Faster R-CNN, propose regions.",
        # A name the rubric does not file is not judged, nor one it files under both sides.
        "Two-stage detectors such as Mask R-CNN propose regions.",
        # The name is an example of what follows "like", not of a side named further back.
        "Two-stage detectors propose regions first, then classify them like YOLO would.",
    ],
)
def test_methods_filed_as_the_rubric_files_them_or_unknown_to_it_are_not_flagged(answer):
    assert flagged(answer) == []


def test_a_method_the_rubric_files_under_both_sides_is_not_judged():
    reference = REFERENCE + " Two-stage detectors such as YOLO exist too."
    answer = "Two-stage detectors such as YOLO propose regions."
    assert reversed_points(POINTS, answer, CONTRASTS, reference) == []


@pytest.fixture(scope="module")
def grader():
    return OfflineGrader(embedder=shared_local_embedder())


DETECTORS = GradingItem(
    question_id="detectors",
    question=QUESTION,
    reference_answer=REFERENCE,
    key_points=list(POINTS),
)


@pytest.mark.slow
def test_the_grader_marks_a_swapped_comparison_as_a_misconception_and_scores_it_below_the_right_one(grader):
    swapped = grader.grade(
        DETECTORS,
        "Two-stage detectors like YOLO run the whole image once, and one-stage detectors like Faster R-CNN first "
        "propose regions and then classify them, so one-stage is slower but more accurate.",
    )
    right = grader.grade(
        DETECTORS,
        "One-stage detectors like YOLO run the whole image once, and two-stage detectors like Faster R-CNN first "
        "propose regions and then classify them, so two-stage is slower but more accurate.",
    )
    point = swapped.key_points[2]
    assert point.status is Coverage.missed
    assert point.evidence == "so one-stage is slower"
    assert any("says 'slower' where the reference says 'faster'" in m for m in swapped.misconceptions)
    assert any("puts 'YOLO' under 'two-stage'" in m for m in swapped.misconceptions)
    assert swapped.key_points[0].status is Coverage.missed
    assert swapped.verdict is Verdict.incorrect
    assert right.key_points[2].status is not Coverage.missed
    assert not right.misconceptions
    assert swapped.score <= right.score - 1.0


THREE_WAY = "Encoder-only vs decoder-only vs encoder-decoder Transformers?"
THREE_WAY_POINTS = (
    "Encoder-only models such as BERT use bidirectional attention",
    "Decoder-only models such as GPT and LLaMA use causal attention and are faster at generation",
    "Encoder-decoder models such as T5 suit translation",
)


def test_a_name_filed_under_the_wrong_one_of_three_alternatives_is_found():
    """W3: three pairs are spoken of apart; each pair's names are checked, its comparatives are not."""
    contrasts = tuple(contrast_pairs(THREE_WAY, " ".join(THREE_WAY_POINTS)))
    assert len(contrasts) == 3
    rubrics = sided_rubrics(THREE_WAY_POINTS, contrasts)
    assert rubrics and not any(r.said for r in rubrics)
    (found,) = reversed_points(THREE_WAY_POINTS, "Encoder-only models like GPT generate text.", contrasts)
    assert found.point == 1 and "puts 'GPT' under 'encoder-only'" in found.reason
    assert reversed_points(THREE_WAY_POINTS, "Decoder-only models like GPT generate text.", contrasts) == []
    assert reversed_points(THREE_WAY_POINTS, "Encoder-only models are faster at generation.", contrasts) == []


def test_only_a_pair_whose_sides_the_points_speak_of_apart_is_checked():
    # Each side is a subject of some point: the two families are the alternatives.
    assert alternatives(POINTS, CONTRASTS) == CONTRASTS[0]
    # "Soft Dice uses ...": 'use' is the verb, not a side the points speak of.
    dice = ("Pixel-wise cross-entropy is dominated by background", "Soft Dice uses probabilities")
    assert alternatives(dice, ((frozenset({"use"}), frozenset({"cross-entropi"})),)) is None
    # Of a list's pairs, one whose side ('search') is in more than one alternative is not the points' pair.
    search = (frozenset({"grid"}), frozenset({"random"})), (frozenset({"search", "grid"}), frozenset({"bayesian"}))
    points = ("Grid search tries every combination", "Random search is more efficient than grid search")
    assert alternatives(points, search) == search[0]
    assert reversed_points(points, "Bayesian optimisation is more efficient than grid search.", search) == []
    assert reversed_points(points, "Grid search is more efficient.", search)
