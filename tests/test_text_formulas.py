"""Formulas, code and notation in typed answers: the text layer must not cut or change them."""

import pytest

from mockint.text.clauses import as_point, balanced, hangs_on_previous
from mockint.text.fillers import strip_fillers
from mockint.text.sentences import clause_spans, sentence_spans
from mockint.text.words import capitalised

FORMULA_ANSWERS = [
    "out = floor((W - K + 2P)/S) + 1 = floor((224 - 7 + 6)/2) + 1 = floor(223/2) + 1 = 111 + 1 = 112, so output is "
    "112 x 112 x 64. params = (K*K*C_in + 1) * C_out = (7*7*3 + 1)*64 = 148*64 = 9472. Note the param count doesn't "
    "depend on the 224 input size, only compute does: MACs = 7*7*3*64*112*112, around 118M.",
    "Output size formula is (W - K + 2P)/S + 1, so (224 - 7 + 6)/2 + 1 = 112.5, round to 112, so 112x112x64.",
    "Use the ratio (mean / std; see above) to scale the inputs.",
]


def _clauses(text: str) -> list[str]:
    return [text[s:e] for sentence in sentence_spans(text) for s, e in clause_spans(text, sentence)]


@pytest.mark.parametrize("text", FORMULA_ANSWERS)
def test_no_sentence_or_clause_is_cut_inside_brackets(text):
    """A quote such as 'K + 2P)/S) + 1 = floor((224' is no clause: a cut inside brackets leaves both sides
    unbalanced."""
    assert all(balanced(c) for c in _clauses(text)), _clauses(text)


def test_a_spaced_minus_between_operands_is_not_a_dash():
    text = "the log-probabilities are z - logsumexp(z), and x - x[:, None] builds a matrix - a costly one"
    assert _clauses(text) == [
        "the log-probabilities are z - logsumexp(z)",
        "and x - x[:, None] builds a matrix",
        "a costly one",
    ]


def test_unmatched_brackets_do_not_hold_a_sentence_together():
    """A bracket never closed (a smiley, a list mark 'b)') must not swallow the sentences after it."""
    text = "It works :( sometimes. Then it fails. b) the next item"
    sentences = ["It works :( sometimes.", "Then it fails.", "b) the next item"]
    assert [text[s:e] for s, e in sentence_spans(text)] == sentences


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("watch out: x - x[:, None] builds an (n, n) matrix", "Watch out: x - x[:, None] builds an (n, n) matrix"),
        ("the kernel is (k, k) and the stride (3, 3)", "The kernel is (k, k) and the stride (3, 3)"),
        ("the pair x, x is a fixed point", "The pair x, x is a fixed point"),
        ("the grad of x_i, x_i is zero", "The grad of x_i, x_i is zero"),
    ],
)
def test_a_repeated_name_or_bracketed_token_is_notation_not_a_stutter(typed, clean):
    assert strip_fillers(typed).text == clean


@pytest.mark.parametrize(
    ("spoken", "clean"),
    [("the the model overfits", "The model overfits"), ("a a model", "A model"), ("I I think so", "I think so")],
)
def test_stutters_of_words_still_go(spoken, clean):
    assert strip_fillers(spoken).text == clean


@pytest.mark.parametrize(
    "typed",
    ["x[:, None] adds an axis", "x is a view of a", "np.mean(x) averages", "df.groupby('k') groups", "b[:, None]"],
)
def test_the_cleaned_text_keeps_the_case_of_code_at_its_start(typed):
    assert strip_fillers(typed).text == typed
    assert strip_fillers("Um, " + typed).text == typed


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("the model", "The model"),
        ("don't", "Don't"),
        ("k-means alternates", "K-means alternates"),
        ("at-least-once may duplicate", "At-least-once may duplicate"),
        ("c++ templates", "C++ templates"),
        ("a model", "A model"),
    ],
)
def test_a_plain_word_at_the_start_is_capitalised(typed, clean):
    assert capitalised(typed) == clean


@pytest.mark.parametrize(
    ("clause", "sentence"),
    [
        ("and keep the ordered merge list", "Keep the ordered merge list."),
        ("So output is 112 x 112 x 64.", "Output is 112 x 112 x 64."),
        ("but, it never zeroes anything", "It never zeroes anything."),
        ("and so the loss falls", "The loss falls."),
        ("and x - x[:, None] builds a matrix", "x - x[:, None] builds a matrix."),
    ],
)
def test_a_clause_standing_alone_drops_the_conjunction_that_tied_it(clause, sentence):
    assert as_point(clause) == sentence


@pytest.mark.parametrize(
    ("clause", "opening"),
    # "so" opening a purpose or degree phrase is no conjunction; without "nor" the clause would be a question.
    [("so far the loss falls", "So far the"), ("so that gradients flow", "So that"), ("nor does it fit", "Nor does")],
)
def test_a_word_that_carries_meaning_stays(clause, opening):
    assert as_point(clause).startswith(opening)


@pytest.mark.parametrize(
    ("piece", "hangs"),
    [
        ("which comes from the model reacting to noise", True),
        ("because collaborative filtering only learns from interactions", True),
        ("because it only learns from clicks, it cannot rank new items", False),
        ("and keep the ordered merge list", False),
        ("Which view is right depends on the data", False),
        ("the model underfits", False),
    ],
)
def test_a_piece_hangs_on_the_clause_before_only_when_relative_or_subordinate(piece, hangs):
    assert hangs_on_previous(piece) is hangs


def test_a_run_on_over_the_word_limit_is_cut_where_a_claim_ends():
    """SJ: a piece past the word limit ends before the last "and" / "so" / ... of its second half, not at its
    limit's word ("... a parity check between logged | and recomputed features")."""
    claims = " and ".join(f"claim {i} says something about part {i} here" for i in range(12))
    pieces = [claims[s:e] for s, e in sentence_spans(claims, max_words=20)]
    assert all(len(p.split()) <= 20 for p in pieces)
    assert all(p.startswith("and claim") for p in pieces[1:])
    assert "".join(f" {p}" for p in pieces).split() == claims.split()
    # With no joint in the second half, the limit's word it is.
    plain = " ".join(f"w{i}" for i in range(50))
    assert [len(plain[s:e].split()) for s, e in sentence_spans(plain, max_words=20)] == [20, 20, 10]
