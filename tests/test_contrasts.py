"""The alternatives a question contrasts, read from its text."""

import pytest

from mockint.grading.offline.contrasts import contrast_pairs, side_name, with_sides_joined
from mockint.text.stems import stem
from mockint.text.words import words


def _pairs(question: str, rubric: str) -> set[tuple[frozenset[str], frozenset[str]]]:
    return set(contrast_pairs(question, rubric))


def _side(*ws: str) -> frozenset[str]:
    return frozenset(stem(w) for w in ws)


@pytest.mark.parametrize(
    ("question", "rubric", "expected"),
    [
        (
            "What is the difference between data drift and concept drift?",
            "Data drift changes the inputs; concept drift changes the mapping.",
            (_side("data"), _side("concept")),
        ),
        (
            "What is the bias-variance tradeoff?",
            "High bias underfits, high variance overfits.",
            (_side("bias"), _side("variance")),
        ),
        (
            "How does BERT differ from GPT in architecture and pretraining?",
            "BERT is an encoder, GPT a decoder.",
            (_side("bert"), _side("gpt")),
        ),
        (
            "When should you use threads versus processes?",
            "Threads share the GIL; processes do not.",
            (_side("threads"), _side("processes")),
        ),
        # "He" is a stop word, but capitalised past the sentence's start it names the initialisation.
        (
            "Why does weight initialization matter, and how do Xavier and He initialization differ?",
            "Xavier initialization suits tanh; He initialization compensates for ReLU.",
            (_side("xavier"), _side("he")),
        ),
        (
            "Compare content-based filtering with collaborative filtering. When would you combine them?",
            "Content-based filtering uses item attributes; collaborative filtering uses interactions.",
            (_side("content-based"), _side("collaborative")),
        ),
    ],
)
def test_contrasted_alternatives_are_found(question, rubric, expected):
    assert expected in _pairs(question, rubric)


@pytest.mark.parametrize(
    ("question", "rubric", "expected"),
    [
        # The rubric says "L1 regularization": the head noun after "L1 and L2" belongs to both sides.
        (
            "What is the difference between L1 and L2 regularization?",
            "L1 regularization drives weights to zero; L2 regularization shrinks them.",
            {(_side("l1"), _side("l2"))},
        ),
        # A rubric that never says "L1 regularization" gives no evidence the noun is shared.
        (
            "What is the difference between L1 and L2 regularization?",
            "L1 drives weights to zero; L2 regularization shrinks them.",
            {(_side("l1"), _side("l2", "regularization"))},
        ),
        (
            "Compare offline and online metrics.",
            "Offline metrics are cheap; online metrics are the truth.",
            {(_side("offline"), _side("online"))},
        ),
        # A side's only word stays, whatever the rubric puts after the other side.
        (
            "What is the bias-variance tradeoff?",
            "The bias variance tradeoff: high bias underfits, high variance overfits.",
            {(_side("bias"), _side("variance"))},
        ),
    ],
)
def test_a_head_noun_both_sides_share_is_no_side(question, rubric, expected):
    assert _pairs(question, rubric) == expected


def test_every_pair_of_a_list_is_a_contrast():
    found = _pairs("Define precision, recall and F1.", "precision recall f1 harmonic mean")
    assert {
        (_side("precision"), _side("recall")),
        (_side("precision"), _side("f1")),
        (_side("recall"), _side("f1")),
    } <= found


@pytest.mark.parametrize(
    ("question", "rubric"),
    [
        # Two questions coordinated, not two things contrasted.
        ("How does PCA work, and what are its pitfalls?", "PCA projects onto directions; pitfalls: scaling."),
        ("How do you detect multicollinearity, and when should you care?", "detect with VIF; care when interpreting"),
        # A side the rubric never names is no contrast to check against it.
        ("Compare grid search and random search.", "Random sampling covers important dimensions better."),
        # "with" and "to" set nothing against anything outside "Compare A with B".
        (
            "Why can't you compare the perplexities of two language models with different tokenizers?",
            "Perplexity depends on the tokenizer: models with different vocabularies predict different units.",
        ),
        ("Compare Bayesian approaches to A/B testing.", "Bayesian testing gives a posterior."),
        # Numbers and single letters are not alternatives.
        ("What are the shapes of (3, 1) + (4,) and (5, 3) + (5,)?", "shapes 3 4 5 broadcast"),
    ],
)
def test_no_contrast_where_the_question_sets_none(question, rubric):
    assert not _pairs(question, rubric)


@pytest.mark.parametrize(
    ("text", "side", "name"),
    [
        ("while online learning is easy to validate", {"learn"}, "online learning"),
        ("Periodic batch retraining produces validated models", {"batch", "period"}, "Periodic batch retraining"),
        ("GloVe factorizes counts while word2vec learns from windows", {"word2vec"}, "word2vec"),  # not a verb
        ("nothing of it here", {"batch"}, "batch"),
    ],
)
def test_a_side_is_named_as_the_text_writes_it(text, side, name):
    question = "What are the trade-offs between online (incremental) learning and periodic batch retraining? How "
    question += "does GloVe differ from word2vec in the way it learns?"
    assert side_name(text, frozenset(side), frozenset(stem(w) for w in words(question))) == name


def test_a_coordinated_question_that_asks_anew_sets_nothing_against_what_came_before():
    rubric = "The GIL lets one thread run bytecode. Threads suit I/O-bound work; processes suit CPU-bound work."
    pairs = _pairs("What is the GIL, and when should you use threads versus processes for ML data work?", rubric)
    assert not any(_side("gil") in pair for pair in pairs)
    assert any(_side("processes") in pair for pair in pairs)
    # Questions opening alike ask in parallel: their subjects are the alternatives.
    views = _pairs(
        "In NumPy, which operations return views and which return copies, and why does it matter?",
        "Basic slicing returns a view; fancy indexing returns a copy.",
    )
    assert (_side("view"), _side("copies")) in views


def test_instead_of_and_rather_than_set_alternatives_against_each_other():
    pairs = _pairs(
        "When would you use t-SNE or UMAP instead of PCA?",
        "PCA is linear and keeps global variance; t-SNE and UMAP are non-linear and keep local neighbourhoods.",
    )
    assert (_side("umap"), _side("pca")) in pairs
    pairs = _pairs(
        "Why do models tokenize text into subwords rather than whole words or single characters?",
        "Subwords keep the vocabulary small; whole words leave rare words out of the vocabulary.",
    )
    assert any(_side("subwords") in pair for pair in pairs)


def test_a_side_named_in_one_word_and_spoken_as_two_is_joined_as_the_rubric_writes_it():
    contrasts = [(_side("row_number"), _side("dense_rank")), (_side("skip-gram"), _side("cbow"))]
    text = "Row number is unique, dense rank has no gaps; skip gram predicts context and rank skips."
    joined = with_sides_joined(text, contrasts)
    assert joined == "Row_number is unique, dense_rank has no gaps; skip-gram predicts context and rank skips."
    assert len(joined) == len(text)
    assert with_sides_joined(text, [(_side("rank"), _side("cbow"))]) == text
