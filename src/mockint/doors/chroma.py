"""The door to Chroma: the only module that imports `chromadb`.

An embedded persistent store under the data dir by default, a Chroma server when MOCKINT_CHROMA_HOST is
set. Vectors always come from our own embedder (collections have no embedding function, so Chroma never
downloads its default model); the space is cosine. Every chromadb failure becomes a StoreError saying
what to do.
"""

import logging
import shutil
import sqlite3
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import InternalError
from pydantic import SecretStr

from mockint.config import Settings, get_settings, strip_credentials
from mockint.errors import StoreError

log = logging.getLogger(__name__)

SPACE = "cosine"
_BATCH = 1000  # well under Chroma's max batch size, whatever the backend


class StoreUnreachableError(StoreError):
    """The Chroma server does not answer: rebuilding would not help, starting it would."""


class StoreDamagedError(StoreError):
    """The embedded store's files are corrupt or unreadable by this Chroma: the one failure a rebuild from the
    bank fixes. Anything else (a name Chroma refuses, a full disk, a server's error) leaves the data alone."""


@dataclass(frozen=True)
class Match:
    id: str
    distance: float
    metadata: Mapping[str, Any]


class VectorCollection:
    """One Chroma collection, with errors translated."""

    def __init__(self, db: "VectorDB", collection) -> None:
        self._db = db
        self._collection = collection

    @property
    def name(self) -> str:
        return self._collection.name

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._collection.metadata or {})

    @property
    def space(self) -> str | None:
        with self._db.guard("read the collection configuration"), warnings.catch_warnings():
            # Chroma calls a collection made without an embedding function "legacy"; that is the point here.
            warnings.simplefilter("ignore", DeprecationWarning)
            hnsw = (self._collection.configuration or {}).get("hnsw") or {}
            return hnsw.get("space") or self.metadata.get("hnsw:space")

    def count(self) -> int:
        with self._db.guard("count the collection"):
            return self._collection.count()

    def entries(self) -> dict[str, dict[str, Any]]:
        """Every stored id with its metadata."""
        with self._db.guard("read the collection"):
            got = self._collection.get(include=["metadatas"])
        return {i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)}

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Mapping[str, Any]], documents: Sequence[str]
    ) -> None:
        with self._db.guard("write vectors"):
            for start in range(0, len(ids), _BATCH):
                end = start + _BATCH
                self._collection.upsert(
                    ids=list(ids[start:end]),
                    embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                    metadatas=[dict(m) for m in metadatas[start:end]],
                    documents=list(documents[start:end]),
                )

    def delete(self, ids: Sequence[str]) -> None:
        with self._db.guard("delete vectors"):
            for start in range(0, len(ids), _BATCH):
                self._collection.delete(ids=list(ids[start : start + _BATCH]))

    def query(self, vector: np.ndarray, k: int, where: Mapping[str, Any] | None = None) -> list[Match]:
        if k <= 0:
            return []
        with self._db.guard("search"):
            got = self._collection.query(
                query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
                n_results=k,
                where=dict(where) if where else None,
                include=["distances", "metadatas"],
            )
        return [
            Match(i, float(d), dict(m or {}))
            for i, d, m in zip(got["ids"][0], got["distances"][0], got["metadatas"][0], strict=True)
        ]


class VectorDB:
    """A Chroma client: embedded in `path`, or a server at `host:port` (a bare host name; `ssl` for https),
    with an optional bearer token."""

    def __init__(
        self,
        *,
        path: Path | None = None,
        host: str | None = None,
        port: int = 8000,
        ssl: bool = False,
        token: SecretStr | None = None,
    ) -> None:
        if (path is None) == (host is None):
            raise ValueError("give exactly one of path (embedded store) or host (Chroma server)")
        self.path = Path(path) if path is not None else None
        self.host = host
        self.port = port
        self.ssl = ssl
        self._token = token
        self._client = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "VectorDB":
        settings = settings or get_settings()
        server = settings.chroma_server
        if server is not None:
            return cls(host=server.host, port=server.port, ssl=server.ssl, token=settings.chroma_token)
        return cls(path=settings.chroma_dir)

    @property
    def is_server(self) -> bool:
        return self.host is not None

    @property
    def location(self) -> str:
        """Where the store is, as messages and logs show it: never with credentials."""
        if self.is_server:
            return strip_credentials(f"Chroma server at {'https' if self.ssl else 'http'}://{self.host}:{self.port}")
        return f"Chroma store in {self.path}"

    def _fix(self) -> str:
        if self.is_server:
            return (
                f"Start the server with `chroma run --path DIR --host {self.host} --port {self.port}` "
                "or unset MOCKINT_CHROMA_HOST to use the embedded store."
            )
        return f"Delete {self.path} and run `mockint index` to rebuild it from corpus/."

    def _other_fix(self) -> str:
        """For a failure that is neither an absent server nor damage: deleting anything would not help."""
        where = "the server's log and its Chroma version (1.x)" if self.is_server else f"that {self.path} is writable"
        return f"Nothing was deleted: check MOCKINT_COLLECTION and {where}; `mockint -v` shows the details."

    @contextmanager
    def guard(self, action: str) -> Iterator[None]:
        """Translate whatever chromadb (or the disk, or the network) raises into a StoreError."""
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            if self.is_server and _is_connection_error(exc):
                raise StoreUnreachableError(
                    self._says(f"Cannot reach the {self.location} to {action}", exc), hint=self._fix()
                ) from exc
            if not self.is_server and _is_damage(exc):
                raise StoreDamagedError(
                    self._says(f"The {self.location} failed to {action}", exc), hint=self._fix()
                ) from exc
            raise StoreError(
                self._says(f"The {self.location} failed to {action}", exc), hint=self._other_fix()
            ) from exc

    def _says(self, what: str, exc: Exception) -> str:
        """`what: <the error>.` as one sentence (MockintError puts the hint right after it), with no URL
        credentials and never the token."""
        detail = strip_credentials(str(exc)).rstrip()
        if self._token is not None:
            detail = detail.replace(self._token.get_secret_value(), "[redacted]")
        return f"{what}: {detail}" if detail.endswith((".", "!", "?")) else f"{what}: {detail}."

    @property
    def client(self):
        if self._client is None:
            settings = ChromaSettings(anonymized_telemetry=False)
            with self.guard("open"):
                if self.is_server:
                    # The header Chroma's token authentication reads by default.
                    token = {"Authorization": f"Bearer {self._token.get_secret_value()}"} if self._token else None
                    self._client = chromadb.HttpClient(
                        host=self.host, port=self.port, ssl=self.ssl, headers=token, settings=settings
                    )
                else:
                    self.path.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=str(self.path), settings=settings)
        return self._client

    def get_collection(self, name: str) -> VectorCollection | None:
        """The collection, or None when it does not exist yet."""
        with self.guard(f"open collection {name}"):
            if name not in {c.name for c in self.client.list_collections()}:
                return None
            return VectorCollection(self, self.client.get_collection(name, embedding_function=None))

    def create_collection(self, name: str, metadata: Mapping[str, Any]) -> VectorCollection:
        with self.guard(f"create collection {name}"):
            collection = self.client.create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": SPACE}},
                metadata=dict(metadata),
            )
        return VectorCollection(self, collection)

    def drop_collection(self, name: str) -> None:
        with self.guard(f"delete collection {name}"):
            if name in {c.name for c in self.client.list_collections()}:
                self.client.delete_collection(name)

    def reset(self) -> None:
        """Start afresh after damage (StoreDamagedError): the embedded store is deleted from disk. Never a
        server's: what it holds is not ours to delete, and it reports its damage itself."""
        if self.is_server:
            raise ValueError("only an embedded store is reset; a Chroma server's data is left alone")
        log.warning("rebuilding the damaged %s", self.location)
        self.close()
        # Chroma caches one system per path; a stale one would keep the damaged files open.
        system = SharedSystemClient._identifier_to_system.pop(str(self.path), None)
        SharedSystemClient._identifier_to_refcount.pop(str(self.path), None)
        if system is not None:
            try:
                system.stop()
            except Exception as exc:
                log.debug("stopping the damaged Chroma system failed: %s", exc)
        try:
            shutil.rmtree(self.path, ignore_errors=False)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StoreError(f"Cannot delete the damaged {self.location}: {exc}", hint=self._fix()) from exc

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except Exception as exc:
                log.debug("closing the Chroma client failed: %s", exc)
            self._client = None


def _is_damage(exc: Exception) -> bool:
    """Chroma's sqlite reports a corrupt file, a missing table or an unknown schema as an InternalError
    ("file is not a database", "database disk image is malformed", "no such table"); a name or argument it
    refuses is an InvalidArgumentError or ValueError, and the disk's own failures are OSErrors."""
    return isinstance(exc, InternalError | sqlite3.DatabaseError)


def _is_connection_error(exc: Exception) -> bool:
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError) or "Could not connect" in str(exc)


def where_clause(equals: Mapping[str, str | None], contains: Mapping[str, Sequence[str]]) -> dict[str, Any] | None:
    """A Chroma `where` for exact matches and list membership (`tags` contains each given tag)."""
    conditions: list[dict[str, Any]] = [{key: value} for key, value in equals.items() if value is not None]
    for key, values in contains.items():
        conditions.extend({key: {"$contains": value}} for value in values)
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}
