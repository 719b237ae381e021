"""The one negation list: words that turn a statement into its opposite, and the frames that deny a whole claim."""

import re

from mockint.text.sentences import sentence_spans
from mockint.text.words import words

_NEGATION_LIST = """not no never none nothing without cannot neither nor can't don't doesn't isn't aren't wasn't
    weren't won't wouldn't shouldn't couldn't hasn't haven't hadn't didn't"""
NEGATIONS = frozenset(_NEGATION_LIST.split())


def is_negation(word: str) -> bool:
    """`word` (lower case) negates; any "-n't" contraction does ("mustn't", "needn't")."""
    return word in NEGATIONS or word.endswith("n't")


def is_negated(text: str) -> bool:
    return any(is_negation(w) for w in words(text))


# A negation of a whole claim: a frame that denies the clause after it ("It is not true that ...", "it
# isn't the case that ...", "It is false that ..."). The train splits of SAF, SciEntsBank and Beetle hold
# none, so no data can decide these words; they are the frames English uses for denying a statement.
_DENIAL = re.compile(
    r"(?:\b(?:not|never)|n't)\s+(?:(?:at\s+all|really|entirely|quite)\s+)?(?:true|the\s+case|correct|right|so|accurate)"
    r"\s+that\b|\b(?:false|untrue|wrong|incorrect|a\s+myth)\s+that\b",
    re.IGNORECASE,
)


def denied_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `text` a denial frame scopes over: from the frame to the end of its sentence."""
    result = []
    for start, end in sentence_spans(text):
        found = _DENIAL.search(text, start, end)
        if found:
            result.append((found.end(), end))
    return result


# A belief the speaker reports rather than holds: "some people think ...", "you might assume ...", "a common
# mistake is ...", "it's tempting to think ...". The first person ("I think") hedges the speaker's own claim
# and "you'd expect" states one, so neither is here. English's frames for another's belief, not chosen from data.
_REPORTED_BELIEF = re.compile(
    r"\b(?:you|people|many|most|some|someone|others|they|one|beginners|newcomers|candidates)\s+(?:[a-z]+\s+){0,2}?"
    r"(?:think|thinks|thought|believe|believes|believed|assume|assumes|assumed|imagine|suppose|confuse|confuses)\b|"
    r"\b(?:common|classic|frequent|typical|popular)\s+(?:mistake|misconception|myth|confusion|misunderstanding)\b|"
    r"\bit(?:'s|\s+is)\s+(?:tempting|easy)\s+to\s+(?:think|assume|believe)\b",
    re.IGNORECASE,
)


def reports_belief(text: str) -> bool:
    """Whether `text` reports what someone other than the speaker believes, not what the speaker claims."""
    return _REPORTED_BELIEF.search(text) is not None
