"""Delivery insights: how an answer was said (pace, fillers, pauses, length), apart from what was said.

Pure functions over a transcript's text and, for spoken answers, its timing: word timings when the
engine gives them, else the speech segments found in the audio. Typed answers (no timing) get fillers
and length only. Nothing here touches the content score.

Expected length. A spoken interview answer should take about 30-60 s for an easy question, 60-90 s for
a medium one and 75-120 s for a hard one; at a conversational 140 words per minute that is a band of
words per difficulty (EXPECTED_WORD_BANDS). Within the band the reference material decides: the words
of the bank's answer and explanation together, clamped to the band, so a question with a long
explanation expects a fuller answer and one with a one-line answer a shorter one.
"""

import itertools
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, computed_field

from mockint.text.fillers import count_fillers
from mockint.text.words import words

LONG_PAUSE_S = 1.5
EXPECTED_WORD_BANDS: dict[str, tuple[int, int]] = {
    "easy": (70, 140),
    "medium": (140, 210),
    "hard": (175, 280),
}
# Under half the expected words is too short; over 1.75 times, the answer rambles. Both get a tip.
TOO_SHORT_RATIO = 0.5
TOO_LONG_RATIO = 1.75
# Within a quarter of the expected words is about right: the speaking times above span a factor 1.5-2 per
# difficulty (60-90 s for a medium question), and 0.75-1.25 spans the same latitude around the expectation. Between
# these and the limits above an answer is "a little" short or long: said, without a tip (74 words for about 140
# expected had read "about right").
ABOUT_RIGHT_RATIOS = (0.75, 1.25)
# Comfortable pace for an explanation; faster loses the listener, slower sounds unsure.
FAST_WPM = 170
SLOW_WPM = 100
# More fillers than this per 100 words is noticeable to an interviewer.
FILLERS_PER_100_WORDS = 3.0
# Pace is meaningless over a few words or seconds.
MIN_WORDS_FOR_PACE = 8
MIN_SECONDS_FOR_PACE = 3.0
# The tip names the most frequent fillers, enough to act on; the rest are counted, not named.
TIP_FILLER_KINDS = 3

LengthVerdict = Literal["too short", "a little short", "about right", "a little long", "too long"]


class DeliveryInsights(BaseModel):
    """How an answer was delivered. Times are None for typed answers.

    speaking_time_s: from the first to the last spoken word (pauses included, leading and trailing
    silence not), the span the pace is measured over. wpm: words per minute over that span.
    filler_rate: fillers per 100 words. long_pauses: (start, duration) seconds of each silence
    of at least `long_pause_s` between words.
    """

    speaking_time_s: float | None
    total_time_s: float | None
    words: int
    wpm: float | None
    fillers: dict[str, int]
    filler_rate: float
    long_pauses: list[tuple[float, float]]
    expected_words: int | None
    length_verdict: LengthVerdict | None
    tips: list[str]

    @computed_field
    @property
    def filler_count(self) -> int:
        return sum(self.fillers.values())

    @computed_field
    @property
    def long_pause_count(self) -> int:
        return len(self.long_pauses)


def count_words(text: str) -> int:
    return len(words(text))


def expected_answer_words(reference_answer: str, explanation: str = "", difficulty: str | None = None) -> int:
    """Expected words of a spoken answer: the reference material's words clamped to the difficulty's band."""
    low, high = EXPECTED_WORD_BANDS.get(difficulty or "medium", EXPECTED_WORD_BANDS["medium"])
    reference_words = count_words(reference_answer) + count_words(explanation)
    return max(low, min(high, reference_words))


def length_verdict(words: int, expected_words: int) -> LengthVerdict:
    if words < TOO_SHORT_RATIO * expected_words:
        return "too short"
    if words > TOO_LONG_RATIO * expected_words:
        return "too long"
    low, high = ABOUT_RIGHT_RATIOS
    if words < low * expected_words:
        return "a little short"
    if words > high * expected_words:
        return "a little long"
    return "about right"


def merge_spans(spans: Sequence[tuple[float, float]], gap_s: float) -> list[tuple[float, float]]:
    """Sorted spans with gaps shorter than `gap_s` closed."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] < gap_s:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def delivery_insights(
    text: str,
    *,
    word_timings: Sequence[tuple[float, float]] | None = None,
    speech_segments: Sequence[tuple[float, float]] | None = None,
    total_time_s: float | None = None,
    expected_words: int | None = None,
    long_pause_s: float = LONG_PAUSE_S,
) -> DeliveryInsights:
    """Insights from the answer text and, when spoken, its timing (word timings preferred over segments)."""
    words = count_words(text)
    fillers = count_fillers(text)
    filler_rate = 100.0 * sum(fillers.values()) / words if words else 0.0
    spans = list(word_timings or speech_segments or [])
    speaking_time_s = wpm = None
    long_pauses: list[tuple[float, float]] = []
    if spans:
        spans = merge_spans(spans, gap_s=0.0)
        speaking_time_s = spans[-1][1] - spans[0][0]
        long_pauses = [
            (round(a_end, 2), round(b_start - a_end, 2))
            for (_, a_end), (b_start, _) in itertools.pairwise(spans)
            if b_start - a_end >= long_pause_s
        ]
        if words >= MIN_WORDS_FOR_PACE and speaking_time_s >= MIN_SECONDS_FOR_PACE:
            wpm = words / (speaking_time_s / 60.0)
    verdict = length_verdict(words, expected_words) if expected_words else None
    insights = DeliveryInsights(
        speaking_time_s=speaking_time_s,
        total_time_s=total_time_s,
        words=words,
        wpm=wpm,
        fillers=fillers,
        filler_rate=filler_rate,
        long_pauses=long_pauses,
        expected_words=expected_words,
        length_verdict=verdict,
        tips=[],
    )
    return insights.model_copy(update={"tips": delivery_tips(insights, long_pause_s)})


def delivery_tips(insights: DeliveryInsights, long_pause_s: float = LONG_PAUSE_S) -> list[str]:
    """Second-person advice, most useful first; one encouraging line when there is nothing to fix."""
    tips = []
    if insights.length_verdict == "too short":
        tips.append(
            f"Your answer is short ({insights.words} words; about {insights.expected_words} would cover "
            "it). Add the why, a trade-off or a concrete example."
        )
    elif insights.length_verdict == "too long":
        tips.append(
            f"Your answer is long ({insights.words} words; about {insights.expected_words} would do). "
            "Lead with the key point, then stop after one supporting example."
        )
    if insights.wpm is not None and insights.wpm > FAST_WPM:
        tips.append(
            f"You spoke at about {insights.wpm:.0f} words per minute. Slow down a little: "
            f"{SLOW_WPM + 20}-{FAST_WPM - 10} is easy to follow."
        )
    elif insights.wpm is not None and insights.wpm < SLOW_WPM:
        tips.append(
            f"You spoke at about {insights.wpm:.0f} words per minute, which can sound unsure. "
            "Outline your answer in your head first, then speak in full sentences."
        )
    if insights.filler_rate > FILLERS_PER_100_WORDS:
        named = list(insights.fillers.items())[:TIP_FILLER_KINDS]
        top = ", ".join(f"“{f}” ×{n}" for f, n in named)
        rest = insights.filler_count - sum(n for _, n in named)
        top += f", and {rest} more" if rest else ""
        tips.append(
            f"You used {insights.filler_count} filler word{'' if insights.filler_count == 1 else 's'} ({top}). "
            "A short silent pause sounds more "
            "confident than a filler."
        )
    if insights.long_pauses:
        times = "once" if len(insights.long_pauses) == 1 else f"{len(insights.long_pauses)} times"
        tips.append(
            f"You paused for {long_pause_s:g} s or more {times}. Pausing to think is fine; say so "
            "(“Let me think about the trade-offs”) so the silence reads as reasoning."
        )
    if not tips:
        good = ["a steady pace"] if insights.wpm is not None else []
        good.append("few fillers")
        if insights.length_verdict == "about right":
            good.append("a well-sized answer")
        tips.append(
            f"Clear delivery: {', '.join(good[:-1])} and {good[-1]}."
            if len(good) > 1
            else f"Clear delivery: {good[0]}."
        )
    return tips
