"""Bewerbungen (confidential, jury and admin): the field of applications, the jury's scores and agreement,
its strictness, and whether the selection holds up under other methods and funding rules.

One tab per question: Feld (who applied, from where, for how much and which goals), Bewertung (how the jury
scored and ranked, how strict each juror was), Übereinstimmung (where the jurors agreed and where not) and
Förderlinie (does the selection hold under other methods; what other rules would fund). The first screen answers
the first question: the funnel from received to selected, with why applications dropped out.

Every figure is summarised in SQL and bounded: charts draw at most CHART_ROWS bars or lines, tables the first
rows ranked by what matters (with "erste N von M" and the full table to download), so the page costs the same
at 42 applications and at 400,000.
"""

import re

import pandas as pd
import streamlit as st

from monitor import charts, context, downloads, fmt, jury_charts, markup, queries as q, simulator, tables
from monitor.i18n import t
from monitor.kpi import kpi

CHART_ROWS = 40      # bars or lines in a chart of applications
SPREAD_ROWS = 50     # applications in the spread heatmap (the widest spreads)
NEAR_LINE_ROWS = 40  # applications in the sensitivity heatmap (those nearest the funding line)
MAP_POINTS = 1500    # applicants drawn as points on the map
LIST_ROWS = 200      # rows of the application list drawn (all of them to download)
NAMES = 10           # names in a sentence before "und N weitere"

ctx = context.current()
lang = ctx.lang
programme = ctx.programme
params = ctx.params()
st.title(t("page.bewerbungen"))
st.caption(t("ju.caption", programme=markup.text(programme["name_de" if lang == "de" else "name_en"]),
             date=fmt.date(ctx.as_of)))
if not q.run("programme_data", programme_id=ctx.programme_id)["application_count"].iloc[0]:
    st.info(t("pg.no_applications"))
    st.caption(t("pg.no_applications_detail"))
    st.stop()
st.warning(t("ju.confidential"), icon=":material/lock:")
if ctx.is_demo:
    st.caption(":material/science: " + t("ju.demo_note"))

funnel = q.run("jury_funnel", **params)
counts = funnel.set_index("stage")["application_count"]
if counts["received"] == 0:
    st.info(t("ju.no_applications", date=fmt.date(ctx.as_of)))
    st.stop()
if ctx.as_of < pd.Timestamp(programme["decision_date"]).date():
    st.info(t("ju.before_decision", count=int(counts["received"]), date=fmt.date(programme["decision_date"])))
    st.stop()

dropouts = q.run("jury_dropouts", **params)
by_kind = q.run("jury_funnel_by_kind", **params)
by_kreis = q.run("jury_funnel_by_kreis", **params)
points = q.run("jury_applicant_points", **params, row_limit=MAP_POINTS)
applications = q.run("jury_applications", **params, row_limit=LIST_ROWS)
requested = q.run("jury_requested_distribution", **params)
goals = q.run("jury_goals", **params, lang=lang)
ranking = q.run("jury_ranking", **params)
recusals = q.run("jury_recusals", **params, row_limit=NAMES)
distribution = q.run("jury_score_distribution", **params, lang=lang)
agreement = q.run("jury_agreement", **params, lang=lang)
leniency = q.run("jury_leniency", **params)
leniency_by_criterion = q.run("jury_leniency_by_criterion", **params, lang=lang)
sensitivity = q.run("jury_sensitivity", **params, row_limit=NEAR_LINE_ROWS)


def labelled(frame, column: str, prefix: str):
    """frame with a translated `<column>_label` beside a coded column (one lookup per distinct code)."""
    labels = {v: t(f"{prefix}.{v}") for v in frame[column].dropna().unique()}
    return frame.assign(**{f"{column}_label": frame[column].map(labels).fillna("–")})


def names(values, total: int) -> str:
    """Up to NAMES names joined, "und N weitere" when total is larger, "keine" when there are none."""
    shown = [markup.text(v) for v in list(values)[:NAMES]]
    if not shown:
        return t("ju.none")
    text = ", ".join(shown)
    return text if total <= len(shown) else t("ju.and_more", names=text, count=fmt.count(total - len(shown)))


def labels(rows: int, what: str) -> dict[str, str]:
    """Texts of the buttons that download every row of a result the page shows only the first rows of."""
    return {"csv": t("ju.download_all_csv", count=fmt.count(rows), what=what),
            "parquet": t("ju.download_all_parquet", count=fmt.count(rows), what=what)}


def listing(values) -> str:
    """Names joined for a chart description: plain text (read out as written), "und N weitere" past NAMES."""
    values = [str(v) for v in values]
    if not values:
        return t("ju.none")
    text = ", ".join(values[:NAMES])
    return text if len(values) <= NAMES else t("ju.and_more", names=text, count=fmt.count(len(values) - NAMES))


def parse_amount(text: str) -> int | None:
    """A whole euro amount typed as "1.000.000", "1,000,000", "1000000" or "1.000.000 €" (the page's language
    decides "1.000"), rounded to the euro; None if the text is no amount."""
    text = re.sub(r"[\s\u00a0€]", "", str(text))
    german = (r"\d{1,3}(\.\d{3})+(,\d+)?|\d+(,\d+)?", lambda s: s.replace(".", "").replace(",", "."))
    english = (r"\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?", lambda s: s.replace(",", ""))
    for pattern, plain in (german, english) if lang == "de" else (english, german):
        if re.fullmatch(pattern, text):
            return round(float(plain(text)))
    return None


def money_input(container, label: str, key: str, default: int, maximum: int) -> int:
    """A euro amount typed and shown in the page's number format (Streamlit's number inputs print only
    "1000000"): the entry is written back grouped; an entry that is no amount keeps the default, with a note."""
    if key not in st.session_state:
        st.session_state[key] = fmt.number(default)

    def regroup():
        value = parse_amount(st.session_state[key])
        if value is not None and 0 <= value <= maximum:
            st.session_state[key] = fmt.number(value)

    container.text_input(label, key=key, on_change=regroup, help=t("ju.sim_amount_help", maximum=fmt.money(maximum)))
    value = parse_amount(st.session_state[key])
    if value is None or not 0 <= value <= maximum:
        container.error(t("ju.sim_amount_invalid", value=markup.text(st.session_state[key]), maximum=fmt.money(maximum),
                          fallback=fmt.money(default)))
        return default
    return value


tab_field, tab_scores, tab_agreement, tab_line = st.tabs(
    [t("ju.tab_field"), t("ju.tab_scores"), t("ju.tab_agreement"), t("ju.tab_line")])

# === Feld: who applied, from where, for how much, with which goals ==================================================
winners = ranking[ranking["is_selected"]]
with tab_field:
    cols = st.columns(4)
    for col, stage in zip(cols, jury_charts.STAGES):
        row = funnel.set_index("stage").loc[stage]
        note = t("ju.kpi_first") if stage == "received" else t("ju.kpi_dropped", count=int(row["dropped_count"]))
        kpi(col, t(f"ju.stage.{stage}"), fmt.count(row["application_count"]), note)

    left, right = st.columns([3, 2])
    with left:
        charts.show(jury_charts.funnel(funnel, t("ju.funnel_title"), lang), key="ju_funnel_chart",
                    description=t("ju.d.funnel", received=fmt.count(counts["received"]),
                                  eligible=fmt.count(counts["eligible"]), scored=fmt.count(counts["scored"]),
                                  selected=fmt.count(counts["selected"]),
                                  share=fmt.pct(100 * counts["selected"] / counts["received"])))
    with right:
        st.markdown(f"**{t('ju.dropouts')}**")
        dropouts = labelled(dropouts, "dropout_stage", "ju.dropped_at").assign(
            reason_label=lambda f: f["dropout_reason"].where(f["reason_kind"] != "below_line",
                                                             t("ju.reason.below_line")))
        tables.show(dropouts, "bewerbungen_ausscheiden", ["dropout_stage_label", "reason_label", "application_count"],
                    queries=("jury_dropouts",))
    st.caption(t("ju.funnel_rule"))
    with st.expander(t("app.show_table")):
        tables.show(labelled(funnel, "stage", "ju.stage"), "bewerbungen_trichter",
                    ["stage_label", "application_count", "dropped_count", "received_pct"], queries=("jury_funnel",))

    st.header(t("ju.by_kind"))
    by_kind = labelled(by_kind, "applicant_kind", "kind")
    most = by_kind.sort_values(["received_count", "applicant_kind_label"], ascending=[False, True]).iloc[0]
    charts.show(jury_charts.stage_bars(by_kind, "applicant_kind_label", t("ju.by_kind_title"), t("ju.axis_kind"),
                                       lang), key="ju_kind_chart",
                description=t("ju.d.kind", kind=most["applicant_kind_label"],
                              received=fmt.count(most["received_count"]), selected=fmt.count(most["selected_count"]),
                              none=listing(by_kind[by_kind["selected_count"] == 0]["applicant_kind_label"])))
    with st.expander(t("app.show_table")):
        tables.show(by_kind, "bewerbungen_art", ["applicant_kind_label", "received_count", "eligible_count",
                                                "scored_count", "selected_count", "selected_pct"],
                    queries=("jury_funnel_by_kind",))

    st.header(t("ju.by_kreis"))
    map_measure = st.segmented_control(
        t("ju.map_measure"), ["received_count", "scored_count", "selected_count"],
        format_func=lambda m: t(f"ju.map_measure.{m}"), default="received_count", required=True, key="ju_map_measure",
    ) or "received_count"
    top_value = by_kreis[map_measure].max() if not by_kreis.empty else 0
    charts.show(jury_charts.field_map(by_kreis, points, map_measure,
                                      t("ju.map_title", measure=t(f"ju.map_measure.{map_measure}")), lang,
                                      ctx.programme.get("land_id")),
                key="ju_map",
                description=t("ju.d.map", measure=t(f"ju.map_measure.{map_measure}"), value=fmt.count(top_value),
                              kreise=listing(sorted(by_kreis[by_kreis[map_measure] == top_value]["kreis_name"])),
                              with_count=fmt.count((by_kreis["received_count"] > 0).sum()),
                              all=fmt.count(len(by_kreis)), points=fmt.count(len(points))))
    st.caption(t("ju.map_note"))
    applicants_total = int(points["applicants_count"].iloc[0]) if not points.empty else 0
    if applicants_total > len(points):
        st.caption(t("ju.map_points_head", shown=fmt.count(len(points)), total=fmt.count(applicants_total)))
    without = by_kreis[by_kreis["received_count"] == 0]["kreis_name"].tolist()
    st.markdown(t("ju.kreis_summary", with_count=int((by_kreis["received_count"] > 0).sum()), all=len(by_kreis),
                  selected=int((by_kreis["selected_count"] > 0).sum()),
                  none=", ".join(without) if without else t("ju.none")))
    tables.show(by_kreis, "bewerbungen_kreise", ["kreis_name", "received_count", "eligible_count", "scored_count",
                                                 "selected_count", "requested_eur", "granted_eur"],
                queries=("jury_funnel_by_kreis",))
    with st.expander(t("ju.all_applications")):
        tables.show(labelled(labelled(applications, "status", "ju.status"), "applicant_kind", "kind"),
                    "bewerbungen_liste", ["application_id", "applicant_name", "applicant_kind_label", "kreis_name",
                                          "title", "received_date", "requested_eur", "status_label",
                                          "dropout_reason", "granted_eur"], queries=("jury_applications",))
        if counts["received"] > len(applications):
            st.caption(t("ju.list_head", shown=fmt.count(len(applications)), total=fmt.count(counts["received"])))
            downloads.buttons("jury_applications", dict(params, row_limit=None), "bewerbungen_liste_alle",
                              int(counts["received"]), labels(int(counts["received"]), t("ju.what_applications")), lang)

    st.header(t("ju.h_money"))
    cols = st.columns(3)
    kpi(cols[0], t("ju.kpi_requested_all"), fmt.money(by_kreis["requested_eur"].sum()),
        t("ju.kpi_requested_all_delta", count=fmt.count(counts["received"])))
    kpi(cols[1], t("ju.kpi_requested_winners"), fmt.money(by_kreis["selected_requested_eur"].sum()),
        t("ju.kpi_requested_winners_delta", count=fmt.count(counts["selected"])))
    kpi(cols[2], t("ju.kpi_granted"), fmt.money(by_kreis["granted_eur"].sum()),
        t("ju.kpi_granted_delta", budget=fmt.money(programme["budget_eur"])))
    largest = winners.nlargest(CHART_ROWS, "granted_eur")
    cut = winners.assign(cut_eur=winners["requested_eur"] - winners["granted_eur"]).sort_values(
        ["cut_eur", "rank"], ascending=[False, True])
    if not cut.empty and cut["cut_eur"].iloc[0] > 0:
        money_description = t("ju.d.money", count=fmt.count(len(winners)),
                              requested=fmt.money(winners["requested_eur"].sum()),
                              granted=fmt.money(winners["granted_eur"].sum()), name=cut["applicant_name"].iloc[0],
                              granted_one=fmt.money(cut["granted_eur"].iloc[0]),
                              requested_one=fmt.money(cut["requested_eur"].iloc[0]))
    else:
        money_description = t("ju.d.money_uncut", count=fmt.count(len(winners)),
                              requested=fmt.money(winners["requested_eur"].sum()),
                              granted=fmt.money(winners["granted_eur"].sum()))
    left, right = st.columns(2)
    with left:
        charts.show(jury_charts.requested_vs_granted(largest, t("ju.money_title"), lang), key="ju_money_chart",
                    description=money_description)
        if len(winners) > len(largest):
            st.caption(t("ju.winners_head", shown=fmt.count(len(largest)), total=fmt.count(len(winners))))
    with right:
        charts.show(jury_charts.requested_by_status(requested, t("ju.requested_title"), lang),
                    key="ju_requested_chart",
                    description=t("ju.d.requested", medians=", ".join(
                        f"{t(f'ju.status.{r.status}')} {fmt.money(r.median_requested_eur)}"
                        for r in requested.itertuples())))
    with st.expander(t("app.show_table")):
        tables.show(winners, "bewerbungen_betraege",
                    ["application_id", "applicant_name", "requested_eur", "granted_eur"], queries=("jury_ranking",))
        tables.show(labelled(requested, "status", "ju.status"), "bewerbungen_betraege_verteilung",
                    ["status_label", "application_count", "requested_eur", "min_requested_eur", "q1_requested_eur",
                     "median_requested_eur", "mean_requested_eur", "q3_requested_eur", "max_requested_eur"],
                    queries=("jury_requested_distribution",))

    st.header(t("ju.goals"))
    goal_description = None
    if not goals.empty:
        common = goals.sort_values(["applications_count", "goal_label"], ascending=[False, True]).iloc[0]
        gained = goals.assign(gain=goals["winners_pct"] - goals["applications_pct"]).sort_values(
            ["gain", "goal_label"], ascending=[False, True]).iloc[0]
        goal_description = t("ju.d.goals", goal=common["goal_label"], all=fmt.pct(common["applications_pct"]),
                             winners=fmt.pct(common["winners_pct"]), gain_goal=gained["goal_label"],
                             gain_all=fmt.pct(gained["applications_pct"]), gain_winners=fmt.pct(gained["winners_pct"]))
    charts.show(jury_charts.goal_shares(goals, t("ju.goals_title"), lang), key="ju_goals_chart",
                description=goal_description)
    with st.expander(t("app.show_table")):
        tables.show(goals, "bewerbungen_ziele", ["goal_label", "applications_count", "applications_pct",
                                                "winners_count", "winners_pct"], queries=("jury_goals",))

# === Bewertung: the ranking, the scores per criterion, strictness and normalised ranks ================================
with tab_scores:
    if ranking.empty:
        st.info(t("ju.no_scores"))
        st.stop()
    totals = recusals.iloc[0]
    listed = recusals.dropna(subset=["application_id"])
    line_count = int(ranking["line_count"].iloc[0])

    st.header(t("ju.ranking"))
    st.markdown(t("ju.ranking_rule", count=line_count))
    best = ranking.head(CHART_ROWS)
    first, last = ranking.iloc[0], ranking.iloc[min(line_count, len(ranking)) - 1]
    below = ranking.iloc[line_count] if len(ranking) > line_count else None
    charts.show(jury_charts.ranking_bars(best, t("ju.ranking_title"), lang), key="ju_ranking_chart",
                description=t("ju.d.ranking", shown=fmt.count(len(best)), total=fmt.count(len(ranking)),
                              first=first["applicant_name"],
                              first_points=fmt.number(first["total_points"], 3), line=fmt.count(line_count),
                              last=last["applicant_name"], last_points=fmt.number(last["total_points"], 3))
                + ("" if below is None else " " + t("ju.d.ranking_below", name=below["applicant_name"],
                                                     points=fmt.number(below["total_points"], 3))))
    st.caption(t("ju.ranking_note"))
    if len(ranking) > len(best):
        st.caption(t("ju.ranking_head", shown=fmt.count(len(best)), total=fmt.count(len(ranking)),
                     line=fmt.count(line_count)))
    tables.show(ranking, "bewerbungen_rangfolge",
                ["rank", "application_id", "applicant_name", "kreis_name", "total_points", "is_selected",
                 "recused_jurors", "median_rank", "normalised_total", "normalised_rank"], queries=("jury_ranking",),
                decimals={"total_points": 3, "normalised_total": 3})
    with st.expander(t("ju.all_scores")):
        st.markdown(t("ju.scores_summary", count=fmt.count(totals["scores_count"])))
        downloads.buttons("jury_scores", dict(params, lang=lang), "bewerbungen_einzelbewertungen",
                          int(totals["scores_count"]), labels(int(totals["scores_count"]), t("ju.what_scores")), lang)

    st.header(t("ju.h_scores"))
    st.markdown(t("ju.recusal_rule", count=fmt.count(totals["recusals_count"]),
                  cells=fmt.count(totals["recused_cells_count"]),
                  list=names([f"{r.juror_name} ({r.application_id} {r.applicant_name})" for r in listed.itertuples()],
                             int(totals["recusals_count"]))))
    medians = distribution.pivot_table(index="criterion_label", columns="is_selected", values="median_points")
    boxes_description = None
    if {True, False} <= set(medians.columns):
        gaps = (medians[True] - medians[False]).sort_values(ascending=False, kind="stable")
        widest = gaps.index[0]
        boxes_description = t("ju.d.boxes", sel_low=fmt.number(medians[True].min(), 1),
                              sel_high=fmt.number(medians[True].max(), 1),
                              other_low=fmt.number(medians[False].min(), 1),
                              other_high=fmt.number(medians[False].max(), 1), criterion=widest,
                              sel=fmt.number(medians.loc[widest, True], 1),
                              other=fmt.number(medians.loc[widest, False], 1))
    charts.show(jury_charts.criterion_boxes(distribution, t("ju.boxes_title"), lang), key="ju_boxes_chart",
                description=boxes_description)
    st.caption(t("ju.boxes_note"))
    with st.expander(t("app.show_table")):
        tables.show(distribution.assign(series=lambda f: f["is_selected"].map(
                        {True: t("ju.series.selected_true"), False: t("ju.series.selected_false")})),
                    "bewerbungen_punkteverteilung",
                    ["criterion_label", "series", "scores_count", "mean_points", "lower_whisker_points", "q1_points",
                     "median_points", "q3_points", "upper_whisker_points", "outliers_count"],
                    queries=("jury_score_distribution",))

    st.header(t("ju.h_leniency"))
    strict, mild = leniency.iloc[0], leniency.iloc[-1]
    st.markdown(t("ju.leniency_reading", strict=markup.text(strict["juror_name"]),
                  strict_offset=jury_charts.signed(strict["offset_points"]), mild=markup.text(mild["juror_name"]),
                  mild_offset=jury_charts.signed(mild["offset_points"])))
    charts.show(jury_charts.leniency_bars(leniency, t("ju.leniency_title"), lang), key="ju_leniency_chart",
                description=t("ju.d.leniency", strict=strict["juror_name"],
                              strict_offset=jury_charts.signed(strict["offset_points"], 2),
                              mild=mild["juror_name"], mild_offset=jury_charts.signed(mild["offset_points"], 2)))
    strongest = leniency_by_criterion.loc[leniency_by_criterion["offset_points"].abs().idxmax()] \
        if not leniency_by_criterion.empty else None
    charts.show(jury_charts.leniency_heatmap(leniency_by_criterion, t("ju.leniency_heatmap_title"), lang),
                key="ju_leniency_heatmap",
                description=None if strongest is None else t(
                    "ju.d.leniency_heatmap", juror=strongest["juror_name"], criterion=strongest["criterion_label"],
                    offset=jury_charts.signed(strongest["offset_points"], 2)))
    st.caption(t("ju.leniency_note"))
    with st.expander(t("app.show_table")):
        tables.show(leniency, "bewerbungen_strenge",
                    ["juror_name", "institution", "scores_count", "recused_count", "mean_points", "sd_points",
                     "offset_points"], queries=("jury_leniency",),
                    decimals={"offset_points": 2, "mean_points": 2, "sd_points": 2})
        tables.show(leniency_by_criterion, "bewerbungen_strenge_kriterien",
                    ["juror_name", "criterion_label", "scores_count", "offset_points"],
                    queries=("jury_leniency_by_criterion",), decimals={"offset_points": 2})

    st.header(t("ju.normalised"))
    st.markdown(t("ju.normalised_rule"))
    # the ranks around the funding line, where a change of method matters
    start = max(0, min(line_count - CHART_ROWS // 2, len(ranking) - CHART_ROWS))
    around_line = ranking.iloc[start:start + CHART_ROWS]
    moved = int((around_line["rank"] != around_line["normalised_rank"]).sum())
    crossed = int(((around_line["rank"] <= line_count) != (around_line["normalised_rank"] <= line_count)).sum())
    charts.show(jury_charts.rank_slope(around_line, t("ju.slope_title"), lang), key="ju_slope_chart",
                description=t("ju.d.slope" if crossed else "ju.d.slope_none",
                              first=fmt.count(around_line["rank"].min()), last=fmt.count(around_line["rank"].max()),
                              moved=fmt.count(moved), crossed=fmt.count(crossed)))
    if len(ranking) > len(around_line):
        st.caption(t("ju.slope_head", first=fmt.count(around_line["rank"].min()),
                     last=fmt.count(around_line["rank"].max()), total=fmt.count(len(ranking))))
    st.caption(t("ju.slope_table"))

# === Übereinstimmung: where the jurors agreed and where not ===========================================================
with tab_agreement:
    thresholds = [step / 2 for step in range(2, 21)]   # 1,0 … 10,0 points in half points
    threshold = st.select_slider(t("ju.threshold"), thresholds, value=4.0, format_func=lambda v: fmt.number(v, 1),
                                 key="ju_threshold", help=t("ju.threshold_help"))
    spread = q.run("jury_spread", **params, lang=lang, discordant_points=threshold, row_limit=SPREAD_ROWS)
    # a criterion without a complete applications × jurors table has no coefficient
    agreement = agreement.dropna(subset=["icc"])
    if agreement.empty:
        st.info(t("ju.icc_none"))
    for row in agreement.itertuples():
        st.markdown(t(f"ju.icc_reading.{row.icc_band}", criterion=markup.text(row.criterion_label),
                      icc=fmt.number(row.icc, 2)))
    if not agreement.empty:
        by_icc = agreement.sort_values(["icc", "criterion_order"] if "criterion_order" in agreement else ["icc"],
                                       ascending=False, kind="stable")
        high, low = by_icc.iloc[0], by_icc.iloc[-1]
        charts.show(jury_charts.icc_bars(agreement, t("ju.icc_title"), lang), key="ju_icc_chart",
                    description=t("ju.d.icc", high=high["criterion_label"], high_icc=fmt.number(high["icc"], 2),
                                  low=low["criterion_label"], low_icc=fmt.number(low["icc"], 2),
                                  band=t(f"ju.band.{low['icc_band']}")))
        st.caption(t("ju.icc_method", excluded=fmt.count(totals["recused_applications_count"]),
                     n=fmt.count(agreement["complete_applications_count"].max()),
                     k=int(agreement["jurors_count"].max())))
        with st.expander(t("app.show_table")):
            tables.show(labelled(agreement, "icc_band", "ju.band"), "bewerbungen_icc",
                        ["criterion_label", "icc", "icc_band_label", "complete_applications_count", "jurors_count",
                         "ms_rows", "ms_columns", "ms_error"], queries=("jury_agreement",),
                        decimals={"icc": 3, "ms_rows": 3, "ms_columns": 3, "ms_error": 3})

    st.header(t("ju.discordant", threshold=fmt.number(threshold, 1)))
    discordant = spread[spread["is_discordant"]]
    discordant_total = int(spread["discordant_cells_count"].iloc[0]) if not spread.empty else 0
    if discordant_total == 0:
        st.success(t("ju.discordant_none", threshold=fmt.number(threshold, 1)))
    else:
        for row in discordant.head(NAMES).itertuples():
            st.markdown(t("ju.discordant_item", app=row.application_id, name=markup.text(row.applicant_name),
                          criterion=markup.text(row.criterion_label), low=fmt.number(row.min_points, 1),
                          high=fmt.number(row.max_points, 1), juror=markup.text(row.outlier_juror_name),
                          offset=jury_charts.signed(row.outlier_offset_points)))
        if discordant_total > min(len(discordant), NAMES):
            st.caption(t("ju.discordant_more", count=fmt.count(discordant_total - min(len(discordant), NAMES)),
                         applications=fmt.count(spread["discordant_applications_count"].iloc[0])))
    shown_applications = spread["application_id"].nunique()
    spread_description = None
    if not spread.empty:
        widest = spread.sort_values(["spread_points", "application_id", "criterion_order"],
                                    ascending=[False, True, True]).iloc[0]
        spread_description = t("ju.d.spread" if discordant_total else "ju.d.spread_none",
                               shown=fmt.count(shown_applications),
                               total=fmt.count(spread["applications_count"].iloc[0]),
                               count=fmt.count(discordant_total),
                               threshold=fmt.number(threshold, 1), app=widest["application_id"],
                               name=widest["applicant_name"], criterion=widest["criterion_label"],
                               spread=fmt.number(widest["spread_points"], 1))
    charts.show(jury_charts.spread_heatmap(spread, threshold, t("ju.spread_title"), lang), key="ju_spread_chart",
                description=spread_description)
    if not spread.empty and spread["applications_count"].iloc[0] > shown_applications:
        st.caption(t("ju.spread_head", shown=fmt.count(shown_applications),
                     total=fmt.count(spread["applications_count"].iloc[0])))
    with st.expander(t("app.show_table")):
        tables.show(spread, "bewerbungen_streuung",
                    ["application_id", "applicant_name", "criterion_label", "rater_count", "recused_count",
                     "mean_points", "min_points", "max_points", "spread_points", "sd_points", "is_discordant",
                     "outlier_juror_name", "outlier_offset_points"], queries=("jury_spread",),
                    decimals={"mean_points": 2, "sd_points": 2, "outlier_offset_points": 2})

# === Förderlinie: does the selection hold, and what would other rules fund ============================================
with tab_line:
    st.header(t("ju.h_sensitivity"))
    sensitivity = sensitivity.assign(variant_label=[
        t("ju.variant.without", juror=name) if variant == "without" else t(f"ju.variant.{variant}")
        for variant, name in zip(sensitivity["variant"], sensitivity["left_out_juror_name"])
    ])
    variants = sensitivity.drop_duplicates("variant_label")
    changing = []
    for row in variants.iloc[1:].itertuples():
        moved = sensitivity[(sensitivity["variant_label"] == row.variant_label) & sensitivity["crosses_line"]]
        if row.moved_up_count + row.moved_down_count == 0:
            st.markdown(t("ju.sensitivity_same", variant=markup.text(row.variant_label)))
        else:
            changing.append(row.variant_label)
            st.markdown(t("ju.sensitivity_changed", variant=markup.text(row.variant_label),
                          up=names(moved[~moved["is_selected"]]["applicant_name"], int(row.moved_up_count)),
                          down=names(moved[moved["is_selected"]]["applicant_name"], int(row.moved_down_count))))
    near_line = sensitivity.assign(
        application_label=lambda f: f["application_id"] + " " + f["applicant_name"].map(jury_charts.short))
    charts.show(jury_charts.sensitivity_heatmap(near_line, variants["variant_label"].tolist(),
                                                t("ju.sensitivity_title", count=line_count), lang),
                key="ju_sensitivity_chart",
                description=t("ju.d.sensitivity" if changing else "ju.d.sensitivity_none",
                              count=fmt.count(near_line["application_id"].nunique()),
                              variants=fmt.count(len(variants) - 1), changed=listing(changing)))
    st.caption(t("ju.sensitivity_note", count=line_count))
    with st.expander(t("app.show_table")):
        tables.show(sensitivity, "bewerbungen_robustheit",
                    ["variant_label", "application_id", "applicant_name", "total", "rank", "is_above_line",
                     "crosses_line"], queries=("jury_sensitivity",), decimals={"total": 3})

    st.header(t("ju.h_simulator"))
    st.markdown(t("ju.sim_rule"))
    kreis_names = dict(zip(by_kreis["kreis_id"], by_kreis["kreis_name"]))
    cols = st.columns(3)
    budget = money_input(cols[0], t("ju.sim_budget"), "ju_sim_budget", int(programme["budget_eur"]),
                         max(100_000_000, 10 * int(programme["budget_eur"])))
    cap = money_input(cols[1], t("ju.sim_cap"), "ju_sim_cap", int(programme["max_grant_eur"] or 100_000), 10_000_000)
    max_per_kreis = cols[2].selectbox(t("ju.sim_max_per_kreis"), [0, 1, 2, 3],
                                      format_func=lambda n: t("ju.sim_no_limit") if n == 0 else str(n),
                                      key="ju_sim_max_per_kreis")
    cols = st.columns(3)
    min_kinds = cols[0].multiselect(t("ju.sim_min_kinds"), sorted(by_kind["applicant_kind"]),
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
    # masks and the names they pick, not copies of the 400,000-row frame
    entering = (sim["is_funded"] & ~sim["is_selected"]).to_numpy()
    leaving = (~sim["is_funded"] & sim["is_selected"]).to_numpy()
    entering_count, leaving_count = int(entering.sum()), int(leaving.sum())
    cols = st.columns(3)
    kpi(cols[0], t("ju.sim_funded"), fmt.count(int(sim["is_funded"].sum())),
        t("ju.sim_funded_delta", actual=fmt.count(len(winners))))
    kpi(cols[1], t("ju.sim_spent"), fmt.money(result.spent_eur),
        t("ju.sim_spent_delta", left=fmt.money(result.remaining_eur), actual=fmt.money(winners["granted_eur"].sum())))
    kpi(cols[2], t("ju.sim_changes"), fmt.count(entering_count + leaving_count),
        t("ju.sim_changes_delta", up=fmt.count(entering_count), down=fmt.count(leaving_count)))
    if entering_count or leaving_count:
        st.markdown(t("ju.sim_changed", up=names(sim["applicant_name"].to_numpy()[entering][:NAMES], entering_count),
                      down=names(sim["applicant_name"].to_numpy()[leaving][:NAMES], leaving_count)))
    else:
        st.success(t("ju.sim_same"))
    if result.unmet_kinds or result.unmet_kreise:
        st.warning(t("ju.sim_unmet",
                     names=", ".join([t(f"kind.{k}") for k in result.unmet_kinds]
                                     + [markup.text(kreis_names.get(k, k)) for k in result.unmet_kreise])))
    relevant = (sim["is_funded"] | sim["is_selected"]).to_numpy().nonzero()[0]
    charts.show(jury_charts.simulator_bars(sim.iloc[relevant[:CHART_ROWS]],
                                           t("ju.sim_title", budget=fmt.money(budget), cap=fmt.money(cap)), lang),
                key="ju_sim_chart",
                description=t("ju.d.sim", budget=fmt.money(budget), cap=fmt.money(cap),
                              funded=fmt.count(int(sim["is_funded"].sum())), actual=fmt.count(len(winners)),
                              up=fmt.count(entering_count), down=fmt.count(leaving_count)))
    if len(relevant) > CHART_ROWS:
        st.caption(t("ju.sim_head", shown=fmt.count(CHART_ROWS), total=fmt.count(len(relevant))))
    outcome_labels = {o: t(f"ju.outcome.{o}") for o in simulator.OUTCOMES}
    shown_sim = labelled(sim, "applicant_kind", "kind").assign(
        outcome_label=sim["outcome"].cat.rename_categories(outcome_labels), simulated_eur=sim["amount_eur"])
    tables.show(shown_sim, "bewerbungen_simulation",
                ["rank", "application_id", "applicant_name", "applicant_kind_label", "kreis_name", "requested_eur",
                 "simulated_eur", "outcome_label", "is_selected", "granted_eur"], queries=("jury_ranking",))
