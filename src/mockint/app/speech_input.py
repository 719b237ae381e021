"""Spoken answers in the app: a recording becomes an editable draft; delivery insights once confirmed.

The transcript is only ever a draft: the candidate reads it, fixes what was misheard and confirms it
before it is graded. When a transcription endpoint fails, the offline engine is offered as an explicit
choice (it is much rougher), never swapped in silently.
"""

from typing import Any

import streamlit as st

from mockint.config import get_settings
from mockint.errors import LLMError, MockintError
from mockint.practice.interview import InterviewSession, Stage

FAILED, OFFLINE_FOR = "mi-speech-failed", "mi-offline-for"


def draft_from_recording(audio: bytes, filename: str, digest: str) -> dict[str, Any] | None:
    """Transcribe a recording into a draft answer; on failure show why (once per recording) and return None."""
    from mockint.speech.transcription import transcribe, transcribe_offline

    offline = st.session_state.get(OFFLINE_FOR) == digest
    failed = st.session_state.get(FAILED)
    if failed and failed["digest"] == digest and not offline:
        _show_failure(failed)
        return None
    settings = get_settings()
    try:
        with st.spinner("Transcribing your answer…"):
            transcript = (
                transcribe_offline(audio, filename) if offline else transcribe(audio, filename, settings=settings)
            )
    except MockintError as exc:
        # Only an endpoint failure is worth retrying offline; silence or a broken file would fail there too.
        st.session_state[FAILED] = {
            "digest": digest,
            "message": str(exc),
            "offer_offline": not offline and isinstance(exc.__cause__, LLMError),
        }
        _show_failure(st.session_state[FAILED])
        return None
    return {
        "text": transcript.text,
        "transcript": transcript.text,
        "recording_s": transcript.duration_s,
        "note": transcript.note,
        "speech": transcript,
    }


def _show_failure(failed: dict[str, Any]) -> None:
    st.error(failed["message"], icon="🎙️")
    if failed["offer_offline"]:
        st.button(
            "Transcribe offline instead (rougher)",
            key="offline-transcription",
            on_click=lambda: st.session_state.__setitem__(OFFLINE_FOR, failed["digest"]),
        )


def delivery_for(draft: dict[str, Any], text: str, session: InterviewSession) -> Any:
    """Delivery insights of the recording behind `draft`, for the text as the candidate confirmed it."""
    speech = draft.get("speech")
    if speech is None:
        return None
    from mockint.speech.delivery import expected_answer_words

    q = session.current_question()
    if session.stage is Stage.follow_up:
        expected = expected_answer_words(q.follow_up_answer or q.explanation, "", q.difficulty)
    else:
        expected = expected_answer_words(q.answer, q.explanation, q.difficulty)
    return speech.delivery(text, expected_words=expected)
