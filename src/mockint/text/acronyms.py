"""Acronyms: "FIFO" is the claim "first-in-first-out" is. MiniLM and the answer scorer read an acronym and the words
it stands for as different words, so an answer is graded with its acronyms written as its rubric writes them: spelled
out where the rubric spells them out, as the acronym where the rubric writes that (AB, eval/README.md). The word
alignment links the two forms too (`alignment.similarity`), but only word to word; the answer scorer and the sentence
vectors read the text, and see the same words only once it is written as the rubric writes it. Pure text, spans index
the original."""

from dataclasses import dataclass

from mockint.text.fillers import CleanText, rewritten
from mockint.text.words import ARTICLES, is_content, word_spans, words

# An acronym has three to eight letters: two letters spell too many runs of words by chance ("in sorted" is "is"),
# and the longest in common use ("CSMA/CD" is two words) are shorter than eight.
MIN_LETTERS, MAX_LETTERS = 3, 8
# Words written in capitals are an acronym on purpose; a run of an answer's words is read as one from four letters,
# since three words spell three letters by chance too often ("the picture changes a lot" spells "PCA": AB').
MIN_SPELLED_LETTERS = 4


@dataclass(frozen=True)
class AcronymForms:
    """How a rubric writes its acronyms. `spelled`: an acronym (lower case) the rubric only spells out, with the
    words as it writes them; `written`: an acronym the rubric only writes as one, as it writes it."""

    spelled: tuple[tuple[str, str], ...] = ()
    written: tuple[str, ...] = ()


def acronym_forms(question: str, *rubric: str) -> AcronymForms:
    """The acronyms of the `question` and its `rubric`, each in the one form they write it (`AcronymForms`); one they
    write both ways needs no rewriting. Nor does one the question writes, either way: the question names its topic, and
    an answer that names it back by its acronym ("RPF" for "Reverse Path Forwarding") would, spelled out, say the
    question's words again at each mention (AB'', eval/README.md)."""
    texts = (question, *rubric)
    acronyms = {token: text[start:end] for text in texts for token, start, end in _acronyms(text)}
    spelled: dict[str, str] = {}
    for text in texts:
        for letters, start, end in _runs(text):
            spelled.setdefault(letters, text[start:end])
    topic = {token for token, _, _ in _acronyms(question)} | {letters for letters, _, _ in _runs(question)}
    return AcronymForms(
        spelled=tuple((a, phrase) for a, phrase in spelled.items() if a not in acronyms and a not in topic),
        written=tuple(written for a, written in acronyms.items() if a not in spelled and a not in topic),
    )


def acronyms_as_written(clean: CleanText, forms: AcronymForms) -> CleanText:
    """`clean` with each acronym written the way `forms` (`acronym_forms` of the rubric) writes it, where it writes
    it only the other way: "FIFO" as "first-in-first-out", "last in first out" as "LIFO" (a run of
    MIN_SPELLED_LETTERS or more, with no article: an article is never abbreviated); the map back to the original is
    kept."""
    if not forms.spelled and not forms.written:
        return clean
    text = clean.text
    spelled = dict(forms.spelled)
    written = {a.lower(): a for a in forms.written}
    replacements = [(start, end, spelled[token]) for token, start, end in _acronyms(text) if token in spelled]
    taken = [(start, end) for start, end, _ in replacements]
    for letters, start, end in _runs(text):
        if (
            len(letters) >= MIN_SPELLED_LETTERS
            and letters in written
            and not any(s < end and start < e for s, e in taken)
            and not ARTICLES & set(words(text[start:end]))
        ):
            replacements.append((start, end, written[letters]))
            taken.append((start, end))
    return rewritten(clean, sorted(replacements))


def _acronyms(text: str) -> list[tuple[str, int, int]]:
    """Each word `text` writes in capitals, of MIN_LETTERS to MAX_LETTERS letters ("LIFO", "CNNs" as "cnn"): the
    acronym lower case, and its span."""
    found = []
    for _, start, end in word_spans(text):
        written = text[start:end]
        letters = written[:-1] if written.endswith("s") else written
        # A stop word in capitals is said loudly ("NOT", "ALL"), not abbreviated.
        if (
            letters.isalpha()
            and letters.isupper()
            and MIN_LETTERS <= len(letters) <= MAX_LETTERS
            and is_content(letters.lower())
        ):
            found.append((letters.lower(), start, end))
    return found


def _runs(text: str) -> list[tuple[str, int, int]]:
    """Each run of words in `text` that could be spelled out as an acronym: plain words joined by spaces or hyphens,
    opening on a content word (a stop word opens no name: "the client process" is no TCP), whose initials spell
    MIN_LETTERS to MAX_LETTERS letters; those initials, lower case, and the run's span."""
    spans = word_spans(text)
    runs = []
    for i, (first, start, _) in enumerate(spans):
        if not is_content(first) or not first.replace("-", "").isalpha():
            continue
        letters = ""
        for j in range(i, len(spans)):
            token, token_start, end = spans[j]
            if j > i and (text[spans[j - 1][2] : token_start].strip() or not token.replace("-", "").isalpha()):
                break
            letters += "".join(part[0] for part in token.split("-") if part)
            if len(letters) > MAX_LETTERS:
                break
            if len(letters) >= MIN_LETTERS and (j > i or "-" in token):
                runs.append((letters, start, end))
    return runs
