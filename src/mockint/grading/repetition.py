"""Repeated content and walls of text, read from the answer's text alone. Pure functions.

Repeated content counts once: a sentence that says again, word for word (case, punctuation and spacing
aside), what an earlier sentence of the answer said is dropped before grading, so pasting a paragraph
50 times grades as the paragraph once (and costs no embedding time); the repetition itself is then a
fault of communication and, when most of the answer is repetition, of the score.
"""

from dataclasses import dataclass

from mockint.text.fillers import CleanText
from mockint.text.sentences import sentence_spans
from mockint.text.words import words

# When at least this share of the answer's words repeats what it already said, the answer is mostly
# repetition: it costs REPEAT_PENALTY. A single sentence said twice in a long answer (a spoken recap) is
# only noted. Half is the plain reading of "mostly"; not fitted.
MOSTLY_REPEATED = 0.5
# What mostly-repeated content costs: the bar is that a paragraph pasted many times scores clearly
# (>= 0.5) below the paragraph said once; one point, the same as a misconception costs.
REPEAT_PENALTY = 1.0
# An answer longer than this many times the reference answer, and longer than LONG_ANSWER_WORDS, rambles:
# an interview answer three times the model answer's length spends the interviewer's time. It costs the
# communication dimension, never content. Round numbers, not fitted.
RAMBLING_RATIO = 3.0
LONG_ANSWER_WORDS = 250


@dataclass(frozen=True)
class Repetition:
    """The answer with repeated sentences dropped, and how much was dropped."""

    kept: CleanText
    repeated_sentences: int
    repeated_words: int
    total_words: int

    @property
    def share(self) -> float:
        return self.repeated_words / self.total_words if self.total_words else 0.0

    @property
    def mostly_repeated(self) -> bool:
        return self.share >= MOSTLY_REPEATED

    def note(self) -> str | None:
        if not self.repeated_sentences:
            return None
        return (
            f"The answer repeats itself ({self.repeated_sentences} sentences say again what it already said); "
            "repeated content counts once."
        )


def drop_repeats(clean: CleanText) -> Repetition:
    """`clean` without the sentences that repeat an earlier one; spans of the result still map to the
    original answer through `origin`."""
    text = clean.text
    seen: set[tuple[str, ...]] = set()
    keep = [True] * len(text)
    repeated = repeated_words = 0
    for start, end in sentence_spans(text):
        key = tuple(w.lower() for w in words(text[start:end]))
        if not key:
            continue
        if key in seen:
            repeated += 1
            repeated_words += len(key)
            for i in range(start, end):
                keep[i] = False
        seen.add(key)
    total = len(words(text))
    if not repeated:
        return Repetition(clean, 0, 0, total)
    chars, origin = [], []
    for i, ch in enumerate(text):
        if keep[i] and not (ch.isspace() and (not chars or chars[-1].isspace())):
            chars.append(ch)
            origin.append(clean.origin[i])
    while chars and chars[-1].isspace():
        chars.pop()
        origin.pop()
    return Repetition(CleanText("".join(chars), tuple(origin)), repeated, repeated_words, total)


def rambling_reason(answer_words: int, reference_words: int) -> str | None:
    """Why the answer is a wall of text, or None."""
    if answer_words > LONG_ANSWER_WORDS and answer_words > RAMBLING_RATIO * max(1, reference_words):
        return (
            f"The answer is long ({answer_words} words; the reference answer says it in {reference_words}): "
            "say the key points first and stop."
        )
    return None
