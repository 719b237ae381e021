"""Words of a text: the one tokenizer every grader, check and insight uses. Pure, no I/O."""

import re
from functools import lru_cache

from mockint.text.stopwords import STOP_WORDS

# A word starts with a letter or digit and may carry the joiners of technical terms and contractions:
# "don't" (or "don’t"), "top-k", "c++", "c#", "snake_case". Unicode letters count ("naïve").
WORD_PATTERN = r"[^\W_](?:[\w'’+#-]*[\w+#])?"
_WORD = re.compile(WORD_PATTERN)
# A word as prose writes it: letters and the joiners of WORD_PATTERN, no digit, dot, bracket or underscore.
_LETTER = r"[^\W\d_]"
_PLAIN_WORD = re.compile(rf"{_LETTER}(?:(?:{_LETTER}|['’+#-])*(?:{_LETTER}|[+#]))?")


# A grade reads the same texts (the reference's sentences, its points, the answer's pieces) through many
# checks; 4096 texts hold every text of one grade and of a batch's item with room to spare.
@lru_cache(maxsize=4096)
def word_spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """(lower-cased word, start, end) for every word of `text`."""
    return tuple((normal_word(m.group()), m.start(), m.end()) for m in _WORD.finditer(text))


def normal_word(token: str) -> str:
    """Lower case, with a curly apostrophe (typed on phones, written by some transcribers) made straight."""
    return token.lower().replace("’", "'")


def words(text: str) -> list[str]:
    return [w for w, _, _ in word_spans(text)]


# An article opens a noun phrase: a word after one is part of a noun phrase ("a constant", "the faster one").
ARTICLES = frozenset({"the", "a", "an"})


def is_content(word: str) -> bool:
    """A word that says something: not a stop word, not punctuation (a model's word pieces include it)."""
    return word not in STOP_WORDS and any(c.isalnum() for c in word)


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if is_content(w)]


def stop_word_share(text: str) -> float:
    """Share of the words that are stop words: real sentences have a third or more, a keyword dump few."""
    tokens = words(text)
    return sum(t in STOP_WORDS for t in tokens) / len(tokens) if tokens else 0.0


def capitalised(text: str) -> str:
    """`text` with its first word capitalised when that is a plain lower-case word ("the model", "don't");
    code keeps its case ("x[:, None]", "np.mean(x)", "df.groupby", "softmaxOutput"), and so does a
    one-letter name ("x is a view of a"), the article "a" aside."""
    first = text.split(maxsplit=1)[0].rstrip(",;:.!?") if text.strip() else ""
    if not (_PLAIN_WORD.fullmatch(first) and first.islower() and (len(first) > 1 or first == "a")):
        return text
    return text.replace(first, first[0].upper() + first[1:], 1)
