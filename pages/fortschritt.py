"""Fortschritt: the whole term on one time axis – payments, milestones, progress, lights, funds that may lapse."""

import streamlit as st

from monitor import context, fmt, queries as q, status, tables, timeline
from monitor.kpi import kpi
from monitor.i18n import t

ctx = context.current()
lang = ctx.lang
programme = ctx.programme
st.title(t("page.fortschritt"))

span_row = q.run("term_span", **ctx.params()).iloc[0]
span = (span_row["axis_start_date"], span_row["axis_end_date"])
st.caption(t("fs.caption", programme=programme["name_de" if lang == "de" else "name_en"], date=fmt.date(ctx.as_of),
             start=fmt.date(span[0]), end=fmt.date(span[1])))

forecast = q.run("lapse_forecast", **ctx.params())
if forecast.empty:
    st.info(t("app.no_data_yet", date=fmt.date(programme["decision_date"])))
    st.stop()

# --- payments: plan over the whole term, actual up to the Stichtag ---------------------------------------------
st.subheader(t("fs.pay_heading"))
recipients = dict(forecast.sort_values("recipient_name")[["applicant_id", "recipient_name"]].drop_duplicates().to_numpy())
scope = st.selectbox(t("fs.scope"), [""] + list(recipients), key="fs_scope",
                     format_func=lambda a: recipients.get(a) or t("fs.scope_programme"))
scope_name = recipients.get(scope) or t("fs.scope_programme")
cumulative = q.run("payments_cumulative", **ctx.params(), applicant_id=scope)
on_stichtag = cumulative[cumulative["is_stichtag"]].iloc[0]
expected, paid = on_stichtag["cum_planned_eur"], on_stichtag["cum_paid_eur"]
kpis = st.columns(3)
kpi(kpis[0], t("fs.expected"), fmt.money(expected), t("fs.expected_delta", date=fmt.date(ctx.as_of)))
kpis[1].metric(t("fs.paid"), fmt.money(paid), delta=t("fs.paid_delta", diff=fmt.money(paid - expected)),
               delta_color="normal", border=True)
kpi(kpis[2], t("fs.planned_total"), fmt.money(cumulative["cum_planned_eur"].max()),
    t("fs.planned_total_delta", date=fmt.date(cumulative["timeline_date"].max())))
st.plotly_chart(timeline.cumulative_payments(cumulative, ctx.as_of, span, t("fs.pay_title", scope=scope_name)),
                key="fs_payments_chart")
tables.show(cumulative, "zahlungen_kumuliert", ["timeline_date", "cum_planned_eur", "cum_paid_eur"],
            queries=("payments_cumulative",))
behind = forecast.sort_values(["behind_plan_eur", "recipient_name"], ascending=[False, True]).iloc[0]
if behind["behind_plan_eur"] > 0:
    st.markdown(t("fs.behind_most", name=behind["recipient_name"], diff=fmt.money(behind["behind_plan_eur"]),
                  paid=fmt.money(behind["paid_eur"]), planned=fmt.money(behind["planned_eur"])))
else:
    st.markdown(t("fs.behind_none"))

# --- milestones ------------------------------------------------------------------------------------------------
st.subheader(t("fs.ms_heading"))
milestones = q.run("milestone_timeline", **ctx.params())
states = milestones["milestone_state"].value_counts()
st.markdown(t("fs.ms_summary", done=states.get("done_on_time", 0) + states.get("done_late", 0), total=len(milestones),
              late=states.get("done_late", 0), overdue=states.get("overdue", 0)))
st.plotly_chart(timeline.milestone_chart(milestones, ctx.as_of, span, t("fs.ms_title")), key="fs_milestones_chart")
milestones["milestone_state_label"] = [t(f"fs.ms.{s}") for s in milestones["milestone_state"]]
tables.show(milestones, "meilensteine_verlauf",
            ["recipient_name", "title", "planned_date", "done_date", "milestone_state_label", "days_late_days"],
            queries=("milestone_timeline",))

# --- reported progress and the traffic-light history ------------------------------------------------------------
st.subheader(t("fs.progress_heading"))
reports = q.run("progress_history", **ctx.params())
if reports.empty:
    st.info(t("fs.progress_none"))
else:
    st.plotly_chart(timeline.progress_chart(reports, ctx.as_of, span, t("fs.progress_title")), key="fs_progress_chart")
    reports["report_status_label"] = [status.light_label(s) for s in reports["report_status"]]
    tables.show(reports, "fortschrittsberichte",
                ["recipient_name", "reported_date", "progress_pct", "report_status_label", "report_summary"],
                queries=("progress_history",))

history = q.run("project_status_history", **ctx.params())
st.caption(t("ov.lights_rule", red_days=programme["red_overdue_days"], red_gap=fmt.number(programme["red_gap_pct"]),
             amber_gap=fmt.number(programme["amber_gap_pct"]), report_days=programme["report_interval_days"]))
if not history.empty:
    st.plotly_chart(timeline.status_history(history, t("fs.history_title")), key="fs_history_chart")
    history["light_label"] = [status.light_label(v) for v in history["light"]]
    tables.show(history, "ampelverlauf", ["recipient_name", "status_date", "light_label"],
                queries=("project_status_history",))

# --- forecast: funds that may lapse --------------------------------------------------------------------------------
st.subheader(t("fs.lapse_heading"))
st.markdown(t("fs.lapse_method"))
at_risk, lapsed = forecast["at_risk_eur"].sum(), forecast["lapsed_eur"].sum()
granted = forecast["granted_eur"].sum()
kpis = st.columns(3)
kpi(kpis[0], t("fs.at_risk"), fmt.money(at_risk),
    t("fs.at_risk_delta", share=fmt.pct(100 * at_risk / granted if granted else 0, decimals=1),
      count=int((forecast["at_risk_eur"] > 0.5).sum())))
kpi(kpis[1], t("fs.lapsed"), fmt.money(lapsed), t("fs.lapsed_delta", count=int((forecast["lapsed_eur"] > 0.5).sum())))
kpi(kpis[2], t("fs.may_lapse"), fmt.money(at_risk + lapsed), t("fs.may_lapse_delta"))
st.plotly_chart(timeline.lapse_bars(forecast, t("fs.lapse_title")), key="fs_lapse_chart")
forecast["forecast_basis_label"] = [t(f"fs.basis.{b}") for b in forecast["forecast_basis"]]
tables.show(forecast, "verfallsprognose",
            ["recipient_name", "granted_eur", "paid_eur", "elapsed_days", "daily_rate_eur", "remaining_days",
             "projected_paid_eur", "at_risk_eur", "lapsed_eur", "forecast_basis_label"],
            queries=("lapse_forecast",))
