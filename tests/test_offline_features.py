"""Feature extraction and the score rules on a fake embedder: each word gets a fixed random vector
(synonyms share one), so alignment is exact-or-nothing and every number can be reasoned about."""

import re
import zlib
from dataclasses import replace

import numpy as np
import pytest

from mockint.doors.embeddings import TokenEmbeddings
from mockint.errors import GradingError
from mockint.grading.guard import CAPPED_SCORE
from mockint.grading.offline.calibration import Calibration
from mockint.grading.offline.features import _turns, analyse, filler_spans
from mockint.grading.offline.grader import (
    COPY_SCORE,
    final_score,
    prepare_answer,
    prepare_item,
)
from mockint.grading.repetition import REPEAT_PENALTY
from mockint.grading.scoring import ESTIMATE_WITH_MISCONCEPTION_MAX
from mockint.types.grade import GradingItem


class FakeEmbedder:
    """`synonyms` share a vector; a word in `near` gets one close to its partner's (cosine about 0.9), as
    "positives" and "negatives" are in a real model."""

    def __init__(self, synonyms: dict[str, str] | None = None, near: dict[str, str] | None = None) -> None:
        self.synonyms = synonyms or {}
        self.near = near or {}
        self.calls = 0

    def _random(self, word: str) -> np.ndarray:
        return np.random.default_rng(zlib.crc32(word.encode())).normal(size=64)

    def vector(self, word: str) -> np.ndarray:
        v = self._random(self.synonyms.get(word, word))
        if word in self.near:
            v = 2.0 * self._random(self.near[word]) + v
        return (v / np.linalg.norm(v)).astype(np.float32)

    def token_embeddings(self, texts: list[str]) -> list[TokenEmbeddings]:
        self.calls += 1
        out = []
        for text in texts:
            matches = list(re.finditer(r"\w+|[^\w\s]", text))
            out.append(
                TokenEmbeddings(
                    tokens=[m.group().lower() for m in matches],
                    vectors=np.array([self.vector(m.group().lower()) for m in matches]).reshape(-1, 64),
                    offsets=[(m.start(), m.end()) for m in matches],
                )
            )
        return out


ITEM = GradingItem(
    question="What does dropout do in a neural network?",
    reference_answer="Dropout randomly zeroes activations during training, which prevents co-adaptation. "
    "It is disabled at inference.",
    key_points=["randomly zeroes activations during training", "prevents co-adaptation", "disabled at inference"],
)


@pytest.fixture(scope="module")
def fake():
    return FakeEmbedder({"deactivated": "disabled", "switched": "disabled"})


@pytest.fixture(scope="module")
def item(fake):
    return prepare_item(fake, ITEM)


def features(fake, item, text):
    return analyse(item, prepare_answer(fake, text))


def test_each_side_is_embedded_in_one_batch(fake):
    before = fake.calls
    prepare_answer(fake, "One sentence. Another sentence. A third one.")
    assert fake.calls == before + 1


def test_the_reference_itself_gains_most_and_the_question_gains_nothing(fake, item):
    full = features(fake, item, ITEM.reference_answer)
    copied = features(fake, item, ITEM.question)
    assert full.features["recall"] > 0.5 and full.features["lexical"] > 0.5
    assert copied.features["recall"] == pytest.approx(0.0, abs=1e-6)
    assert copied.features["lexical"] == pytest.approx(0.0, abs=1e-6)
    assert copied.question_novelty < 0.1


def test_padding_lowers_precision_and_leaves_recall_alone(fake, item):
    clean = "Dropout randomly zeroes activations during training. It is disabled at inference."
    padded = clean + " My favourite holiday was hiking in the mountains with friends."
    a, b = features(fake, item, clean), features(fake, item, padded)
    assert b.features["recall"] == pytest.approx(a.features["recall"])
    assert b.features["length"] == pytest.approx(a.features["length"])
    assert b.features["precision"] < a.features["precision"]
    assert b.features["off_topic"] > a.features["off_topic"] == 0.0
    assert len(b.off_topic) == 1


def test_an_answer_with_no_sentence_near_the_rubric_is_read_whole(fake, item):
    """The relevance filter trims what stands beside an answer; a one-sentence answer below its bar is still
    read, and only the off-topic feature and the card's "leave out" span say it is beside the question."""
    result = features(fake, item, "Honestly my favourite cat zeroes holiday hiking mountains.")
    assert result.features["off_topic"] == 1.0 and len(result.off_topic) == 1
    assert result.raw["recall"] > 0.2  # "zeroes" matches the rubric's word


def test_key_points_get_coverage_and_their_best_clause(fake, item):
    text = "During training it randomly zeroes activations, but at inference it is deactivated."
    result = features(fake, item, text)
    by_point = {p.point: p for p in result.points}
    assert by_point["randomly zeroes activations during training"].recall > 0.8
    assert by_point["prevents co-adaptation"].recall < 0.3
    s, e = by_point["disabled at inference"].clause
    assert "deactivated" in text[s:e]
    assert result.contradicted == 0


def test_a_contradicted_key_point_is_flagged(fake, item):
    result = features(fake, item, "Dropout randomly zeroes activations during training and it is used at inference.")
    flagged = [p for p in result.points if p.contradiction]
    assert [p.point for p in flagged] == ["disabled at inference"]
    assert "used" in flagged[0].contradiction


def test_a_denied_claim_contradicts_the_points_it_would_cover_and_earns_nothing(fake, item):
    said = "Dropout randomly zeroes activations during training, which prevents co-adaptation."
    denied = features(fake, item, "It is not true that " + said[0].lower() + said[1:])
    flagged = {p.point for p in denied.points if p.contradiction}
    assert flagged == {"randomly zeroes activations during training", "prevents co-adaptation"}
    assert denied.features["recall"] < features(fake, item, said).features["recall"] - 0.3
    # Denying what a point itself denies agrees with it.
    agrees = features(fake, item, "It is not true that it is enabled at inference.")
    assert not any(p.contradiction for p in agrees.points)


def test_an_in_word_read_as_not_of_its_base_is_no_misread(fake):
    """IN: "prevents invalid" says what "enforces valid" does: the item's own reference is no longer misread."""
    crf = GradingItem(
        question="Why add a CRF layer to a NER tagger?",
        reference_answer="A CRF layer over the tag scores enforces valid tag transitions.",
        key_points=["A CRF layer over the tag scores prevents invalid tag transitions"],
    )
    assert prepare_item(fake, crf).misread == frozenset()


def test_cues_that_fire_on_the_items_own_reference_are_not_used_on_that_item(fake):
    # The reference says with 'shrinks' what the point says with 'keeps ... from growing', a "not" no cue reads:
    # the opposite-word cue misreads it.
    raw = GradingItem(
        question="What does weight decay do?",
        reference_answer="Weight decay shrinks the weights toward zero.",
        key_points=["Weight decay keeps the weights from growing"],
    )
    prepared = prepare_item(fake, raw)
    assert prepared.misread == {0}
    assert not any(p.contradiction for p in analyse(prepared, prepare_answer(fake, raw.reference_answer)).points)
    unchecked = replace(prepared, misread=frozenset())
    assert analyse(unchecked, prepare_answer(fake, raw.reference_answer)).points[0].contradiction


DELIVERY = GradingItem(
    question="What is the difference between at-most-once and at-least-once delivery?",
    reference_answer="At-most-once may lose messages; at-least-once may duplicate them.",
    key_points=[
        "At-least-once does not lose messages but can produce duplicates",
        "At-most-once can lose messages but does not duplicate them",
    ],
)


@pytest.mark.parametrize(
    ("item", "answer"),
    [
        # The opposite word is what another key point says: it matches that point, it denies nothing.
        (
            GradingItem(
                question="How do you tell overfitting from underfitting?",
                reference_answer="Compare training and validation error.",
                key_points=[
                    "underfitting shows as high training error and similar validation error",
                    "overfitting shows as low training error and much higher validation error",
                ],
            ),
            "Low training error and much higher validation error shows overfitting.",
        ),
        # What is said of the other side of a contrast the question sets says nothing against this side.
        (
            DELIVERY,
            "At-most-once acks first, so a crash can lose messages. "
            "At-least-once retries, so it can produce duplicates.",
        ),
        # Both sides in one sentence: each clause speaks of the last side named up to it.
        (
            DELIVERY,
            "At-most-once can lose messages but won't duplicate them, at-least-once won't lose any but can "
            "produce duplicates.",
        ),
    ],
    ids=["another-key-point", "other-side-of-a-contrast", "both-sides-in-one-sentence"],
)
def test_statements_about_something_else_are_no_contradiction(fake, item, answer):
    assert features(fake, prepare_item(fake, item), answer).contradicted == 0


DRIFT = GradingItem(
    question="What is the difference between data drift and concept drift?",
    reference_answer="Data drift moves the inputs; concept drift moves the mapping.",
    key_points=[
        "Data drift is a shift of the input distribution seen in production",
        "Concept drift is a shift of the mapping from inputs to labels",
    ],
)


def test_a_claim_made_about_the_other_side_of_a_contrast_is_flagged(fake):
    item = prepare_item(fake, DRIFT)
    result = features(fake, item, "Concept drift is a shift of the input distribution seen in production.")
    flagged = [p for p in result.points if p.contradiction]
    assert [p.point for p in flagged] == [DRIFT.key_points[0]]
    # The message names each alternative as the texts write it, not one word of it.
    assert flagged[0].contradiction == "says 'Concept drift' where the reference says 'Data drift'"


def test_both_sides_described_rightly_are_no_swap(fake):
    item = prepare_item(fake, DRIFT)
    result = features(
        fake,
        item,
        "Data drift is a shift of the input distribution seen in production. "
        "Concept drift is a shift of the mapping from inputs to labels.",
    )
    assert result.contradicted == 0
    result = features(fake, item, "Concept drift is a shift of the mapping from inputs to labels.")
    assert result.contradicted == 0


def test_no_swap_is_claimed_where_the_rubric_never_describes_the_other_side(fake):
    item = prepare_item(fake, DRIFT.model_copy(update={"key_points": [DRIFT.key_points[0]]}))
    result = features(fake, item, "Concept drift is a shift of the input distribution seen in production.")
    assert result.contradicted == 0


PRECISION = GradingItem(
    question="Define precision, recall and F1. When would you optimise for precision over recall?",
    reference_answer="Precision is the share of flagged cases that are right; recall the share of real cases found.",
    key_points=[
        "Precision is the share of flagged cases that are right",
        "Recall is the share of real cases that are found",
        "Precision matters when false positives are costly and recall when false negatives are costly",
        "F1 is the harmonic mean of precision and recall",
    ],
)


NEAR = FakeEmbedder(near={"negatives": "positives"})


def _flagged(answer):
    result = features(NEAR, prepare_item(NEAR, PRECISION), answer)
    return [(p.point, p.contradiction) for p in result.points if p.contradiction]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Precision matters when false negatives are costly.", "says 'Precision' where the reference says 'recall'"),
        # Both sides swapped in one sentence: each half is read as its own clause.
        (
            "Precision matters when false negatives are costly and recall when false positives are costly.",
            "says 'Precision' where the reference says 'recall'",
        ),
    ],
)
def test_a_point_that_says_one_thing_of_each_side_is_checked_side_by_side(answer, reason):
    assert _flagged(answer) == [(PRECISION.key_points[2], reason)]


@pytest.mark.parametrize(
    "answer",
    [
        "Precision matters when false positives are costly.",
        "Precision matters when false positives are costly and recall when false negatives are costly.",
        # Neither word the two claims swap: the shorter recall claim fits this best, which tells nothing.
        "Precision when false alarms are costly.",
        # "positives" but not "false positives": missing a positive is a false negative in other words.
        "Recall matters when missing a positive is costly.",
    ],
)
def test_each_side_said_rightly_of_a_paired_point_is_no_swap(answer):
    assert _flagged(answer) == []


def test_a_phrase_naming_both_sides_is_not_cut_into_claims():
    item = prepare_item(NEAR, PRECISION)
    cut = [c for c in item.claims if c.tells is not None]
    assert {c.point for c in cut} == {2}
    assert sorted(sorted(c.tells[0]) for c in cut) == [[("fals", "negat")], [("fals", "posit")]]


EVAL_SIDES = ((frozenset({"eval", "model"}), frozenset({"no_grad", "torch"})),)


def test_an_answer_clause_that_names_no_side_is_cut_where_it_turns_to_one():
    """Spoken answers run claims together: "it" is model.eval, then the clause turns to no_grad at an "and"."""
    spoken = "but it doesn't turn off gradients and torch no_grad turns off gradient tracking"
    assert [m.group().strip() for m in _turns(spoken, EVAL_SIDES, answer=True)] == ["and"]
    assert _turns(spoken, EVAL_SIDES) == []  # a key point is cut only where it opens on a side
    # A clause that names a side before the "and" is cut by P's rule alone, or not at all.
    assert _turns("torch no_grad saves memory and model eval does not", EVAL_SIDES, answer=True) != []
    assert _turns("it uses model eval and torch no_grad together", EVAL_SIDES, answer=True) == []


def test_a_contradiction_is_judged_on_the_part_of_the_clause_closest_to_the_point(fake):
    item = prepare_item(
        fake,
        GradingItem(
            question="What is the KV cache?",
            reference_answer="It keeps keys and values of earlier tokens.",
            key_points=[
                "The cache stores the keys and values of previous tokens so attention does not recompute "
                "them for earlier tokens"
            ],
        ),
    )
    agrees = features(
        fake,
        item,
        "The cache stores the keys and values of previous tokens so attention never "
        "has to recompute them for earlier tokens.",
    )
    assert agrees.contradicted == 0
    denies = features(
        fake,
        item,
        "The cache stores the keys and values of previous tokens so attention must recompute them for earlier tokens.",
    )
    assert denies.contradicted == 1


def test_filler_sentences_are_graded_both_ways_and_evidence_is_never_dropped(fake, item):
    clean = features(fake, item, "Dropout randomly zeroes activations during training. It prevents co-adaptation.")
    assert clean.trimmed_features is None
    filler = "Training networks is great fun for everyone."
    text = f"{filler} Dropout randomly zeroes activations during training. It prevents co-adaptation."
    answer = prepare_answer(fake, text)
    padded = analyse(item, answer)
    assert [text[s:e] for s, e in filler_spans(padded, answer.sentences)] == [filler]
    assert padded.trimmed_features is not None
    assert padded.trimmed_features["precision"] > padded.features["precision"]
    evidence = [text[s:e] for p in padded.points if p.clause for s, e in [p.clause]]
    assert evidence and not any(e in filler for e in evidence)


def test_the_score_is_the_lower_of_the_answer_with_and_without_its_filler():
    cal = Calibration(version="t", features=["recall"], mean=[0.0], scale=[1.0], weights=[2.0], bias=0.0)
    # score_answer rounds to one decimal
    lower = cal.score({"recall": 0.5})
    assert final_score(cal, {"recall": 1.0}, 0, None, {"recall": 0.5}) == pytest.approx(lower, abs=0.05)
    assert final_score(cal, {"recall": 0.5}, 0, None, {"recall": 1.0}) == pytest.approx(lower, abs=0.05)


def test_an_item_without_a_reference_cannot_be_graded(fake):
    with pytest.raises(GradingError, match="no reference answer"):
        prepare_item(fake, GradingItem(question="What is X?", reference_answer="  "))


def test_rules_on_top_of_the_model_cap_and_penalise():
    cal = Calibration(version="t", features=["recall"], mean=[0.0], scale=[1.0], weights=[10.0], bias=0.0)
    good = {"recall": 1.0}
    assert final_score(cal, good, 0, None) == pytest.approx(5.0, abs=1e-3)
    assert final_score(cal, good, 1, None) == ESTIMATE_WITH_MISCONCEPTION_MAX
    assert final_score(cal, good, 0, None, repeated=True) == pytest.approx(5.0 - REPEAT_PENALTY, abs=1e-3)
    assert final_score(cal, good, 0, CAPPED_SCORE) == CAPPED_SCORE
    assert final_score(cal, good, 0, COPY_SCORE) == 0.0
    assert final_score(cal, {"recall": -1.0}, 3, None) == 0.0


def test_an_answer_clause_turns_to_another_side_at_a_bare_comma_and_a_key_point_does_not():
    sides = ((frozenset({"row_numb"}), frozenset({"rank"})),)
    spliced = "ROW_NUMBER gives tied rows the same number, RANK gives unique numbers even for ties"
    assert [m.group() for m in _turns(spliced, sides, answer=True)] == [", "]
    assert _turns(spliced, sides) == []
    # A comma inside one side's claim is no turn.
    assert _turns("ROW_NUMBER numbers rows 1, 2, 3 even for ties", sides, answer=True) == []


def test_an_answer_clause_opens_on_a_side_past_an_article_and_a_word_of_the_question_naming_neither():
    sides = ((frozenset({"lake"}), frozenset({"warehous"})),)
    question = frozenset({"compar", "data", "lake", "warehous", "lakehous"})
    spliced = "a data warehouse stores raw files with schema on read, a data lake has strict schemas"
    assert [m.group() for m in _turns(spliced, sides, answer=True, question_stems=question)] == [", "]
    # A word the question does not use is no way past: "a raw lake" opens on 'raw'.
    assert _turns(spliced.replace("a data lake", "a raw lake"), sides, answer=True, question_stems=question) == []
