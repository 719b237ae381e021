"""The progress page: sessions over time, score trend per topic, weak spots, Markdown export."""

import streamlit as st

from mockint.app import loaders as res
from mockint.app.feedback_views import md_escape
from mockint.history.progress import missed_points, session_markdown, session_rows, topic_trend, weakest_topics


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
    cols[2].metric("Mean score", f"{overall:.1f} / 5" if overall is not None else "—")

    if history.unreadable:
        st.caption(
            f":material/info: {len(history.unreadable)} saved record(s) could not be read (written by another "
            "mockint version?) and are left out; the log of `mockint app` names them."
        )
    _trend_chart(history)

    left, right = st.columns(2)
    with left:
        st.markdown("**Weakest topics**")
        weak = weakest_topics(history)
        st.dataframe(
            pd.DataFrame([{"topic": t.topic.replace("-", " "), "mean": t.mean, "n": t.questions} for t in weak]),
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
    with right:
        st.markdown("**Key points you miss most**")
        missed = missed_points(history, limit=8)
        if missed:
            st.markdown("\n".join(f"- {md_escape(m.point)} ×{m.count}" for m in missed))
        else:
            st.caption("None missed so far.")

    st.markdown("**Sessions**")
    table = pd.DataFrame(
        [
            {
                "started": r.started_at.strftime("%Y-%m-%d %H:%M"),
                "mode": r.mode,
                "answered": r.answered,
                "skipped": r.skipped,
                "mean score": r.mean_score,
            }
            for r in reversed(rows)
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"mean score": st.column_config.NumberColumn(format="%.1f")},
    )

    st.markdown("**Export a session**")
    labels = {r.id: f"{r.started_at:%Y-%m-%d %H:%M} · {r.mode} · {r.answered} answered" for r in reversed(rows)}
    chosen = st.selectbox("Session", list(labels), format_func=labels.get, key="export-session")
    st.download_button(
        "Download as Markdown",
        icon=":material/download:",
        data=session_markdown(chosen, history),
        file_name=f"mockint-session-{chosen[:8]}.md",
        mime="text/markdown",
        key="download-markdown",
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
                "topic": p.topic.replace("-", " "),  # words, as everywhere else in the app
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
