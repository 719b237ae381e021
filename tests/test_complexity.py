"""Complexity classes read from text (CX): the notation and the scale's words, compared as growth per variable."""

import pytest

from mockint.text.complexity import Growth, classes_as_written, complexities, disagree, notation_spans
from mockint.text.fillers import strip_fillers


def _class(text: str):
    (found,) = complexities(text)
    return found.growth


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("a linear O(n) scan", ["O(n)"]),
        ("o(n^2) memory typed in one breath", ["o(n^2)"]),
        ("sorting is O(nlogn)", ["O(nlogn)"]),
        ("Θ(log(n)) per lookup", ["Θ(log(n))"]),
        ("it is big O of n squared", ["big O of n squared"]),
        ("constant-time lookups", ["constant-time"]),
        ("compute grows quadratically with length", ["grows quadratically"]),
        # "linear" and "quadratic" name models and losses: no class without a cost noun or a verb of growth.
        ("linear regression with a quadratic loss", []),
        # A prefixed scale word states a class near the word's, not it.
        ("sparse attention for near-linear cost", []),
        # A sum is not read: no class is better than a wrong one.
        ("O(n + m) for a join", []),
        # CS: a class said standing alone, in n, m or k; not twice inside notation, nor a speed squared.
        ("about log base 2 of n comparisons", ["log base 2 of n"]),
        ("it runs in n log n time, worst case N squared", ["n log n", "N squared"]),
        ("O(n log n) on average", ["O(n log n)"]),
        ("kinetic energy grows with v squared", []),
    ],
)
def test_classes_are_read_where_the_text_states_one(text, written):
    assert [c.written for c in complexities(text)] == written


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("O(1)", "O(n)"),
        ("O(n)", "O(n^2 d)"),
        ("O(n)", "O(n log n)"),
        ("O(log n)", "O(sqrt(n))"),
        ("linear time", "O(n^2)"),
        ("O(2^n)", "O(n^3)"),
    ],
)
def test_different_growth_disagrees_both_ways(one, other):
    assert disagree(_class(one), _class(other))
    assert disagree(_class(other), _class(one))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("O(n^2)", "O(n^2 d)"),  # what one leaves out is not denied
        ("grows quadratically", "O(n^2 d)"),
        ("O(N log N)", "O(n log n)"),
        ("O(2n)", "O(n)"),
        ("O(k)", "O(n)"),  # no shared variable: nothing to compare
        ("exponential time", "O(2^n)"),
    ],
)
def test_the_same_growth_agrees(one, other):
    assert not disagree(_class(one), _class(other))
    assert not disagree(_class(other), _class(one))


def test_a_notation_is_one_unit_for_the_point_pieces():
    text = "Self-attention compute scales as O(n^2 d), not O(n)"
    assert [text[s:e] for s, e in notation_spans(text)] == ["O(n^2 d)", "O(n)"]


def test_a_class_said_in_words_is_written_as_the_rubric_writes_one_that_agrees():
    """CS: "n squared" is written "O(n^2)" against a rubric's "O(n^2)"; a class that disagrees is left as said, and the
    original is quoted through the map back."""
    rubric = complexities("Quicksort is O(n log n) on average and O(n^2) in the worst case.")
    answer = "Um, n squared in the worst case, log n deep on average."
    written = classes_as_written(strip_fillers(answer), rubric)
    assert written.text == "O(n^2) in the worst case, log n deep on average."
    assert answer[slice(*written.span_in_original(0, len("O(n^2)")))] == "n squared"


@pytest.mark.parametrize(
    ("answer", "written"),
    [
        ("constant", "O(1)"),
        ("it is linear in n", "It is O(n) in n"),
        ("linear regression", "Linear regression"),  # a scale word before a noun names a model
        ("a constant", "A constant"),  # after an article it is a noun
        ("quadratic", "Quadratic"),  # agrees with no class of the rubric
        ("linear, even at the head", "O(n), even at the head"),  # a comma ends its phrase (CM)
        ("linear/logistic regression", "linear/logistic regression"),  # a slash joins alternatives
    ],
)
def test_a_scale_word_said_alone_is_written_as_the_rubric_writes_a_class_that_agrees(answer, written):
    """SA: a scale word that modifies nothing states a class, "constant" the rubric's "O(1)" (CS skipped a constant)."""
    rubric = complexities("O(1) at the head, O(n) to find a node.")
    assert classes_as_written(strip_fillers(answer), rubric).text == written


@pytest.mark.parametrize(
    ("rubric", "written"),
    [
        ("O(1) at the head, O(n) to find a node.", "It grows O(n), O(1) time at the head"),
        # The rubric says the linear class in words too: the answer's words match them as they are.
        ("O(1) at the head; the scan grows linearly.", "It grows linearly, O(1) time at the head"),
    ],
)
def test_a_scale_phrase_is_written_as_notation_where_the_rubric_writes_its_class_only_so(rubric, written):
    """WN: a scale phrase's word is written as the rubric's notation, as SA writes a bare scale word."""
    answer = "it grows linearly, constant time at the head"
    assert classes_as_written(strip_fillers(answer), complexities(rubric)).text == written


@pytest.mark.parametrize(
    ("rubric", "written"),
    [
        ("Linear time, because every element is inspected.", "Linear time since you look at each one"),
        # The rubric writes the class in notation too: the answer's notation matches it as it is.
        ("Linear time, O(n), because every element is inspected.", "O(n) since you look at each one"),
        ("Constant time.", "O(n) since you look at each one"),  # agrees with no class of the rubric
    ],
)
def test_notation_is_written_as_the_rubric_words_where_it_writes_its_class_only_so(rubric, written):
    """WB: WN the other way round, "O(n)" as the rubric's "Linear time"."""
    answer = "O(n) since you look at each one"
    assert classes_as_written(strip_fillers(answer), complexities(rubric)).text == written


@pytest.mark.parametrize(
    ("text", "growth"),
    [
        ("n^2", {"n": Growth(2, 0)}),
        ("n**2", {"n": Growth(2, 0)}),
        ("n²", {"n": Growth(2, 0)}),
        ("O(n²)", {"n": Growth(2, 0)}),  # a superscript is a power, not part of the variable's name
        ("n*n", {"n": Growth(2, 0)}),
        ("log(n)", {"n": Growth(0, 1)}),
        ("log2(n)", {"n": Growth(0, 1)}),
        ("logn", {"n": Growth(0, 1)}),
        ("lg n", {"n": Growth(0, 1)}),
    ],
)
def test_a_class_typed_as_maths_is_read(text, growth):
    """CF: the forms a candidate types a class in, in n."""
    assert [c.growth for c in complexities(text)] == [growth]


@pytest.mark.parametrize("text", ["k^2 weights per filter", "an m*m matrix", "the n-gram model"])
def test_maths_in_other_letters_is_no_class(text):
    """CF: "k^2" and "m*m" count a kernel's weights and a matrix's cells as often as they state a cost."""
    assert complexities(text) == []


@pytest.mark.parametrize(
    ("answer", "written"),
    [
        ("O(logn) per step", "O(log n) per step"),
        ("it is log(n)", "It is O(log n)"),
        ("O(n^2) in the worst case", "O(n^2) in the worst case"),  # typed as the rubric types it
        ("O(n) per step", "O(n) per step"),  # another class
    ],
)
def test_a_class_typed_otherwise_is_written_as_the_rubric_types_it(answer, written):
    """CF: "O(logn)" as the rubric's "O(log n)"; MiniLM reads "logn" as another word."""
    rubric = complexities("O(log n) per lookup, O(n^2) to build it badly.")
    assert classes_as_written(strip_fillers(answer), rubric).text == written


def test_a_scale_word_said_alone_is_written_only_as_notation():
    """SA: against a rubric that says the class in words ("grows linearly") the answer's word already matches it."""
    rubric = complexities("In congestion avoidance the window grows linearly.")
    assert classes_as_written(strip_fillers("it increases linear"), rubric).text == "It increases linear"
