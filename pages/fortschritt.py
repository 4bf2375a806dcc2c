"""Fortschritt: will the programme finish on time and within budget? The answer first (money planned, paid, at
risk, lapsed), then the payment curve, the funds forecast and how well it has done, milestones, reported
progress, the light history and the results the projects report."""

import streamlit as st

from monitor import amounts, charts, context, fmt, indicators, markup, profile, queries as q, status, tables, timeline
from monitor.i18n import t
from monitor.kpi import kpi_block

# bounds that keep the page the same size at any number of projects
LAPSE_BARS = 15        # projects with the most money at risk or lapsed; the others in one bar
PROGRESS_LINES = 10    # projects drawn as a line each (colour and dash still tell ten apart)
HISTORY_ROWS = 20      # projects in the light heatmap, worst on the Stichtag first
MILESTONE_ROWS = 500   # milestones in the table, the ones that matter first
MILESTONE_DOTS = 30    # up to this many projects the milestones are drawn one by one, beyond per month



ctx = context.current()
lang = ctx.lang
programme = ctx.programme
params = ctx.params()
grace = int(programme["payment_grace_days"])


def profile_urls(applicant_ids):
    """The recipients' profile addresses (a profile_url column: tables draw it as a link); none for a summary row."""
    return profile.urls(applicant_ids, ctx.programme_id, ctx.as_of, lang).where(applicant_ids.notna())


st.title(t("page.fortschritt"))

span_row = q.run("term_span", **params).iloc[0]
span = (span_row["axis_start_date"], span_row["axis_end_date"])
st.caption(t("fs.caption", programme=markup.text(programme["name_de" if lang == "de" else "name_en"]),
             date=fmt.date(ctx.as_of), start=fmt.date(span[0]), end=fmt.date(span[1])))

summary = q.run("programme_summary", **params).iloc[0]
forecast = q.run("lapse_forecast", **params)
if forecast.empty:
    st.info(t("app.no_data_yet", date=fmt.date(summary["first_decision_date"])))
    st.stop()
due_date = fmt.date(forecast["due_date"].iloc[0])

# --- the answer: money on the Stichtag ----------------------------------------------------------------------------
figures = [fmt.money(summary[c]) for c in ("planned_eur", "paid_eur", "at_risk_eur", "lapsed_eur")]
# a value must fit its box: amounts of a programme of hundreds of millions get two boxes a row
kpis = st.columns(4) if max(map(len, figures)) <= 11 else st.columns(2) + st.columns(2)
kpi_block(kpis[0], t("fs.kpi.planned"), figures[0],
          t("fs.kpi.planned_note", grace=grace, due=fmt.money(summary["planned_due_eur"])))
kpi_block(kpis[1], t("fs.kpi.paid"), figures[1],
          amounts.text("fs.kpi.paid_note", programme, share=fmt.pct(summary["paid_pct"]),
                       granted=fmt.money(summary["granted_eur"])))
at_risk_count = int((forecast["at_risk_eur"] >= 0.005).sum())
kpi_block(kpis[2], t("fs.kpi.at_risk"), figures[2],
          t("fs.kpi.at_risk_note", projects=timeline.counted("fs.n.projects", at_risk_count, lang)),
          help=t("fs.kpi.at_risk_help", due_date=due_date))
kpi_block(kpis[3], t("fs.kpi.lapsed"), figures[3],
          t("fs.kpi.lapsed_note", projects=timeline.counted("fs.n.projects", int(summary["lapsed_count"]), lang)))
# the lag the traffic light measures: overdue money against the grace-shifted plan (lapse_forecast's order breaks ties)
behind = forecast.nlargest(1, "overdue_eur").iloc[0]
if not q.run("programme_data", programme_id=ctx.programme_id)["planned_payment_count"].iloc[0]:
    st.info(t("pg.no_plan"))
elif behind["overdue_eur"] >= 0.005:
    st.markdown(t("fs.behind_most", name=markup.text(behind["recipient_name"]), title=markup.text(behind["title"]),
                  diff=fmt.money(behind["overdue_eur"]), due_date=due_date, paid=fmt.money(behind["paid_eur"]),
                  planned=fmt.money(behind["planned_due_eur"]), grace=grace))
else:
    st.markdown(t("fs.behind_none", grace=grace))

# --- the rest by question, in tabs: money (payments and what will not be called), the forecast's record,
# milestones, reports and lights -------------------------------------------------------------------------------------
tab_money, tab_forecast, tab_milestones, tab_reports = st.tabs(
    [t("ds.fs.tab_money"), t("ds.fs.tab_forecast"), t("ds.fs.tab_milestones"), t("ds.fs.tab_reports")])

with tab_money:
    # --- payments: plan over the whole term, actual up to the Stichtag ---------------------------------------------
    st.header(t("fs.pay_heading"))
    recipients = dict(forecast[["applicant_id", "recipient_name"]].drop_duplicates("applicant_id")
                      .sort_values("recipient_name").to_numpy())
    scope = st.selectbox(t("fs.scope"), [""] + list(recipients), key="fs_scope",
                         format_func=lambda a: recipients.get(a) or t("fs.scope_programme"))
    scope_name = recipients.get(scope) or t("fs.scope_programme")
    cumulative = q.run("payments_cumulative", **params, applicant_id=scope)
    on_stichtag = cumulative[cumulative["is_stichtag"]].iloc[0]
    st.markdown(t("fs.pay_scope_line", scope=markup.text(scope_name), planned=fmt.money(on_stichtag["cum_planned_eur"]),
                  paid=fmt.money(on_stichtag["cum_paid_eur"]), total=fmt.money(cumulative["cum_planned_eur"].iloc[-1]),
                  date=fmt.date(cumulative["timeline_date"].iloc[-1])))
    charts.show(timeline.cumulative_payments(cumulative, ctx.as_of, span, t("fs.pay_title", scope=scope_name)),
                key="fs_payments_chart",
                description=t("ds.fs.pay_desc", scope=markup.text(scope_name), date=fmt.date(ctx.as_of),
                              planned=fmt.money(on_stichtag["cum_planned_eur"]),
                              paid=fmt.money(on_stichtag["cum_paid_eur"]),
                              total=fmt.money(cumulative["cum_planned_eur"].iloc[-1])))
    with st.expander(t("fs.chart_data")):
        tables.show(cumulative, "zahlungen_kumuliert", ["timeline_date", "cum_planned_eur", "cum_paid_eur"],
                    queries=("payments_cumulative",))

    # --- forecast: funds that will not be called --------------------------------------------------------------------
    st.header(t("fs.lapse_heading"))
    st.markdown(t("fs.lapse_method", grace=grace, due_date=due_date))
    st.markdown(amounts.text("fs.lapse_result", programme, at_risk=fmt.money(summary["at_risk_eur"]),
                             lapsed=fmt.money(summary["lapsed_eur"]),
                             expected=fmt.money(summary["granted_eur"] - summary["at_risk_eur"]
                                                - summary["lapsed_eur"]),
                             granted=fmt.money(summary["granted_eur"])))
    charts.show(timeline.lapse_bars(forecast, amounts.text("fs.lapse_title", programme), LAPSE_BARS),
                key="fs_lapse_chart",
                description=t("ds.fs.lapse_desc", at_risk=fmt.money(summary["at_risk_eur"]),
                              lapsed=fmt.money(summary["lapsed_eur"]),
                              projects=timeline.counted("fs.n.projects_dat", at_risk_count, lang)))
    with st.expander(t("fs.lapse_table")):
        basis = {b: t(f"fs.basis.{b}") for b in ("closed", "plan_over", "overdue", "on_plan", "no_plan", "not_started")}
        amounts.show(forecast.assign(forecast_basis_label=forecast["forecast_basis"].map(basis),
                                     profile_url=profile_urls(forecast["applicant_id"])), "verfallsprognose",
                     ["recipient_name", "profile_url", "title", "granted_eur", "planned_due_eur", "paid_eur",
                      "overdue_eur", "expected_paid_eur", "at_risk_eur", "lapsed_eur", "forecast_basis_label"],
                     programme, queries=("lapse_forecast",))

with tab_forecast:
    # --- forecast vs. outcome: the backtest --------------------------------------------------------------------------
    st.header(t("fs.bt.heading"))
    # nothing after the last data date changes the backtest: one cached result serves every later Stichtag
    backtest = q.run("forecast_backtest", programme_id=ctx.programme_id, as_of=min(ctx.as_of, ctx.last_data_date))
    if backtest.empty:
        st.info(t("fs.bt.none"))
    else:
        first = backtest.iloc[0]
        earlier_closer = backtest.loc[backtest["earlier_error_eur"].abs() < backtest["error_eur"].abs(), "status_date"]
        dates = ", ".join(fmt.date(d) for d in earlier_closer.head(6)) + (" …" if len(earlier_closer) > 6 else "")
        st.markdown(t("fs.bt.summary", months=timeline.counted("fs.n.month_ends", int(first["month_count"]), lang),
                      first=fmt.date(first["status_date"]), last=fmt.date(backtest["status_date"].iloc[-1]),
                      projects=timeline.counted("fs.n.projects", int(first["outcome_project_count"]), lang),
                      outcome_date=fmt.date(first["outcome_date"]), outcome=fmt.money(first["outcome_eur"]),
                      mae=fmt.money(first["mean_abs_error_eur"]),
                      earlier_mae=fmt.money(first["earlier_mean_abs_error_eur"]),
                      closer=timeline.counted("fs.n.month_ends", int(first["closer_count"]), lang),
                      earlier_closer=timeline.counted("fs.n.month_ends", int(first["earlier_closer_count"]), lang),
                      earlier_dates=t("fs.bt.earlier_dates", dates=dates) if len(earlier_closer) else ""))
        st.caption(t("fs.bt.why"))
        charts.show(timeline.backtest_chart(backtest, t("fs.bt.title")), key="fs_backtest_chart",
                    description=t("ds.fs.backtest_desc", mae=fmt.money(first["mean_abs_error_eur"]),
                                  earlier_mae=fmt.money(first["earlier_mean_abs_error_eur"])))
        with st.expander(t("fs.chart_data")):
            tables.show(backtest, "prognose_vs_ergebnis",
                        ["status_date", "forecast_eur", "earlier_forecast_eur", "outcome_eur", "error_eur",
                         "earlier_error_eur"], queries=("forecast_backtest",))

with tab_milestones:
    # --- milestones ------------------------------------------------------------------------------------------------
    st.header(t("fs.ms_heading"))
    months = q.run("milestone_months", **params)
    milestones = q.run("milestone_timeline", **params, limit=MILESTONE_ROWS)
    st.markdown(t("fs.ms_summary", done=fmt.count(months["done_on_time_count"].sum() + months["done_late_count"].sum()),
                  total=fmt.count(months["milestone_count"].sum()), late=fmt.count(months["done_late_count"].sum()),
                  overdue=fmt.count(months["overdue_count"].sum())))
    if not milestones.empty:
        if (summary["project_count"] <= MILESTONE_DOTS
                and len(milestones) == milestones["milestone_total_count"].iloc[0]):
            charts.show(timeline.milestone_chart(milestones, ctx.as_of, span, t("fs.ms_title")),
                        key="fs_milestones_chart",
                        description=t("ds.fs.ms_desc",
                                      done=fmt.count(months["done_on_time_count"].sum()
                                                     + months["done_late_count"].sum()),
                                      total=fmt.count(months["milestone_count"].sum()),
                                      overdue=fmt.count(months["overdue_count"].sum())))
        else:
            charts.show(timeline.milestone_months_chart(months, ctx.as_of, span, t("fs.ms_months_title")),
                        key="fs_milestones_chart",
                        description=t("ds.fs.ms_desc",
                                      done=fmt.count(months["done_on_time_count"].sum()
                                                     + months["done_late_count"].sum()),
                                      total=fmt.count(months["milestone_count"].sum()),
                                      overdue=fmt.count(months["overdue_count"].sum())))
        with st.expander(t("fs.chart_data")):
            if len(milestones) < milestones["milestone_total_count"].iloc[0]:
                st.caption(t("fs.rows_note", shown=fmt.count(len(milestones)),
                             total=fmt.count(milestones["milestone_total_count"].iloc[0])))
            words = {s: t(f"fs.ms.{s}") for s in ("done_on_time", "done_late", "overdue", "open")}
            tables.show(milestones.assign(milestone_state_label=milestones["milestone_state"].map(words),
                                          profile_url=profile_urls(milestones["applicant_id"])),
                        "meilensteine_verlauf",
                        ["recipient_name", "profile_url", "title", "planned_date", "done_date", "milestone_state_label",
                         "days_late_days"],
                        queries=("milestone_timeline",))

with tab_reports:
    # --- reported progress ------------------------------------------------------------------------------------------
    st.header(t("fs.progress_heading"))
    reports = q.run("progress_history", **params, limit=PROGRESS_LINES)
    if reports.empty:
        st.info(t("fs.progress_none"))
    else:
        title = (t("fs.progress_title_top", count=PROGRESS_LINES) if reports["is_rest"].any()
                 else t("fs.progress_title"))
        charts.show(timeline.progress_chart(reports, ctx.as_of, span, title), key="fs_progress_chart",
                    description=t("ds.fs.progress_desc"))
        with st.expander(t("fs.chart_data")):
            rest_count = int(reports.loc[reports["is_rest"], "project_count"].max()) if reports["is_rest"].any() else 0
            rest_name = t("fs.progress_rest_median", projects=timeline.counted("fs.n.projects", rest_count, lang))
            report_words = {s: status.light_label(s) for s in ("green", "amber", "red")}
            tables.show(reports.assign(recipient_name=reports["recipient_name"].fillna(rest_name),
                                       report_status_label=reports["report_status"].map(report_words),
                                       profile_url=profile_urls(reports["applicant_id"])),
                        "fortschrittsberichte",
                        ["recipient_name", "profile_url", "reported_date", "progress_pct", "progress_low_pct",
                         "progress_high_pct", "report_count", "report_status_label", "report_summary"],
                        queries=("progress_history",))

    # --- the traffic-light history ---------------------------------------------------------------------------------
    st.header(t("fs.history_heading"))
    st.caption(t("ov.lights_rule", red_days=programme["red_overdue_days"], red_gap=fmt.number(programme["red_gap_pct"]),
                 amber_gap=fmt.number(programme["amber_gap_pct"]), report_days=programme["report_interval_days"],
                 grace=grace))
    counts = q.run("light_history_counts", **params)
    history = q.run("project_status_history", **params, limit=HISTORY_ROWS)
    if not counts.empty:
        light_words = {light: status.light_label(light) for light in status.ORDER}
        charts.show(timeline.light_counts_chart(counts, t("fs.history_counts_title")), key="fs_light_counts_chart",
                    description=t("ds.fs.light_counts_desc"))
        heatmap_title = (t("fs.history_title_top", count=HISTORY_ROWS) if summary["project_count"] > HISTORY_ROWS
                         else t("fs.history_title"))
        charts.show(timeline.status_history(history, heatmap_title), key="fs_history_chart",
                    description=t("ds.fs.history_desc"))
        with st.expander(t("fs.chart_data")):
            tables.show(counts.assign(light_word=counts["light"].map(light_words)), "ampeln_je_monat",
                        ["status_date", "light_word", "project_count"], queries=("light_history_counts",))
            tables.show(history.assign(light_label=history["light"].map(light_words),
                                       profile_url=profile_urls(history["applicant_id"])), "ampelverlauf",
                        ["recipient_name", "profile_url", "status_date", "light_label"],
                        queries=("project_status_history",))

    # --- results: the projects' indicators --------------------------------------------------------------------------
    st.header(t("fs.ind.heading"))
    totals = q.run("indicator_totals", **params)
    if totals.empty:
        st.info(t("fs.ind.none"))
    else:
        st.caption(t("fs.ind.intro"))
        st.markdown("\n".join(f"- {markup.text(line)}" for line in indicators.programme_lines(totals, lang)))
        progress = q.run("indicator_progress", **params)
        shown = progress.assign(
            indicator_label=progress["indicator_label_de" if lang == "de" else "indicator_label_en"],
            unit=progress["unit_de" if lang == "de" else "unit_en"],
            qualifier=progress["qualifier"].map(indicators.qualifier_labels(lang)),
            target_state_label=progress["target_state"].map(indicators.state_labels(lang)),
            profile_url=profile_urls(progress["applicant_id"]),
        )
        st.markdown(f"**{t('fs.ind.table')}**")
        tables.show(shown, "kennzahlen",
                    ["recipient_name", "profile_url", "indicator_label", "unit", "baseline_value", "target_value",
                     "target_date", "qualifier", "reported_value", "reported_date", "target_reached_pct",
                     "target_state_label", "value_source", "target_source"],
                    queries=("indicator_progress", "indicator_totals"))
