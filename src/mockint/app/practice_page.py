"""The practice page: the coach asks, the candidate answers (typed or spoken), feedback, follow-up.

The interview lives in `st.session_state`; every rerun redraws the conversation from it. A spoken
answer becomes an editable draft that the candidate must confirm before it is graded.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable

import streamlit as st

from mockint.app import loaders as res
from mockint.app.feedback_views import (
    UNEXPECTED_ERROR,
    delivery_box,
    feedback_text,
    grade_card,
    md_escape,
    read_aloud,
    reference,
    summary_view,
)
from mockint.app.sidebar import setup_form, show_setup_in_use
from mockint.app.speech_input import delivery_for, draft_from_recording, transcript_check
from mockint.errors import MockintError
from mockint.history.database import History, SessionRecord
from mockint.practice.export import session_markdown
from mockint.practice.interview import (
    MODE_LABELS,
    EmptyAnswerError,
    InterviewError,
    InterviewSession,
    Mode,
    PracticeSetup,
    SessionMovedError,
    Stage,
    Turn,
    stored_delivery,
)
from mockint.types.grade import Grade
from mockint.types.question import Question
from mockint.types.topics import topic_name

log = logging.getLogger(__name__)

SESSION, SETUP, DRAFT, EPOCH = "mi-interview", "mi-setup", "mi-draft", "mi-input-epoch"
FLASH, REVEALED = "mi-flash", "mi-revealed"
# A step that ends a session with answers in it, waiting for the candidate to confirm: "end", or the new setup.
CONFIRM, CONFIRMED = "mi-confirm", "mi-confirmed"
# Set by an action whose result appears at the bottom (feedback, a follow-up, a warning, the next question):
# the next run scrolls there once. A counter makes each scroll script new, so the browser runs it again.
SCROLL, SCROLLS = "mi-scroll", "mi-scrolls"
WATCH = "mi-watch"
ASKED_WITH = "mi-asked-with"
# Longer answers show their opening in the chat bubble and the rest behind a click: a 20,000-character
# answer made a 9,000 px page. 600 characters is about 100 words, a short spoken answer, shown whole.
ANSWER_PREVIEW_CHARS = 600
COACH, CANDIDATE = ":material/school:", ":material/person:"
MOVED_ON = "This session moved on in another tab; here is where it is now."


def render() -> None:
    if SESSION not in st.session_state and SETUP not in st.session_state:
        _resume()  # a reloaded page (or a new tab) goes on with the open session, or shows the last one
    new_setup = setup_form(res.bank(), st.session_state.get(SETUP))
    running: InterviewSession | None = st.session_state.get(SESSION)
    if new_setup is not None and running is not None and _at_stake(running):
        st.session_state[CONFIRM], new_setup = new_setup, None
    new_setup = new_setup or st.session_state.pop(CONFIRMED, None)
    # Only a first visit starts a session by itself: once there is a setup, a new session is the candidate's call.
    if new_setup is not None or SETUP not in st.session_state:
        _start(new_setup or PracticeSetup())
    session: InterviewSession | None = st.session_state.get(SESSION)
    if session is None:
        _flash()
        st.info("Choose what to practise in the sidebar, then press “Start new session”.", icon=":material/tune:")
        return
    _session_controls(session)
    _header(session)
    placeholder = {
        Stage.answering: "Type your answer…",
        Stage.follow_up: "Type your answer to the follow-up…",
        Stage.reviewed: f"Press “{_next_label(session)}” to go on…",
    }.get(session.stage, "Session finished")
    answerable = session.stage in (Stage.answering, Stage.follow_up)
    asked = _asked(session)
    # What was asked when the chat box was last drawn is what a message typed into it answers: a second Enter while
    # an answer was graded arrives after the follow-up replaced that question.
    sent_for, st.session_state[ASKED_WITH] = st.session_state.get(ASKED_WITH), asked
    # Off from Enter until the run ends: a second message sent while the follow-up was graded reached a run where the
    # box was disabled and vanished, and one sent while the main answer was graded stopped that run part-way.
    typed = st.chat_input(placeholder, key="answer-chat", disabled=not answerable, submit_mode="disable")
    for index, turn in enumerate(session.turns):
        _turn(session, index, turn, live=index == len(session.turns) - 1 and not session.finished)
    if typed is not None:
        if _spoken_draft_waits(typed):
            _add_to_draft(typed)
        elif answerable and sent_for not in (None, asked) and typed.strip():
            _kept_for_another_question(typed, sent_for)
        else:
            _submit(session, typed)
    _flash()
    if session.finished:
        _finished(session)
        return
    if answerable:  # like the chat input: a recording made after the follow-up was graded could not be graded
        _draft_area(session)
    res.prepare_grading(session.current_question())


def _at_stake(session: InterviewSession) -> bool:
    """Whether ending `session` now ends answered work mid-way, which the candidate confirms first."""
    return not session.finished and session.summary().answered > 0


def _session_controls(session: InterviewSession) -> None:
    """ "End session now", and the confirmation of a step that would end a session with answers in it (that
    button, or "Start new session", which sits right above it)."""
    pending = st.session_state.get(CONFIRM)
    if session.finished:
        st.session_state.pop(CONFIRM, None)
        return
    if pending is None:
        st.sidebar.button("End session now", key="end-session", on_click=lambda: _end(session), width="stretch")
        return
    answered = session.summary().answered
    ask = "End this session?" if pending == "end" else "Start a new session?"
    with st.sidebar.container(border=True):
        st.markdown(
            f"**{ask}** This one ends here, after {answered} answered question{'s' * (answered != 1)} of "
            f"{session.planned}. Your answers are saved."
        )
        cols = st.columns(2)
        cols[0].button(
            "End it" if pending == "end" else "Start it",
            key="confirm-yes",
            type="primary",
            on_click=lambda: _confirmed(session),
        )
        cols[1].button("Keep going", key="confirm-no", on_click=_keep_going)


def _end(session: InterviewSession) -> None:
    if _at_stake(session):
        st.session_state[CONFIRM] = "end"
    else:
        _act(session.end)()


def _confirmed(session: InterviewSession) -> None:
    pending = st.session_state.pop(CONFIRM, None)
    if pending == "end":
        _act(session.end)()
    elif pending is not None:
        st.session_state[CONFIRMED] = pending  # started by the run this click makes, where a spinner can show


def _keep_going() -> None:
    st.session_state.pop(CONFIRM, None)
    show_setup_in_use()


def _start(setup: PracticeSetup) -> None:
    previous: InterviewSession | None = st.session_state.pop(SESSION, None)
    st.session_state[SETUP] = setup
    _reset_inputs()
    st.session_state[REVEALED] = {}
    spinner = (
        "Finding questions on your focus (the first search loads the model)…"
        if setup.mode is Mode.focus
        else "Picking a question…"
    )
    try:
        if previous is not None:
            previous.end()  # replaced: ended in the history too, so a reload does not bring it back
        with st.spinner(spinner):
            st.session_state[SESSION] = InterviewSession(
                setup,
                source=res.question_source(),
                grader=lambda: res.grader_loader().get(),
                history=res.history(),
                follow_up_item=res.follow_up_item,
            )
    except SessionMovedError:  # only ending the previous one claims a step: it stays, as it is now
        _catch_up(previous)
    except MockintError as exc:
        st.session_state[FLASH] = ("error", str(exc))


def _resume() -> None:
    """The open session where it stood; else the last one's summary and setup (a session that asked nothing,
    as one nothing matched, only its setup), so a reload neither loses them nor starts a session unasked."""
    try:
        history = res.history()
        record = history.open_session() or history.latest_session()
        if record is None:
            return
        if not record.asked:
            st.session_state[SETUP] = InterviewSession.setup_of(record)
            return
        session = _stored(history, record)
    except (MockintError, ValueError) as exc:  # a stored setup this version cannot read: start afresh
        log.warning("could not resume the open session: %s", exc)
        return
    _show(session)
    if session.session_id == record.id and not session.finished:
        st.toast("Welcome back: your session goes on where you left it.")


def _stored(history: History, record: SessionRecord) -> InterviewSession:
    return InterviewSession(
        InterviewSession.setup_of(record),
        source=res.question_source(),
        grader=lambda: res.grader_loader().get(),
        history=history,
        follow_up_item=res.follow_up_item,
        resume=record,
    )


def _show(session: InterviewSession) -> None:
    st.session_state[SETUP] = session.setup
    st.session_state[SESSION] = session
    st.session_state[REVEALED] = {}
    if session.stage is Stage.answering and session.turn.revealed:  # shown before the reload: shown again
        _reveal(session, f"{len(session.turns) - 1}-main")
    _reset_inputs()
    ungraded = session.turn.ungraded if session.stage in (Stage.answering, Stage.follow_up) else None
    if ungraded is not None:
        st.session_state[DRAFT] = {
            "id": uuid.uuid4().hex,
            "text": ungraded.answer,
            "transcript": ungraded.transcript,
            "recording_s": ungraded.recording_s,
            "delivery": stored_delivery(ungraded),
            "note": "Saved but not graded: the page was closed or reloaded while it was being graded, or grading "
            "failed. Grade it now, edit it first, or discard it.",
            "ungraded": True,
        }


def _catch_up(
    stale: InterviewSession, *, sent: str | None = None, sent_for: str | None = None, draft: dict | None = None
) -> None:
    """Show the session as it is stored in place of this tab's out-of-date copy, which another tab has moved
    on; an answer `sent` (to the question `sent_for`) from the old copy was kept (not graded) in the history, and
    is offered here again."""
    _show(_stored(stale.history, stale.history.session(stale.session_id)))
    session: InterviewSession = st.session_state[SESSION]
    message = MOVED_ON
    if sent is not None:
        message += " What you sent is kept in the session's history, not graded"
        if session.stage in (Stage.answering, Stage.follow_up):
            message += ", and in the box below to grade here if it fits"
            st.session_state[DRAFT] = {
                **(draft or {"transcript": None, "recording_s": None}),
                "id": uuid.uuid4().hex,
                "text": sent,
            }
            asked = (
                session.turn.question.question if session.stage is Stage.answering else session.turn.question.follow_up
            )
            if sent_for != asked:
                # Unlabelled, an answer to the main question sat in the follow-up's box, one click from being
                # graded against the follow-up.
                st.session_state[DRAFT]["note"] = (
                    f"Your answer to “{md_escape(sent_for)}”, not graded: it was written for that question, "
                    "not the one asked now."
                )
        message += "."
    st.session_state[FLASH] = ("warning", message)


def _reset_inputs() -> None:
    st.session_state.pop(DRAFT, None)
    st.session_state[EPOCH] = st.session_state.get(EPOCH, 0) + 1


def _act(action: Callable[[], object]) -> Callable[[], None]:
    """A button callback: run the interview action, clear the inputs, turn errors into a message."""

    def callback() -> None:
        try:
            action()
        except SessionMovedError:
            _catch_up(st.session_state[SESSION])
            return
        except MockintError as exc:
            st.session_state[FLASH] = ("error", str(exc))
        st.session_state[SCROLL] = True
        _reset_inputs()

    return callback


# Who acted last, the request or the candidate: a click or Enter asks for a scroll (miAsked), a wheel, touch, key
# or click into the page takes over (miTookOver). Registered once per page load, from its first run: registered
# only with the first scroll script, a wheel turned after a reload's first click, while the run was rendering,
# went unseen and the candidate was pulled back down.
_WATCH_JS = """
if (window.miAsked === undefined) {
  window.miAsked = Date.now();
  window.miTookOver = 0;
  const asks = (e) => e.type === "keydown" ? e.key === "Enter" : e.target.closest && e.target.closest("button");
  for (const kind of ["wheel", "touchmove", "keydown", "mousedown"])
    window.addEventListener(kind, (e) => {
      if (asks(e)) window.miAsked = Date.now(); else window.miTookOver = Date.now();
    }, {capture: true, passive: true});
}
"""


def watch_the_candidate() -> None:
    """Start noting who acted last (`_WATCH_JS`). Every run renders it first, so a page load registers it
    before anything the candidate can click; its container is hidden, so it takes no room."""
    with st.container(key=WATCH):
        st.html(f"<script>{_WATCH_JS}</script>", unsafe_allow_javascript=True)
    # Streamlit wraps the container in a layout element of its own, which would keep a gap open.
    st.html(f"<style>.st-key-{WATCH}, :has(> .st-key-{WATCH}) {{display: none}}</style>")


def _scroll_here() -> None:
    """Where the newest thing is: scroll the page here, once, when an action asked for it."""
    if not st.session_state.pop(SCROLL, False):
        return
    n = st.session_state[SCROLLS] = st.session_state.get(SCROLLS, 0) + 1
    # Scrolled again as the page settles (cards above still growing), but never once the candidate has
    # scrolled, typed or clicked into the page since the click or Enter that asked for this run: they have
    # taken over and must not be pulled back. Timed from that click, not from when this script runs: a
    # wheel turned while the run was still rendering came after the request, and counts (`watch_the_candidate`
    # renders first in every run, so its listeners are in place before this script).
    st.html(
        f"""<span id="mi-newest-{n}"></span><script>
for (const ms of [50, 300, 1000]) setTimeout(() => {{
  const mark = document.getElementById("mi-newest-{n}");
  if (mark && window.miTookOver < window.miAsked) mark.scrollIntoView({{block: "start", behavior: "instant"}});
}}, ms);
</script>""",
        unsafe_allow_javascript=True,
    )


def _flash() -> None:
    if FLASH in st.session_state:
        _scroll_here()
    kind, message = st.session_state.pop(FLASH, (None, None))
    if kind == "error":
        st.error(message, icon=":material/block:")
    elif kind == "warning":
        st.warning(message, icon=":material/edit_note:")


def _header(session: InterviewSession) -> None:
    setup = session.setup
    where = f" · {setup.focus}" if setup.mode is Mode.focus else ""
    progress = (
        ("finished" if session.asked else "nothing to ask")
        if session.finished
        else f"question {session.asked} of {session.planned}"
    )
    st.markdown("### :material/mic: Mock interview")
    st.caption(f"{MODE_LABELS[setup.mode]}{where} · {progress}")
    for notice in session.notices:
        st.info(notice, icon=":material/event:" if setup.mode is Mode.due else ":material/lightbulb:")


# -- the conversation ------------------------------------------------------------------------------


def _turn(session: InterviewSession, index: int, turn: Turn, *, live: bool) -> None:
    q = turn.question
    stage = turn.stage if live else None
    if stage is Stage.answering and FLASH not in st.session_state:
        _scroll_here()
    with st.chat_message("assistant", avatar=COACH):
        st.caption(f"Question {index + 1} · {topic_name(q.topic)} · {q.difficulty} · {q.type}")
        st.markdown(f"**{md_escape(q.question)}**")
        if stage is Stage.answering:
            _answering_actions(session, index, turn)
    if turn.skipped:
        st.caption("Skipped.")
        return
    if stage is None and turn.grade is None:
        st.caption("Not answered: the session ended here.")
        return
    if stage is Stage.answering:
        if turn.grade is not None:
            _last_attempt(turn.answer, turn.grade, turn.delivery, title="Score", ref=_main_ref(q))
        return
    if turn.grade is None:
        return
    _exchange(
        turn.answer,
        turn.grade,
        turn.delivery,
        expanded=live,
        title="Score",
        ref=_main_ref(q),
        newest=stage is Stage.follow_up,
    )
    with st.chat_message("assistant", avatar=COACH):
        st.markdown(f"**Follow-up:** {md_escape(q.follow_up)}")
        if stage is Stage.follow_up:
            _follow_up_actions(session, index, turn)
    if turn.follow_up_skipped:
        st.caption("Follow-up skipped.")
    elif stage is Stage.follow_up:
        if turn.follow_up_grade is not None:
            _last_attempt(
                turn.follow_up_answer,
                turn.follow_up_grade,
                turn.follow_up_delivery,
                title="Follow-up score",
                ref=_follow_up_ref(q),
            )
    elif turn.follow_up_grade is not None:
        _exchange(
            turn.follow_up_answer,
            turn.follow_up_grade,
            turn.follow_up_delivery,
            expanded=live,
            title="Follow-up score",
            ref=_follow_up_ref(q),
            newest=stage is Stage.reviewed,
        )
        if stage is Stage.reviewed:
            _reviewed_actions(session)


def _last_attempt(answer: str, grade: Grade, delivery: object, *, title: str, ref: dict) -> None:
    """The answer being retried and its card, folded: the missed points stay at hand while answering again."""
    with st.expander(f"Your last attempt ({grade.score:.1f}/5, {grade.verdict.value})", icon=":material/history:"):
        _answer_text(answer)
        if delivery is not None:
            delivery_box(delivery)
        grade_card(grade, title=title, ref=ref)
    st.caption("Answer again below.")


def _main_ref(q: Question) -> dict:
    return {"answer": q.answer, "explanation": q.explanation, "key_points": list(q.key_points)}


def _follow_up_ref(q: Question) -> dict:
    return {"answer": q.follow_up_answer or q.explanation}


def _exchange(
    answer: str, grade: Grade, delivery: object, *, expanded: bool, title: str, ref: dict, newest: bool = False
) -> None:
    with st.chat_message("user", avatar=CANDIDATE):
        _answer_text(answer)
        if delivery is not None:
            delivery_box(delivery)
    if newest and FLASH not in st.session_state:
        _scroll_here()
    with st.chat_message("assistant", avatar=COACH):
        if expanded:
            grade_card(grade, title=title, ref=ref)
        else:
            with st.expander(f"Feedback · {grade.score:.1f}/5 ({grade.verdict.value})"):
                grade_card(grade, title=title, ref=ref)


def _answer_text(answer: str) -> None:
    """The candidate's answer; a long one shows its opening (cut at a word) and the rest on demand."""
    if len(answer) <= ANSWER_PREVIEW_CHARS:
        st.markdown(md_escape(answer))
        return
    opening = answer[:ANSWER_PREVIEW_CHARS].rsplit(None, 1)[0]
    st.markdown(md_escape(opening) + " …")
    with st.expander(f"Show the whole answer ({len(answer.split()):,} words)"):
        st.markdown(md_escape(answer))


def _reveal(session: InterviewSession, key: str) -> None:
    try:
        st.session_state[REVEALED][key] = session.reveal_answer()
    except SessionMovedError:
        _catch_up(session)
    except MockintError as exc:
        st.session_state[FLASH] = ("error", str(exc))


def _shown_reference(key: str) -> None:
    shown = st.session_state.get(REVEALED, {}).get(key)
    if shown:
        reference(
            answer=shown["answer"], explanation=shown["explanation"], key_points=shown["key_points"], expanded=True
        )


def _answering_actions(session: InterviewSession, index: int, turn: Turn) -> None:
    key = f"{index}-main"
    cols = st.columns([1.2, 1.6, 1], vertical_alignment="center")
    with cols[0]:
        read_aloud(turn.question.question)
    cols[1].button(
        "Show me the answer",
        icon=":material/lightbulb:",
        key="reveal",
        on_click=lambda: _reveal(session, key),
        help="See the reference answer. Answering afterwards still gets feedback, but the question "
        "comes back sooner in review.",
    )
    cols[2].button("Skip", icon=":material/skip_next:", key="skip", on_click=_act(session.skip))
    _shown_reference(key)


def _follow_up_actions(session: InterviewSession, index: int, turn: Turn) -> None:
    key = f"{index}-follow-up"
    cols = st.columns([1.2, 1.6, 1.5, 1], vertical_alignment="center")
    with cols[0]:
        read_aloud(turn.question.follow_up)
    cols[1].button(
        "Show me the answer", icon=":material/lightbulb:", key="reveal", on_click=lambda: _reveal(session, key)
    )
    cols[2].button("Retry the question", icon=":material/replay:", key="retry", on_click=_act(session.retry))
    cols[3].button(
        "Skip",
        icon=":material/skip_next:",
        key="skip",
        on_click=_act(session.skip),
        help="Skip the follow-up and move on.",
    )
    _shown_reference(key)


def _next_label(session: InterviewSession) -> str:
    """What the button that moves on says, and so what the chat box tells the candidate to press."""
    return "Finish" if session.asked >= session.planned else "Next question"


def _reviewed_actions(session: InterviewSession) -> None:
    last = session.asked >= session.planned
    cols = st.columns([1.6, 1.4, 2])
    cols[0].button(
        _next_label(session),
        icon=":material/flag:" if last else ":material/arrow_forward:",
        key="next",
        type="primary",
        on_click=_act(session.next_question),
    )
    cols[1].button("Retry follow-up", icon=":material/replay:", key="retry", on_click=_act(session.retry))


# -- answering -------------------------------------------------------------------------------------


def _submit(
    session: InterviewSession,
    text: str,
    *,
    transcript: str | None = None,
    recording_s: float | None = None,
    delivery: object = None,
    draft: dict | None = None,
) -> None:
    """Show the answer, grade it (streaming the feedback when the grader can) and show the card at once,
    then redraw the conversation with the follow-up."""
    follow_up = session.stage is Stage.follow_up
    submit = session.submit_follow_up if follow_up else session.submit_answer
    question = session.current_question()
    with st.chat_message("user", avatar=CANDIDATE):
        if text.strip():
            _answer_text(text)
        else:
            st.markdown("*(empty)*")
    with st.chat_message("assistant", avatar=COACH):
        live = st.empty()

        def on_feedback(text_so_far: str) -> None:
            feedback_text(text_so_far + " ▌", live)

        waiting = (
            "Grading your answer…"
            if res.grader_loader().ready
            else "Grading your answer (the grader is still warming up; first answer only)…"
        )
        try:
            with st.spinner(waiting):
                grade = submit(
                    text, transcript=transcript, recording_s=recording_s, on_feedback=on_feedback, delivery=delivery
                )
        except EmptyAnswerError as exc:
            st.session_state[FLASH] = ("warning", str(exc))
        except SessionMovedError:
            _catch_up(session, sent=text, sent_for=question.follow_up if follow_up else question.question, draft=draft)
        except InterviewError as exc:
            st.session_state[FLASH] = ("error", str(exc))
        except Exception as exc:
            # The answer is saved as a failed attempt; keep it as a draft so one click grades it again.
            if isinstance(exc, MockintError):
                message = str(exc)
            else:  # a bug: a plain message for the candidate, the traceback in the server's log
                log.exception("grading failed unexpectedly")
                message = UNEXPECTED_ERROR
            st.session_state[FLASH] = ("error", message)
            st.session_state[DRAFT] = {
                **(draft or {"transcript": None, "recording_s": None}),
                "id": uuid.uuid4().hex,
                "text": text,
            }
        else:
            _reset_inputs()
            with live.container():
                grade_card(
                    grade,
                    title="Follow-up score" if follow_up else "Score",
                    ref=_follow_up_ref(question) if follow_up else _main_ref(question),
                )
    st.session_state[SCROLL] = True
    st.rerun()


def _asked(session: InterviewSession) -> str | None:
    """The question the candidate is answering now: the main question or its follow-up; None when none is."""
    if session.stage is Stage.answering:
        return session.turn.question.question
    return session.turn.question.follow_up if session.stage is Stage.follow_up else None


def _kept_for_another_question(typed: str, sent_for: str) -> None:
    """An answer sent to a question that has since moved on: graded, it would be scored against a question the
    candidate had not seen, so it waits in the box, labelled, for them to grade or discard."""
    st.session_state[DRAFT] = {
        "id": uuid.uuid4().hex,
        "text": typed,
        "transcript": None,
        "recording_s": None,
        "note": f"Your answer to “{md_escape(sent_for)}”, not graded: you sent it while your previous answer was "
        "being graded, and the interview has moved on since. Grade it here if it answers this question, or discard it.",
    }
    st.session_state[FLASH] = ("warning", "What you sent while your answer was being graded is kept in the box below.")


def _spoken_draft_waits(typed: str) -> bool:
    """Whether a transcript the candidate has not had graded yet is on screen beside a typed answer."""
    draft = st.session_state.get(DRAFT)
    return bool(typed.strip()) and draft is not None and draft.get("transcript") is not None


def _add_to_draft(typed: str) -> None:
    """A typed answer sent while a spoken one waits: grading either alone would drop the other, so the typed
    text joins the draft (as the candidate last edited it) for them to make into one answer."""
    draft = st.session_state[DRAFT]
    current = st.session_state.get(f"draft-{draft['id']}", draft["text"])
    # A new id: the text area is keyed by it, and an old key would keep showing the old text.
    st.session_state[DRAFT] = {**draft, "id": uuid.uuid4().hex, "text": f"{current.rstrip()}\n\n{typed.strip()}"}
    st.session_state[FLASH] = (
        "warning",
        "Your spoken answer is waiting to be graded, so what you typed was not graded on its own: it is added "
        "to the transcript below. Make the two into the answer you want graded, then press “Grade this answer”.",
    )


def _draft_area(session: InterviewSession) -> None:
    epoch = st.session_state[EPOCH]
    audio = st.audio_input("Or answer out loud — you will see the transcript before it is graded", key=f"audio-{epoch}")
    if audio is not None:
        data = audio.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        if (st.session_state.get(DRAFT) or {}).get("digest") != digest:
            draft = draft_from_recording(data, audio.name, digest, session)
            if draft is None:
                return
            st.session_state[DRAFT] = {**draft, "id": digest[:16], "digest": digest}
    draft = st.session_state.get(DRAFT)
    if not draft:
        return
    with st.container(border=True):
        spoken = draft.get("transcript") is not None
        st.markdown(
            "**Check the transcript, fix what it misheard, then grade it**"
            if spoken
            else "**Your answer — not graded yet**"
        )
        if draft.get("note"):
            st.caption(f":material/info: {draft['note']}")
        text = st.text_area(
            "Your answer", value=draft["text"], key=f"draft-{draft['id']}", height=180, label_visibility="collapsed"
        )
        checked = transcript_check(draft, text)
        cols = st.columns([1.5, 1, 2])
        grade_it = cols[0].button(
            "Grade this answer", icon=":material/check:", key="grade-draft", type="primary", disabled=not checked
        )
        cols[1].button("Discard", key="discard-draft", on_click=lambda: _discard(session, draft))
    if grade_it:
        _submit(
            session,
            text,
            transcript=draft.get("transcript"),
            recording_s=draft.get("recording_s"),
            delivery=delivery_for(draft, session),
            draft=draft,
        )


def _discard(session: InterviewSession, draft: dict) -> None:
    if draft.get("ungraded"):  # offered again after a reload: discarded, it must not come back on the next one
        session.discard_ungraded()
    _reset_inputs()


def _finished(session: InterviewSession) -> None:
    summary = session.summary()
    if summary.asked == 0:
        if not session.notices:
            st.info("No question matches this setup. Change the filters in the sidebar and start again.")
        return
    _scroll_here()
    with st.chat_message("assistant", avatar=COACH):
        summary_view(summary)
        cols = st.columns(2)
        cols[0].download_button(
            "Download this session (Markdown)",
            icon=":material/download:",
            data=session_markdown(session.session_id, session.history),
            file_name=f"mockint-session-{session.session_id[:8]}.md",
            mime="text/markdown",
            key="download-session",
        )
        cols[1].button(
            "Start another session",
            icon=":material/refresh:",
            key="restart",
            type="primary",
            on_click=lambda: _start(session.setup),
        )
