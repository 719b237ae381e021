"""Delivery insights: fillers, pace, pauses and length from text and timing (pure, no audio)."""

import pytest

from mockint.speech.delivery import (
    EXPECTED_WORD_BANDS,
    count_words,
    delivery_insights,
    expected_answer_words,
    length_verdict,
    merge_spans,
)
from mockint.text.fillers import count_fillers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Um, so basically the model uh overfits.", {"um": 1, "so basically": 1, "uh": 1}),
        ("Basically it is actually simple, right?", {"basically": 1, "actually": 1, "right?": 1}),
        (
            "Erm, I mean, you know, it is kind of slow and sort of noisy.",
            {"erm": 1, "I mean": 1, "you know": 1, "kind of": 1, "sort of": 1},
        ),
        ("UMMM… uhh, Um um", {"um": 3, "uh": 1}),
        ("It is, like, really fast.", {"like": 1}),
        ("So like the gradients vanish, and like, nobody notices.", {"so": 1, "like": 2}),
        ("Like, I think dropout helps.", {"like": 1}),
    ],
)
def test_fillers_are_counted(text, expected):
    assert count_fillers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I like Python, and I would like to use it here.",
        "It works like a hash map; it looks like a tree, fast, like a heap.",
        "Things like dropout help. We'd like more data.",
        "What kind of model is this? Which sort of loss? Do you know the answer?",
        "The rightmost value is right. Umbrella terms are rumoured to be human.",
        "Actuallyness, basicallyish and summer are not fillers.",
    ],
)
def test_ordinary_uses_are_not_fillers(text):
    assert count_fillers(text) == {}


def test_so_basically_is_not_also_counted_as_basically():
    assert count_fillers("so basically, basically") == {"so basically": 1, "basically": 1}


def test_curly_apostrophes_and_hyphenated_words():
    assert count_words("state-of-the-art model, we’d say") == 4
    assert count_fillers("I’d like that") == {}


def test_typed_answer_gets_fillers_and_length_but_no_timing():
    text = "Um, dropout randomly zeroes activations during training, which basically acts like an ensemble."
    insights = delivery_insights(text, expected_words=140)
    assert insights.words == 13
    assert insights.fillers == {"um": 1, "basically": 1}
    assert insights.filler_count == 2
    assert insights.filler_rate == pytest.approx(200 / 13)
    assert insights.wpm is None and insights.speaking_time_s is None and insights.total_time_s is None
    assert insights.long_pauses == [] and insights.long_pause_count == 0
    assert insights.length_verdict == "too short"
    assert any("short" in tip for tip in insights.tips)
    assert any("filler" in tip for tip in insights.tips)


def test_the_filler_tip_accounts_for_every_filler_it_counts():
    # Five kinds: the tip names the three most frequent and counts the other two instead of dropping them.
    text = "Uh, um, the model, uh, overfits. Um, it, uh, um, basically memorises, like, you know, the noise."
    insights = delivery_insights(text)
    [tip] = [t for t in insights.tips if "filler" in t]
    assert "You used 9 filler words (“uh” ×3, “um” ×3, “basically” ×1, and 2 more)." in tip


def test_word_timings_give_pace_and_long_pauses():
    # 20 words, 0.4 s each, with a 2 s pause after the 10th and a 1.0 s one after the 15th.
    timings, t = [], 0.5
    for i in range(20):
        timings.append((t, t + 0.4))
        t += 0.4 + (2.0 if i == 9 else 1.0 if i == 14 else 0.0)
    text = " ".join(["word"] * 20)
    insights = delivery_insights(text, word_timings=timings, total_time_s=12.0)
    assert insights.speaking_time_s == pytest.approx(20 * 0.4 + 3.0)
    assert insights.wpm == pytest.approx(20 / (11.0 / 60))
    assert insights.long_pauses == [(pytest.approx(4.5), pytest.approx(2.0))]
    assert insights.total_time_s == 12.0


def test_long_pause_threshold_is_configurable():
    timings = [(0.0, 2.0), (3.0, 5.0), (7.5, 9.0)]
    assert len(delivery_insights("a b c", word_timings=timings).long_pauses) == 1
    assert len(delivery_insights("a b c", word_timings=timings, long_pause_s=0.9).long_pauses) == 2


def test_speech_segments_are_used_without_word_timings():
    segments = [(0.3, 4.0), (6.2, 10.3)]
    text = " ".join(["token"] * 30)
    insights = delivery_insights(text, speech_segments=segments, total_time_s=11.0)
    assert insights.speaking_time_s == pytest.approx(10.0)
    assert insights.wpm == pytest.approx(180.0)
    assert insights.long_pauses == [(4.0, 2.2)]
    assert any("words per minute" in tip and "Slow down" in tip for tip in insights.tips)


def test_word_timings_win_over_segments():
    insights = delivery_insights(
        "one two", word_timings=[(1.0, 1.5), (1.6, 2.0)], speech_segments=[(0.0, 1.0), (5.0, 9.0)]
    )
    assert insights.speaking_time_s == pytest.approx(1.0)
    assert insights.long_pauses == []


def test_no_pace_from_a_few_words():
    insights = delivery_insights("yes it does", word_timings=[(0.0, 0.3), (0.4, 0.6), (0.7, 1.0)])
    assert insights.wpm is None


def test_slow_speech_gets_a_tip():
    text = " ".join(["token"] * 20)
    insights = delivery_insights(text, speech_segments=[(0.0, 20.0)])
    assert insights.wpm == pytest.approx(60.0)
    assert any("unsure" in tip for tip in insights.tips)


def test_clean_delivery_gets_one_encouraging_line():
    text = " ".join(["token"] * 150)
    insights = delivery_insights(text, speech_segments=[(0.0, 64.0)], expected_words=150)
    assert insights.length_verdict == "about right"
    assert insights.tips == ["Clear delivery: a steady pace, few fillers and a well-sized answer."]


@pytest.mark.parametrize(
    ("words", "expected", "verdict"),
    [
        (69, 140, "too short"),
        (70, 140, "a little short"),
        (74, 140, "a little short"),  # the review's spoken answer, which had read "about right"
        (104, 140, "a little short"),
        (105, 140, "about right"),
        (175, 140, "about right"),
        (176, 140, "a little long"),
        (245, 140, "a little long"),
        (246, 140, "too long"),
    ],
)
def test_length_verdict_bounds(words, expected, verdict):
    assert length_verdict(words, expected) == verdict


def test_a_little_short_answer_is_not_praised_as_well_sized():
    insights = delivery_insights(" ".join(["token"] * 74), speech_segments=[(0.0, 32.0)], expected_words=140)
    assert insights.length_verdict == "a little short"
    assert insights.tips == ["Clear delivery: a steady pace and few fillers."]


def test_too_long_answer_gets_a_tip():
    insights = delivery_insights(" ".join(["token"] * 400), expected_words=175)
    assert insights.length_verdict == "too long"
    assert any("long" in tip for tip in insights.tips)


def test_expected_words_follow_reference_within_difficulty_band():
    short_ref, long_ref = "Dropout.", " ".join(["word"] * 1000)
    for difficulty, (low, high) in EXPECTED_WORD_BANDS.items():
        assert expected_answer_words(short_ref, "", difficulty) == low
        assert expected_answer_words(long_ref, "", difficulty) == high
    answer, explanation = " ".join(["a"] * 100), " ".join(["b"] * 60)
    assert expected_answer_words(answer, explanation, "medium") == 160
    assert expected_answer_words(answer, explanation, None) == 160
    assert expected_answer_words(answer, explanation, "unknown") == 160


def test_merge_spans_closes_small_gaps_and_sorts():
    assert merge_spans([(2.0, 3.0), (0.0, 1.0), (1.1, 1.5)], gap_s=0.2) == [(0.0, 1.5), (2.0, 3.0)]
    assert merge_spans([(0.0, 2.0), (1.0, 1.5)], gap_s=0.0) == [(0.0, 2.0)]


def test_one_filler_is_one_filler_word():
    [tip] = [t for t in delivery_insights("Um, dropout zeroes units.").tips if "filler" in t]
    assert "You used 1 filler word (“um” ×1)." in tip
