"""The grading reply: schema for strict structured output, lenient parsing, streamed-field parsing."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockint.grading.llm.reply import GRADE_REPLY_SCHEMA, ReplyError, parse_reply, partial_string_field

DIMS = {k: {"score": 3, "reason": "r"} for k in ("correctness", "completeness", "depth", "communication")}


def test_schema_is_strict_everywhere():
    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    found = list(objects(GRADE_REPLY_SCHEMA))
    assert len(found) >= 5
    for obj in found:
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])
    assert "default" not in json.dumps(GRADE_REPLY_SCHEMA)


def test_parse_tolerates_fences_and_sloppy_statuses():
    body = {
        "key_points": [{"n": 1, "status": "Partially", "quotes": "one quote"}],
        "feedback": "You did ok.",
        "dimensions": DIMS,
    }
    reply = parse_reply("Here you go:\n```json\n" + json.dumps(body) + "\n```")
    assert reply.key_points[0].status.value == "partly"
    assert reply.key_points[0].quotes == ["one quote"]
    assert reply.on_topic is True and reply.misconceptions == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json at all", "not valid JSON"),
        ("[1, 2]", "one JSON object"),
        (json.dumps({"key_points": [], "feedback": "", "dimensions": DIMS}), "feedback"),
        (json.dumps({"key_points": [{"n": 1, "status": "great"}], "feedback": "x", "dimensions": DIMS}), "status"),
    ],
)
def test_unusable_replies_say_what_is_wrong(text, problem):
    with pytest.raises(ReplyError, match=problem):
        parse_reply(text)


@given(st.text(max_size=60), st.text(max_size=40))
def test_streamed_feedback_is_always_a_prefix_of_the_final_text(feedback, before):
    text = json.dumps({"key_points": [{"n": 1, "quotes": [before]}], "feedback": feedback, "model_answer": "m"})
    seen = [partial_string_field(text[:i], "feedback") for i in range(len(text) + 1)]
    values = [v for v in seen if v is not None]
    assert values[-1] == feedback
    assert all(feedback.startswith(v) for v in values)
