"""The question store: the bank plus its vectors in Chroma, behind one API for the CLI, graders and app.

Sync is incremental: each stored vector carries its question's content hash, so only new or edited
questions are embedded. The collection records the embedding model that made it; another model, another
metadata layout or a damaged store means a rebuild from the bank, never a mix of vectors.
"""

import hashlib
import logging
import random
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict
from tqdm import tqdm

from mockint.config import Settings, get_settings
from mockint.doors.bank_files import Bank, load_bank
from mockint.doors.chroma import StoreDamagedError, VectorCollection, VectorDB, where_clause
from mockint.doors.embeddings import Embedder, OpenAIEmbedder, shared_local_embedder
from mockint.errors import BankError, ConfigError
from mockint.types.question import Difficulty, Question, QuestionFilter, QuestionType
from mockint.types.topics import topic_name

log = logging.getLogger(__name__)

# Bump when the per-question metadata layout changes: stores made by older code are then rebuilt.
STORE_SCHEMA = 1
_MODEL_KEY = "embedding_model"
_SCHEMA_KEY = "mockint_schema"
# Small batches bound the peak memory of attention over long texts: embedding the 374-question bank peaked
# at ~940 MiB with batches of 16 or 32 and ~750 MiB with 8, at the same speed. Sorting by length keeps
# padding, and so the cost, low.
_EMBED_BATCH = 8
# A focused pick chooses among this many best matches, so "quiz me on X" varies but stays on X, and only among
# those within _FOCUS_NEAR cosine similarity of the best: "word2vec skip-gram and CBOW" scores 0.74 on the
# word2vec question and 0.46 on a subword-tokenization one, and a review was asked the latter 5 times in 7.
# Measured with the local model over the shipped bank: matches on the same subject lie close ("precision and
# recall" 0.65 0.59, "collaborative filtering" 0.57 0.53 0.53), a best match alone on its subject stands 0.2-0.3
# clear ("what is dropout" 0.77 0.46, "cold start in recommendations" 0.53 0.31).
_FOCUS_POOL, _FOCUS_NEAR = 3, 0.10
# A session repeats its focus for every question; keep recent query vectors instead of re-embedding.
_QUERY_CACHE = 256
# Embedding this many questions takes a few seconds (12-15 questions/s on a busy 2-core machine), so a
# sync that has to is announced in one line, terminal or not (the progress bar is for terminals only).
_ANNOUNCE_AT = 50
DEFAULT_COLLECTION = "mockint-questions"


class SyncReport(BaseModel):
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0
    rebuilt: bool = False
    reason: str | None = None

    def summary(self) -> str:
        text = (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged; {self.embedded} embedded"
        )
        if self.rebuilt:
            text += f"; rebuilt ({self.reason})" if self.reason else "; rebuilt"
        return text


class SearchHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    question: Question
    score: float  # cosine similarity, higher is closer


def embedder_from_settings(settings: Settings | None = None) -> Embedder:
    """The embedder MOCKINT_EMBEDDINGS asks for (the local model is shared by the whole process)."""
    settings = settings or get_settings()
    if settings.embeddings == "openai":
        if not settings.llm_configured:
            raise ConfigError(
                "MOCKINT_EMBEDDINGS=openai needs an embeddings endpoint.",
                hint="Set OPENAI_API_KEY (or OPENAI_BASE_URL), or set MOCKINT_EMBEDDINGS=local.",
            )
        from mockint.doors.llm import LLMClient

        return OpenAIEmbedder(LLMClient.from_settings(settings), settings.openai_embedding_model)
    return shared_local_embedder()


def collection_name(bank: Bank, prefix: str = DEFAULT_COLLECTION) -> str:
    """The Chroma collection that holds `bank`'s vectors: one per bank folder, so switching between your own
    bank (MOCKINT_CORPUS_DIR) and the shipped one finds each bank's vectors where it left them instead of
    re-embedding the whole bank at every switch. `<prefix>-<12 hex digits>` of the folder's resolved path
    keeps within Chroma's names (3-512 characters of [a-zA-Z0-9._-], alphanumeric at both ends). A bank made
    in memory has no folder, and gets the prefix alone. The CLI and the app both open the store through
    `QuestionStore.from_settings`, which names the collection here."""
    if bank.corpus_dir is None:
        return prefix
    digest = hashlib.sha256(str(bank.corpus_dir.resolve()).encode()).hexdigest()[:12]
    return f"{prefix}-{digest}"


class QuestionStore:
    def __init__(self, bank: Bank, embedder: Embedder, db: VectorDB, *, collection_prefix: str = DEFAULT_COLLECTION):
        self.bank = bank
        self.embedder = embedder
        self.db = db
        self.collection_name = collection_name(bank, collection_prefix)
        self._collection: VectorCollection | None = None
        self._lock = threading.RLock()
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "QuestionStore":
        settings = settings or get_settings()
        return cls(
            load_bank(settings.corpus_dir),
            embedder_from_settings(settings),
            VectorDB.from_settings(settings),
            collection_prefix=settings.collection,
        )

    def get(self, question_id: str) -> Question:
        return self.bank.get(question_id)

    # -- sync -------------------------------------------------------------------------------------------

    def sync(self, progress: bool = False, *, rebuild: bool = False) -> SyncReport:
        """Bring the vectors in line with the bank; a damaged embedded store is rebuilt from the bank. Any
        other StoreError (an absent server, a name Chroma refuses, a full disk) is raised with every vector
        left where it was: a rebuild deletes the whole store, every bank's vectors."""
        with self._lock:
            try:
                return self._sync(progress, rebuild)
            except StoreDamagedError as exc:
                log.warning("%s; rebuilding it from the bank", exc.problem)
                self._collection = None
                self.db.reset()
                report = self._sync(progress, rebuild=True)
                return report.model_copy(update={"rebuilt": True, "reason": f"the store was damaged: {exc.problem}"})

    def _sync(self, progress: bool, rebuild: bool) -> SyncReport:
        wanted = {_MODEL_KEY: self.embedder.name, _SCHEMA_KEY: STORE_SCHEMA}
        collection = self.db.get_collection(self.collection_name)
        reason = "asked for" if rebuild and collection is not None else None
        if collection is not None and reason is None:
            reason = self._incompatibility(collection, wanted)
        if collection is not None and reason is not None:
            self.db.drop_collection(self.collection_name)
            collection = None
        if collection is None:
            collection = self.db.create_collection(self.collection_name, wanted)

        stored = {i: m.get("hash") for i, m in collection.entries().items()}
        current = {q.id: q.content_hash() for q in self.bank.questions}
        removed = [i for i in stored if i not in current]
        added = [q for q in self.bank.questions if q.id not in stored]
        updated = [q for q in self.bank.questions if q.id in stored and stored[q.id] != current[q.id]]
        if removed or updated:
            # Delete edited entries too: re-adding replaces their metadata whole (a dropped tag must go).
            collection.delete(removed + [q.id for q in updated])
        to_embed = added + updated
        if len(to_embed) >= _ANNOUNCE_AT:
            where = f" in {self.bank.corpus_dir}" if self.bank.corpus_dir else ""
            log.warning("Indexing %d questions%s for search, once for this bank…", len(to_embed), where)
        if to_embed:
            vectors = self._embed([q.embedding_text() for q in to_embed], progress)
            collection.upsert(
                [q.id for q in to_embed], vectors, [_metadata(q) for q in to_embed], [q.question for q in to_embed]
            )
        self._collection = collection
        return SyncReport(
            added=len(added),
            updated=len(updated),
            removed=len(removed),
            unchanged=len(current) - len(added) - len(updated),
            embedded=len(to_embed),
            rebuilt=reason is not None,
            reason=reason,
        )

    def _incompatibility(self, collection: VectorCollection, wanted: dict) -> str | None:
        meta = collection.metadata
        if meta.get(_MODEL_KEY) != wanted[_MODEL_KEY]:
            return f"embedding model changed from {meta.get(_MODEL_KEY)} to {wanted[_MODEL_KEY]}"
        if meta.get(_SCHEMA_KEY) != wanted[_SCHEMA_KEY]:
            return f"store layout changed from {meta.get(_SCHEMA_KEY)} to {wanted[_SCHEMA_KEY]}"
        if collection.space != "cosine":
            return f"distance space was {collection.space}, not cosine"
        return None

    def _embed(self, texts: list[str], progress: bool) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        parts = []
        with tqdm(total=len(texts), desc="embedding questions", unit="q", disable=not progress) as bar:
            for start in range(0, len(order), _EMBED_BATCH):
                batch = [texts[i] for i in order[start : start + _EMBED_BATCH]]
                parts.append(self.embedder.embed(batch))
                bar.update(len(batch))
        vectors = np.empty_like(np.concatenate(parts))
        vectors[order] = np.concatenate(parts)
        return vectors

    def _synced(self) -> VectorCollection:
        with self._lock:
            if self._collection is None:
                self.sync()
            return self._collection

    # -- search -----------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        topic: str | None = None,
        difficulty: str | None = None,
        type: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> list[SearchHit]:
        """The k questions closest in meaning to `query` that pass the filters, best first."""
        topic = self._topic(topic)
        where = self._where(topic, difficulty, type, tags)
        if not query.strip() or k <= 0:
            return []
        collection = self._synced()
        vector = self._query_vector(query)
        matches = collection.query(vector, min(k, max(len(self.bank), 1)), where)
        return [SearchHit(question=self.bank.get(m.id), score=1.0 - m.distance) for m in matches if m.id in self.bank]

    def _query_vector(self, query: str) -> np.ndarray:
        with self._lock:
            if query in self._query_vectors:
                self._query_vectors.move_to_end(query)
                return self._query_vectors[query]
        vector = self.embedder.embed([query])[0]
        with self._lock:
            self._query_vectors[query] = vector
            if len(self._query_vectors) > _QUERY_CACHE:
                self._query_vectors.popitem(last=False)
        return vector

    def sample_next(
        self,
        *,
        exclude_ids: Collection[str] = (),
        topic: str | None = None,
        difficulty: str | None = None,
        type: str | None = None,
        focus: str | None = None,
        rng: random.Random | None = None,
    ) -> Question | None:
        """The next question to ask, or None when none is left.

        Without `focus` it is a random pick from the bank and needs neither the model nor Chroma, so an
        app can ask its first question while the model loads.
        """
        rng = rng or random.Random()
        topic = self._topic(topic)
        self._where(topic, difficulty, type, None)
        excluded = set(exclude_ids)
        candidates = QuestionFilter(topic=topic, difficulty=difficulty, type=type).pool(self.bank.questions, excluded)
        if not candidates:
            return None
        if not focus or not focus.strip():
            return rng.choice(candidates)
        hits = self.search(focus, k=len(excluded) + _FOCUS_POOL, topic=topic, difficulty=difficulty, type=type)
        best = [h for h in hits if h.question.id not in excluded][:_FOCUS_POOL]
        pool = [h.question for h in best if h.score >= best[0].score - _FOCUS_NEAR]
        return rng.choice(pool) if pool else rng.choice(candidates)

    def _topic(self, topic: str | None) -> str | None:
        """The slug of the topic meant: people type what they read ("NLP", "LLMs & RAG"), the bank keys by slug."""
        if topic is None:
            return None
        wanted = topic.strip().casefold()
        for slug in self.bank.topics:
            if wanted in (slug.casefold(), topic_name(slug).casefold()):
                return slug
        raise BankError(
            f"No questions with topic '{topic}'.", hint=f"Use one of: {', '.join(self.bank.topics) or 'none'}."
        )

    def _where(
        self, topic: str | None, difficulty: str | None, type: str | None, tags: Sequence[str] | None
    ) -> dict | None:
        for label, value, enum in (("difficulty", difficulty, Difficulty), ("type", type, QuestionType)):
            if value is not None and value not in {m.value for m in enum}:
                raise BankError(f"Unknown {label} '{value}'.", hint=f"Use one of {', '.join(m.value for m in enum)}.")
        equals = {"topic": topic, "difficulty": _plain(difficulty), "type": _plain(type)}
        return where_clause(equals, {"tags": list(tags or [])})

    def close(self) -> None:
        self.db.close()


def _plain(value: str | None) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _metadata(q: Question) -> dict:
    meta = {
        "hash": q.content_hash(),
        "topic": q.topic,
        "type": q.type.value,
        "difficulty": q.difficulty.value,
        "frequency": q.frequency.value,
        "source": q.source,
    }
    if q.tags:  # Chroma refuses empty lists
        meta["tags"] = list(q.tags)
    return meta
