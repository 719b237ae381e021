"""Spoken answers: a recording becomes an editable draft (transcript + delivery insights)."""

from typing import Any

import streamlit as st

from mockint.config import get_settings
from mockint.errors import MockintError
from mockint.interview import InterviewSession


def transcribe_draft(audio: bytes, filename: str, session: InterviewSession) -> dict[str, Any] | None:
    """Transcribe a recording into a draft answer; on failure show why and return None."""
    from mockint.transcription import transcribe

    try:
        with st.spinner("Transcribing your answer…"):
            transcript = transcribe(audio, filename, settings=get_settings())
    except MockintError as exc:
        st.error(str(exc), icon="🎙️")
        return None
    return {"text": transcript.text, "transcript": transcript.text, "recording_s": transcript.duration_s,
            "note": transcript.note, "delivery": None}
