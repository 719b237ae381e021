"""The alternatives a question sets against each other: "data drift and concept drift", "BatchNorm vs
LayerNorm", "threads versus processes", "How does BERT differ from GPT", "recall@k, precision@k, MRR and
NDCG@k". Saying one where the rubric says the other (swapping bias and variance, precision and recall) is
the commonest confident mistake in an interview, and one an alignment of meanings cannot see: both sides
use the same words. Pure text."""

import re
from collections.abc import Sequence
from itertools import combinations, pairwise

from mockint.text.clauses import can_name
from mockint.text.sentences import sentence_spans
from mockint.text.stems import stem
from mockint.text.words import is_content, word_spans, words

Contrast = tuple[frozenset[str], frozenset[str]]

_SEPARATOR = re.compile(
    r"\s*,\s*(?:and|or)\s+|\s*,\s*|"
    r"\s+(?:and|or|vs\.?|versus|differs?\s+from|compared\s+(?:to|with)|instead\s+of|rather\s+than)\s+",
    re.IGNORECASE,
)
# Two alternatives are only contrasted where the question says so; "how do you detect it, and when should
# you care" coordinates two questions, not two things.
_CONTRAST_CUE = re.compile(
    r"\b(?:compar\w*|differ\w*|distinguish\w*|between|versus|vs\.?|instead|prefer\w*|"
    r"choose|over|trade-?offs?|which)\b",
    re.IGNORECASE,
)
# "Compare A with B" sets A against B as "A versus B" does; "with" elsewhere ("models with different tokenizers")
# does not.
_COMPARE_WITH = re.compile(r"^(\s*compare\b.*?)\s+(?:with|against)\s+", re.IGNORECASE)
_TRADE_OFF = re.compile(r"\b([A-Za-z]+)-([A-Za-z]+)\s+trade-?offs?\b", re.IGNORECASE)
# A coordinated question that names a thing of its own asks something new: in "What is the GIL, and when should
# you use threads versus processes" the GIL is no alternative to threads. Questions opening alike ask in parallel
# ("which return views and which return copies").
_NEW_QUESTION = re.compile(r"(?:how|what|when|where|whether|which|who|why)\b", re.IGNORECASE)
# Words taken from each side of a separator: "concept drift" against "data drift", not the whole clause.
ITEM_WORDS = 2
# A segment this short between two separators is itself an item of a list ("MRR" in "precision@k, MRR and").
LIST_ITEM_WORDS = 2


def _is_term(s: str) -> bool:
    """Not a number or a single letter: '(3, 1) + (4,)' and 'X of shape (N, D)' name no alternatives."""
    return len(s) > 1 and not s.isdigit()


def _stems(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    return [stem(w) for w in words(text) if is_content(w) or w in names]


def _names(sentence: str) -> frozenset[str]:
    """Stop words the sentence capitalises past its first word, which name things: "Xavier and He initialization"."""
    return frozenset(
        w
        for i, (w, s, e) in enumerate(word_spans(sentence))
        if i and len(w) > 1 and not is_content(w) and sentence[s:e].istitle()
    )


def _chains(sentence: str, names: frozenset[str]) -> list[list[list[str]]]:
    """Lists of alternatives in one sentence of the question, each alternative as the stems next to a
    separator; a pair only where the sentence contrasts, a list of three or more anywhere."""
    segments = _SEPARATOR.split(_COMPARE_WITH.sub(r"\1 versus ", sentence, count=1))
    chains, current = [], []
    for left, right in pairwise(segments):
        asks = _NEW_QUESTION.match(right)
        if asks and _stems(right, names) and words(left)[:1] != [asks.group().lower()]:
            chains.append(current)
            current = []
            continue
        if not current:
            current = [_stems(left, names)[-ITEM_WORDS:]]
        current.append(_stems(right, names)[:ITEM_WORDS])
        if len(words(right)) > LIST_ITEM_WORDS:
            chains.append(current)
            current = []
    if current:
        chains.append(current)
    return [c for c in chains if len(c) > 2 or _CONTRAST_CUE.search(sentence)]


def contrast_pairs(question: str, rubric: str) -> list[Contrast]:
    """Pairs of stem sets the question contrasts, each side reduced to what tells it from the other and to
    stems the rubric uses (so that 'How does X work, and why' gives nothing) and without a head noun the two
    share (`_without_shared_heads`): 'data drift and concept drift' gives ({data}, {concept}), 'L1 and L2
    regularization' ({l1}, {l2})."""
    sentences = [question[s:e] for s, e in sentence_spans(question)]
    names = frozenset().union(*(_names(s) for s in sentences))
    rubric_stems = set(_stems(rubric, names))
    heads = set(pairwise(stem(w) for w in words(rubric)))
    items = [c for sentence in sentences for chain in _chains(sentence, names) for c in combinations(chain, 2)]
    items += [([stem(m.group(1))], [stem(m.group(2))]) for m in _TRADE_OFF.finditer(question)]
    pairs: list[Contrast] = []
    for a, b in items:
        only_a = frozenset(s for s in a if s not in b and s in rubric_stems and _is_term(s))
        only_b = frozenset(s for s in b if s not in a and s in rubric_stems and _is_term(s))
        if only_a and only_b:
            only_a, only_b = _without_shared_heads(only_a, only_b, heads), _without_shared_heads(only_b, only_a, heads)
            if (only_a, only_b) not in pairs:
                pairs.append((only_a, only_b))
    return pairs


def _without_shared_heads(side: frozenset[str], other: frozenset[str], said: set[tuple[str, str]]) -> frozenset[str]:
    """A side without the words the rubric also says right after a word of the other side (`said`: its pairs of
    neighbouring stems): in "L1 and L2 regularization" the head noun belongs to both sides, as "L1
    regularization" in the rubric shows, so it tells L2 from L1 no more than 'drift' tells concept drift from
    data drift. A side's only word stays."""
    kept = frozenset(s for s in side if not any((o, s) in said for o in other))
    return kept or side


def with_sides_joined(text: str, contrasts: Sequence[Contrast]) -> str:
    """`text` with a side named in one word written as two ("dense rank" for DENSE_RANK, "skip gram" for
    skip-gram, as a transcript of speech writes them) joined as the rubric writes it, so that it names that side
    and not another ("rank"). Same length, so spans in `text` hold in the original."""
    joined = {s for a, b in contrasts for s in a | b if "_" in s or "-" in s}
    if not joined:
        return text
    spans = word_spans(text)
    out = list(text)
    for (first, _, end), (second, start, _) in pairwise(spans):
        if start == end + 1 and text[end] == " ":
            sep = next((sep for sep in "_-" if stem(f"{first}{sep}{second}") in joined), None)
            if sep:
                out[end] = sep
    return "".join(out)


# Words a side's name runs to: "periodic batch retraining", not a clause.
NAME_WORDS = 4


def side_name(text: str, side: frozenset[str], question_stems: frozenset[str]) -> str:
    """How `text` names `side`: its first word of the side with the words next to it that can name a thing and
    that the question or the side uses ("online learning" for {learn}, "periodic batch retraining" for {batch,
    period}, "word2vec" in "word2vec learns"), so that a message names the alternative, not one word of it. The
    side's first stem when the text writes none."""
    spans = word_spans(text)
    named = [i for i, (w, _, _) in enumerate(spans) if stem(w) in side]
    if not named:
        return min(side)

    def part(i: int) -> bool:
        if not 0 <= i < len(spans):
            return False
        word = spans[i][0]
        return is_content(word) and can_name(word) and stem(word) in side | question_stems

    first = last = named[0]
    while last - first + 1 < NAME_WORDS and (part(first - 1) or part(last + 1)):
        first, last = (first - 1, last) if part(first - 1) else (first, last + 1)
    return text[spans[first][1] : spans[last][2]]
