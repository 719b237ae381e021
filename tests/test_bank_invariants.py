"""The offline grader's invariants over every question of the bank (`mockint.evals.invariants`), and the
generators behind them."""

import pytest

from mockint.doors.bank_files import load_bank
from mockint.evals.invariants import (
    TARGETS,
    check,
    negated_answer,
    other_topic_question,
    pass_rates,
    spoken_answer,
    template_answer,
)
from mockint.grading.offline.grader import OfflineGrader


def test_template_answer_puts_the_rarest_reference_words_in_empty_sentences():
    text = template_answer("Dropout randomly zeroes activations, which regularizes the network.")
    assert text.startswith("The ") and text.count(" matter.") == 2
    assert {"dropout", "zeroes", "regularizes"} <= set(text.lower().replace(".", "").split())


def test_spoken_answer_drops_punctuation_and_case_but_keeps_words_and_numbers_whole():
    spoken = spoken_answer("At-least-once does not lose messages (it may duplicate them); alpha = 0.05, i.e. 5%.")
    assert spoken == "so um at-least-once does not lose messages it may duplicate them alpha 0.05 i e 5%"


def test_negated_answer_and_other_topic_question():
    assert negated_answer("Dropout zeroes units.") == "It is not true that dropout zeroes units."
    questions = list(load_bank().questions)
    for i in range(0, len(questions), 37):
        assert other_topic_question(questions, i).topic != questions[i].topic


# Measured 2026-12-07 with calibration v4, FB, OL, OT and CO (`python -m benchmarks.run invariants`): own 100%,
# other-topic 97.3%, negated 95.7%, template 99.5%, pasted 100%, spoken 98.1% (367 of 374: one case above its target).


@pytest.fixture(scope="module")
def outcomes():
    questions = list(load_bank().questions)
    found = check(questions, OfflineGrader().grade_many)
    assert len(found) == len(TARGETS) * len(questions)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("invariant", list(TARGETS))
def test_offline_grader_keeps_the_invariant_over_the_whole_bank(outcomes, invariant):
    rate = pass_rates(outcomes)[invariant]
    worst = [(o.case.question_id, o.score) for o in outcomes if o.case.invariant == invariant and not o.passed][:10]
    assert rate >= TARGETS[invariant], (
        f"{invariant}: pass rate {rate:.3f} < {TARGETS[invariant]}; first failures {worst}"
    )
