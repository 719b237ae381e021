"""Process-wide resources for the Streamlit app: the bank, the store, the grader, the history.

The first question must be answerable within seconds, so nothing heavy loads before it is shown:
the question is picked from the bank alone; the grader (which may load the embedding model) and
the vector store (only needed for focus search) are built by background workers started after the
first page has rendered. Each resource is keyed by the settings it depends on, so tests (and a
restarted configuration) never reuse one built for other settings.
"""

import logging
import random
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Generic, TypeVar

import streamlit as st

from mockint.config import Settings, get_settings
from mockint.doors.bank_files import Bank, load_bank
from mockint.errors import MockintError
from mockint.grading.grader import Grader
from mockint.history.database import History
from mockint.practice.modes import FocusMatch
from mockint.types.grade import GradingItem
from mockint.types.question import Question, QuestionFilter

if TYPE_CHECKING:
    from mockint.doors.llm import Reach
    from mockint.doors.whisper import WhisperRecogniser
    from mockint.store.questions import QuestionStore

T = TypeVar("T")
log = logging.getLogger(__name__)
GRADER_HEAD_START_S = 1.0
# The sidebar's check that the LLM server answers. 3 s: a local or LAN server answers in milliseconds and
# api.openai.com well within a second, while the sidebar (drawn after the question) never waits long for one
# that does not. Repeated after 30 s, so a server started after a warning is seen on a reload soon after.
REACH_TIMEOUT_S = 3.0
REACH_TTL_S = 30


class Background(Generic[T]):
    """A value built once in a background worker; `get()` waits for it and re-raises what building raised.

    The worker is not a daemon: one stopped at interpreter exit in the middle of torch or Chroma native code
    aborts the process, so exit waits the few seconds a build takes instead."""

    def __init__(self, build: Callable[[], T], name: str, *, head_start_s: float = 0.0) -> None:
        self._build = build
        self._head_start_s = head_start_s
        self._name = name
        self._future: Future[T] | None = None
        self._lock = threading.Lock()

    def start(self) -> "Background[T]":
        with self._lock:
            if self._future is None:
                worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"mockint-{self._name}")
                self._future = worker.submit(self._run)
                worker.shutdown(wait=False)  # the one build is all this worker does
        return self

    def _run(self) -> T:
        time.sleep(self._head_start_s)
        return self._build()

    @property
    def ready(self) -> bool:
        return self._future is not None and self._future.done()

    @property
    def error(self) -> BaseException | None:
        """What building raised, once it has finished."""
        return self._future.exception() if self.ready else None

    def get(self) -> T:
        return self.start()._future.result()


def settings_key(settings: Settings) -> tuple:
    return (
        str(settings.data_dir),
        str(settings.corpus_dir),
        settings.active_grader,
        settings.model,
        settings.openai_base_url,
        settings.embeddings,
        settings.fallback_to_offline,
    )


@st.cache_resource(show_spinner=False)
def _bank(key: tuple) -> Bank:
    return load_bank(get_settings().corpus_dir)


@st.cache_resource(show_spinner=False)
def _grader(key: tuple) -> Background[Grader]:
    def build() -> Grader:
        from mockint.grading.factory import build_grader

        settings = get_settings()
        # The app reads settings once, at start: a changed setting needs a restart to count.
        grader = build_grader(settings, offline_switch="set MOCKINT_GRADER=offline and restart the app")
        if settings.active_grader == "offline":
            # The offline grader loads its model on first use: pay for that now, not on the first answer.
            grader.grade(GradingItem(question="Warm-up?", reference_answer="A warm-up answer."), "a warm-up answer")
        return grader

    # The page reaches the browser through the server's event loop, which needs the GIL that importing
    # torch holds for seconds: a head start lets the first question arrive before the grader loads.
    return Background(build, "grader", head_start_s=GRADER_HEAD_START_S)


@st.cache_resource(show_spinner=False)
def _store(key: tuple) -> "Background[QuestionStore]":
    def build() -> "QuestionStore":
        from mockint.store.questions import QuestionStore

        store = QuestionStore.from_settings(get_settings())
        store.sync()  # a no-op when `make run` has indexed already
        return store

    return Background(build, "store")


@st.cache_resource(show_spinner=False)
def _whisper(key: tuple) -> "Background[WhisperRecogniser]":
    def build() -> "WhisperRecogniser":
        import numpy as np

        from mockint.speech.audio import TARGET_RATE
        from mockint.speech.transcription import whisper_for

        recogniser = whisper_for(get_settings())
        # The first decoding pays for CTranslate2's one-off set-up: pay it now, on a second of silence.
        recogniser.recognise(np.zeros(TARGET_RATE, dtype=np.float32))
        return recogniser

    return Background(build, "whisper", head_start_s=GRADER_HEAD_START_S)


@st.cache_data(ttl=REACH_TTL_S, show_spinner=False)
def _reach(key: tuple) -> "Reach | None":
    from mockint.doors.llm import LLMClient  # the openai SDK: imported once the question is on screen

    try:
        client = LLMClient.from_settings(get_settings())
    except MockintError:
        return None  # a base URL that is no address: the grader's own error says so
    return client.reach(REACH_TIMEOUT_S)


def llm_reach() -> "Reach | None":
    """Whether the configured LLM server answers, checked at most every REACH_TTL_S; None when it cannot be
    checked (no valid address)."""
    return _reach(settings_key(get_settings()))


def bank() -> Bank:
    return _bank(settings_key(get_settings()))


def grader_loader() -> Background[Grader]:
    return _grader(settings_key(get_settings()))


def store_loader() -> "Background[QuestionStore]":
    return _store(settings_key(get_settings()))


def whisper_loader() -> "Background[WhisperRecogniser]":
    settings = get_settings()
    return _whisper((settings.transcription, str(settings.whisper_model)))


def history() -> History:
    return History.from_settings(get_settings())


def warm_up() -> None:
    """Start building the grader (and the offline speech model) once the page is on screen, so the first
    answer is graded (and heard) quickly; then
    (on a later rerun, so the two never compete for the CPU) the store that grades follow-ups without a bank
    answer against retrieved references."""
    grader = grader_loader().start()
    if get_settings().transcription == "offline":
        # Small (75 MB, 0.5 s to load) and needed as soon as a recording ends: warmed beside the grader,
        # so a candidate who answers out loud at once still has the transcript within seconds.
        whisper_loader().start()
    if grader.ready:
        store_loader().start()


class AppQuestionSource:
    """Questions for the interview: bank-only random picks, the vector store only for focus search."""

    def __init__(self, bank: Bank, store: "Callable[[], QuestionStore]") -> None:
        self.bank = bank
        self._store = store

    def get(self, question_id: str) -> Question:
        return self.bank.get(question_id)

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
        if focus and focus.strip():
            return self._store().sample_next(
                exclude_ids=exclude_ids, topic=topic, difficulty=difficulty, type=type, focus=focus, rng=rng
            )
        rng = rng or random.Random()
        pool = QuestionFilter(topic=topic, difficulty=difficulty, type=type).pool(self.bank.questions, exclude_ids)
        return rng.choice(pool) if pool else None

    def count(
        self, *, exclude_ids: Collection[str] = (), topic: str | None, difficulty: str | None, type: str | None
    ) -> int:
        return len(QuestionFilter(topic=topic, difficulty=difficulty, type=type).pool(self.bank.questions, exclude_ids))

    def focus_match(
        self, focus: str, *, topic: str | None, difficulty: str | None, type: str | None
    ) -> FocusMatch | None:
        store = self._store()
        hits = store.search(focus, k=1, topic=topic, difficulty=difficulty, type=type)
        return FocusMatch(similarity=hits[0].score, model=store.embedder.name) if hits else None


def follow_up_item(question: Question, store: "Background[QuestionStore] | None" = None) -> GradingItem:
    """What a follow-up answer is graded against; retrieval from the store when the bank has no answer."""
    from mockint.grading.follow_up import follow_up_item as build

    if question.follow_up_answer:
        return build(question)
    try:
        found = (store or store_loader()).get()
    except MockintError:
        found = None  # the question's explanation alone still makes a reference
    return build(question, found)


@st.cache_resource(show_spinner=False)
def _preparer(key: tuple) -> tuple[ThreadPoolExecutor, set[str]]:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="mockint-prepare"), set()


def prepare_grading(question: Question) -> None:
    """While the candidate thinks, let the offline grader embed this question's reference material (and its
    follow-up's), so grading the answer has only the answer left to do. Never for the LLM grader: a
    speculative call would cost tokens."""
    settings = get_settings()
    if settings.active_grader != "offline":
        return
    executor, queued = _preparer(settings_key(settings))
    if question.id in queued:
        return
    queued.add(question.id)
    grader, store = grader_loader(), store_loader()  # resolved here: the worker has no script context

    def prepare() -> None:
        try:
            ready = grader.get()
            ready.grade(GradingItem.from_question(question), "")
            ready.grade(follow_up_item(question, store), "")
        except Exception:  # only a head start is lost; grading the real answer reports any error
            log.debug("preparing %s for grading failed", question.id, exc_info=True)

    executor.submit(prepare)


def question_source() -> AppQuestionSource:
    return AppQuestionSource(bank(), lambda: store_loader().get())
