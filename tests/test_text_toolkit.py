"""The text toolkit every grader, check and insight shares: words, stems, stop words, negations, fillers,
keyword stuffing. Pure, no model."""

import re
import threading
from pathlib import Path

import pytest
import snowballstemmer

from mockint.grading.answer_checks import stuffing_reason
from mockint.text.acronyms import acronym_forms, acronyms_as_written
from mockint.text.compounds import close_compounds, closed_forms
from mockint.text.fillers import count_fillers, find_fillers, strip_fillers
from mockint.text.negations import denied_spans, is_negated, is_negation, reports_belief
from mockint.text.numbers import number_forms, numbers_as_written
from mockint.text.stems import content_stems, stem, written_as
from mockint.text.stuffing import reads_as_keyword_list
from mockint.text.words import content_words, is_content, word_spans, words


def test_words_keep_technical_terms_contractions_and_unicode():
    assert words("Don’t use top-k with C++ or snake_case in a naïve model's 'layers'.") == [
        "don't",
        "use",
        "top-k",
        "with",
        "c++",
        "or",
        "snake_case",
        "in",
        "a",
        "naïve",
        "model's",
        "layers",
    ]


def test_word_spans_index_the_original_text():
    text = "Um, it’s LIFO."
    assert [text[s:e] for _, s, e in word_spans(text)] == ["Um", "it’s", "LIFO"]


def test_stop_words_and_vague_words_are_not_content():
    assert content_words("I think it is basically the one thing that regularises weights") == ["regularises", "weights"]
    assert not is_content("isn't") and is_content("dropout")


def test_stems_join_inflections_of_one_word():
    assert stem("layers") == stem("layer")
    assert stem("regularizes") == stem("regularization") == stem("regularize")
    assert stem("Overfitting") == stem("overfit")
    assert content_stems("The layers overfit") == {stem("layer"), stem("overfit")}


def test_a_stem_is_named_as_the_text_writes_it():
    assert written_as("One-stage detectors are faster", {stem("one-stage")}) == "one-stage"
    assert written_as("It regularizes the layers", {stem("layer"), stem("regularization")}) == "regularizes"
    assert written_as("Nothing about it", {"layer"}) == "layer"


@pytest.mark.parametrize("word", ["not", "never", "without", "cannot", "don't", "mustn't", "nor"])
def test_negations(word):
    assert is_negation(word)


def test_negated_text():
    assert is_negated("It is not used at inference") and is_negated("It isn’t used")
    assert not is_negated("It is used at inference")


SPOKEN = [
    "Um, so basically, dropout is, like, a regularizer where you, you know, randomly drop units during uh training.",
    "So like the gradients vanish, and like, nobody notices, right?",
    "Well, it is kind of slow. Okay so, erm, I mean, the cache helps, right, and mhm it works.",
]


@pytest.mark.parametrize("text", SPOKEN)
def test_grading_removes_exactly_the_fillers_delivery_counts(text):
    """One detector: after strip_fillers, nothing is left that count_fillers would count."""
    assert sum(count_fillers(text).values()) >= 3
    assert count_fillers(strip_fillers(text).text) == {}


@pytest.mark.parametrize(
    ("spoken", "clean"),
    [
        ("values lie in [-1, 1] after tanh", "Values lie in [-1, 1] after tanh"),
        ("stride 2, 2 and padding 1, 1", "Stride 2, 2 and padding 1, 1"),
        ("the mask is 1 1 0 0", "The mask is 1 1 0 0"),
        ("at test time you, uh, you turn it off", "At test time you turn it off"),
        ("the the model overfits", "The model overfits"),
        ("it needs smaller networks, you know. Then", "It needs smaller networks. Then"),
    ],
)
def test_stutters_go_numbers_and_punctuation_stay(spoken, clean):
    """A repeated number is data, a stutter is found once its filler is gone, and a removed filler leaves
    no stray comma before a full stop; every kept character maps back to itself in the original."""
    found = strip_fillers(spoken)
    assert found.text == clean
    assert "".join(spoken[i] for i in found.origin).lower() == clean.lower()


def test_filler_spans_index_the_original_text():
    text = "The model, um, overfits, you know, badly."
    assert [(f.kind, text[f.start : f.end]) for f in find_fillers(text)] == [("um", "um"), ("you know", "you know")]


@pytest.mark.parametrize(
    ("answer", "question", "stuffed"),
    [
        ("dropout, regularization, overfitting, ensemble, neurons, units, inference, scaling, noise", "", True),
        ("SELECT FROM WHERE GROUP BY HAVING ORDER BY JOIN ON INDEX PRIMARY KEY table rows", "What does SQL do?", True),
        ("Dropout zeroes random units during training so the network cannot rely on any one of them.", "", False),
        # The symbols of a formula are not words: a sentence with one is prose, not a bare list.
        ("Softmax converts raw logits to a probability distribution: softmax(z_i) = e^z_i / Σe^z_j.", "", False),
        (
            "accuracy, precision, recall, F1 score, AUC, log loss, MCC, PR AUC",
            "Name five classification metrics.",
            False,
        ),
    ],
)
def test_one_keyword_stuffing_detector(answer, question, stuffed):
    assert reads_as_keyword_list(answer, question) is stuffed
    assert (stuffing_reason(answer, question) is not None) is stuffed


def test_a_denial_frame_scopes_over_the_rest_of_its_sentence_only():
    text = "It is not true that dropout zeroes units, which regularizes. It averages. It isn't the case that X holds"
    assert [text[s:e].strip() for s, e in denied_spans(text)] == ["dropout zeroes units, which regularizes.", "X holds"]
    assert denied_spans("Dropout is not used at inference; that is true.") == []


def test_stems_are_right_when_threads_stem_at_once():
    """The app and `eval` grade on several threads; one shared Snowball stemmer gave wrong stems under load
    ('numbers' -> 'likewise', seen by a review) and the cache kept them for the rest of the process."""
    corpus = " ".join(p.read_text() for p in sorted((Path(__file__).parents[1] / "corpus").glob("*.yaml")))
    vocabulary = sorted({w.lower() for w in re.findall(r"[A-Za-z]+", corpus)})
    reference = snowballstemmer.stemmer("english")
    stem.cache_clear()
    threads = [
        threading.Thread(target=lambda part: [stem(w) for w in part], args=(vocabulary[i::8],)) for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wrong = [w for w in vocabulary if stem(w) != reference.stemWord(w)]
    assert len(vocabulary) > 3000 and wrong == []


@pytest.mark.parametrize(
    ("text", "reported"),
    [
        ("Some people think concept drift is just the inputs changing", True),
        ("A classic bug is when you think you modified a copy", True),
        ("A common mistake is thinking dropout stays on at inference", True),
        ("It's tempting to assume more data always helps", True),
        ("I think dropout is used at inference", False),  # the speaker's own claim, hedged
        ("you'd expect the variance to fall with more data", False),  # states a claim
        ("Dropout is disabled at inference", False),
    ],
)
def test_a_belief_reported_of_others_is_told_from_the_speakers_claim(text, reported):
    assert reports_belief(text) is reported


@pytest.mark.parametrize(
    ("answer", "graded"),
    [
        ("Transformers use layer norm, not batch norm.", "Transformers use layernorm, not batchnorm."),
        ("Use a soft-max over the logits.", "Use a softmax over the logits."),
        # Two words apart across a comma, or a stop word in the pair, stay apart.
        ("It uses a layer, norm and all.", "It uses a layer, norm and all."),
        ("You can not use it; put it in to the batch.", "You can not use it; put it in to the batch."),
        # The rubric writes "roll back" apart too, and "use red" spells no rubric word (by stem it would: "user").
        ("Easy to roll back; use red and green.", "Easy to roll back; use red and green."),
    ],
)
def test_words_an_answer_writes_apart_that_the_rubric_writes_as_one_are_closed_up(answer, graded):
    forms = closed_forms(
        "LayerNorm normalises each token; BatchNorm uses the batch; softmax cannot go into it.",
        "A rollback is simple: roll back to the last model, as any user would.",
    )
    clean = strip_fillers(answer)
    closed = close_compounds(clean, forms)
    assert closed.text == graded
    # Quotes come from the original: every kept character maps back to itself.
    assert all(answer[closed.origin[i]] == ch for i, ch in enumerate(closed.text))
    start = closed.text.find("layernorm")
    if start >= 0:
        assert answer[slice(*closed.span_in_original(start, start + len("layernorm")))] == "layer norm"


@pytest.mark.parametrize(
    ("answer", "graded"),
    [
        ("The base case is one.", "The base case is 1."),
        ("Use 2 layers and Zero padding.", "Use two layers and Zero padding."),
        # The rubric writes "three" both ways, "one-stage" is no number, and "11" is past the words' range.
        (
            "It takes three or 3 steps, a one-stage pass, 11 in all.",
            "It takes three or 3 steps, a one-stage pass, 11 in all.",
        ),
    ],
)
def test_an_answers_numbers_are_written_as_the_rubric_writes_them(answer, graded):
    forms = number_forms("The array has size 1 or two; three (3) steps.", "Zero-padding is off.")
    written = numbers_as_written(strip_fillers(answer), forms)
    assert written.text == graded
    at = written.text.find(" 1.")
    if at >= 0:
        assert answer[slice(*written.span_in_original(at + 1, at + 2))] == "one"
    assert all(answer[written.origin[k]] == ch for k, ch in enumerate(written.text) if not ch.isalnum())


@pytest.mark.parametrize(
    ("answer", "graded"),
    [
        ("Queue is FIFO, stack is LIFO", "Queue is first-in-first-out, stack is LIFO"),
        ("Tokens are last in first out, like TCP.", "Tokens are LIFO, like Transmission Control Protocol."),
        ("Both CNNs and RNNs", "Both convolutional neural networks and RNNs"),
        # A stop word in capitals is no acronym, two letters are too few, a run must open on a content word, and
        # words the rubric writes both ways ("SGD" and "stochastic gradient descent") need no rewriting.
        ("NOT the FOR loop, just ML.", "NOT the FOR loop, just ML."),
        ("The last in first out SGD", "The LIFO SGD"),
        # An acronym the question spells out names its topic, and is left as written (AB'').
        ("RPF floods less", "RPF floods less"),
        # A run of words spells an acronym from four letters, and holds no article (AB').
        ("Tiny rows grow, the picture changes a trend", "Tiny rows grow, the picture changes a trend"),
    ],
)
def test_an_answers_acronyms_are_written_as_the_rubric_writes_them(answer, graded):
    forms = acronym_forms(
        "Why does a queue use this order, and what is Reverse Path Forwarding?",
        "A queue is first-in-first-out. A stack is LIFO; a Transmission Control Protocol stream and convolutional "
        "neural networks too, in TRG and PCAT.",
        "SGD, stochastic gradient descent, in machine learning; free of recursion.",
    )
    written = acronyms_as_written(strip_fillers(answer), forms)
    assert written.text == graded
    at = written.text.find("LIFO")
    if at >= 0 and "LIFO" not in answer:
        assert answer[slice(*written.span_in_original(at, at + 4))].startswith("last in")
