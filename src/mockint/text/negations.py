"""The one negation list: words that turn a statement into its opposite."""

from mockint.text.words import words

_NEGATION_LIST = """not no never none nothing without cannot neither nor can't don't doesn't isn't aren't wasn't
    weren't won't wouldn't shouldn't couldn't hasn't haven't hadn't didn't"""
NEGATIONS = frozenset(_NEGATION_LIST.split())


def is_negation(word: str) -> bool:
    """`word` (lower case) negates; any "-n't" contraction does ("mustn't", "needn't")."""
    return word in NEGATIONS or word.endswith("n't")


def is_negated(text: str) -> bool:
    return any(is_negation(w) for w in words(text))
