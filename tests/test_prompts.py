"""Prompt files load as langchain-core templates and refuse to render with the wrong variables."""

import pytest

from mockint.doors.prompts import PromptError, load_prompt
from mockint.resources import prompts_dir

GRADE_VALUES = dict(
    tag="answer-1",
    question="Q?",
    reference_answer="R.",
    explanation="E.",
    rubric="1. P",
    follow_up="F?",
    answer="A {not a variable}",
)


def test_grade_prompt_loads_with_its_version_and_renders():
    prompt = load_prompt("grade")
    assert prompt.version == "grade.v2"
    assert prompt.path.parent == prompts_dir()
    system, user = prompt.render(**GRADE_VALUES)
    assert system["role"] == "system" and user["role"] == "user"
    assert "<answer-1>" in system["content"] and '{"score": 0 to 5' in system["content"]
    # No example reply with placeholders: a small model copied grade.v1's ("..." everywhere) instead of grading.
    assert "..." not in system["content"] and '"on_topic": true' not in system["content"]
    assert "A {not a variable}" in user["content"]
    assert user["content"].rstrip().endswith("</answer-1>")
    assert "bad JSON" in prompt.render_extra("repair", error="bad JSON")


def test_missing_variable_raises():
    values = dict(GRADE_VALUES)
    del values["rubric"]
    with pytest.raises(PromptError, match=r"missing \['rubric'\]"):
        load_prompt("grade").render(**values)


def test_unknown_variable_raises():
    with pytest.raises(PromptError, match="not in the template"):
        load_prompt("grade").render(**GRADE_VALUES, rubrik="typo")
    with pytest.raises(PromptError, match="missing"):
        load_prompt("grade").render_extra("repair")


def test_highest_version_wins_unless_one_is_asked_for(tmp_path):
    for n in (1, 2, 10):
        (tmp_path / f"demo.v{n}.yaml").write_text(f"version: demo.v{n}\nsystem: S{n}\nuser: 'Hi {{name}}'\n")
    assert load_prompt("demo", directory=tmp_path).version == "demo.v10"
    assert load_prompt("demo", version=2, directory=tmp_path).render(name="x")[1]["content"] == "Hi x"
    with pytest.raises(PromptError, match="version 3 not found"):
        load_prompt("demo", version=3, directory=tmp_path)
    with pytest.raises(PromptError, match="No prompt 'other'"):
        load_prompt("other", directory=tmp_path)


def test_broken_prompt_files_are_reported(tmp_path):
    (tmp_path / "bad.v1.yaml").write_text("version: [unclosed\n")
    with pytest.raises(PromptError, match="Cannot read prompt file"):
        load_prompt("bad", directory=tmp_path)
    (tmp_path / "thin.v1.yaml").write_text("version: thin.v1\nsystem: only a system prompt\n")
    with pytest.raises(PromptError, match="version, system and user"):
        load_prompt("thin", directory=tmp_path)
