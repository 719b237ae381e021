"""Runs graders and baselines over labelled cases and aggregates what they scored (simple-evals style).

`GradingEval(cases)` is a callable over a grader: it grades every case (concurrently, bounded, with a
progress bar; in chunks through `grade_many` when the grader batches, so model passes are shared) and
returns an `EvalResult` of per-case `CaseResult`s. A case the grader fails on keeps
its error and no score: nothing is invented. `summarise` turns an EvalResult into the report's numbers.
"""

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from tqdm import tqdm

from mockint.config import Settings, strip_credentials
from mockint.errors import LLMTimeoutError
from mockint.evals import metrics
from mockint.evals.baselines import Baseline, rescale_min_max
from mockint.evals.data import ADVERSARIAL, LabelledCase
from mockint.grading.cache import CachedGrader
from mockint.grading.grader import Grader
from mockint.types.grade import Grade

log = logging.getLogger(__name__)

# Past this share of answers without a score, the scored rest is whatever the failures left (often only the
# easy or cached cases), so its metrics describe nothing: the run is marked invalid and the CLI exits 1.
MAX_ERROR_RATE = 0.10


class CaseResult(BaseModel):
    id: str
    question_id: str | None = None
    category: str | None = None
    pair_id: str | None = None
    variant: str | None = None
    gold: float
    predicted: float | None = None
    verdict: str | None = None
    latency_ms: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str | None = None
    cached: bool = False
    fallback_reason: str | None = None
    error: str | None = None


class EvalResult(BaseModel):
    system: str = Field(description="The grader's or baseline's name.")
    kind: Literal["grader", "baseline"]
    cases: list[CaseResult]
    wall_seconds: float


def _base(case: LabelledCase) -> dict:
    return {
        "id": case.id,
        "question_id": case.item.question_id,
        "category": case.category,
        "pair_id": case.pair_id,
        "variant": case.variant,
        "gold": case.gold,
    }


class GradingEval:
    """An eval over a fixed list of labelled cases; call it with a grader to get its EvalResult."""

    def __init__(
        self, cases: Sequence[LabelledCase], *, concurrency: int = 8, progress: bool = True, chunk_size: int = 32
    ) -> None:
        if concurrency < 1 or chunk_size < 1:
            raise ValueError("concurrency and chunk_size must be at least 1")
        self.cases = list(cases)
        self.concurrency = concurrency
        self.chunk_size = chunk_size
        self.progress = progress

    def __call__(self, grader: Grader) -> EvalResult:
        started = time.perf_counter()
        bar = tqdm(total=len(self.cases), desc=grader.name, unit="answer", disable=not self.progress, leave=False)
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        with bar:
            try:
                if grader.batches:
                    chunks = [self.cases[i : i + self.chunk_size] for i in range(0, len(self.cases), self.chunk_size)]
                    futures = [pool.submit(self._grade_chunk, grader, chunk) for chunk in chunks]
                else:
                    futures = [pool.submit(lambda c: [self._grade_one(grader, c)], case) for case in self.cases]
                for done in as_completed(futures):
                    bar.update(len(done.result()))
            except BaseException:
                # Ctrl+C: drop the queued answers instead of grading (and paying for) all of them first.
                # Grades already done are in the cache, so a re-run resumes where this one stopped.
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        pool.shutdown()
        return EvalResult(
            system=grader.name,
            kind="grader",
            cases=[r for f in futures for r in f.result()],
            wall_seconds=time.perf_counter() - started,
        )

    @staticmethod
    def _grade_chunk(grader: Grader, cases: list[LabelledCase]) -> list[CaseResult]:
        """A grader that batches (the offline one) shares its model passes over the chunk; its grades
        carry the per-case share of the chunk's time."""
        started = time.perf_counter()
        try:
            grades = grader.grade_many([c.item for c in cases], [c.answer for c in cases])
        except Exception as exc:
            log.debug("grader %s failed on a chunk", grader.name, exc_info=True)
            grades = [exc] * len(cases)
        latency = (time.perf_counter() - started) * 1000 / len(cases)
        return [
            CaseResult(**_base(case), latency_ms=latency, error=_error_text(grade))
            if isinstance(grade, Exception)
            else _from_grade(case, grade, latency, False)
            for case, grade in zip(cases, grades, strict=True)
        ]

    @staticmethod
    def _grade_one(grader: Grader, case: LabelledCase) -> CaseResult:
        started = time.perf_counter()
        try:
            grade, cached = grader.grade_traced(case.item, case.answer)
        except Exception as exc:
            # One failing case must not sink a long paid run; it is recorded and counted, never scored.
            log.debug("grader %s failed on %s", grader.name, case.id, exc_info=True)
            return CaseResult(**_base(case), latency_ms=(time.perf_counter() - started) * 1000, error=_error_text(exc))
        return _from_grade(case, grade, (time.perf_counter() - started) * 1000, cached)


def _error_text(exc: Exception) -> str:
    return strip_credentials(f"{type(exc).__name__}: {exc}")


def timed_out(result: EvalResult) -> int:
    """How many answers got no score because the LLM did not reply in time (the error names its type first)."""
    return sum((c.error or "").startswith(f"{LLMTimeoutError.__name__}:") for c in result.cases)


def _from_grade(case: LabelledCase, grade: Grade, latency_ms: float, cached: bool) -> CaseResult:
    info = grade.grader
    return CaseResult(
        **_base(case),
        predicted=grade.score,
        verdict=str(grade.verdict),
        latency_ms=latency_ms,
        prompt_tokens=info.prompt_tokens,
        completion_tokens=info.completion_tokens,
        model=info.model,
        cached=cached,
        fallback_reason=info.fallback_reason,
    )


def run_baseline(baseline: Baseline, cases: Sequence[LabelledCase]) -> EvalResult:
    """A baseline scores the whole run at once (its 0-5 mapping is relative to the run)."""
    started = time.perf_counter()
    raw = baseline.raw_scores([c.item for c in cases], [c.answer for c in cases])
    scores = rescale_min_max(raw)
    results = [CaseResult(**_base(c), predicted=float(s)) for c, s in zip(cases, scores, strict=True)]
    return EvalResult(system=baseline.name, kind="baseline", cases=results, wall_seconds=time.perf_counter() - started)


class CategoryMean(BaseModel):
    category: str
    n: int
    gold: float
    predicted: float


class TwinSummary(BaseModel):
    variant: str
    pairs: int
    passed: int
    rate: float | None
    mean_delta: float | None


class CostSummary(BaseModel):
    model: str
    prompt_tokens: int
    completion_tokens: int
    usd: float | None = Field(description="Estimated cost of grading every case uncached; None = price unknown.")
    usd_this_run: float | None = Field(description="Only the cases not served from the cache.")


class Summary(BaseModel):
    system: str
    kind: Literal["grader", "baseline"]
    n: int
    scored: int
    errors: int
    fallbacks: int
    cached: int
    invalid: str | None = Field(default=None, description="Why the metrics describe nothing, when they do not.")
    metrics: dict[str, metrics.Estimate]
    categories: list[CategoryMean]
    adversarial_n: int
    adversarial_pass_rate: float | None
    adversarial_by_category: dict[str, float]
    twins: list[TwinSummary]
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    wall_seconds: float
    answers_per_second: float | None
    costs: list[CostSummary]


def summarise(
    result: EvalResult,
    *,
    resamples: int = 1000,
    seed: int = 0,
    prices: dict[str, tuple[float, float]] | None = None,
) -> Summary:
    """The report's numbers for one system. Metrics cover scored cases only; errors are counted apart."""
    scored = [c for c in result.cases if c.predicted is not None]
    estimates = metrics.bootstrap(
        [c.gold for c in scored], [c.predicted for c in scored], resamples=resamples, seed=seed
    )
    categories = metrics.mean_by([c.category for c in scored], [c.gold for c in scored])
    predicted_by = metrics.mean_by([c.category for c in scored], [c.predicted for c in scored])
    adversarial = [c for c in scored if c.category in ADVERSARIAL]
    adv_by = {
        cat: metrics.pass_rate(c.predicted for c in adversarial if c.category == cat)
        for cat in sorted({c.category for c in adversarial})
    }
    fresh = [c.latency_ms for c in scored if not c.cached and c.latency_ms is not None]
    if result.kind == "baseline":
        fresh = []
    errors = sum(c.error is not None for c in result.cases)
    invalid = None
    if errors > MAX_ERROR_RATE * len(result.cases):
        invalid = (
            f"{errors} of {len(result.cases)} answers got no score (more than {MAX_ERROR_RATE:.0%}); "
            "the metrics cover only the rest and are not a measurement"
        )
    return Summary(
        system=result.system,
        kind=result.kind,
        n=len(result.cases),
        scored=len(scored),
        errors=errors,
        invalid=invalid,
        fallbacks=sum(c.fallback_reason is not None for c in result.cases),
        cached=sum(c.cached for c in result.cases),
        metrics=estimates,
        categories=[
            CategoryMean(category=k, n=n, gold=g, predicted=predicted_by[k][1]) for k, (n, g) in categories.items()
        ],
        adversarial_n=len(adversarial),
        adversarial_pass_rate=metrics.pass_rate(c.predicted for c in adversarial),
        adversarial_by_category={k: v for k, v in adv_by.items() if v is not None},
        twins=[
            TwinSummary(variant=t.variant, pairs=t.pairs, passed=t.passed, rate=t.rate, mean_delta=t.mean_delta)
            for t in metrics.twin_checks(twin_scores(scored))
        ],
        latency_p50_ms=metrics.percentile(fresh, 50),
        latency_p95_ms=metrics.percentile(fresh, 95),
        wall_seconds=result.wall_seconds,
        answers_per_second=len(result.cases) / result.wall_seconds if result.wall_seconds > 0 else None,
        costs=_costs(result.cases, prices),
    )


def twin_scores(scored: Sequence[CaseResult]) -> list[tuple[str, float, float]]:
    """(variant, clean score, twin score) for every twin whose clean answer was scored too."""
    clean = {c.pair_id: c.predicted for c in scored if c.pair_id and c.variant == "clean"}
    return [
        (c.variant, clean[c.pair_id], c.predicted)
        for c in scored
        if c.pair_id in clean and c.variant not in (None, "clean") and c.predicted is not None
    ]


def _costs(cases: Sequence[CaseResult], prices: dict[str, tuple[float, float]] | None) -> list[CostSummary]:
    out = []
    for model in sorted({c.model for c in cases if c.model and (c.prompt_tokens or c.completion_tokens)}):
        mine = [c for c in cases if c.model == model]
        fresh = [c for c in mine if not c.cached]
        p, q = sum(c.prompt_tokens for c in mine), sum(c.completion_tokens for c in mine)
        fp, fq = sum(c.prompt_tokens for c in fresh), sum(c.completion_tokens for c in fresh)
        out.append(
            CostSummary(
                model=model,
                prompt_tokens=p,
                completion_tokens=q,
                usd=metrics.estimate_cost(model, p, q, prices),
                usd_this_run=metrics.estimate_cost(model, fp, fq, prices),
            )
        )
    return out


def disagreements(result: EvalResult, top: int = 10) -> list[CaseResult]:
    """The scored cases furthest from gold, worst first."""
    scored = [c for c in result.cases if c.predicted is not None]
    order = np.argsort([-abs(c.predicted - c.gold) for c in scored], kind="stable")
    return [scored[i] for i in order[:top]]


class SystemRun(BaseModel):
    result: EvalResult
    summary: Summary


def evaluate(
    cases: Sequence[LabelledCase],
    graders: Sequence[Grader],
    baselines: Sequence[Baseline] = (),
    *,
    concurrency: dict[str, int] | None = None,
    progress: bool = True,
    resamples: int = 1000,
    seed: int = 0,
    prices: dict[str, tuple[float, float]] | None = None,
) -> list[SystemRun]:
    """Every grader, then every baseline, over the same cases; `concurrency` maps grader name -> workers."""
    runs = []
    for grader in graders:
        workers = (concurrency or {}).get(grader.name, 1)
        result = GradingEval(cases, concurrency=workers, progress=progress)(grader)
        runs.append(SystemRun(result=result, summary=summarise(result, resamples=resamples, seed=seed, prices=prices)))
    for baseline in baselines:
        result = run_baseline(baseline, cases)
        runs.append(SystemRun(result=result, summary=summarise(result, resamples=resamples, seed=seed, prices=prices)))
    return runs


GRADER_KINDS = ("offline", "llm")


def build_eval_grader(
    kind: str, settings: Settings, cache_dir: Path | None, offline_switch: str | None = None
) -> Grader:
    """The grader of `kind` as an eval needs it: never falling back, and the LLM one cached on disk.

    A fallback grade would be scored as the LLM's. The offline grader is not cached: it is cheap, and its
    name does not change when its code does, so a cache could serve grades of an older version. An eval
    owns the machine, so the offline grader's model may use every core.
    """
    from mockint.grading.factory import build_grader

    if kind not in GRADER_KINDS:
        raise ValueError(f"unknown grader {kind!r}; choose from {', '.join(GRADER_KINDS)}")
    grader = build_grader(
        settings.model_copy(update={"fallback_to_offline": False}), kind=kind, offline_switch=offline_switch
    )
    if kind == "offline":
        from mockint.doors.embeddings import shared_local_embedder

        shared_local_embedder().use_all_cores()
    if kind == "llm" and cache_dir is not None:
        return CachedGrader(grader, cache_dir, scopes=grader.cache_scopes)
    return grader
