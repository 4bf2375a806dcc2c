"""Profil: everything about one recipient on the Stichtag, for a visit or a call: money, light, milestones, reports,
goals, indicators, members, similar recipients (and, for jury and admin, the jury's verdict on its application).

The address is shareable: ?empfaenger=<id>&programm=<id>&stichtag=<date>&lang=<de|en> (monitor/profile.py).
"""

import streamlit as st

from monitor import (
    amounts,
    audit,
    charts,
    context,
    fmt,
    indicators,
    markup,
    profile,
    profile_pdf,
    queries as q,
    status,
    tables,
    timeline,
)
from monitor.i18n import t
from monitor.kpi import kpi_block

SIMILAR_ROWS = 5

ctx = context.current()
lang = ctx.lang
programme = ctx.programme
params = ctx.params()
st.title(t("page.profil"))

recipients = q.run("funds_by_recipient", **params)
if recipients.empty:
    first = q.run("first_decision", **params).iloc[0]
    st.info(t("app.no_projects_yet", date=fmt.date(first["first_decision_date"])))
    st.stop()

# --- which recipient: the URL's, or chosen here (a searchable list); the choice goes back into the URL ----------------
names = dict(zip(recipients["applicant_id"], recipients["recipient_name"]))
ids = sorted(names, key=lambda a: (names[a].casefold(), a))
wanted = st.query_params.get(profile.PARAM)
if st.session_state.get("pf_recipient") not in ids:
    st.session_state["pf_recipient"] = wanted if wanted in ids else None
applicant_id = st.selectbox(t("pf.choose"), ids, format_func=names.get, key="pf_recipient",
                            placeholder=t("pf.choose_placeholder"), help=t("pf.choose_help"))
if applicant_id is None:
    if wanted:
        st.warning(t("pf.unknown", value=markup.text(wanted[:60]), date=fmt.date(ctx.as_of)),
                   icon=":material/person_search:")
    st.info(t("pf.none_chosen", count=fmt.count(len(ids))))
    st.stop()
if st.query_params.get(profile.PARAM) != applicant_id:
    st.query_params[profile.PARAM] = applicant_id
if st.query_params.get("programm") != ctx.programme_id:
    st.query_params["programm"] = ctx.programme_id

recipient = recipients.set_index("applicant_id").loc[applicant_id].copy()
recipient["applicant_id"] = applicant_id
mine = dict(params, applicant_id=applicant_id)
projects = status.describe(q.run("recipient_status", **mine), lang)
cumulative = q.run("payments_cumulative", **mine)
span = tuple(q.run("term_span", **params).iloc[0][["axis_start_date", "axis_end_date"]])
history = q.run("recipient_light_history", **mine)
milestones = q.run("recipient_milestones", **mine)
reports = q.run("recipient_reports", **mine)
topics = q.run("recipient_topics", **mine, lang=lang)
progress = q.run("indicator_progress", **params)
progress = progress[progress["project_id"].isin(projects["project_id"])]
members = q.run("cooperation_members", **params)
members = members[members["applicant_id"] == applicant_id]
similar = q.run("similar_recipients", **params, lang=lang, applicant_id=applicant_id, row_limit=SIMILAR_ROWS)
kept = q.run("programme_data", programme_id=ctx.programme_id).iloc[0]

# --- who, and the answer in four figures ------------------------------------------------------------------------------
st.header(markup.text(recipient["recipient_name"]), anchor=False)
st.caption(t("pf.caption", kind=t(f"kind.{recipient['recipient_kind']}", default=recipient["recipient_kind"]),
             kreis=markup.text(recipient["kreis_name"] or "–"), population=fmt.count(recipient["population_count"]),
             programme=markup.text(programme["name_de" if lang == "de" else "name_en"]), date=fmt.date(ctx.as_of)))
st.download_button(t("pf.pdf"), audit.on_download(lambda: profile_pdf.pdf_bytes(ctx, applicant_id), "profil", "pdf"),
                   file_name=profile_pdf.file_name(ctx, applicant_id), mime="application/pdf", key="pf_pdf",
                   icon=":material/picture_as_pdf:", help=t("pf.pdf_help"), on_click="ignore")

worst = projects.iloc[0]
granted = recipient["granted_eur"] or 1
row = st.container(horizontal=True, gap="small")
kpi_block(row, amounts.text("pf.granted", programme), fmt.money(recipient["granted_eur"]),
          timeline.counted("pf.projects", int(recipient["project_count"]), lang))
kpi_block(row, t("pf.paid"), fmt.money(recipient["paid_eur"]),
          amounts.text("pf.paid_note", programme, share=fmt.pct(100 * recipient["paid_eur"] / granted)))
kpi_block(row, t("pf.planned"), fmt.money(recipient["planned_eur"]),
          amounts.text("pf.planned_note", programme, share=fmt.pct(100 * recipient["planned_eur"] / granted)))
# the light in words under the three amounts: in a figure's box "abgeschlossen, Mittel verfallen" would be cut
light_note = t("pf.light_note_one") if len(projects) == 1 else t("pf.light_note", count=fmt.count(len(projects)))
st.markdown(t("pf.light_line", light=status.light_markdown(worst["light"], lang), note=light_note))
if amounts.is_eligible_cost(programme):
    st.caption(t("pg.eligible_note"))

# --- the light: every project with its reason, and its history --------------------------------------------------------
st.subheader(t("pf.light_heading"))
for project in projects.itertuples():
    term = t("pf.term", start=fmt.date(project.start_date), end=fmt.date(project.end_date),
             report=markup.text(project.report_state))
    st.markdown(
        f"**{status.light_markdown(project.light, lang)} · {markup.text(project.title)}** "
        f"({markup.text(project.project_id)})  \n"
        f"{markup.text(project.reason)}  \n"
        f":gray[{term}]"
    )
history_chart = timeline.status_history(history.assign(recipient_name=history["title"]),
                                        t("pf.history_title", date=fmt.date(ctx.as_of)), lang)
# a strip per project: the shapes and the legend line below name the lights, the reason above says why
history_chart.update_traces(showscale=False)
history_chart.update_yaxes(title_text="")
history_chart.update_layout(height=150 + 40 * len(projects))
charts.show(history_chart, key="pf_history", config={"displaylogo": False},
            description=t("ds.pf.history_desc", recipient=recipient["recipient_name"], date=fmt.date(ctx.as_of)))
st.caption(" · ".join(status.light_label(light, lang) for light in status.ORDER if light in set(history["light"])))
with st.expander(t("pf.history_table")):
    shown = history.assign(light_label=history["light"].map(lambda light: status.light_label(light, lang)))
    tables.show(shown.iloc[::-1], "profil_ampelverlauf",
                ["status_date", "project_id", "light_label", "paid_eur", "planned_due_eur"],
                queries=("recipient_light_history",), title=t("pf.history_table"))

# --- money: plan and payments over time -------------------------------------------------------------------------------
st.subheader(t("pf.money_heading"))
if not kept["planned_payment_count"]:
    st.caption(t("pg.no_plan"))
charts.show(timeline.cumulative_payments(cumulative, ctx.as_of, span,
                                         t("fs.pay_title", scope=recipient["recipient_name"]), lang),
            key="pf_money", config={"displaylogo": False},
            description=t("ds.pf.money_desc", recipient=recipient["recipient_name"], date=fmt.date(ctx.as_of),
                          paid=fmt.money(recipient["paid_eur"]), granted=fmt.money(recipient["granted_eur"])))
with st.expander(t("fs.chart_data")):
    tables.show(cumulative, "profil_zahlungen", ["timeline_date", "cum_planned_eur", "cum_paid_eur"],
                queries=("payments_cumulative",), title=t("pf.money_heading"))

# --- milestones and reports -------------------------------------------------------------------------------------------
st.subheader(t("pf.milestones_heading"))
if milestones.empty:
    st.caption(t("pf.no_milestones"))
else:
    done = int(milestones["done_date"].notna().sum())
    overdue = int((milestones["milestone_state"] == "overdue").sum())
    st.markdown(t("pf.milestones_line", done=done, total=len(milestones), overdue=overdue))
    words = {s: t(f"fs.ms.{s}") for s in ("done_on_time", "done_late", "overdue", "open")}
    tables.show(milestones.assign(milestone_state_label=milestones["milestone_state"].map(words)),
                "profil_meilensteine",
                ["title", "planned_date", "done_date", "milestone_state_label", "days_late_days"],
                queries=("recipient_milestones",), title=t("pf.milestones_heading"))

st.subheader(t("pf.reports_heading"))
if reports.empty:
    st.caption(t("pf.no_reports") if kept["progress_report_count"] else t("pg.no_reports"))
else:
    latest = reports.iloc[0]
    st.markdown(t("pf.reports_line", date=fmt.date(latest["report_date"]), progress=fmt.pct(latest["progress_pct"]),
                  light=status.light_markdown(latest["status"], lang),
                  reports=timeline.counted("pf.n.reports", len(reports), lang)))
    st.markdown(f"> {markup.text(latest['summary'])}")
    tables.show(reports.assign(report_status_label=reports["status"].map(lambda s: t(f"light.{s}")),
                               report_summary=reports["summary"]),
                "profil_berichte", ["report_date", "progress_pct", "report_status_label", "report_summary"],
                queries=("recipient_reports",), title=t("pf.reports_heading"))

# --- goals and themes, indicators -------------------------------------------------------------------------------------
st.subheader(t("pf.goals_heading"))
goals = topics[topics["topic_kind"] == "goal"]
themes = topics[topics["topic_kind"] == "theme"]
if goals.empty:
    st.caption(t("pf.no_goals"))
else:
    amounts.show(goals.rename(columns={"topic_label": "goal_label"}), "profil_ziele",
                 ["goal_label", "grant_share_pct", "weighted_eur"], programme, queries=("recipient_topics",),
                 title=t("pf.goals_heading"))
st.markdown(t("pf.themes", themes=markup.text(", ".join(themes["topic_label"])) if len(themes) else "–"))

st.subheader(t("pf.indicators_heading"))
if progress.empty:
    st.caption(t("pf.no_indicators"))
else:
    label = "indicator_label_de" if lang == "de" else "indicator_label_en"
    for item in progress.itertuples():
        reported = (indicators.value_text(item.reported_value, item.qualifier, lang)
                    if item.reported_value == item.reported_value else "–")
        key = "pf.indicator_line_untargeted" if item.target_state == "no_target" else "pf.indicator_line"
        st.markdown(t(key, label=markup.text(getattr(item, label)), reported=markup.text(reported),
                      target=markup.text(indicators.number(item.target_value, lang)),
                      state=indicators.state_labels(lang)[item.target_state]))

# --- where: the recipient, its members and partners -------------------------------------------------------------------
st.subheader(t("pf.map_heading"))
map_column, members_column = st.columns(2)
members_figure = profile.members_map(recipient, members, t("pf.map_title", name=recipient["recipient_name"]), lang,
                                     programme.get("land_id"))
map_column.plotly_chart(members_figure, key="pf_map", config={"displaylogo": False})
with members_column:
    if members.empty:
        st.caption(t("pf.no_members"))
    else:
        members = members.assign(member_kind_label=[t(f"kind.{k}", default=k) for k in members["member_kind"]],
                                 role_label=[t(f"mi.role.{r}") for r in members["role"]])
        tables.show(members, "profil_mitglieder", ["member_name", "member_kind_label", "role_label",
                                                   "population_count"],
                    queries=("cooperation_members",), title=t("pf.map_heading"))

# --- whom to learn from -----------------------------------------------------------------------------------------------
st.subheader(t("pf.similar_heading"))
if similar.empty:
    st.caption(t("pf.no_similar"))
else:
    similar = similar.assign(
        light_label=similar["light"].map(
            lambda light: status.light_label(light, lang) if isinstance(light, str) else "–"),
        profile_url=profile.urls(similar["applicant_id"], ctx.programme_id, ctx.as_of, lang))
    tables.show(similar, "profil_aehnlich",
                ["recipient_name", "similarity_pct", "shared_goals", "shared_themes", "light_label", "profile_url"],
                queries=("similar_recipients",), title=t("pf.similar_heading"))

# --- the jury's verdict: confidential, jury and admin only (as the Bewerbungen page) ----------------------------------
if profile.shows_jury(ctx.role):
    verdict = q.run("application_assessment", **mine, lang=lang)
    st.subheader(t("pf.jury.heading"))
    if verdict.empty:
        st.caption(t("pf.jury.none"))
    else:
        st.warning(t("pf.jury.confidential"), icon=":material/lock:")
        for number, (application_id, rows) in enumerate(verdict.groupby("application_id", sort=False)):
            first = rows.iloc[0]
            st.markdown(t("pf.jury.application", title=markup.text(first["title"]), id=markup.text(application_id),
                          date=fmt.date(first["received_date"]), requested=fmt.money(first["requested_eur"])))
            if first["rank"] != first["rank"]:
                st.caption(t("pf.jury.not_scored"))
                continue
            st.markdown(t("pf.jury.rank", points=fmt.number(first["total_points"], 2), rank=int(first["rank"]),
                          count=int(first["ranked_count"]), line=int(first["line_count"])))
            if isinstance(first["recused_jurors"], str):
                st.caption(t("pf.jury.recused", jurors=markup.text(first["recused_jurors"])))
            tables.show(rows, f"profil_bewertung_{number}",
                        ["criterion_label", "weight_pct", "mean_points", "lowest_points", "highest_points",
                         "rater_count"], queries=("application_assessment",), title=t("pf.jury.heading"),
                        decimals={"mean_points": 2, "lowest_points": 1, "highest_points": 1})
