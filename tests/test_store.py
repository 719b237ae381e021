"""The question store against real Chroma (embedded in tmp_path, and a real `chroma run` server) and the
real local embedding model (loaded once per session)."""

import os
import random
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import yaml
from pydantic import SecretStr

from mockint.config import get_settings
from mockint.doors.bank_files import load_bank
from mockint.doors.chroma import StoreDamagedError, StoreUnreachableError, VectorDB
from mockint.errors import BankError, StoreError

pytestmark = pytest.mark.slow

QUESTIONS = [
    (
        "what-is-dropout",
        "deep-learning",
        "medium",
        "conceptual",
        ["regularization"],
        "What is dropout?",
        "Dropout randomly disables units during training to reduce overfitting.",
    ),
    (
        "what-is-a-cnn",
        "deep-learning",
        "easy",
        "conceptual",
        ["vision"],
        "What is a CNN?",
        "A convolutional neural network slides learned filters over an image to find local patterns.",
    ),
    (
        "p-value-meaning",
        "statistics",
        "medium",
        "conceptual",
        ["hypothesis-testing"],
        "What does a p-value tell you?",
        "The probability of data at least as extreme as observed if the null hypothesis is true.",
    ),
    (
        "ab-test-sample-size",
        "statistics",
        "hard",
        "scenario",
        ["experiments", "hypothesis-testing"],
        "How many users per arm does an A/B test need?",
        "Use the baseline rate, minimum detectable effect, alpha and power in the two-proportion sample size formula.",
    ),
    (
        "bleu-score",
        "nlp",
        "easy",
        "conceptual",
        ["evaluation"],
        "How is BLEU computed?",
        "Clipped n-gram precision against reference translations times a brevity penalty.",
    ),
    (
        "subword-tokenization",
        "nlp",
        "medium",
        "conceptual",
        [],
        "Why do models tokenize text into subwords?",
        "Subwords keep the vocabulary small while still spelling out rare and unseen words from known pieces.",
    ),
]
# Shares no word with the p-value question or its answer.
MEANING_QUERY = "how likely would we see results this surprising by luck alone"


def _entry(qid, topic, difficulty, qtype, tags, question, answer, **extra) -> dict:
    return {
        "id": qid,
        "question": question,
        "answer": answer,
        "explanation": f"Why {question.lower()}",
        "follow_up": "Can you give an example?",
        "topic": topic,
        "type": qtype,
        "difficulty": difficulty,
        "tags": tags,
        **extra,
    }


def write_corpus(corpus: Path, entries: list[dict]) -> Path:
    corpus.mkdir(parents=True, exist_ok=True)
    for old in corpus.glob("*.yaml"):
        old.unlink()
    by_topic: dict[str, list[dict]] = {}
    for e in entries:
        by_topic.setdefault(e["topic"], []).append(e)
    for topic, items in by_topic.items():
        (corpus / f"{topic}.yaml").write_text(yaml.safe_dump({"questions": items}, sort_keys=False), encoding="utf-8")
    return corpus


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2, loaded once for the whole test session."""
    from mockint.doors.embeddings import shared_local_embedder

    model = shared_local_embedder()
    model.embed(["warm up"])
    return model


class RenamedEmbedder:
    """The same real model reported under another name: what a model switch looks like to the store."""

    def __init__(self, inner, name: str) -> None:
        self.inner = inner
        self.name = name

    def embed(self, texts):
        return self.inner.embed(texts)


class Unusable:
    """Stands in for a model or store that must not be touched."""

    name = "unusable"

    def embed(self, texts):
        raise AssertionError("the embedding model was used")


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus", [_entry(*q) for q in QUESTIONS])


def make_store(corpus, embedder, path):
    from mockint.store.questions import QuestionStore

    return QuestionStore(load_bank(corpus), embedder, VectorDB(path=path))


def test_sync_is_incremental(corpus, embedder, tmp_path):
    path = tmp_path / "chroma"
    first = make_store(corpus, embedder, path).sync()
    assert (first.added, first.embedded, first.rebuilt) == (6, 6, False)

    again = make_store(corpus, embedder, path).sync()
    assert (again.added, again.updated, again.removed, again.unchanged, again.embedded) == (0, 0, 0, 6, 0)

    entries = [_entry(*q) for q in QUESTIONS]
    entries[1]["answer"] = "Convolutions share weights across positions, which suits images."
    entries[1]["tags"] = []
    write_corpus(corpus, entries)
    edited = make_store(corpus, embedder, path)
    report = edited.sync()
    assert (report.updated, report.unchanged, report.embedded) == (1, 5, 1)
    assert edited.search("image filters", k=6, tags=["vision"]) == []  # the dropped tag is gone with the edit

    write_corpus(corpus, entries[:-1])
    shrunk = make_store(corpus, embedder, path)
    report = shrunk.sync()
    assert (report.removed, report.embedded, report.unchanged) == (1, 0, 5)
    assert "subword-tokenization" not in {h.question.id for h in shrunk.search("subword tokenizers", k=6)}
    assert "subword-tokenization" not in shrunk.db.get_collection(shrunk.collection_name).entries()


def test_model_switch_rebuilds_instead_of_mixing_vectors(corpus, embedder, tmp_path):
    path = tmp_path / "chroma"
    make_store(corpus, embedder, path).sync()
    report = make_store(corpus, RenamedEmbedder(embedder, "another-model"), path).sync()
    assert report.rebuilt and report.embedded == 6 and "another-model" in report.reason
    assert make_store(corpus, RenamedEmbedder(embedder, "another-model"), path).sync().embedded == 0


def test_explicit_rebuild_reembeds_everything(corpus, embedder, tmp_path):
    path = tmp_path / "chroma"
    make_store(corpus, embedder, path).sync()
    report = make_store(corpus, embedder, path).sync(rebuild=True)
    assert report.rebuilt and report.embedded == 6


def test_store_from_older_layout_is_rebuilt(corpus, embedder, tmp_path):
    path = tmp_path / "chroma"
    store = make_store(corpus, embedder, path)
    VectorDB(path=path).create_collection(
        store.collection_name, {"embedding_model": embedder.name, "mockint_schema": 0}
    )
    report = store.sync()
    assert report.rebuilt and "layout" in report.reason and report.embedded == 6


def test_damaged_store_is_rebuilt_from_the_bank(corpus, embedder, tmp_path):
    path = tmp_path / "chroma"
    store = make_store(corpus, embedder, path)
    store.sync()
    store.close()
    VectorDB(path=path).reset()  # let go of the cached handles, as a new process would
    path.mkdir()
    (path / "chroma.sqlite3").write_bytes(os.urandom(8192))
    (path / "junk.bin").write_bytes(b"\x00garbage")

    fresh = make_store(corpus, embedder, path)
    report = fresh.sync()
    assert report.rebuilt and report.embedded == 6 and "damaged" in report.reason
    assert fresh.search("What is dropout?", k=1)[0].question.id == "what-is-dropout"


def test_a_collection_name_chroma_refuses_deletes_nothing(corpus, embedder, tmp_path):
    from mockint.store.questions import QuestionStore

    path = tmp_path / "chroma"
    mine = write_corpus(tmp_path / "my-bank", [_entry(*q) for q in QUESTIONS[:3]])
    make_store(corpus, embedder, path).sync()
    make_store(mine, embedder, path).sync()
    bad = QuestionStore(load_bank(corpus), Unusable(), VectorDB(path=path), collection_prefix="my questions")
    with pytest.raises(StoreError) as info:
        bad.sync()
    assert not isinstance(info.value, StoreDamagedError)
    assert "Nothing was deleted" in str(info.value) and "Delete" not in str(info.value)
    bad.close()
    # Both banks' vectors are where they were: nothing is embedded again.
    assert make_store(corpus, embedder, path).sync().embedded == 0
    assert make_store(mine, embedder, path).sync().embedded == 0


def test_a_chroma_server_is_never_reset():
    with pytest.raises(ValueError, match="left alone"):
        VectorDB(host="127.0.0.1", port=_free_port()).reset()


def test_search_finds_a_question_by_meaning_not_shared_words(corpus, embedder, tmp_path):
    store = make_store(corpus, embedder, tmp_path / "chroma")
    query = MEANING_QUERY
    target = store.get("p-value-meaning")
    words = lambda text: set(re.findall(r"[a-z]+", text.lower())) - {"a", "an", "the", "is", "of", "if", "are"}  # noqa: E731
    assert not words(query) & words(target.embedding_text())
    hits = store.search(query, k=3)
    assert hits[0].question.id == "p-value-meaning"
    assert all(-1.0 <= h.score <= 1.0 for h in hits) and hits[0].score > hits[-1].score


def test_search_filters(corpus, embedder, tmp_path):
    store = make_store(corpus, embedder, tmp_path / "chroma")
    assert {h.question.topic for h in store.search("learning", k=6, topic="statistics")} == {"statistics"}
    assert {h.question.id for h in store.search("learning", k=6, difficulty="easy")} == {"what-is-a-cnn", "bleu-score"}
    assert [h.question.id for h in store.search("learning", k=6, type="scenario")] == ["ab-test-sample-size"]
    tagged = store.search("learning", k=6, tags=["hypothesis-testing"])
    assert {h.question.id for h in tagged} == {"p-value-meaning", "ab-test-sample-size"}
    both = store.search("learning", k=6, tags=["hypothesis-testing", "experiments"], difficulty="hard")
    assert [h.question.id for h in both] == ["ab-test-sample-size"]
    with pytest.raises(BankError, match=r"topic 'biology'\. Use one of: deep-learning, nlp, statistics\.$"):
        store.search("x", topic="biology")
    with pytest.raises(BankError, match="easy, medium, hard"):
        store.search("x", difficulty="brutal")


def test_sample_next_without_focus_needs_neither_model_nor_store(corpus):
    from mockint.store.questions import QuestionStore

    store = QuestionStore(load_bank(corpus), Unusable(), VectorDB(host="127.0.0.1", port=_free_port()))
    rng = random.Random(1)
    everything = {q.id for q in store.bank.questions}
    picked = {store.sample_next(exclude_ids={"what-is-dropout"}, rng=rng).id for _ in range(60)}
    assert picked == everything - {"what-is-dropout"}
    assert store.sample_next(topic="nlp", exclude_ids={"bleu-score"}, rng=rng).id == "subword-tokenization"
    assert store.sample_next(topic="nlp", exclude_ids={"bleu-score", "subword-tokenization"}) is None
    assert store.sample_next(difficulty="hard", type="scenario", rng=rng).id == "ab-test-sample-size"


def test_a_topic_is_found_in_any_case_and_by_its_shown_name(corpus):
    from mockint.store.questions import QuestionStore

    store = QuestionStore(load_bank(corpus), Unusable(), VectorDB(host="127.0.0.1", port=_free_port()))
    rng = random.Random(1)
    for spelling in ("NLP", "Nlp", " nlp ", "Deep Learning", "DEEP-LEARNING"):
        picked = store.sample_next(topic=spelling, rng=rng)
        assert picked is not None and picked.topic in {"nlp", "deep-learning"}, spelling
    assert store.sample_next(topic="NLP", exclude_ids={"bleu-score"}, rng=rng).id == "subword-tokenization"


def test_sample_next_with_focus_picks_by_meaning(corpus, embedder, tmp_path):
    store = make_store(corpus, embedder, tmp_path / "chroma")
    rng = random.Random(3)
    picks = {store.sample_next(focus="statistical significance and experiment design", rng=rng).id for _ in range(20)}
    assert picks <= {
        "p-value-meaning",
        "ab-test-sample-size",
        "bleu-score",
        "what-is-dropout",
        "what-is-a-cnn",
        "subword-tokenization",
    }
    assert {"p-value-meaning", "ab-test-sample-size"} <= picks
    only = store.sample_next(focus="statistical significance", exclude_ids={"p-value-meaning"}, topic="statistics")
    assert only.id == "ab-test-sample-size"


def test_unknown_id(corpus, embedder, tmp_path):
    store = make_store(corpus, embedder, tmp_path / "chroma")
    with pytest.raises(BankError, match="mockint search"):
        store.get("nope")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on a free port, killed afterwards."""
    binary = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "chroma"
    if not binary.exists():
        pytest.skip(f"{binary} not found: install chromadb into .venv")
    port = _free_port()
    log = tmp_path_factory.mktemp("chroma-server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(binary), "run", "--path", str(log.parent / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.2)
        yield port
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_sync_and_search_through_a_chroma_server(corpus, embedder, chroma_server, monkeypatch):
    from mockint.store.questions import QuestionStore

    monkeypatch.setenv("MOCKINT_CHROMA_HOST", f"http://127.0.0.1:{chroma_server}")
    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("MOCKINT_COLLECTION", "server-test")
    get_settings.cache_clear()
    store = QuestionStore.from_settings()
    assert store.db.is_server
    report = store.sync(rebuild=True)
    assert report.embedded == 6
    assert QuestionStore.from_settings().sync().embedded == 0
    assert store.search(MEANING_QUERY, k=1)[0].question.id == "p-value-meaning"
    assert not (get_settings().chroma_dir).exists()  # nothing went to the embedded store


def test_unreachable_server_says_how_to_fix_it(corpus, embedder, monkeypatch):
    from mockint.store.questions import QuestionStore

    port = _free_port()
    monkeypatch.setenv("MOCKINT_CHROMA_HOST", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(corpus))
    get_settings.cache_clear()
    with pytest.raises(StoreUnreachableError) as info:
        QuestionStore.from_settings().sync()
    message = str(info.value)
    assert message.startswith(f"Cannot reach the Chroma server at http://127.0.0.1:{port} to open: ")
    assert f"{port}:{port}" not in message
    # The error's own words end in a full stop before the hint begins.
    assert f"? Start the server with `chroma run --path DIR --host 127.0.0.1 --port {port}`" in message
    assert "unset MOCKINT_CHROMA_HOST" in message
    assert isinstance(info.value, StoreError)
    # A refusal met mid-search (the server stopped) reads as two sentences too.
    db = VectorDB(host="127.0.0.1", port=port)
    with pytest.raises(StoreUnreachableError) as info, db.guard("search"):
        raise ConnectionRefusedError(111, "Connection refused")
    assert f"at http://127.0.0.1:{port} to search: [Errno 111] Connection refused. Start the server" in str(info.value)


def test_the_chroma_token_goes_to_the_server_and_into_no_message():
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    token = "ck-s3cret-token"
    sent: list[str | None] = []

    class Refusing(BaseHTTPRequestHandler):
        """A server with token authentication that refuses the token, and repeats it, as a careless one might."""

        def do_GET(self):
            sent.append(self.headers.get("Authorization"))
            body = json.dumps({"error": "AuthError", "message": f"bad token {token}"}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Refusing) as httpd:
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        db = VectorDB(host="127.0.0.1", port=httpd.server_address[1], token=SecretStr(token))
        with pytest.raises(StoreError) as info:
            db.get_collection("mockint-questions")
        httpd.shutdown()
    assert sent and set(sent) == {f"Bearer {token}"}
    assert token not in str(info.value) and "[redacted]" in str(info.value)
    assert "Delete" not in str(info.value) and not isinstance(info.value, StoreDamagedError)


def test_vectors_are_normalised_cosine(embedder):
    vectors = embedder.embed(["one", "two"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_each_bank_keeps_its_own_collection_so_switching_back_embeds_nothing(corpus, embedder, tmp_path):
    from mockint.store.questions import collection_name

    path = tmp_path / "chroma"
    mine = write_corpus(tmp_path / "my-bank", [_entry(*q) for q in QUESTIONS[:3]])
    assert make_store(corpus, embedder, path).sync().embedded == 6
    assert make_store(mine, embedder, path).sync().embedded == 3
    # Back to the first bank, then the second again: each finds its vectors where it left them.
    assert make_store(corpus, embedder, path).sync().embedded == 0
    assert make_store(mine, embedder, path).sync().embedded == 0
    names = {collection_name(load_bank(corpus)), collection_name(load_bank(mine))}
    assert len(names) == 2 and all(re.fullmatch(r"mockint-questions-[0-9a-f]{12}", n) for n in names)
    # The same folder by another path is the same bank.
    assert collection_name(load_bank(tmp_path / "my-bank" / ".." / "my-bank")) == collection_name(load_bank(mine))
