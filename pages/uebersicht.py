"""Übersicht: which projects need a decision on the Stichtag, and is the programme on track?"""

import pandas as pd
import streamlit as st

from monitor import amounts, audit, briefing, charts, context, fmt, markup, profile, queries as q, status, tables
from monitor.i18n import t
from monitor.kpi import kpi_block

ATTENTION_ROWS = 5  # named above the fold; the rest are one click away in the table below

ctx = context.current()
lang = ctx.lang
programme = ctx.programme
head, button = st.columns([2, 1], vertical_alignment="bottom")
head.title(t("page.uebersicht"))
button.download_button(t("br.download"), audit.on_download(lambda: briefing.pdf_bytes(ctx), "briefing", "pdf"),
                       file_name=briefing.file_name(ctx),
                       mime="application/pdf", key="briefing_pdf", icon=":material/picture_as_pdf:",
                       help=t("br.download_help"), on_click="ignore")
caption = st.empty()

summary = q.run("programme_summary", **ctx.params()).iloc[0]
caption.caption(t("ov.caption", programme=markup.text(programme["name_de" if lang == "de" else "name_en"]),
                  date=fmt.date(ctx.as_of), elapsed=fmt.pct(summary["term_elapsed_pct"]),
                  start=fmt.date(summary["term_start_date"]), end=fmt.date(summary["term_end_date"])))
if summary["project_count"] == 0:
    st.info(t("app.no_projects_yet", date=fmt.date(summary["first_decision_date"])))
    st.stop()
if amounts.is_eligible_cost(programme):
    st.caption(t("pg.eligible_note"))
# the cached frame stays untouched (assign): every table naming a recipient links to its profile
projects = status.projects(ctx.params(), lang)
projects = projects.assign(profile_url=profile.urls(projects["applicant_id"], ctx.programme_id, ctx.as_of, lang))
needing_decision = status.attention(projects)
attention = needing_decision.head(ATTENTION_ROWS)

# --- what needs a decision now: named, with the reason and the money ----------------------------------------------
counts = status.counts(projects)
st.header(t("ov.attention"))
st.markdown(" · ".join(f"{status.light_markdown(light)} **{fmt.count(n)}**" for light, n in counts.items()))
if attention.empty:
    st.success(t("ov.attention_none"))
for row in attention.itertuples():
    if row.light == "lapsed":
        money = t("ov.money_lapsed", lapsed=fmt.money(row.lapsed_eur), granted=fmt.money(row.granted_eur))
    else:
        money = t("ov.money_open", overdue=fmt.money(row.overdue_eur), paid=fmt.money(row.paid_eur),
                  granted=fmt.money(row.granted_eur))
    st.markdown(
        f"**{status.light_markdown(row.light)} · {markup.text(row.recipient_name)}** – {markup.text(row.title)}  \n"
        f"{markup.text(row.reason)}  \n:gray[{money}] · "
        f"[{t('pf.open_profile')}]({profile.url(row.applicant_id, ctx.programme_id, ctx.as_of, lang)})"
    )
remaining = len(needing_decision) - len(attention)
if remaining > 0:
    st.caption(t("ov.attention_more_one" if remaining == 1 else "ov.attention_more", count=fmt.count(remaining)))

# --- money and time in one row --------------------------------------------------------------------------------------
row = st.container(horizontal=True, gap="small")
# a figure or label too long for a quarter of the row (tens of millions, "Förderfähige Gesamtausgaben"): two a row
figures = [fmt.money(summary[c]) for c in ("granted_eur", "paid_eur", "lapsed_eur")]
box_width = 400 if max(map(len, figures)) > 11 or amounts.is_eligible_cost(programme) else "stretch"
kpi_block(row, amounts.text("ov.granted", programme), fmt.money(summary["granted_eur"]),
    t("ov.granted_delta_one" if summary["project_count"] == 1 else "ov.granted_delta",
      count=fmt.count(summary["project_count"]), share=fmt.pct(summary["granted_pct"]),
      budget=fmt.money(summary["budget_eur"])), help=amounts.text("ov.granted_help", programme), width=box_width)
kpi_block(row, t("ov.paid"), fmt.money(summary["paid_eur"]),
    amounts.text("ov.paid_delta", programme, share=fmt.pct(summary["paid_pct"]),
                 planned=fmt.money(summary["planned_eur"])),
    help=t("ov.paid_help"), width=box_width)
kpi_block(row, t("ov.lapsed"), fmt.money(summary["lapsed_eur"]),
    t("ov.lapsed_delta", at_risk=fmt.money(summary["at_risk_eur"])),
    help=t("ov.lapsed_help", days=summary["payment_grace_days"]), width=box_width)
kpi_block(row, t("ov.milestones"), f"{summary['milestones_due_done_count']} / {summary['milestones_due_count']}",
    t("ov.milestones_delta", overdue=summary["milestones_overdue_count"], total=summary["milestone_count"]),
    help=t("ov.milestones_help"), width=box_width)

# --- every project's light with its reason --------------------------------------------------------------------------
st.header(t("ov.lights"))
st.caption(t("ov.lights_rule", red_days=programme["red_overdue_days"], red_gap=fmt.number(programme["red_gap_pct"]),
             amber_gap=fmt.number(programme["amber_gap_pct"]), report_days=programme["report_interval_days"],
             grace=programme["payment_grace_days"]))
# what the rule cannot judge for lack of data: no plan (no lag), no reports kept (none owed)
kept = q.run("programme_data", programme_id=ctx.programme_id).iloc[0]
if not kept["planned_payment_count"]:
    st.caption(t("pg.no_plan"))
if not kept["progress_report_count"]:
    st.caption(t("pg.no_reports"))
amounts.show(projects, "ampel", ["light_label", "recipient_name", "profile_url", "reason", "granted_eur",
                                "planned_due_eur", "paid_eur", "overdue_eur", "lapsed_eur", "title"], programme,
             queries=("project_status",))

st.header(t("ov.pace_heading"))
granted = summary["granted_eur"] or 1
pace = pd.DataFrame({
    "measure": [t("ov.pace_elapsed"), amounts.text("ov.pace_planned", programme),
                amounts.text("ov.pace_paid", programme), t("ov.pace_milestones")],
    "share_pct": [summary["term_elapsed_pct"], 100 * summary["planned_eur"] / granted,
                  100 * summary["paid_eur"] / granted,
                  100 * summary["milestones_done_count"] / max(summary["milestone_count"], 1)],
})
charts.show(charts.share_bars(pace["measure"].tolist(), pace["share_pct"].tolist(),
                              t("ov.pace_title"), t("ov.pace_axis")), key="pace_chart",
            description=t("ds.ov.pace_desc", elapsed=fmt.pct(pace["share_pct"][0]),
                          planned=fmt.pct(pace["share_pct"][1]),
                          paid=fmt.pct(pace["share_pct"][2]), milestones=fmt.pct(pace["share_pct"][3])))
tables.show(pace, "tempo", ["measure", "share_pct"], queries=("programme_summary",))

st.header(t("ov.next_milestones"))
upcoming = q.run("next_milestones", **ctx.params(), limit=8)
if upcoming.empty:
    st.success(t("ov.next_none"))
else:
    days = upcoming["days_until_count"]
    upcoming["profile_url"] = profile.urls(upcoming["applicant_id"], ctx.programme_id, ctx.as_of, lang)
    upcoming["due_label"] = [
        t("ov.overdue", days=-d) if d < 0 else (t("ov.due_today") if d == 0 else t("ov.due_in", days=d)) for d in days
    ]
    tables.show(upcoming, "meilensteine", ["planned_date", "due_label", "recipient_name", "profile_url", "title"],
                queries=("next_milestones",))

st.header(t("ov.freshness"))
st.caption(t("ov.freshness_caption", days=programme["report_interval_days"]))
if summary["report_overdue_count"]:
    late = projects[projects["is_report_overdue"]]
    st.warning(t("ov.overdue_reports", count=fmt.count(summary["report_overdue_count"]),
                 names=markup.text(", ".join(late["recipient_name"].head(20)))))
tables.show(projects.sort_values(["days_since_report", "project_id"], ascending=[False, True]), "berichte",
            ["recipient_name", "profile_url", "last_report_date", "last_report_label", "progress_pct",
             "days_since_report", "report_state"], queries=("project_status",))
