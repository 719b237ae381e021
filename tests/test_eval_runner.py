import os

import pytest

from eval_helpers import ScriptedGrader
from mockint.config import Settings
from mockint.doors import embeddings
from mockint.evals.data import LabelledCase
from mockint.evals.runner import GradingEval, build_eval_grader, evaluate, summarise
from mockint.types.grade import GradingItem

ITEM = GradingItem(question_id="q", question="What is dropout?", reference_answer="Randomly zeroing units.")


def case(
    id: str,
    answer: str,
    gold: float,
    category: str | None = None,
    pair_id: str | None = None,
    variant: str | None = None,
) -> LabelledCase:
    return LabelledCase(id=id, item=ITEM, answer=answer, gold=gold, category=category, pair_id=pair_id, variant=variant)


CASES = [
    case("a", "good", 4, "good", "p1", "clean"),
    case("b", "good spoken", 4, "spoken", "p1", "spoken"),
    case("c", "clean2", 3, "good", "p2", "clean"),
    case("d", "padded2", 3, "padded", "p2", "padded"),
    case("e", "stuffed", 0, "keyword-stuffed"),
    case("f", "FAIL please", 2, "partial"),
    case("g", "", 0, "empty"),
]
SCORES = {"good": 4.0, "good spoken": 3.0, "clean2": 3.0, "padded2": 3.5, "stuffed": 1.0, "": 2.0}


def test_each_case_is_graded_in_order_and_failures_keep_no_score():
    result = GradingEval(CASES, concurrency=4, progress=False)(ScriptedGrader(scores=SCORES, model="m"))
    assert [c.id for c in result.cases] == list("abcdefg")
    failed = result.cases[5]
    assert failed.predicted is None and failed.error == "GradingError: scripted failure"
    assert [c.predicted for c in result.cases if c.id != "f"] == [4.0, 3.0, 3.0, 3.5, 1.0, 2.0]
    assert all(c.latency_ms is not None and c.latency_ms >= 0 for c in result.cases)
    assert result.cases[0].model == "m" and result.cases[0].verdict == "partial"


def test_summary_counts_errors_adversarial_twins_and_categories():
    result = GradingEval(CASES, concurrency=2, progress=False)(ScriptedGrader(scores=SCORES))
    s = summarise(result, resamples=200)
    assert (s.n, s.scored, s.errors) == (7, 6, 1)
    assert s.adversarial_n == 2
    assert s.adversarial_pass_rate == pytest.approx(0.5)  # stuffed 1.0 passes, empty 2.0 fails
    assert s.adversarial_by_category == {"empty": 0.0, "keyword-stuffed": 1.0}
    padded, spoken = s.twins
    assert (padded.variant, padded.passed, padded.mean_delta) == ("padded", 0, pytest.approx(0.5))
    assert (spoken.variant, spoken.passed, spoken.mean_delta) == ("spoken", 0, pytest.approx(-1.0))
    good = next(c for c in s.categories if c.category == "good")
    assert (good.n, good.gold, good.predicted) == (2, 3.5, 3.5)
    assert "partial" not in {c.category for c in s.categories}  # its only case failed
    assert s.metrics["mae"].value == pytest.approx((0 + 1 + 0 + 0.5 + 1 + 2) / 6)


def test_tokens_and_cost_per_model():
    grader = ScriptedGrader(model="gpt-4o-mini", prompt_tokens=1000, completion_tokens=200)
    s = summarise(GradingEval(CASES[:2], progress=False)(grader), resamples=10)
    (cost,) = s.costs
    assert (cost.prompt_tokens, cost.completion_tokens) == (2000, 400)
    assert cost.usd == pytest.approx((2000 * 0.15 + 400 * 0.60) / 1e6)
    unknown = ScriptedGrader(model="my-local-llama", prompt_tokens=10, completion_tokens=5)
    (cost,) = summarise(GradingEval(CASES[:1], progress=False)(unknown), resamples=10).costs
    assert cost.usd is None


def test_evaluate_runs_graders_then_baselines():
    from mockint.evals.baselines import TokenOverlapBaseline

    runs = evaluate(CASES, [ScriptedGrader(scores=SCORES)], [TokenOverlapBaseline()], progress=False, resamples=10)
    assert [(r.result.kind, r.result.system) for r in runs] == [
        ("grader", "scripted:v1"),
        ("baseline", "baseline:token-overlap"),
    ]
    assert runs[1].summary.errors == 0 and runs[1].summary.latency_p50_ms is None


def test_ctrl_c_drops_queued_answers(monkeypatch):
    import threading

    from mockint.evals import runner as eval_runner

    submitted, release = threading.Event(), threading.Event()
    real_as_completed = eval_runner.as_completed
    queued = []

    def as_completed(futures):
        queued.extend(futures)
        submitted.set()  # every answer is queued; the main thread now waits for results
        return real_as_completed(futures)

    monkeypatch.setattr(eval_runner, "as_completed", as_completed)
    many = [case(f"c{i}", f"answer {i}", 3) for i in range(50)]

    class InterruptedGrader(ScriptedGrader):
        def grade(self, item, answer, on_feedback=None):
            first = self.calls == 0
            result = super().grade(item, answer)
            if first:
                submitted.wait(10)
                # Ctrl+C during the first answer reaches the main thread's wait for results as a
                # KeyboardInterrupt; here it comes through that answer's result. Not a SIGINT: a suite started
                # in the background of a non-interactive shell inherits SIGINT ignored, and then neither
                # `_thread.interrupt_main` nor a real SIGINT raises anything.
                raise KeyboardInterrupt
            release.wait(10)
            return result

    grader = InterruptedGrader()
    try:
        with pytest.raises(KeyboardInterrupt):
            GradingEval(many, concurrency=1, progress=False)(grader)
    finally:
        release.set()
    for future in queued:  # an answer still queued would be graded now, so wait for each one not dropped
        if not future.cancelled():
            future.exception()
    assert len(queued) == 50 and grader.calls <= 2


def test_a_grader_that_batches_is_called_in_chunks_and_keeps_case_order():
    class Batching(ScriptedGrader):
        batches = True

        def __init__(self) -> None:
            super().__init__(scores=SCORES)
            self.chunks: list[int] = []

        def grade_many(self, items, answers):
            self.chunks.append(len(answers))
            return super().grade_many(items, answers)

    grader = Batching()
    result = GradingEval(CASES, concurrency=2, progress=False, chunk_size=3)(grader)
    assert sorted(grader.chunks) == [1, 3, 3]
    assert [c.id for c in result.cases] == [c.id for c in CASES]
    by_id = {c.id: c for c in result.cases}
    assert by_id["a"].predicted == 4.0
    assert by_id["f"].predicted is None and by_id["f"].error


def test_an_offline_eval_lets_the_embedding_model_use_every_core(monkeypatch):
    fresh = embeddings.LocalEmbedder()
    monkeypatch.setattr(embeddings, "_shared_local", fresh)
    assert fresh.threads == 1
    build_eval_grader("offline", Settings(), cache_dir=None)
    assert fresh.threads == (os.cpu_count() or 1)
