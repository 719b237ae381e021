"""Practice history in one SQLite file: sessions, attempts and spaced-repetition cards.

Every attempt is written *before* it is graded (status 'pending') and updated afterwards, so a
grader failure or a closed tab never loses an answer. Streamlit reruns scripts in threads and a
candidate may open two tabs, so each call opens its own short-lived connection; WAL mode and a busy
timeout let concurrent writers queue instead of failing.
"""

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from mockint.config import Settings, get_settings, strip_credentials
from mockint.errors import HistoryError
from mockint.types.grade import Grade

log = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA_VERSION = 7
BUSY_TIMEOUT_MS = 15_000

AttemptKind = Literal["main", "follow-up"]
AttemptStatus = Literal["pending", "graded", "failed", "skipped"]

# Migrations in order: entry i upgrades a database at user_version i to i + 1.
_MIGRATIONS: list[str] = [
    """
    CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        mode TEXT NOT NULL,
        filters TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE IF NOT EXISTS attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        question_id TEXT NOT NULL,
        question TEXT NOT NULL DEFAULT '',
        topic TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('main', 'follow-up')),
        answer TEXT NOT NULL DEFAULT '',
        transcript TEXT,
        recording_s REAL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'graded', 'failed', 'skipped')),
        grade TEXT,
        score REAL,
        grader_kind TEXT,
        grader_model TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        graded_at TEXT
    );
    CREATE INDEX IF NOT EXISTS attempts_session ON attempts(session_id);
    CREATE INDEX IF NOT EXISTS attempts_question ON attempts(question_id);
    CREATE TABLE IF NOT EXISTS review_cards (
        question_id TEXT PRIMARY KEY,
        card TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 2: the questions a session has asked, in order, so a reloaded page resumes on the same question.
    """
    ALTER TABLE sessions ADD COLUMN asked TEXT NOT NULL DEFAULT '[]';
    """,
    # 3: the grader's version (a hash of what decides its scores), so grades of different versions are told apart.
    "ALTER TABLE attempts ADD COLUMN grader_version TEXT",
    # 4: the questions whose reference the candidate looked at before answering, so a reloaded page still
    # knows (the summary's note, the review rating "Again", the export) instead of forgetting the reveal.
    "ALTER TABLE sessions ADD COLUMN revealed TEXT NOT NULL DEFAULT '[]'",
    # 5: a spoken answer's delivery insights (pace, fillers, pauses) as JSON, so a reloaded page and the export
    # still show how it was said; they come from the recording, which is not kept.
    "ALTER TABLE attempts ADD COLUMN delivery TEXT",
    # 6: a counter every step of a session (an answer, a skip, the next question, a reveal, the end) claims, so a
    # tab whose copy of the session another tab has moved on finds out before acting on it.
    "ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
    # 7: the graded attempt the candidate pressed Retry on, so a reloaded page reopens its answer box instead of
    # showing its grade as the last word.
    "ALTER TABLE sessions ADD COLUMN retrying INTEGER",
]
assert len(_MIGRATIONS) == SCHEMA_VERSION


def utc_now() -> datetime:
    return datetime.now(UTC)


class SessionRecord(BaseModel):
    id: str
    started_at: datetime
    ended_at: datetime | None = None
    mode: str
    filters: dict[str, Any]
    asked: list[str] = []
    revealed: list[str] = []  # question ids whose reference was shown before they were answered
    version: int = 0  # steps taken so far (`History.claim`)
    retrying: int | None = None  # the graded attempt last retried (`History.mark_retrying`)


class AttemptRecord(BaseModel):
    id: int
    session_id: str
    question_id: str
    question: str
    topic: str | None
    kind: AttemptKind
    answer: str
    transcript: str | None = None
    recording_s: float | None = None
    # The speech layer's insights as plain JSON: history sits beside speech, so the practice flow reads them.
    delivery: dict[str, Any] | None = None
    status: AttemptStatus
    grade: Grade | None = None
    score: float | None = None
    grader_kind: str | None = None
    grader_model: str | None = None
    grader_version: str | None = None
    error: str | None = None
    created_at: datetime
    graded_at: datetime | None = None


_ready: set[Path] = set()
_ready_lock = threading.Lock()


class History:
    """The attempts database at `path`. Cheap to construct; the schema is created on first use."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # Rows this object could not read (e.g. a grade written by another version): left out of every
        # answer instead of breaking the Progress page or a practice mode; `(table, id)` pairs.
        self.unreadable: set[tuple[str, str]] = set()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "History":
        return cls((settings or get_settings()).history_db)

    # -- connection and schema ------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self._ensure_schema()
        conn = self._open()
        try:
            with conn:
                yield conn
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            return conn
        except (OSError, sqlite3.Error) as exc:
            raise self._error(exc) from exc

    def _ensure_schema(self) -> None:
        if self.path in _ready:
            return
        with _ready_lock:
            if self.path in _ready:
                return
            conn = self._open()
            try:
                if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                    raise HistoryError(
                        f"The history database {self.path} cannot use WAL mode (is it on a network share?).",
                        hint="Point MOCKINT_DATA_DIR at a local folder.",
                    )
                conn.execute("BEGIN IMMEDIATE")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    conn.execute("ROLLBACK")
                    raise HistoryError(
                        f"The history database {self.path} was written by a newer mockint "
                        f"(schema {version}, this one knows {SCHEMA_VERSION}).",
                        hint="Upgrade mockint, or point MOCKINT_DATA_DIR elsewhere.",
                    )
                for step in range(version, SCHEMA_VERSION):
                    for statement in _MIGRATIONS[step].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise self._error(exc) from exc
            finally:
                conn.close()
            _ready.add(self.path)

    def _error(self, exc: BaseException) -> HistoryError:
        text = str(exc)
        if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
            return HistoryError(
                f"The history database {self.path} is damaged ({text}).",
                hint="Move it away (your practice history starts afresh) or restore a backup, then reload.",
            )
        if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
            return HistoryError(
                f"The history database {self.path} stayed locked for {BUSY_TIMEOUT_MS // 1000} s.",
                hint="Close other mockint processes using it, then try again.",
            )
        return HistoryError(
            f"Cannot use the history database {self.path}: {text}.",
            hint="Check that MOCKINT_DATA_DIR is a writable local folder.",
        )

    # -- sessions -------------------------------------------------------------------------

    def start_session(self, mode: str, filters: dict[str, Any] | None = None) -> str:
        session_id = uuid.uuid4().hex
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO sessions (id, started_at, mode, filters) VALUES (?, ?, ?, ?)",
                (session_id, utc_now().isoformat(), mode, json.dumps(filters or {}, sort_keys=True)),
            )
        return session_id

    def end_session(self, session_id: str) -> None:
        with self._connect() as conn:
            conn.execute(
                "UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                (utc_now().isoformat(), session_id),
            )

    def set_asked(self, session_id: str, question_ids: list[str]) -> None:
        with self._connect() as conn:
            conn.execute("UPDATE sessions SET asked = ? WHERE id = ?", (json.dumps(question_ids), session_id))

    def claim(self, session_id: str, seen: int) -> int | None:
        """Claim the next step of a session whose version was `seen`: the new version, or None when another
        tab took a step since (one statement, so of two tabs claiming at once only one gets it)."""
        with self._connect() as conn:
            row = conn.execute(
                "UPDATE sessions SET version = version + 1 WHERE id = ? AND version = ? RETURNING version",
                (session_id, seen),
            ).fetchone()
        return None if row is None else int(row["version"])

    def mark_revealed(self, session_id: str, question_id: str) -> None:
        """Note that the candidate saw the question's reference before answering it (once per question)."""
        with self._connect() as conn:  # one statement: two tabs revealing at once cannot lose either
            conn.execute(
                "UPDATE sessions SET revealed = json_insert(revealed, '$[#]', ?) WHERE id = ?"
                " AND NOT EXISTS (SELECT 1 FROM json_each(sessions.revealed) WHERE value = ?)",
                (question_id, session_id, question_id),
            )

    def mark_retrying(self, session_id: str, attempt_id: int) -> None:
        """Note that the candidate is answering the graded attempt `attempt_id` again; the retry is over once a
        later answer of its kind is graded or the session asks another question."""
        with self._connect() as conn:
            conn.execute("UPDATE sessions SET retrying = ? WHERE id = ?", (attempt_id, session_id))

    def open_session(self) -> SessionRecord | None:
        """The session a reloaded page resumes: the latest one that has asked something, if it was not ended.

        Only the latest: an older session left open (by a version that did not end it when a new one
        started, or a crash) was given up by starting a newer one, and must not come back once that ends."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT * FROM sessions WHERE asked != '[]' ORDER BY started_at DESC, rowid DESC"
            ).fetchone()
        return _session(row) if row is not None and row["ended_at"] is None else None

    def latest_session(self) -> SessionRecord | None:
        """The session started last, open or ended, asked anything or not: what a page opened afresh shows."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM sessions ORDER BY started_at DESC, rowid DESC").fetchone()
        return _session(row) if row is not None else None

    def session(self, session_id: str) -> SessionRecord:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise HistoryError(
                f"No practice session {session_id} in {self.path}.", hint="Pick a session listed on the Progress page."
            )
        return _session(row)

    def sessions(self) -> list[SessionRecord]:
        """All sessions, oldest first."""
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM sessions ORDER BY started_at, rowid").fetchall()
        return self._readable("sessions", rows, _session)

    # -- attempts -------------------------------------------------------------------------

    def add_attempt(
        self,
        *,
        session_id: str,
        question_id: str,
        question: str,
        topic: str | None,
        kind: AttemptKind,
        answer: str,
        transcript: str | None = None,
        recording_s: float | None = None,
        delivery: BaseModel | None = None,
        status: AttemptStatus = "pending",
    ) -> int:
        """Record an answer before grading it; returns the attempt id."""
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO attempts (session_id, question_id, question, topic, kind, answer, transcript,"
                " recording_s, delivery, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    question_id,
                    question,
                    topic,
                    kind,
                    answer,
                    transcript,
                    recording_s,
                    delivery.model_dump_json() if delivery is not None else None,
                    status,
                    utc_now().isoformat(),
                ),
            )
            return int(cur.lastrowid)

    def mark_graded(self, attempt_id: int, grade: Grade) -> None:
        with self._connect() as conn:
            conn.execute(
                "UPDATE attempts SET status = 'graded', grade = ?, score = ?, grader_kind = ?, grader_model = ?,"
                " grader_version = ?, error = NULL, graded_at = ? WHERE id = ?",
                (
                    grade.model_dump_json(),
                    grade.score,
                    grade.grader.kind,
                    grade.grader.model,
                    grade.grader.version,
                    utc_now().isoformat(),
                    attempt_id,
                ),
            )

    def mark_failed(self, attempt_id: int, error: str) -> None:
        with self._connect() as conn:
            conn.execute(
                "UPDATE attempts SET status = 'failed', error = ?, graded_at = ? WHERE id = ?",
                (strip_credentials(error), utc_now().isoformat(), attempt_id),
            )

    def attempt(self, attempt_id: int) -> AttemptRecord:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        if row is None:
            raise HistoryError(f"No attempt {attempt_id} in {self.path}.", hint="Reload the page.")
        return _attempt(row)

    def attempts(
        self,
        *,
        session_id: str | None = None,
        question_id: str | None = None,
        kind: AttemptKind | None = None,
        status: AttemptStatus | None = None,
    ) -> list[AttemptRecord]:
        """Attempts matching every given filter, oldest first."""
        clauses, params = [], []
        for column, value in (
            ("session_id", session_id),
            ("question_id", question_id),
            ("kind", kind),
            ("status", status),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._connect() as conn:
            rows = conn.execute(f"SELECT * FROM attempts {where} ORDER BY created_at, id", params).fetchall()
        return self._readable("attempts", rows, _attempt)

    def _readable(self, table: str, rows: list[sqlite3.Row], parse: Callable[[sqlite3.Row], T]) -> list[T]:
        records = []
        for row in rows:
            try:
                records.append(parse(row))
            except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
                if (table, str(row["id"])) not in self.unreadable:
                    log.warning("left out unreadable row %s of %s in %s: %s", row["id"], table, self.path, exc)
                self.unreadable.add((table, str(row["id"])))
        return records

    # -- spaced-repetition cards (the scheduling itself lives in review.py) ------------------

    def save_card(self, question_id: str, card_json: str) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO review_cards (question_id, card, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT(question_id) DO UPDATE SET card = excluded.card, updated_at = excluded.updated_at",
                (question_id, card_json, utc_now().isoformat()),
            )

    def cards(self) -> dict[str, str]:
        """question id -> the card's JSON."""
        with self._connect() as conn:
            rows = conn.execute("SELECT question_id, card FROM review_cards").fetchall()
        return {r["question_id"]: r["card"] for r in rows}


def _session(row: sqlite3.Row) -> SessionRecord:
    return SessionRecord(
        id=row["id"],
        started_at=datetime.fromisoformat(row["started_at"]),
        ended_at=datetime.fromisoformat(row["ended_at"]) if row["ended_at"] else None,
        mode=row["mode"],
        filters=json.loads(row["filters"] or "{}"),
        asked=json.loads(row["asked"] or "[]"),
        revealed=json.loads(row["revealed"] or "[]"),
        version=row["version"],
        retrying=row["retrying"],
    )


def _attempt(row: sqlite3.Row) -> AttemptRecord:
    data = dict(row)
    data["grade"] = Grade.model_validate_json(data["grade"]) if data["grade"] else None
    data["delivery"] = json.loads(data["delivery"]) if data["delivery"] else None
    return AttemptRecord.model_validate(data)
