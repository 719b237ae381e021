"""Rubric points built from a reference (every follow-up in the bank, and labelled data without key points)
are whole clauses, and the quotes shown for them stand in the answer and support them.

A point is a fragment here when it fails any of these checks, made against the reference it came from:
it is found there (up to the case of its first letter and the full stop it was given) starting and ending
at a sentence or clause boundary; it does not open with a coordinating conjunction ("and", "so", ...) or a
relative pronoun, nor end with one of those; when it opens with a subordinating conjunction a main clause
follows after a comma; its brackets are balanced; it has a verb (lemminflect's lexicon) or is an equation;
it starts with a capital (or with a number, a symbol or a name written as code) and ends with a full stop,
'!' or '?'.
"""

import random
import re

import pytest

from mockint.doors.bank_files import load_bank
from mockint.grading.evidence import supports
from mockint.grading.follow_up import follow_up_item
from mockint.grading.offline.references import clean_reference, pseudo_key_points
from mockint.grading.scoring import derive_key_points
from mockint.history.database import History
from mockint.practice.interview import InterviewSession, PracticeSetup, Stage
from mockint.text.clauses import is_verb, is_whole_clause
from mockint.text.stems import content_stems
from mockint.text.words import word_spans
from mockint.types.grade import Coverage

COORDINATORS = {"and", "or", "but", "nor", "so", "yet", "plus"}
RELATIVES = {"which", "who", "whom", "whose"}
SUBORDINATORS = {"because", "since", "while", "whereas", "although", "though", "if", "when", "whenever", "unless"}
BOUNDARY_BEFORE = ".!?;:,"
BOUNDARY_AFTER = ".!?;:,"
CODE_LIKE = re.compile(r"[\d_().=/\[\]`]|[a-z][A-Z]")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _found_at(point: str, source: str) -> tuple[int, int] | None:
    """Where the point's words stand in the source, allowing for a capitalised first letter and an added
    full stop or a trimmed separator."""
    bodies = [point, point[:-1]] if point.endswith(".") else [point]
    for body in bodies:
        for variant in {body, body[:1].lower() + body[1:]}:
            for m in re.finditer(re.escape(variant), source):
                if _bounded(source, m.start(), m.end()):
                    return m.start(), m.end()
    return None


def _bounded(source: str, start: int, end: int) -> bool:
    before = source[:start].rstrip()
    after = source[end:].lstrip()
    return (not before or before[-1] in BOUNDARY_BEFORE) and (
        not after or source[end - 1] in ".!?" or after[0] in BOUNDARY_AFTER
    )


def _main_clause_after_comma(text: str) -> bool:
    for m in re.finditer(r",\s+(\S+)", text):
        rest = text[m.start(1) :]
        first = m.group(1).lower()
        if first not in COORDINATORS | SUBORDINATORS | RELATIVES and any(is_verb(w) for w, _, _ in word_spans(rest)):
            return True
    return False


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth < 0:
            return False
    return depth == 0


def fragment_reason(point: str, source: str) -> str | None:
    text, flat = _flat(point), _flat(source)
    if not text.endswith((".", "!", "?")):
        return "does not end a sentence"
    first = text.split(" ", 1)[0]
    if text[0].islower() and not CODE_LIKE.search(first) and (len(first) > 1 or first == "a"):
        return "does not start with a capital"
    span = _found_at(text, flat)
    if span is None:
        return "does not start and end at a clause boundary of the reference"
    said = flat[span[0] : span[1]]
    opener = re.match(r"\W*(\w+)", said)
    word = opener.group(1) if opener else ""
    if word.lower() in COORDINATORS or word in RELATIVES:
        return f"opens with '{word}'"
    if word.lower() in SUBORDINATORS and not _main_clause_after_comma(said):
        return f"is only a '{word}' clause"
    last = re.search(r"(\w+)\W*$", said)
    if last and last.group(1).lower() in COORDINATORS | SUBORDINATORS | RELATIVES:
        return f"ends with '{last.group(1)}'"
    if not _balanced(said):
        return "cuts a bracket"
    if not any(is_verb(w) for w, _, _ in word_spans(said)) and " = " not in said:
        return "has no verb"
    return None


BANK = load_bank()


def _follow_up_points() -> list[tuple[str, str, str, str]]:
    """(question id, grader, point, the reference it was built from) for every follow-up in the bank."""
    rows = []
    for q in BANK.questions:
        item = follow_up_item(q)
        offline_source = clean_reference(item.reference_answer)
        rows += [(q.id, "offline", p, offline_source) for p in pseudo_key_points(offline_source)]
        rows += [(q.id, "llm", p, item.reference_text) for p in derive_key_points(item.reference_text)]
    return rows


def test_every_follow_up_rubric_point_in_the_bank_is_a_whole_clause():
    rows = _follow_up_points()
    fragments = [(qid, grader, p, fragment_reason(p, src)) for qid, grader, p, src in rows if fragment_reason(p, src)]
    assert not fragments, f"{len(fragments)} of {len(rows)} follow-up points are fragments: {fragments[:10]}"
    # Every follow-up of the bank has points from both graders; the count is printed for the report.
    assert {(qid, grader) for qid, grader, _, _ in rows} == {
        (q.id, g) for q in BANK.questions for g in ("offline", "llm")
    }
    print(f"checked {len(rows)} follow-up rubric points of {len(BANK.questions)} follow-ups")


def test_the_fragment_check_catches_the_reported_fragments():
    category = BANK.get("py-pandas-memory-large-csv").follow_up_answer
    assert fragment_reason("so memory grows.", category) == "does not start with a capital"
    assert fragment_reason("So memory grows.", category) == "opens with 'so'"
    detection = next(q.follow_up_answer for q in BANK.questions if "annotation consistency" in q.follow_up_answer)
    assert fragment_reason("And check annotation consistency.", detection) == "opens with 'and'"
    assert fragment_reason("Check annotation consistency.", detection) is not None  # not at a boundary
    assert fragment_reason("Category saves memory only when values repeat.", category) is None


def test_the_reported_references_give_whole_clauses():
    category = BANK.get("py-pandas-memory-large-csv").follow_up_answer
    points = pseudo_key_points(clean_reference(category))
    assert points[:2] == [
        "Category saves memory only when values repeat.",
        "With nearly unique values, the categories array is as large as the data plus an extra integer code per "
        "row, so memory grows.",
    ]
    detection = next(q.follow_up_answer for q in BANK.questions if "annotation consistency" in q.follow_up_answer)
    points = pseudo_key_points(clean_reference(detection)) + derive_key_points(detection)
    assert not [p for p in points if p.lower().startswith(("and check", "so memory"))]
    assert any(
        p.endswith("and check annotation consistency, since noisy ground-truth boxes cap high-IoU AP.") for p in points
    )


@pytest.mark.parametrize(
    ("piece", "whole"),
    [
        ("and check annotation consistency", False),
        ("so memory grows.", False),
        ("which forces the CPU to wait", False),
        ("because of how users were selected", False),
        ("When the relationship is monotonic but not linear, or when outliers would dominate Pearson", False),
        ("(3", False),
        ("sqrt(s1^2 / n1 + s2^2 / n2)", False),
        ("Sequence number", True),  # both words can be verbs: a lexicon cannot tell a term from a clause
        ("If the decision flips, the data are not yet conclusive.", True),
        ("Which view is right depends on the causal structure", True),
        ("Check sensitivity by rerunning with a weaker prior", True),
        ("Q = 0.5 / 50.5, about 1%", True),
    ],
)
def test_whole_clause_cases(piece, whole):
    assert is_whole_clause(piece) is whole


def test_clauses_are_cut_only_where_both_sides_stand_alone():
    reference = (
        "Segment cuts are fine for generating hypotheses, but with many slices some will look significant by "
        "chance, so any winning segment needs a multiple-comparison correction before anyone ships it. "
        "It is a bug to fix; excluding that browser is only acceptable if the exclusion is applied to both arms. "
        "log_softmax computes z - logsumexp(z) directly, subtracting the maximum first, so it returns finite values."
    )
    assert pseudo_key_points(clean_reference(reference)) == [
        "Segment cuts are fine for generating hypotheses, but with many slices some will look significant by chance, "
        "so any winning segment needs a multiple-comparison correction before anyone ships it.",
        "It is a bug to fix.",
        "Excluding that browser is only acceptable if the exclusion is applied to both arms.",
        "log_softmax computes z - logsumexp(z) directly, subtracting the maximum first, so it returns finite values.",
    ]


def test_a_quote_supports_a_point_only_when_it_is_about_it_and_says_something():
    point = "BatchNorm remains the standard choice in convolutional networks for vision."
    assert not supports("LayerNorm is mainly for CNNs on images.", point)
    assert not supports("which reduces overfitting.", "Dropout reduces overfitting by preventing co-adaptation.")
    assert supports("Dropout reduces overfitting because units cannot co-adapt.", "Dropout reduces overfitting.")
    assert supports("Use broadcasting", "Use broadcasting")


class OneQuestion:
    """The flow's question source, holding one bank question."""

    def __init__(self, question):
        self.question = question

    def get(self, question_id):
        return self.question

    def sample_next(self, *, exclude_ids, **_):
        return None if self.question.id in exclude_ids else self.question


@pytest.mark.slow
def test_a_graded_follow_up_shows_whole_clauses_with_quotes_that_support_them():
    from mockint.grading.offline.grader import OfflineGrader

    question = BANK.get("py-pandas-memory-large-csv")
    session = InterviewSession(
        PracticeSetup(length=1),
        source=OneQuestion(question),
        grader=OfflineGrader(),
        history=History.from_settings(),
        follow_up_item=follow_up_item,
        rng=random.Random(0),
    )
    session.submit_answer("Use category dtypes and downcast numbers, read in chunks, and store the data as Parquet.")
    assert session.stage is Stage.follow_up
    answer = (
        "Category only helps when values repeat. With unique ids the categories array is as big as the data, "
        "which grows memory. Use integers instead."
    )
    grade = session.submit_follow_up(answer)
    source = clean_reference(question.follow_up_answer)
    assert grade.key_points
    for k in grade.key_points:
        assert fragment_reason(k.point, source) is None, k.point
    quoted = [k for k in grade.key_points if k.evidence]
    assert quoted and any(k.status is Coverage.covered for k in quoted)
    for k in quoted:
        assert answer[k.span[0] : k.span[1]] == k.evidence
        assert supports(k.evidence, k.point, question.follow_up), (k.point, k.evidence)
        assert content_stems(k.evidence) & content_stems(k.point)
