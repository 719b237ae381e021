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
import re
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, computed_field

LONG_PAUSE_S = 1.5
CONVERSATIONAL_WPM = 140
EXPECTED_WORD_BANDS: dict[str, tuple[int, int]] = {
    "easy": (70, 140),
    "medium": (140, 210),
    "hard": (175, 280),
}
# Under half the expected words is too short; over 1.75 times, the answer rambles.
TOO_SHORT_RATIO = 0.5
TOO_LONG_RATIO = 1.75
# Comfortable pace for an explanation; faster loses the listener, slower sounds unsure.
FAST_WPM = 170
SLOW_WPM = 100
# More fillers than this per 100 words is noticeable to an interviewer.
FILLERS_PER_100_WORDS = 3.0
# Pace is meaningless over a few words or seconds.
MIN_WORDS_FOR_PACE = 8
MIN_SECONDS_FOR_PACE = 3.0

LengthVerdict = Literal["too short", "about right", "too long"]

_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*|[,.;:!?—–-]")
_CLAUSE_BREAKS = frozenset(",.;:!?—–-")
_DETERMINERS = frozenset(
    {
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "any",
        "some",
        "every",
        "each",
        "one",
        "same",
        "different",
        "many",
        "all",
        "another",
    }
)
# "like" after these is a verb or a comparison ("I like", "would like to", "looks like").
_LIKE_VERB_BEFORE = frozenset(
    {
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "it",
        "would",
        "i'd",
        "we'd",
        "you'd",
        "they'd",
        "don't",
        "doesn't",
        "didn't",
        "do",
        "does",
        "did",
        "to",
        "look",
        "looks",
        "looked",
        "feel",
        "feels",
        "felt",
        "seem",
        "seems",
        "seemed",
        "sound",
        "sounds",
        "something",
        "things",
        "more",
        "much",
        "just",
        "not",
    }
)
# "like" right after these usually opens a clause as a filler ("and like the model…").
_LIKE_FILLER_BEFORE = frozenset({"and", "but", "so", "um", "uh", "erm", "was", "were"})
_YOU_KNOW_NOT_BEFORE = frozenset({"do", "did", "don't", "didn't", "if", "when", "whether"})


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


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def count_words(text: str) -> int:
    return sum(1 for t in _tokens(text) if t not in _CLAUSE_BREAKS)


def count_fillers(text: str) -> dict[str, int]:
    """Filler words and phrases, by a left-to-right scan so "so basically" is not also "basically".

    Heuristics keep the ordinary uses out: "like" is a filler only when set off by a comma, or when it
    opens a clause ("and like the…", ", like the…"), never after "I/would/looks/just…"; "kind of" and
    "sort of" are not fillers after a determiner ("what kind of model"); "you know" is not one in "do you
    know"; "right?" needs its question mark.
    """
    tokens = _tokens(text)
    found: Counter[str] = Counter()
    i = 0
    while i < len(tokens):
        prev = tokens[i - 1] if i else "."
        word, nxt = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else "."
        pair = f"{word} {nxt}"
        if pair == "so basically":
            found[pair] += 1
            i += 2
            continue
        if pair in ("kind of", "sort of") and prev not in _DETERMINERS:
            found[pair] += 1
            i += 2
            continue
        if pair == "you know" and prev not in _YOU_KNOW_NOT_BEFORE:
            found[pair] += 1
            i += 2
            continue
        if pair == "i mean":
            found["I mean"] += 1
            i += 2
            continue
        if re.fullmatch(r"u+m+|h*m{2,}", word):
            found["um"] += 1
        elif re.fullmatch(r"u+h+|a+h+", word):
            found["uh"] += 1
        elif re.fullmatch(r"e+r+m+|e+r{2,}", word):
            found["erm"] += 1
        elif word in ("basically", "actually"):
            found[word] += 1
        elif word == "right" and nxt == "?":
            found["right?"] += 1
        elif word == "like" and _like_is_filler(prev, nxt):
            found["like"] += 1
        i += 1
    return dict(found.most_common())


def _like_is_filler(prev: str, nxt: str) -> bool:
    if prev in _LIKE_VERB_BEFORE:
        return False
    if nxt == ",":
        return True
    if prev in _CLAUSE_BREAKS:  # ", like a hash map" compares; ", like the loss goes…" fills
        return nxt not in {"a", "an"}
    return prev in _LIKE_FILLER_BEFORE


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
        top = ", ".join(f"“{f}” ×{n}" for f, n in list(insights.fillers.items())[:3])
        tips.append(
            f"You used {insights.filler_count} filler words ({top}). A short silent pause sounds more "
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
