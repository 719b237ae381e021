"""A disk cache in front of any Grader, so re-running an evaluation costs nothing.

The key is sha256 of the grader's name (which ends in its version, a hash of what decides its scores, e.g.
`llm:gpt-4o-mini:grade.v1:3f9c0a1b2d`, so a new prompt, model, rule or calibration misses), its scope (for an
LLM: the endpoint without credentials and the output mode, so the same model name on another server, or asked
another way, misses), the GradingItem JSON and the answer.
Each entry is one Grade JSON file, written to a temporary file and renamed into place, so concurrent
writers never leave a half-written entry and readers never see one.
"""

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from mockint.grading.grader import FeedbackCallback, Grader
from mockint.types.grade import Grade, GradingItem

log = logging.getLogger(__name__)


def cache_key(grader_name: str, item: GradingItem, answer: str, scope: str = "") -> str:
    payload = json.dumps(
        {"grader": grader_name, "scope": scope, "item": item.model_dump(mode="json"), "answer": answer},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def grade_scope(grade: Grade) -> str:
    """Where and how a grade was made: the endpoint (no credentials) and the output mode it was asked in."""
    return f"{grade.grader.endpoint or ''}|{grade.grader.output_mode or ''}"


class CachedGrader(Grader):
    """Wraps a Grader; same name and contract. Failures and fallback grades are never cached. It does not
    stream: a cached grade has no reply to stream.

    `scopes` gives the scopes a grade may be read from, best first (an LLM grader's: its endpoint with each
    output mode it may still be asked in); a grade is written under its own `grade_scope`."""

    def __init__(self, inner: Grader, cache_dir: Path, scopes: Callable[[], list[str]] | None = None) -> None:
        self.inner = inner
        self.scopes = scopes or (lambda: ["|"])
        self.name = inner.name
        self.cache_dir = Path(cache_dir) / "grades"
        self.hits = 0
        self.misses = 0
        self._count_lock = threading.Lock()

    def path_for(self, item: GradingItem, answer: str, scope: str = "|") -> Path:
        key = cache_key(self.inner.name, item, answer, scope)
        return self.cache_dir / key[:2] / f"{key}.json"

    def grade(self, item: GradingItem, answer: str, on_feedback: FeedbackCallback | None = None) -> Grade:
        return self.grade_traced(item, answer)[0]

    def grade_traced(self, item: GradingItem, answer: str) -> tuple[Grade, bool]:
        """The grade and whether it came from the cache."""
        for scope in self.scopes():
            cached = self._read(self.path_for(item, answer, scope))
            if cached is not None:
                self._count(hit=True)
                return cached, True
        grade = self.inner.grade(item, answer)
        self._count(hit=False)
        # A fallback grade stands in for the grader that failed; caching it would pin that failure.
        if grade.grader.fallback_reason is None:
            self._write(self.path_for(item, answer, grade_scope(grade)), grade)
        return grade, False

    def _count(self, *, hit: bool) -> None:
        with self._count_lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    @staticmethod
    def _read(path: Path) -> Grade | None:
        try:
            return Grade.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError) as exc:
            # A damaged or outdated entry is a miss; the fresh grade overwrites it.
            log.warning("ignoring unreadable grade cache entry %s: %s", path, exc)
            return None

    @staticmethod
    def _write(path: Path, grade: Grade) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(grade.model_dump_json())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            # The grade is good; failing to remember it only costs a re-grade next time.
            log.warning("could not write grade cache entry %s: %s", path, exc)
