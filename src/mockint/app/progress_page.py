"""The progress page: sessions over time, score trend per topic, weak spots, Markdown export."""

import streamlit as st

from mockint.app import loaders as res
from mockint.app.feedback_views import MEAN_SCORE_HELP, md_escape
from mockint.grading.scoring import GOOD_AT
from mockint.history.progress import SessionRow, missed_points, session_rows, topic_trend, weakest_topics
from mockint.practice.export import session_markdown
from mockint.practice.modes import MODE_LABELS, Mode
from mockint.types.topics import topic_name

# A point shows under "Key points you miss most" once it was missed this often. Points belong to one question, so
# a count of 2 means the candidate answered that question again and missed the same point again: a pattern worth
# practising. A count of 1 only repeats the feedback card of one answer, and a list of those, ranked by a tie,
# would claim a pattern that is not there.
MISSED_AGAIN = 2


def render() -> None:
    import pandas as pd  # here, not at the top: the practice page must start without pandas and altair

    st.markdown("### :material/trending_up: Progress")
    history = res.history()
    rows = session_rows(history)
    if not rows:
        st.info(
            "Nothing here yet: answer a question on the Practice page and your progress shows up here.",
            icon=":material/eco:",
        )
        return
    answered = sum(r.answered for r in rows)
    scored = [(r.mean_score, r.answered) for r in rows if r.mean_score is not None]
    overall = sum(m * n for m, n in scored) / sum(n for _, n in scored) if scored else None
    cols = st.columns(3)
    cols[0].metric("Sessions", len(rows))
    cols[1].metric("Questions answered", answered)
    cols[2].metric("Mean score", f"{overall:.1f} / 5" if overall is not None else "—", help=MEAN_SCORE_HELP)

    if history.unreadable:
        st.caption(
            f":material/info: {len(history.unreadable)} saved record(s) could not be read (written by another "
            "mockint version?) and are left out; the log of `mockint app` names them."
        )
    _trend_chart(history)

    left, right = st.columns(2)
    with left:
        st.markdown("**Weakest topics**")
        weak = weakest_topics(history, below=GOOD_AT)
        if not answered:
            st.caption("None yet: no answer is graded.")
        elif not weak:
            st.caption(f"None: every topic you answered averages {GOOD_AT:.1f} / 5 or more, the grader's “good”.")
        else:
            _weak_topics_table(weak)
    with right:
        st.markdown("**Key points you miss most**")
        missed = [m for m in missed_points(history, limit=8) if m.count >= MISSED_AGAIN]
        if missed:
            st.markdown("\n".join(f"- {md_escape(m.point)} ×{m.count}" for m in missed))
        else:
            st.caption(
                "No key point missed twice yet. Points repeat when you answer a question again: the feedback card "
                "of each answer lists what it missed."
            )

    st.markdown("**Sessions**")
    table = pd.DataFrame(
        [
            {
                "started": r.started_at.strftime("%Y-%m-%d %H:%M"),
                "mean score": r.mean_score,
                "answered": r.answered,
                "skipped": r.skipped,
                "mode": MODE_LABELS.get(r.mode, r.mode),
            }
            for r in reversed(rows)
        ]
    )
    # The numbers before the long mode label, in narrow columns: on a phone the grid scrolled sideways and hid
    # the scores; now only the mode is off to the right. A grid, not a static table, so a long history scrolls.
    small = {"width": "small"}
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "mean score": st.column_config.NumberColumn("mean", help="mean score", format="%.1f", **small),
            "answered": st.column_config.NumberColumn(**small),
            "skipped": st.column_config.NumberColumn(**small),
        },
    )

    st.markdown("**Export a session**")
    # Numbered, and naming the focus or topic: two focus sessions started in one minute read the same.
    labels = {r.id: f"#{n} · {_session_label(r)}" for n, r in reversed(list(enumerate(rows, start=1)))}
    chosen = st.selectbox("Session", list(labels), format_func=labels.get, key="export-session")
    st.download_button(
        "Download as Markdown",
        icon=":material/download:",
        data=session_markdown(chosen, history),
        file_name=f"mockint-session-{chosen[:8]}.md",
        mime="text/markdown",
        key="download-markdown",
    )


def _weak_topics_table(weak) -> None:
    import pandas as pd

    st.dataframe(
        pd.DataFrame([{"topic": topic_name(t.topic), "mean": t.mean, "n": t.questions} for t in weak]),
        hide_index=True,
        width="stretch",
        # Short headers and narrow numbers: in half the page, "mean score" and "questions" were cut off.
        column_config={
            "mean": st.column_config.ProgressColumn(
                "mean score", min_value=0, max_value=5, format="%.1f", width="small"
            ),
            "n": st.column_config.NumberColumn("n", help="questions answered", width="small"),
        },
    )


def _trend_chart(history) -> None:
    import altair as alt
    import pandas as pd

    points = topic_trend(history)
    st.markdown("**Score trend per topic**")
    frame = pd.DataFrame(
        [
            {
                "session": p.session,
                "when": p.when.strftime("%Y-%m-%d %H:%M"),
                "topic": topic_name(p.topic),
                "score": p.score,
            }
            for p in points
        ]
    )
    chart = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=70))
        .encode(
            x=alt.X("session:O", title="session", axis=alt.Axis(labelAngle=0)),
            # Each topic a little to the side within its session, so close scores (0.0 and 0.1) don't overlap.
            xOffset=alt.XOffset("topic:N"),
            y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 5]), title="mean score"),
            color=alt.Color("topic:N", title="topic"),
            tooltip=[alt.Tooltip("topic:N"), alt.Tooltip("score:Q", format=".1f"), alt.Tooltip("when:N")],
        )
        .properties(height=260)
    )
    st.altair_chart(chart, width="stretch")


def _session_label(row: SessionRow) -> str:
    focus, topic = row.filters.get("focus"), row.filters.get("topic")
    what = f"Focus: {focus}" if row.mode == Mode.focus and focus else MODE_LABELS.get(row.mode, row.mode)
    if topic:
        what += f" · {topic_name(topic)}"
    return f"{row.started_at:%Y-%m-%d %H:%M} · {what} · {row.answered} answered"
