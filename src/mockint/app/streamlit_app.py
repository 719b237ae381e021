"""mockint's Streamlit app (entry point for `mockint app` / `streamlit run`). A face: it lays out
pages and shows MockintError messages; the interview flow lives in `mockint.practice.interview`."""

import logging
from pathlib import Path

import streamlit as st

from mockint.app import loaders as ui_resources
from mockint.app import practice_page as ui_practice
from mockint.app import progress_page as ui_progress
from mockint.app import sidebar as ui_sidebar
from mockint.app.feedback_views import UNEXPECTED_ERROR
from mockint.config import get_settings
from mockint.errors import MockintError

# The tab icon ships with the package, and Streamlit inlines an SVG file as a data: URL: a ":material/..." icon is
# fetched from fonts.gstatic.com, which fails offline, and an emoji is drawn by the system's emoji font, if any.
st.set_page_config(
    page_title="mockint · mock interview coach",
    page_icon=Path(__file__).with_name("icon.svg"),
    layout="centered",
    # Open beside the page on a desktop; closed on a phone, where an open sidebar covers the question.
    initial_sidebar_state="auto",
)

ui_practice.watch_the_candidate()
try:
    settings = get_settings()
except MockintError as exc:
    st.error(str(exc))
    st.stop()

page = st.navigation(
    [
        st.Page(ui_practice.render, title="Practice", icon=":material/mic:", url_path="practice", default=True),
        st.Page(ui_progress.render, title="Progress", icon=":material/trending_up:", url_path="progress"),
    ]
)
try:
    page.run()
except MockintError as exc:
    st.error(str(exc))
except Exception:
    # A bug, not the candidate's doing: a plain message here, the traceback in the server's log (the app
    # runs with client.showErrorDetails off, so no path of this machine reaches the page).
    logging.getLogger("mockint.app").exception("unexpected error on the %s page", page.title)
    st.error(UNEXPECTED_ERROR, icon=":material/error:")
ui_sidebar.grader_panel(settings, below_page_controls=page.url_path == "practice")
# Only now, with the question on screen, start loading the grader and the store.
ui_resources.warm_up()
