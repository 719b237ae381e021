import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from eval_helpers import ScriptedGrader, make_grade
from mockint.errors import GradingError
from mockint.grading.cache import CachedGrader, cache_key
from mockint.grading.offline.calibration import CALIBRATION_FILE, load_calibration
from mockint.grading.offline.grader import OfflineGrader
from mockint.types.grade import GradingItem

ITEM = GradingItem(question="What is dropout?", reference_answer="Randomly zeroing units.", key_points=["zeroes"])


def test_second_call_is_served_from_disk(tmp_path):
    inner = ScriptedGrader()
    cached = CachedGrader(inner, tmp_path)
    first, hit1 = cached.grade_traced(ITEM, "It zeroes units at random during training.")
    # A new wrapper (a new process) reads the same entry.
    again = CachedGrader(ScriptedGrader(), tmp_path)
    second, hit2 = again.grade_traced(ITEM, "It zeroes units at random during training.")
    assert (hit1, hit2) == (False, True)
    assert second == first
    assert inner.calls == 1 and again.inner.calls == 0
    assert cached.name == inner.name
    assert list((tmp_path / "grades").rglob("*.json"))


def test_key_covers_grader_name_item_and_answer():
    other_item = ITEM.model_copy(update={"key_points": ["zeroes", "scales at inference"]})
    keys = {
        cache_key("llm:gpt-4o-mini:grade-v1", ITEM, "a"),
        cache_key("llm:gpt-4o-mini:grade-v2", ITEM, "a"),
        cache_key("llm:gpt-4o-mini:grade-v1", other_item, "a"),
        cache_key("llm:gpt-4o-mini:grade-v1", ITEM, "b"),
    }
    assert len(keys) == 4


def test_failures_and_fallback_grades_are_not_cached(tmp_path):
    inner = ScriptedGrader()
    cached = CachedGrader(inner, tmp_path)
    with pytest.raises(GradingError):
        cached.grade(ITEM, "FAIL")
    with pytest.raises(GradingError):
        cached.grade(ITEM, "FAIL")
    assert inner.calls == 2

    fallback = ScriptedGrader(fallback_reason="LLM unreachable")
    wrapped = CachedGrader(fallback, tmp_path)
    wrapped.grade(ITEM, "an answer")
    wrapped.grade(ITEM, "an answer")
    assert fallback.calls == 2


def test_damaged_entry_is_a_miss_and_is_repaired(tmp_path):
    cached = CachedGrader(ScriptedGrader(), tmp_path)
    path = cached.path_for(ITEM, "answer text")
    path.parent.mkdir(parents=True)
    path.write_text('{"score": 4', encoding="utf-8")
    grade, hit = cached.grade_traced(ITEM, "answer text")
    assert not hit
    assert json.loads(path.read_text())["score"] == grade.score


def test_concurrent_writers_of_one_key_leave_one_whole_entry(tmp_path):
    barrier = threading.Barrier(8)

    class SlowGrader(ScriptedGrader):
        def grade(self, item, answer, on_feedback=None):
            barrier.wait()  # all eight miss, then all eight write the same entry at once
            return make_grade(3.0)

    cached = CachedGrader(SlowGrader(), tmp_path)
    with ThreadPoolExecutor(8) as pool:
        grades = list(pool.map(lambda _: cached.grade(ITEM, "same answer"), range(8)))
    assert all(g.score == 3.0 for g in grades)
    files = list((tmp_path / "grades").rglob("*"))
    assert [f.name for f in files if f.is_file()] == [cached.path_for(ITEM, "same answer").name]
    assert cached.grade_traced(ITEM, "same answer")[1]
    assert (cached.hits, cached.misses) == (1, 8)


def test_a_changed_calibration_is_a_new_offline_version_and_misses_the_cache(tmp_path):
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    data["weights"][0] += 0.1
    refitted = tmp_path / "refitted.json"
    refitted.write_text(json.dumps(data), encoding="utf-8")
    data["weights"][0] -= 0.1
    data["metrics"] = {"cv": {"pearson": 0.0}}
    remeasured = tmp_path / "remeasured.json"
    remeasured.write_text(json.dumps(data), encoding="utf-8")

    shipped = OfflineGrader(calibration=load_calibration())
    changed = OfflineGrader(calibration=load_calibration(refitted))
    assert changed.version != shipped.version and changed.name.endswith(changed.version)
    # Figures measured with the same numbers do not decide scores, so they are not a new version.
    assert OfflineGrader(calibration=load_calibration(remeasured)).version == shipped.version
    answer = "It zeroes units at random during training."
    assert CachedGrader(shipped, tmp_path).path_for(ITEM, answer) != CachedGrader(changed, tmp_path).path_for(
        ITEM, answer
    )
