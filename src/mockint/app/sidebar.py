"""The sidebar: practice setup, and which grader is marking answers (and how to switch it)."""

from urllib.parse import urlsplit

import streamlit as st

from mockint.app.loaders import REACH_TTL_S, grader_loader, llm_reach
from mockint.config import Settings, strip_credentials
from mockint.doors.bank_files import Bank
from mockint.practice.interview import MODE_LABELS, Mode, PracticeSetup
from mockint.types.question import Difficulty, QuestionType
from mockint.types.topics import topic_name

_SWITCH_HELP = """\
Put these in a `.env` file in the folder you start mockint from (or export them), then restart
`mockint app`:

```bash
# any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, llama.cpp, LM Studio
OPENAI_API_KEY=sk-...                       # leave out for a keyless local server
OPENAI_BASE_URL=http://localhost:11434/v1   # leave out for api.openai.com
MOCKINT_MODEL=gpt-4o-mini
MOCKINT_GRADER=auto                         # auto | offline | llm
```

With no key and no base URL, mockint grades offline. If the LLM cannot be reached, the offline grader
steps in and the feedback card says so (`MOCKINT_FALLBACK_OFFLINE=false` turns that off).
"""


def _endpoint(settings: Settings) -> str:
    if not settings.openai_base_url:
        return "api.openai.com"
    # Only host and port, as typed: a URL may carry credentials, which are never shown, and a mistyped
    # port ("11434x") must still show (urlsplit's .port would raise on it).
    authority = urlsplit(settings.openai_base_url).netloc.rpartition("@")[2]
    return authority or "custom endpoint"


def _reach_problem(settings: Settings) -> str | None:
    """What to tell the candidate when the LLM server does not answer (or refuses the key), before a grade
    finds out: what happens to their answers and what to do. None when it answers (or cannot be checked)."""
    if not settings.llm_configured:
        return None  # the grader's own error says an endpoint is needed
    reach = llm_reach()
    if reach is None or reach.state == "reachable":
        return None
    where = _endpoint(settings)
    if settings.fallback_to_offline:
        then = "Meanwhile your answers are graded by the offline grader (the feedback card says so)."
    else:
        then = "Meanwhile grading fails (MOCKINT_FALLBACK_OFFLINE=false); your answers are kept to grade again."
    # Settings are read once per process: a changed setting needs a restart, a server started meanwhile a reload.
    restart = "then restart `mockint app`"
    if reach.state == "key refused":
        return f"The LLM server at {where} refused the API key ({reach.detail}). {then} Fix OPENAI_API_KEY, {restart}."
    retry = f"then reload this page (checked again after {REACH_TTL_S} s)"
    if settings.openai_base_url is None:
        fix = f"Check your internet connection, {retry}."
    else:
        fix = f"Start the server, {retry}; or fix OPENAI_BASE_URL, {restart}."
    return f"Cannot reach the LLM server at {where}: {reach.detail}. {then} {fix}"


def grader_panel(settings: Settings, *, below_page_controls: bool) -> None:
    """Which grader grades, and whether it can. The divider sets it apart from the page's own controls above
    it; under the page list alone (Progress) it drew a second line around nothing."""
    sidebar = st.sidebar
    if below_page_controls:
        sidebar.divider()
    sidebar.markdown("**Grader**")
    problem = None
    if settings.active_grader == "llm":
        sidebar.markdown(f":material/smart_toy: LLM · `{settings.model}` at {_endpoint(settings)}")
        problem = _reach_problem(settings)
        if problem:
            sidebar.warning(problem, icon=":material/cloud_off:")
        elif settings.fallback_to_offline:
            sidebar.caption("Falls back to the offline grader if the LLM is unreachable (the card says so).")
    else:
        sidebar.markdown(":material/computer: Offline · local embeddings, nothing leaves this machine")
    loader = grader_loader()
    if loader.error is not None:
        sidebar.error(strip_credentials(str(loader.error)), icon=":material/block:")
    elif not loader.ready:
        sidebar.caption("Warming up in the background…")
    elif not problem:  # "Ready." under a warning that the server is out of reach would contradict it
        sidebar.caption("Ready.")
    with sidebar.expander("How to switch grader"):
        st.markdown(_SWITCH_HELP)


SHOWN, REQUESTED = "setup-shown", "setup-requested"
_FIELDS = ("mode", "focus", "topic", "difficulty", "type", "length")
MAX_LENGTH = 20  # the slider's end; a longer session is for the CLI


def show_setup_in_use() -> None:
    """Make the form show the setup in use again on its next drawing, dropping what was changed unstarted."""
    st.session_state.pop(SHOWN, None)


def _set_fields(setup: PracticeSetup) -> None:
    for name in _FIELDS:
        value = getattr(setup, name)
        st.session_state[f"setup-{name}"] = value if name in ("mode", "length") else value or ""


def _requested() -> None:
    """The start button's callback, run before the page: the setup asked for, with the mode it implies shown."""
    field = {name: st.session_state[f"setup-{name}"] for name in _FIELDS}
    for name in ("focus", "topic", "difficulty", "type"):
        field[name] = field[name].strip() or None  # "" is "any" (and a blank focus none)
    if field["focus"] and field["mode"] == Mode.filters:
        field["mode"] = Mode.focus  # typing a focus is asking for it
    setup = PracticeSetup(**field)
    st.session_state[REQUESTED] = setup
    _set_fields(setup)  # shown at once: the mode it implies, the focus without its spaces


def setup_form(bank: Bank, current: PracticeSetup | None) -> PracticeSetup | None:
    """The practice options, showing `current` (the setup in use); returns a new setup when the candidate asks
    to start a session with it."""
    current = current or PracticeSetup()
    modes = list(Mode)
    # "" stands for "any": a None option would make Streamlit offer to clear the box.
    topics = ["", *bank.topics]
    difficulties = ["", *(d.value for d in Difficulty)]
    types = ["", *(t.value for t in QuestionType)]
    # Set through the session state, never as widget defaults: a default shows only when a widget first
    # appears, so the form kept showing "Browse" after a focus typed there started a focus session. Again
    # when the form was off screen (the Progress page), which drops its fields.
    if st.session_state.get(SHOWN) != current or "setup-mode" not in st.session_state:
        shown = current.model_copy(
            update={  # what a box cannot show, e.g. a topic the bank no longer has, it shows as "any"
                "topic": current.topic if current.topic in topics else None,
                "difficulty": current.difficulty if current.difficulty in difficulties else None,
                "type": current.type if current.type in types else None,
                "length": min(current.length, MAX_LENGTH),
            }
        )
        _set_fields(shown)
        st.session_state[SHOWN] = current
    # Enter in the focus box does not submit: it replaced the running session while the candidate was typing.
    with st.sidebar.form("setup", border=False, enter_to_submit=False):
        st.markdown("**Practice setup**")
        st.radio("Mode", modes, format_func=MODE_LABELS.get, key="setup-mode")
        st.text_input(
            "Focus",
            key="setup-focus",
            placeholder="e.g. attention in transformers",
            help="Describe what to practise; questions are found by meaning. Used in focus mode.",
        )
        st.selectbox("Topic", topics, format_func=lambda t: topic_name(t) if t else "Any topic", key="setup-topic")
        st.selectbox("Difficulty", difficulties, format_func=lambda d: d or "Any difficulty", key="setup-difficulty")
        st.selectbox("Type", types, format_func=lambda t: t or "Any type", key="setup-type")
        st.slider("Questions per session", 1, MAX_LENGTH, key="setup-length")
        st.form_submit_button("Start new session", type="primary", width="stretch", on_click=_requested)
    return st.session_state.pop(REQUESTED, None)
