"""What a follow-up answer is graded against. The store here is a scripted stand-in for QuestionStore."""

from dataclasses import dataclass

from mockint.grading.follow_up import follow_up_item
from mockint.grading.llm.grader import rubric_points
from mockint.types.question import Question


def question(qid: str, **kw) -> Question:
    fields = dict(
        id=qid,
        question=f"Question {qid}?",
        answer=f"Answer of {qid} explains gradient flow in depth.",
        explanation=f"Explanation of {qid} covers the chain rule and vanishing gradients.",
        follow_up=f"Follow-up of {qid}?",
        topic="deep-learning",
        type="conceptual",
        difficulty="easy",
    )
    return Question(**{**fields, **kw})


@dataclass
class Hit:
    question: Question
    score: float


class ScriptedStore:
    def __init__(self, hits):
        self.hits = hits
        self.queries = []

    def search(self, query: str, *, k: int):
        self.queries.append((query, k))
        return self.hits[:k]


def test_bank_follow_up_answer_is_the_reference():
    q = question("a", follow_up_answer="At inference dropout is off and activations are scaled.")
    store = ScriptedStore([])
    item = follow_up_item(q, store)
    assert item.question == q.follow_up
    assert item.reference_answer == q.follow_up_answer
    assert item.explanation == q.explanation
    assert item.key_points == [] and item.follow_up is None
    assert item.question_id == "a#follow-up" and item.topic == q.topic
    assert store.queries == []


def test_without_one_the_store_supplies_reference_material():
    q = question("a")
    store = ScriptedStore([Hit(q, 0.9), Hit(question("b"), 0.7), Hit(question("c"), 0.5), Hit(question("d"), 0.1)])
    item = follow_up_item(q, store)
    assert store.queries == [(q.follow_up, 3)]
    assert item.reference_answer == f"{question('b').answer}\n\n{question('c').answer}"
    assert item.explanation == q.explanation
    assert rubric_points(item)[0] == question("b").answer


def test_weak_hits_or_no_store_fall_back_to_the_explanation():
    q = question("a")
    for store in (None, ScriptedStore([Hit(question("z"), 0.05)])):
        item = follow_up_item(q, store)
        assert item.reference_answer == q.explanation and item.explanation == ""
