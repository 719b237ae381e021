"""Streamlit views of results: the feedback card, delivery insights, the reference, the summary."""

import hashlib
import json
import re
from typing import Any

import streamlit as st

from mockint.practice.export import grader_label
from mockint.practice.interview import QuestionResult, SessionSummary
from mockint.speech.delivery import DeliveryInsights
from mockint.text.sentences import sentence_spans
from mockint.text.words import words
from mockint.types.grade import Coverage, Grade, Verdict
from mockint.types.topics import topic_name

_VERDICT_COLORS = {
    Verdict.excellent: "green",
    Verdict.good: "green",
    Verdict.partial: "orange",
    Verdict.incorrect: "red",
    Verdict.off_topic: "red",
    Verdict.no_answer: "gray",
}
# Candidate text is shown as Markdown; escape what would turn it into formatting (or LaTeX, for `$`).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#$~|])")
# Rubric markers: Streamlit's bundled Material Symbols font plus a word, never emoji, which a machine
# without an emoji font draws as empty boxes.
COVERED = ":green[:material/check_circle:]"
PARTLY = ":orange[:material/timelapse:] partly:"
MISSED = ":red[:material/cancel:]"


# What the summary's and the progress page's mean is over: a candidate who answered follow-ups asked what it counts.
MEAN_SCORE_HELP = "Your latest graded answer to each main question; follow-up answers are scored apart, not in it."

UNEXPECTED_ERROR = (
    "Something went wrong on our side. Your answers so far are saved; reload the page to go on. "
    "The details are in the log of `mockint app`."
)


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


# Speaks with the browser's own speech synthesis when a "Read aloud" button is clicked; registered once per page
# load, in the page itself (not a frame), so the button can be Streamlit's own. Each button's text is kept by its
# key; a click while speaking stops instead.
_SPEAK_JS = """
if (window.miSpeak === undefined) {
  window.miSpeak = {};
  document.addEventListener("click", (e) => {
    const holder = e.target.closest && e.target.closest("[class*='st-key-read-aloud-']");
    if (!holder || !e.target.closest("button") || !("speechSynthesis" in window)) return;
    const key = [...holder.classList].find((c) => c.startsWith("st-key-read-aloud-")).slice("st-key-".length);
    const synth = window.speechSynthesis;
    if (synth.speaking) { synth.cancel(); return; }
    const utterance = new SpeechSynthesisUtterance(window.miSpeak[key]);
    utterance.rate = 0.95;
    synth.speak(utterance);
  }, {capture: true});
}
"""


def read_aloud(text: str) -> None:
    """A button that speaks `text` with the browser's own speech synthesis; nothing goes to a server.

    Streamlit's own button, so it looks like the buttons beside it in any theme and Streamlit version (a button
    drawn in a frame and styled by hand had drifted to a larger font); a script in the page does the speaking."""
    key = "read-aloud-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    st.button("Read aloud", key=key, icon=":material/volume_up:", help="Read the question aloud (your browser's voice)")
    payload = json.dumps(text).replace("<", "\\u003c")  # no "</script>" or "<!--" can end the script early
    with st.container(key=f"{key}-script"):
        st.html(
            f"<script>{_SPEAK_JS}window.miSpeak[{json.dumps(key)}] = {payload};</script>", unsafe_allow_javascript=True
        )
    # Streamlit wraps the container in a layout element of its own, which would keep a gap open.
    st.html(f"<style>.st-key-{key}-script, :has(> .st-key-{key}-script) {{display: none}}</style>")


def grade_card(grade: Grade, *, title: str = "Score", ref: dict | None = None) -> None:
    """The whole feedback: score, dimensions, rubric points with evidence, misconceptions, feedback text,
    and (expandable) the reference answer `ref` with the grader's model answer."""
    left, right = st.columns([1, 2], vertical_alignment="top")
    with left:
        st.metric(title, f"{grade.score:.1f} / 5")
        st.badge(grade.verdict.value, color=_VERDICT_COLORS.get(grade.verdict, "gray"))
    with right:
        # Streamlit names every bar "progress" to a screen reader and lets no aria attribute be set: the label
        # just before the bar carries the score in words.
        for name, dim in grade.dimensions:
            st.progress(dim.score / 5, text=f"**{name.title()}** {dim.score:.1f} out of 5 — {dim.reason}")
    if grade.grader.fallback_reason:
        st.warning(
            grade.grader.fallback_reason, icon=":material/warning:"
        )  # a sentence for the candidate, from the grader
    covered = [k for k in grade.key_points if k.status is not Coverage.missed]
    if covered:
        st.markdown("**What you covered**")
        for k in covered:
            mark = COVERED if k.status is Coverage.covered else PARTLY
            quote = f"  \n   ↳ *“{md_escape(k.evidence)}”*" if k.evidence else ""
            st.markdown(f"{mark} {md_escape(k.point)}{quote}")
    if grade.missed:
        st.markdown("**What you missed**")
        # One paragraph per point, as the covered ones: a bullet before the icon made the two lists look unrelated.
        for k in grade.missed:
            st.markdown(f"{MISSED} {md_escape(k.point)}")
    if grade.misconceptions:
        st.error("**Misconceptions**\n" + "\n".join(f"- {md_escape(m)}" for m in grade.misconceptions))
    feedback_text(grade.feedback)
    for note in grade.notes:
        st.caption(f":material/info: {note}")
    if ref:
        reference(**ref, model_answer=grade.model_answer)
    st.caption(grader_label(grade.grader))


def feedback_text(text: str, placeholder: Any = None) -> None:
    (placeholder or st).info(md_escape(text), icon=":material/chat:")


def reference(
    *,
    answer: str,
    explanation: str = "",
    key_points: list[str] | None = None,
    model_answer: str | None = None,
    expanded: bool = False,
    label: str = "Reference answer",
) -> None:
    """An expander with the reference answer and whichever of the rest there is; its title names what is in it."""
    explanation = _unrepeated(explanation, answer)
    model_answer = model_answer if model_answer and model_answer.strip() != answer.strip() else None
    parts = [label] + [
        name
        for name, there in (("explanation", explanation), ("key points", key_points), ("model answer", model_answer))
        if there
    ]
    title = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    with st.expander(title, expanded=expanded, icon=":material/menu_book:"):
        st.markdown(f"**Answer.** {answer}")
        if explanation:
            st.markdown(f"**Why.** {explanation}")
        if key_points:
            st.markdown("**Key points**\n" + "\n".join(f"- {p}" for p in key_points))
        if model_answer:
            st.markdown(f"**A model answer.** {model_answer}")


def _unrepeated(explanation: str, answer: str) -> str:
    """The explanation without its sentences that say again, word for word, a sentence of the answer: some bank
    explanations open with the answer, which the reveal then showed twice in a row."""
    said = {tuple(words(answer[start:end])) for start, end in sentence_spans(answer)}
    kept = explanation
    for start, end in reversed(sentence_spans(explanation)):
        if tuple(words(explanation[start:end])) in said:
            kept = kept[:start] + kept[end:].lstrip()
    return kept.strip()


def delivery_box(insights: DeliveryInsights) -> None:
    """How it was said, for spoken answers. Kept apart from the content score on purpose."""
    with st.container(border=True):
        st.markdown(":material/record_voice_over: **Delivery** — how you said it (this does not change your score)")
        cols = st.columns(4)
        speaking = f"{insights.speaking_time_s:.0f} s" if insights.speaking_time_s is not None else "—"
        cols[0].metric("Speaking time", speaking)
        cols[1].metric("Pace", f"{insights.wpm:.0f} wpm" if insights.wpm is not None else "—")
        cols[2].metric(
            "Fillers", insights.filler_count, help=", ".join(f"{f} ×{n}" for f, n in insights.fillers.items()) or None
        )
        cols[3].metric("Long pauses", insights.long_pause_count)
        if insights.length_verdict:
            st.caption(
                f"Length: {insights.length_verdict} — {insights.words} words, about {insights.expected_words} expected."
            )
        st.markdown("\n".join(f"- {tip}" for tip in insights.tips))


def summary_view(summary: SessionSummary) -> None:
    st.subheader(":material/flag: Session summary")
    cols = st.columns(3)
    # Out of every question shown: one the session ended on, unanswered, still counts as asked.
    shown = f"{summary.answered} of {summary.asked}" + (" shown" if summary.unanswered else "")
    cols[0].metric("Answered", shown)
    mean = f"{summary.mean_score:.1f} / 5" if summary.mean_score is not None else "—"
    cols[1].metric("Mean score", mean, help=MEAN_SCORE_HELP)
    cols[2].metric("Skipped", summary.skipped)
    best, worst = summary.best, summary.worst
    if worst and (best is None or best.question_id != worst.question_id):
        lines = [f"**Best:** {best.question} — {best.score:.1f}/5"] if best else []
        st.markdown("  \n".join([*lines, f"**To work on:** {worst.question} — {worst.score:.1f}/5"]))
    # A static table wraps long questions inside the chat bubble; a data grid this wide was cut off on the right.
    rows = [
        {
            "question": r.question,
            "topic": topic_name(r.topic),
            "score": _score_text(r.score),
            "follow-up": _score_text(r.follow_up_score),
            "note": _note(r),
        }
        for r in summary.results
    ]
    if rows:
        st.table(rows)
    if summary.to_revisit:
        st.markdown("**Points to revisit**\n" + "\n".join(f"- {md_escape(p)}" for p in summary.to_revisit))


def _note(result: QuestionResult) -> str:
    if result.skipped:
        return "skipped"
    if result.score is None:
        return "saw the answer, not answered" if result.revealed else "not answered"
    return "saw the answer first" if result.revealed else ""


def _score_text(score: float | None) -> str:
    return "—" if score is None else f"{score:.1f}"
