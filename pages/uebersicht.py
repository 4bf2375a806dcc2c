"""Übersicht: is the programme on track on the Stichtag, and which projects need attention?"""

import pandas as pd
import streamlit as st

from monitor import briefing, charts, context, fmt, queries as q, status, tables
from monitor.kpi import kpi
from monitor.i18n import t

ctx = context.current()
lang = ctx.lang
programme = ctx.programme
st.title(t("page.uebersicht"))
st.caption(t("ov.caption", programme=programme["name_de" if lang == "de" else "name_en"], date=fmt.date(ctx.as_of)))

summary = q.run("programme_summary", **ctx.params()).iloc[0]
projects = status.describe(q.run("project_status", **ctx.params()))
upcoming = q.run("next_milestones", **ctx.params(), limit=8)

if summary["project_count"] == 0:
    st.info(t("app.no_data_yet", date=fmt.date(programme["decision_date"])))
    st.stop()

# the one-page PDF for the Leitung, generated only when clicked
st.download_button(t("br.download"), lambda: briefing.pdf_bytes(ctx), file_name=briefing.file_name(ctx),
                   mime="application/pdf", key="briefing_pdf", icon=":material/picture_as_pdf:",
                   help=t("br.download_help"), on_click="ignore")


row1, row2 = st.columns(3), st.columns(3)
kpi(row1[0], t("ov.budget"), fmt.money(summary["budget_eur"]),
    t("ov.budget_delta", free=fmt.money(summary["budget_eur"] - summary["granted_eur"])))
kpi(row1[1], t("ov.granted"), fmt.money(summary["granted_eur"]),
    t("ov.granted_delta", count=summary["project_count"], share=fmt.pct(summary["granted_pct"])))
kpi(row1[2], t("ov.paid"), fmt.money(summary["paid_eur"]), t("ov.paid_delta", share=fmt.pct(summary["paid_pct"])))
kpi(row2[0], t("ov.planned"), fmt.money(summary["planned_eur"]),
    t("ov.planned_delta", diff=fmt.money(summary["paid_eur"] - summary["planned_eur"])))
kpi(row2[1], t("ov.elapsed"), fmt.pct(summary["term_elapsed_pct"]),
    t("ov.elapsed_delta", start=fmt.date(summary["term_start_date"]), end=fmt.date(summary["term_end_date"])))
kpi(row2[2], t("ov.milestones"), f"{summary['milestones_due_done_count']} / {summary['milestones_due_count']}",
    t("ov.milestones_delta", overdue=summary["milestones_overdue_count"], total=summary["milestone_count"]))

left, right = st.columns([3, 2])
with left:
    granted = summary["granted_eur"] or 1
    pace = pd.DataFrame({
        "measure": [t("ov.pace_elapsed"), t("ov.pace_planned"), t("ov.pace_paid"), t("ov.pace_milestones")],
        "share_pct": [summary["term_elapsed_pct"], 100 * summary["planned_eur"] / granted,
                      100 * summary["paid_eur"] / granted,
                      100 * summary["milestones_done_count"] / max(summary["milestone_count"], 1)],
    })
    st.plotly_chart(charts.share_bars(pace["measure"].tolist(), pace["share_pct"].tolist(),
                                      t("ov.pace_title"), t("ov.pace_axis")), key="pace_chart")
with right:
    st.subheader(t("ov.light_counts"))
    counts = projects["light"].value_counts()
    for light in ["red", "amber", "green", "done", "not_started"]:
        if counts.get(light, 0):
            st.markdown(f"**{status.light_markdown(light)}**: {counts[light]}")

st.subheader(t("ov.attention"))
attention = projects[projects["light"].isin(["red", "amber"])]
if attention.empty:
    st.success(t("ov.attention_none"))
for _, row in attention.iterrows():
    with st.container(border=True):
        st.markdown(f"**{status.light_markdown(row['light'])} · {row['recipient_name']}**: {row['title']}")
        for reason in status.reasons(row):
            st.markdown(f"- {reason}")

st.subheader(t("ov.lights"))
st.caption(t("ov.lights_rule", red_days=programme["red_overdue_days"], red_gap=fmt.number(programme["red_gap_pct"]),
             amber_gap=fmt.number(programme["amber_gap_pct"]), report_days=programme["report_interval_days"]))
# the reason right after the light: it is what a reader looks for, the money can scroll
tables.show(projects, "ampel", ["light_label", "recipient_name", "paid_pct", "term_elapsed_pct", "reason",
                                "granted_eur", "paid_eur", "title"], queries=("project_status",))

st.subheader(t("ov.next_milestones"))
if upcoming.empty:
    st.success(t("ov.next_none"))
else:
    upcoming["due_label"] = [
        t("ov.overdue", days=-d) if d < 0 else (t("ov.due_today") if d == 0 else t("ov.due_in", days=d))
        for d in upcoming["days_until_count"]
    ]
    tables.show(upcoming, "meilensteine", ["planned_date", "due_label", "recipient_name", "title"],
                queries=("next_milestones",))

st.subheader(t("ov.freshness"))
st.caption(t("ov.freshness_caption", days=programme["report_interval_days"]))
late = projects[projects["is_report_overdue"]]
if not late.empty:
    st.warning(t("ov.overdue_reports", names=", ".join(late["recipient_name"])))
tables.show(projects.sort_values("project_id"), "berichte",
            ["recipient_name", "last_report_date", "last_report_label", "progress_pct", "days_since_report", "report_state"],
            queries=("project_status",))
