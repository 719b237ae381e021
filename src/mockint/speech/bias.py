"""Decoding biased by the question: what the candidate is likely to say, given to Whisper as its prompt.

Whisper continues the text it is prompted with, so a prompt holding the question and the rubric's
technical terms makes "backpropagation" or "retrieval-augmented generation" likelier than the
everyday words that sound like them. The terms are the rare words of the key points, the reference
answer and the tags (rare by general English frequency, so no list is kept by hand); hyphenated
compounds stay whole. Only the bank's own text goes in: never the candidate's.

faster-whisper also takes `hotwords`, which its source shows are a second prompt put before the first
(and, unlike the prompt, kept for every 30 s window). On the dev half of the bank's spoken answers
(`benchmarks/speech.py`, 12 answers) word accuracy was 0.792 plain, 0.832 with the question alone, 0.855
with the question and key terms as the prompt, 0.829 with the terms as hotwords alone, 0.862 with both:
both are used, the terms as hotwords too.

Whisper was trained on transcripts that leave out "um" and "uh", and writes what it is prompted to expect:
a prompt that ends in fillers makes it write the fillers it hears (SPOKEN_STYLE). Chosen on the dev half
and five filler sentences of its own (recall 1 -> 6 of 9, word accuracy 0.893 -> 0.879); on the benchmark's
test half and filler sentences (`python -m benchmarks.run speech`), the app's recall of "um" and "uh" went
from 0 to 4 of 9 (7 of 9 with the fillers alone as the prompt), word accuracy stayed 0.897, no filler was
written into answers spoken without any, and no segment of them was marked unsure.
"""

import re

from pydantic import BaseModel

from mockint.text.rarity import rarity
from mockint.types.question import Question

# rarity() is (7 - zipf) / 5: 0.6 is a Zipf frequency under 4, rarer than ten in a million words —
# "gradient", "logits", "regularization" are in, "model", "training", "data" are not.
MIN_TERM_RARITY = 0.6
# Whisper keeps the last 223 prompt tokens; 40 terms (about 100 tokens) leave room for a long question.
MAX_TERMS = 40
# After the question and terms, the place Whisper takes its style from (it continues the prompt's end); the
# same fillers put before the question cost more accuracy on the dev half (0.866).
SPOKEN_STYLE = "Um, uh, so, um,"
_TERM = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*")


class SpeechBias(BaseModel):
    """What Whisper is told for one question: the prompt (the question, its key terms and fillers in the
    spoken style) and the hotwords (the key terms)."""

    prompt: str
    terms: list[str]

    @property
    def hotwords(self) -> str:
        return ", ".join(self.terms)


def technical_terms(question: Question, *, follow_up: bool = False) -> list[str]:
    """Rare words and hyphenated compounds of the rubric, in order of first appearance, once each."""
    if follow_up:
        reference = [question.follow_up_answer or question.explanation]
    else:
        reference = [*question.key_points, question.answer]
    sources = [*reference, " ".join(t.replace("-", " ") for t in question.tags)]
    seen: dict[str, str] = {}
    for source in sources:
        for term in _TERM.findall(source):
            parts = term.lower().split("-")
            if term.lower() not in seen and ("-" in term or any(rarity(p) >= MIN_TERM_RARITY for p in parts)):
                seen[term.lower()] = term
    return list(seen.values())[:MAX_TERMS]


def question_bias(question: Question, *, follow_up: bool = False) -> SpeechBias:
    """The prompt for an answer to the question, or to its follow-up."""
    terms = technical_terms(question, follow_up=follow_up)
    glossary = f" Key terms: {', '.join(terms)}." if terms else ""
    asked = question.follow_up if follow_up else question.question
    return SpeechBias(prompt=f"{asked}{glossary} {SPOKEN_STYLE}", terms=terms)
