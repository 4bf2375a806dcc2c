"""Bewerbungen (confidential, jury and admin): the field of applications, the jury's scores and agreement,
its strictness, and whether the selection holds up under other methods and funding rules."""

import pandas as pd
import streamlit as st

from monitor import context, fmt, jury_charts, queries as q, simulator, tables
from monitor.kpi import kpi
from monitor.i18n import t

ctx = context.current()
lang = ctx.lang
programme = ctx.programme
params = ctx.params()
st.title(t("page.bewerbungen"))
st.caption(t("ju.caption", programme=programme["name_de" if lang == "de" else "name_en"], date=fmt.date(ctx.as_of)))
st.warning(t("ju.confidential"), icon=":material/lock:")
if ctx.is_demo:
    st.caption(":material/science: " + t("ju.demo_note"))

applications = q.run("jury_applications", **params)
if applications.empty:
    st.info(t("ju.no_applications", date=fmt.date(ctx.as_of)))
    st.stop()
if ctx.as_of < pd.Timestamp(programme["decision_date"]).date():
    st.info(t("ju.before_decision", count=len(applications), date=fmt.date(programme["decision_date"])))
    st.stop()

funnel = q.run("jury_funnel", **params)
dropouts = q.run("jury_dropouts", **params)
by_kind = q.run("jury_funnel_by_kind", **params)
by_kreis = q.run("jury_funnel_by_kreis", **params)
goals = q.run("jury_goals", **params, lang=lang)
scores = q.run("jury_scores", **params, lang=lang)
ranking = q.run("jury_ranking", **params)
agreement = q.run("jury_agreement", **params, lang=lang)
leniency = q.run("jury_leniency", **params)
leniency_by_criterion = q.run("jury_leniency_by_criterion", **params, lang=lang)
sensitivity = q.run("jury_sensitivity", **params)


def labelled(frame, column: str, prefix: str):
    """frame with a translated `<column>_label` beside a coded column."""
    return frame.assign(**{f"{column}_label": [t(f"{prefix}.{v}") if isinstance(v, str) else "–" for v in frame[column]]})


def rounded(frame, columns: list[str], decimals: int):
    """frame with the given columns as text to `decimals` places (the table formats other floats to one)."""
    return frame.assign(**{c: [fmt.number(v, decimals) for v in frame[c]] for c in columns})


def yes_no(frame, column: str):
    """frame with a boolean column as ja/nein."""
    return frame.assign(**{column: [t(f"ju.bool.{bool(v)}") for v in frame[column]]})


# --- 1 · the field: funnel, kinds, Kreise -----------------------------------------------------------
st.header(t("ju.h_field"))
counts = funnel.set_index("stage")["application_count"]
cols = st.columns(4)
for col, stage in zip(cols, jury_charts.STAGES):
    row = funnel.set_index("stage").loc[stage]
    note = t("ju.kpi_first") if stage == "received" else t("ju.kpi_dropped", count=int(row["dropped_count"]))
    kpi(col, t(f"ju.stage.{stage}"), fmt.count(row["application_count"]), note)

left, right = st.columns([3, 2])
with left:
    st.plotly_chart(jury_charts.funnel(funnel, t("ju.funnel_title"), lang), key="ju_funnel_chart")
with right:
    st.markdown(f"**{t('ju.dropouts')}**")
    dropouts = labelled(dropouts, "dropout_stage", "ju.dropped_at")
    dropouts["reason_label"] = [
        t("ju.reason.below_line") if kind == "below_line" else reason
        for kind, reason in zip(dropouts["reason_kind"], dropouts["dropout_reason"])
    ]
    tables.show(dropouts, "bewerbungen_ausscheiden", ["dropout_stage_label", "reason_label", "application_count"],
                queries=("jury_dropouts",))
st.caption(t("ju.funnel_rule"))
with st.expander(t("app.show_table")):
    tables.show(labelled(funnel, "stage", "ju.stage"), "bewerbungen_trichter",
                ["stage_label", "application_count", "dropped_count", "received_pct"], queries=("jury_funnel",))

st.subheader(t("ju.by_kind"))
by_kind = labelled(by_kind, "applicant_kind", "kind")
st.plotly_chart(jury_charts.stage_bars(by_kind, "applicant_kind_label", t("ju.by_kind_title"), t("ju.axis_kind"), lang),
                key="ju_kind_chart")
with st.expander(t("app.show_table")):
    tables.show(by_kind, "bewerbungen_art", ["applicant_kind_label", "received_count", "eligible_count", "scored_count",
                                            "selected_count", "selected_pct"], queries=("jury_funnel_by_kind",))

st.subheader(t("ju.by_kreis"))
map_measure = st.segmented_control(
    t("ju.map_measure"), ["received_count", "scored_count", "selected_count"],
    format_func=lambda m: t(f"ju.map_measure.{m}"), default="received_count", required=True, key="ju_map_measure",
) or "received_count"
st.plotly_chart(jury_charts.field_map(by_kreis, applications, map_measure,
                                      t("ju.map_title", measure=t(f"ju.map_measure.{map_measure}")), lang),
                key="ju_map")
st.caption(t("ju.map_note"))
without = by_kreis[by_kreis["received_count"] == 0]["kreis_name"].tolist()
st.markdown(t("ju.kreis_summary", with_count=int((by_kreis["received_count"] > 0).sum()), all=len(by_kreis),
              selected=int((by_kreis["selected_count"] > 0).sum()),
              none=", ".join(without) if without else t("ju.none")))
tables.show(by_kreis, "bewerbungen_kreise", ["kreis_name", "received_count", "eligible_count", "scored_count",
                                             "selected_count", "requested_eur", "granted_eur"],
            queries=("jury_funnel_by_kreis",))
with st.expander(t("ju.all_applications")):
    tables.show(labelled(labelled(applications, "status", "ju.status"), "applicant_kind", "kind"),
                "bewerbungen_liste", ["application_id", "applicant_name", "applicant_kind_label", "kreis_name", "title",
                                      "received_date", "requested_eur", "status_label", "dropout_reason", "granted_eur"],
                queries=("jury_applications",))

# --- 2 · money and goals ------------------------------------------------------------------------------
st.header(t("ju.h_money"))
winners = applications[applications["is_selected"]]
cols = st.columns(3)
kpi(cols[0], t("ju.kpi_requested_all"), fmt.money(applications["requested_eur"].sum()),
    t("ju.kpi_requested_all_delta", count=len(applications)))
kpi(cols[1], t("ju.kpi_requested_winners"), fmt.money(winners["requested_eur"].sum()),
    t("ju.kpi_requested_winners_delta", count=len(winners)))
kpi(cols[2], t("ju.kpi_granted"), fmt.money(winners["granted_eur"].sum()),
    t("ju.kpi_granted_delta", budget=fmt.money(programme["budget_eur"])))
left, right = st.columns(2)
with left:
    st.plotly_chart(jury_charts.requested_vs_granted(winners, t("ju.money_title"), lang), key="ju_money_chart")
with right:
    st.plotly_chart(jury_charts.requested_by_status(applications, t("ju.requested_title"), lang),
                    key="ju_requested_chart")
with st.expander(t("app.show_table")):
    tables.show(winners, "bewerbungen_betraege", ["application_id", "applicant_name", "requested_eur", "granted_eur"],
                queries=("jury_applications",))

st.subheader(t("ju.goals"))
st.plotly_chart(jury_charts.goal_shares(goals, t("ju.goals_title"), lang), key="ju_goals_chart")
with st.expander(t("app.show_table")):
    tables.show(goals, "bewerbungen_ziele", ["goal_label", "applications_count", "applications_pct", "winners_count",
                                            "winners_pct"], queries=("jury_goals",))

# --- 3 · scores and ranking ---------------------------------------------------------------------------
st.header(t("ju.h_scores"))
if ranking.empty:
    st.info(t("ju.no_scores"))
    st.stop()
recused = scores[scores["is_recused"]].drop_duplicates(["application_id", "juror_id"])
st.markdown(t("ju.recusal_rule", count=len(recused), cells=int(scores["is_recused"].sum()),
              list=", ".join(f"{r.juror_name} ({r.application_id} {r.applicant_name})" for r in recused.itertuples())
              or t("ju.none")))
st.plotly_chart(jury_charts.criterion_boxes(scores, t("ju.boxes_title"), lang), key="ju_boxes_chart")
st.caption(t("ju.boxes_note"))

st.subheader(t("ju.ranking"))
st.markdown(t("ju.ranking_rule", count=int(ranking["line_count"].iloc[0])))
st.plotly_chart(jury_charts.ranking_bars(ranking, t("ju.ranking_title"), lang), key="ju_ranking_chart")
st.caption(t("ju.ranking_note"))
shown_ranking = rounded(yes_no(ranking, "is_selected"), ["total_points", "median_total_points", "normalised_total"], 3)
shown_ranking["recused_jurors"] = shown_ranking["recused_jurors"].fillna("")
tables.show(shown_ranking, "bewerbungen_rangfolge",
            ["rank", "application_id", "applicant_name", "kreis_name", "total_points", "is_selected", "recused_jurors",
             "median_rank", "normalised_rank"], queries=("jury_ranking",))
with st.expander(t("ju.all_scores")):
    all_scores = scores.assign(points_label=[t("ju.recused") if r else fmt.number(p, 1)
                                             for p, r in zip(scores["points"], scores["is_recused"])])
    tables.show(all_scores, "bewerbungen_einzelbewertungen",
                ["application_id", "applicant_name", "criterion_label", "juror_name", "points_label"],
                queries=("jury_scores",), height=400)

# --- 4 · agreement ------------------------------------------------------------------------------------
st.header(t("ju.h_agreement"))
threshold = st.number_input(t("ju.threshold"), min_value=1.0, max_value=10.0, value=4.0, step=0.5, format="%.1f",
                            key="ju_threshold", help=t("ju.threshold_help"))
spread = q.run("jury_spread", **params, lang=lang, discordant_points=threshold)
# a criterion without a complete applications × jurors table has no coefficient
agreement = agreement.dropna(subset=["icc"])
discordant = spread[spread["is_discordant"]]
excluded = int(recused["application_id"].nunique())
if agreement.empty:
    st.info(t("ju.icc_none"))
for row in agreement.itertuples():
    st.markdown(t(f"ju.icc_reading.{row.icc_band}", criterion=row.criterion_label, icc=fmt.number(row.icc, 2)))
if not agreement.empty:
    st.plotly_chart(jury_charts.icc_bars(agreement, t("ju.icc_title"), lang), key="ju_icc_chart")
    st.caption(t("ju.icc_method", excluded=excluded, n=int(agreement["complete_applications_count"].max()),
                 k=int(agreement["jurors_count"].max())))
    with st.expander(t("app.show_table")):
        tables.show(rounded(labelled(agreement, "icc_band", "ju.band"), ["icc", "ms_rows", "ms_columns", "ms_error"], 3),
                    "bewerbungen_icc", ["criterion_label", "icc", "icc_band_label", "complete_applications_count",
                                        "jurors_count", "ms_rows", "ms_columns", "ms_error"], queries=("jury_agreement",))

st.subheader(t("ju.discordant", threshold=fmt.number(threshold, 1)))
if discordant.empty:
    st.success(t("ju.discordant_none", threshold=fmt.number(threshold, 1)))
else:
    for row in discordant.itertuples():
        st.markdown(t("ju.discordant_item", app=row.application_id, name=row.applicant_name,
                      criterion=row.criterion_label, low=fmt.number(row.min_points, 1),
                      high=fmt.number(row.max_points, 1), juror=row.outlier_juror_name,
                      offset=jury_charts.signed(row.outlier_offset_points)))
st.plotly_chart(jury_charts.spread_heatmap(spread, threshold, t("ju.spread_title"), lang), key="ju_spread_chart")
with st.expander(t("app.show_table")):
    tables.show(rounded(yes_no(spread, "is_discordant"), ["mean_points", "sd_points", "outlier_offset_points"], 2),
                "bewerbungen_streuung",
                ["application_id", "applicant_name", "criterion_label", "rater_count", "recused_count", "mean_points",
                 "min_points", "max_points", "spread_points", "sd_points", "is_discordant", "outlier_juror_name",
                 "outlier_offset_points"], queries=("jury_spread",))

# --- 5 · leniency -------------------------------------------------------------------------------------
st.header(t("ju.h_leniency"))
strict, mild = leniency.iloc[0], leniency.iloc[-1]
st.markdown(t("ju.leniency_reading", strict=strict["juror_name"], strict_offset=jury_charts.signed(strict["offset_points"]),
              mild=mild["juror_name"], mild_offset=jury_charts.signed(mild["offset_points"])))
st.plotly_chart(jury_charts.leniency_bars(leniency, t("ju.leniency_title"), lang), key="ju_leniency_chart")
st.plotly_chart(jury_charts.leniency_heatmap(leniency_by_criterion, t("ju.leniency_heatmap_title"), lang),
                key="ju_leniency_heatmap")
st.caption(t("ju.leniency_note"))
with st.expander(t("app.show_table")):
    tables.show(rounded(leniency, ["offset_points", "mean_points", "sd_points"], 2), "bewerbungen_strenge",
                ["juror_name", "institution", "scores_count", "recused_count", "mean_points", "sd_points",
                 "offset_points"], queries=("jury_leniency",))
    tables.show(rounded(leniency_by_criterion, ["offset_points"], 2), "bewerbungen_strenge_kriterien",
                ["juror_name", "criterion_label", "scores_count", "offset_points"],
                queries=("jury_leniency_by_criterion",))

st.subheader(t("ju.normalised"))
st.markdown(t("ju.normalised_rule"))
st.plotly_chart(jury_charts.rank_slope(ranking, t("ju.slope_title"), lang), key="ju_slope_chart")
with st.expander(t("app.show_table")):
    tables.show(rounded(ranking, ["total_points", "normalised_total"], 3), "bewerbungen_normalisiert",
                ["application_id", "applicant_name", "total_points", "rank", "normalised_total", "normalised_rank"],
                queries=("jury_ranking",))

# --- 6 · sensitivity ----------------------------------------------------------------------------------
st.header(t("ju.h_sensitivity"))
line_count = int(ranking["line_count"].iloc[0])
sensitivity["variant_label"] = [
    t("ju.variant.without", juror=name) if variant == "without" else t(f"ju.variant.{variant}")
    for variant, name in zip(sensitivity["variant"], sensitivity["left_out_juror_name"])
]
variant_labels = list(dict.fromkeys(sensitivity["variant_label"]))
for label in variant_labels[1:]:
    moved = sensitivity[(sensitivity["variant_label"] == label) & sensitivity["crosses_line"]]
    if moved.empty:
        st.markdown(t("ju.sensitivity_same", variant=label))
    else:
        st.markdown(t("ju.sensitivity_changed", variant=label,
                      up=", ".join(moved[~moved["is_selected"]]["applicant_name"]) or t("ju.none"),
                      down=", ".join(moved[moved["is_selected"]]["applicant_name"]) or t("ju.none")))
base_rank = ranking.set_index("application_id")["rank"]
best_rank = sensitivity.groupby("application_id")["rank"].min()
near_line = sensitivity[sensitivity["application_id"].isin(best_rank[best_rank <= line_count + 3].index)].assign(
    application_label=lambda f: f["application_id"] + " " + f["applicant_name"].map(jury_charts.short),
    base_rank=lambda f: f["application_id"].map(base_rank),
)
st.plotly_chart(jury_charts.sensitivity_heatmap(near_line, variant_labels, t("ju.sensitivity_title", count=line_count),
                                                lang), key="ju_sensitivity_chart")
st.caption(t("ju.sensitivity_note", count=line_count))
with st.expander(t("app.show_table")):
    tables.show(rounded(yes_no(yes_no(sensitivity, "is_above_line"), "crosses_line"), ["total"], 3),
                "bewerbungen_robustheit", ["variant_label", "application_id", "applicant_name", "total", "rank",
                                           "is_above_line", "crosses_line"], queries=("jury_sensitivity",))

# --- 7 · funding-line simulator -----------------------------------------------------------------------
st.header(t("ju.h_simulator"))
st.markdown(t("ju.sim_rule"))
kreis_names = dict(zip(ranking["kreis_id"], ranking["kreis_name"]))
cols = st.columns(3)
budget = cols[0].number_input(t("ju.sim_budget"), min_value=0, max_value=100_000_000,
                              value=int(programme["budget_eur"]), step=50_000, key="ju_sim_budget")
cap = cols[1].number_input(t("ju.sim_cap"), min_value=0, max_value=10_000_000,
                           value=int(programme["max_grant_eur"] or 100_000), step=5_000, key="ju_sim_cap")
max_per_kreis = cols[2].selectbox(t("ju.sim_max_per_kreis"), [0, 1, 2, 3],
                                  format_func=lambda n: t("ju.sim_no_limit") if n == 0 else str(n),
                                  key="ju_sim_max_per_kreis")
cols = st.columns(3)
min_kinds = cols[0].multiselect(t("ju.sim_min_kinds"), sorted(ranking["applicant_kind"].unique()),
                                format_func=lambda k: t(f"kind.{k}"), key="ju_sim_min_kinds",
                                placeholder=t("ju.sim_choose"))
min_kreise = cols[1].multiselect(t("ju.sim_min_kreise"), sorted(kreis_names, key=kreis_names.get),
                                 format_func=kreis_names.get, key="ju_sim_min_kreise",
                                 placeholder=t("ju.sim_choose"))
when_short = cols[2].radio(t("ju.sim_when_short"), list(simulator.WHEN_SHORT),
                           format_func=lambda w: t(f"ju.sim_when_short.{w}"), key="ju_sim_when_short")
result = simulator.simulate(ranking, simulator.Rules(
    budget_eur=budget, cap_eur=cap, max_per_kreis=max_per_kreis or None, min_kinds=tuple(min_kinds),
    min_kreise=tuple(min_kreise), when_short=when_short,
))
sim = result.frame
entering = sim[sim["is_funded"] & ~sim["is_selected"]]["applicant_name"].tolist()
leaving = sim[~sim["is_funded"] & sim["is_selected"]]["applicant_name"].tolist()
cols = st.columns(3)
kpi(cols[0], t("ju.sim_funded"), fmt.count(int(sim["is_funded"].sum())),
    t("ju.sim_funded_delta", actual=int(sim["is_selected"].sum())))
kpi(cols[1], t("ju.sim_spent"), fmt.money(result.spent_eur),
    t("ju.sim_spent_delta", left=fmt.money(result.remaining_eur), actual=fmt.money(sim["granted_eur"].sum())))
kpi(cols[2], t("ju.sim_changes"), fmt.count(len(entering) + len(leaving)),
    t("ju.sim_changes_delta", up=len(entering), down=len(leaving)))
if entering or leaving:
    st.markdown(t("ju.sim_changed", up=", ".join(entering) or t("ju.none"), down=", ".join(leaving) or t("ju.none")))
else:
    st.success(t("ju.sim_same"))
if result.unmet_kinds or result.unmet_kreise:
    st.warning(t("ju.sim_unmet", names=", ".join([t(f"kind.{k}") for k in result.unmet_kinds]
                                                  + [kreis_names.get(k, k) for k in result.unmet_kreise])))
relevant = sim[sim["is_funded"] | sim["is_selected"]]
st.plotly_chart(jury_charts.simulator_bars(relevant, t("ju.sim_title", budget=fmt.money(budget), cap=fmt.money(cap)),
                                           lang), key="ju_sim_chart")
shown_sim = labelled(labelled(yes_no(sim, "is_selected"), "outcome", "ju.outcome"), "applicant_kind", "kind")
tables.show(shown_sim.rename(columns={"amount_eur": "simulated_eur"}), "bewerbungen_simulation",
            ["rank", "application_id", "applicant_name", "applicant_kind_label", "kreis_name", "requested_eur",
             "simulated_eur", "outcome_label", "is_selected", "granted_eur"], queries=("jury_ranking",))
