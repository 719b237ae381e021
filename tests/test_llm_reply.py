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
        "feedback": "You named dropout but not why it helps.",
        "dimensions": DIMS,
    }
    reply = parse_reply("Here you go:\n```json\n" + json.dumps(body) + "\n```", points=1)
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
        parse_reply(text, points=1)


# What gemma-3-270m sent for a four-point rubric: grade.v1's example reply, copied word for word.
COPIED_EXAMPLE = (
    '{"on_topic": true, "key_points": [{"n": 1, "status": "partly", "quotes": ["..."]}], "misconceptions": [], '
    '"feedback": "...", "model_answer": "...", "dimensions": {"correctness": {"score": 3, "reason": "..."}, '
    '"completeness": {"score": 0, "reason": "..."}, "depth": {"score": 1, "reason": "..."}, '
    '"communication": {"score": 2, "reason": "..."}}, "follow_up": "..."}'
)


def test_a_copied_example_reply_is_refused_saying_each_thing_to_fix():
    with pytest.raises(ReplyError) as info:
        parse_reply(COPIED_EXAMPLE, points=4)
    message = str(info.value)
    assert "judge each of the 4 rubric points" in message and "not judged: 2, 3, 4" in message
    assert "feedback is a placeholder" in message
    assert "every dimension reason is a placeholder" in message


def test_a_reply_judging_every_point_with_real_words_is_usable():
    points = [{"n": n, "status": "missed", "quotes": []} for n in (2, 1)]
    body = {"key_points": points, "feedback": "You missed both points.", "dimensions": DIMS}
    reply = parse_reply(json.dumps(body), points=2)
    assert sorted(p.n for p in reply.key_points) == [1, 2]


@given(st.text(max_size=60), st.text(max_size=40))
def test_streamed_feedback_is_always_a_prefix_of_the_final_text(feedback, before):
    text = json.dumps({"key_points": [{"n": 1, "quotes": [before]}], "feedback": feedback, "model_answer": "m"})
    seen = [partial_string_field(text[:i], "feedback") for i in range(len(text) + 1)]
    values = [v for v in seen if v is not None]
    assert values[-1] == feedback
    assert all(feedback.startswith(v) for v in values)
