"""Spoken answers in the app: a recording becomes an editable draft; delivery insights once confirmed.

The transcript is only ever a draft: the candidate reads it, fixes what was misheard and confirms it
before it is graded. Offline decoding is biased by the question on screen; the parts Whisper was unsure
of are marked, and a recording that is mostly unintelligible is said to be so and cannot be graded until
the candidate edits the transcript or confirms it as it stands. When a transcription endpoint fails,
offline transcription is offered as an explicit choice, never swapped in silently.
"""

from typing import Any

import streamlit as st

from mockint.app.feedback_views import md_escape
from mockint.config import get_settings
from mockint.errors import LLMError, MockintError
from mockint.practice.interview import InterviewSession, Stage

FAILED, OFFLINE_FOR = "mi-speech-failed", "mi-offline-for"


def draft_from_recording(audio: bytes, filename: str, digest: str, session: InterviewSession) -> dict[str, Any] | None:
    """Transcribe a recording into a draft answer; on failure show why (once per recording) and return None."""
    from mockint.speech.bias import question_bias
    from mockint.speech.transcription import transcribe, transcribe_offline

    offline = st.session_state.get(OFFLINE_FOR) == digest
    failed = st.session_state.get(FAILED)
    if failed and failed["digest"] == digest and not offline:
        _show_failure(failed)
        return None
    settings = get_settings()
    bias = question_bias(session.current_question(), follow_up=session.stage is Stage.follow_up)
    try:
        with st.spinner("Transcribing your answer…"):
            transcript = (
                transcribe_offline(audio, filename, bias=bias, settings=settings)
                if offline
                else transcribe(audio, filename, settings=settings, bias=bias)
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
    st.error(failed["message"], icon=":material/mic_off:")
    if failed["offer_offline"]:
        st.button(
            "Transcribe offline instead",
            key="offline-transcription",
            on_click=lambda: st.session_state.__setitem__(OFFLINE_FOR, failed["digest"]),
        )


def transcript_check(draft: dict[str, Any], text: str) -> bool:
    """Show what the transcription was unsure of; False while a mostly unintelligible recording's
    transcript is neither edited nor confirmed by the candidate (the grade button stays off)."""
    speech = draft.get("speech")
    if speech is None or not speech.segments:
        return True
    if speech.unclear_parts:
        st.markdown(speech.marked_text(":orange-background[", "]", escape=md_escape))
        st.caption("Heard with low confidence: check the :orange-background[marked] parts against what you said.")
    if not speech.mostly_unclear:
        return True
    st.warning(
        f"Most of this recording could not be made out ({speech.unclear_share:.0%} of the words are unclear), "
        "so it will not be graded as it stands. Fix the transcript below, record again closer to the "
        "microphone, or confirm it if it is right.",
        icon=":material/mic:",
    )
    if " ".join(text.split()) != " ".join(draft["transcript"].split()):
        return True
    return st.checkbox("The transcript is right: grade it as it stands", key=f"confirm-{draft['id']}")


def delivery_for(draft: dict[str, Any], session: InterviewSession) -> Any:
    """Delivery insights of the recording behind `draft`, from what Whisper heard: delivery is how the candidate
    spoke, so deleting the "um"s while fixing misheard words must not delete the filler feedback too (the
    edited text is what gets graded)."""
    speech = draft.get("speech")
    if speech is None:
        return draft.get("delivery")  # a spoken answer offered again after a reload keeps what was heard
    from mockint.speech.delivery import expected_answer_words

    q = session.current_question()
    if session.stage is Stage.follow_up:
        expected = expected_answer_words(q.follow_up_answer or q.explanation, "", q.difficulty)
    else:
        expected = expected_answer_words(q.answer, q.explanation, q.difficulty)
    return speech.delivery(expected_words=expected)
