"""Numbers said in words: "one" is the claim "1" is. MiniLM and the answer scorer read the word and the digit as
different words, and a stop word list drops the word, so an answer is graded with its numbers written as its rubric
writes them (NW, eval/README.md). Pure text, spans index the original."""

from mockint.text.fillers import CleanText, rewritten
from mockint.text.words import is_content, word_spans, words

# The numbers people say as one word and write as one digit (or "10"): past ten, words are rare in answers.
NUMBER_WORD_LIST = "zero one two three four five six seven eight nine ten"
DIGITS = {word: str(n) for n, word in enumerate(NUMBER_WORD_LIST.split())}
_WORDS = {digits: word for word, digits in DIGITS.items()}


def number_forms(*texts: str) -> frozenset[str]:
    """How `texts` write the numbers from zero to ten: each as a word ("one") or in digits ("1"), lower case."""
    return frozenset(w for t in texts for w, _, _ in word_spans(t) if w in DIGITS or w in _WORDS)


def numbers_as_written(clean: CleanText, forms: frozenset[str]) -> CleanText:
    """`clean` with each number from zero to ten written the way `forms` (`number_forms` of the rubric) writes it,
    where they write it only that other way: "is one" as "is 1" against a rubric's "1", "2 layers" as "two layers"
    against "two"; the map back to the original is kept."""
    return rewritten(
        clean,
        [
            (start, end, other)
            for word, start, end in word_spans(clean.text)
            if (other := DIGITS.get(word) or _WORDS.get(word)) is not None and other in forms and word not in forms
        ],
    )


def is_number(word: str) -> bool:
    """A run of digits, or a number word from zero to ten: an answer to "how many" however short (TN), though "one"
    is a stop word elsewhere (it is as often a pronoun)."""
    return word.isdigit() or word.lower() in DIGITS


def only_numbers(text: str) -> bool:
    """Whether `text` says nothing but numbers ("Two", "1 (or 2)"): every word, stop words aside, is one (BB)."""
    said = [w for w in words(text) if is_content(w) or is_number(w)]
    return bool(said) and all(is_number(w) for w in said)
