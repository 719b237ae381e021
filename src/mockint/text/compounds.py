"""Words an answer writes apart that its rubric writes as one: "layer norm" for "LayerNorm", "check pointing" for
"checkpointing", "soft-max" for "softmax". Speech and hurried typing split such words, and a word-piece model reads
the two halves as other words, so the answer is graded with them closed up. Pure text, spans index the original."""

import re

from mockint.text.fillers import CleanText
from mockint.text.words import is_content, word_spans, words

# Two words close up only across plain spaces: a comma, a dash or a line break between them ends a phrase.
_SPACES = re.compile(r" +")


def closed_forms(*texts: str) -> frozenset[str]:
    """The one-piece words of `texts`, lower case, that they never write apart: what an answer's split words may
    close up into. Spelled the same, not stemmed (by stem "use red" would close up into "user"); and not a word the
    rubric also writes apart ("roll back" beside "rollback"), where the split form is the rubric's too."""
    whole = {w for t in texts for w in words(t) if w.isalpha()}
    apart = {first + second for t in texts for first, second, _, _ in split_words(t)}
    return frozenset(whole - apart)


def close_compounds(clean: CleanText, closed: frozenset[str]) -> CleanText:
    """`clean` with each pair of content words (apart, or joined by a hyphen) that closes up into a word of
    `closed` written as that word; the map back to the original is kept. Only content words, so "can not" is
    never "cannot" nor "in to" "into"."""
    text = clean.text
    gone: set[int] = set()
    used = -1
    for first, second, (start, end), gap in split_words(text):
        if start > used and _closes(first, second, closed):
            gone.update(gap)
            used = end
    if not gone:
        return clean
    kept = [k for k in range(len(text)) if k not in gone]
    return CleanText("".join(text[k] for k in kept), tuple(clean.origin[k] for k in kept))


def split_words(text: str) -> list[tuple[str, str, tuple[int, int], range]]:
    """Each two neighbouring words written apart across spaces, or joined by one hyphen, in text order: the two
    words, the indices among the text's words of the first and last word they take, and the characters between."""
    spans = word_spans(text)
    out = []
    for i, (word, start, end) in enumerate(spans):
        if word.count("-") == 1:
            first, second = word.split("-")
            out.append((first, second, (i, i), range(start + len(first), start + len(first) + 1)))
        if i + 1 < len(spans) and _SPACES.fullmatch(text[end : spans[i + 1][1]]):
            out.append((word, spans[i + 1][0], (i, i + 1), range(end, spans[i + 1][1])))
    return out


def _closes(first: str, second: str, closed: frozenset[str]) -> bool:
    return (
        first.isalpha() and second.isalpha() and is_content(first) and is_content(second) and first + second in closed
    )
