"""Zielabdeckung: which goals does the granted money serve, and which goals do few or no projects serve?"""

import streamlit as st

from monitor import amounts, charts, context, coverage, fmt, markup, profile, queries as q, tables
from monitor.i18n import t

ctx = context.current()
lang = ctx.lang
programme = ctx.programme
st.title(t("page.ziele"))
st.caption(amounts.text("zi.caption", programme,
                        programme=markup.text(programme["name_de" if lang == "de" else "name_en"]),
                        date=fmt.date(ctx.as_of)))

# unfiltered first: it offers the filter options and the totals the filtered view is compared with
base = dict(ctx.params(), lang=lang)
everything = q.run("goal_coverage", **base, kinds=[], kreise=[])
if not q.run("programme_data", programme_id=ctx.programme_id)["goal_count"].iloc[0]:
    st.info(t("pg.no_goals"))
    st.stop()
if everything.empty:
    first = q.run("first_decision", **ctx.params()).iloc[0]
    st.info(t("app.no_projects_yet", date=fmt.date(first["first_decision_date"])))
    st.stop()

kind_options = sorted(everything["recipient_kind"].unique().tolist())
kreis_names = dict(everything.drop_duplicates("kreis_id").sort_values("kreis_name")[["kreis_id", "kreis_name"]]
                   .to_numpy())
left, middle, right = st.columns(3)
# an empty selection means "all": the queries keep every recipient when the list is empty
kinds = left.multiselect(t("zi.filter_kind"), kind_options, format_func=lambda k: t(f"kind.{k}"), key="zi_kinds",
                         placeholder=t("zi.filter_all"), help=t("zi.filter_help"))
kreise = middle.multiselect(t("zi.filter_kreis"), list(kreis_names), format_func=kreis_names.get, key="zi_kreise",
                            placeholder=t("zi.filter_all"), help=t("zi.filter_help"))
few_max = int(right.number_input(t("zi.few_max"), min_value=0, max_value=99, value=4, step=1, key="zi_few_max"))

goals_all = q.run("goal_totals", **base, kinds=[], kreise=[], few_max=few_max)
cells = q.run("goal_coverage", **base, kinds=kinds, kreise=kreise)
totals = q.run("goal_totals", **base, kinds=kinds, kreise=kreise, few_max=few_max)
if cells.empty:
    st.warning(t("zi.no_match"))
    st.stop()

granted_total = float(totals["granted_total_eur"].iloc[0])
if kinds or kreise:
    st.caption(t("zi.filter_note", count=totals["projects_total_count"].iloc[0],
                 total=goals_all["projects_total_count"].iloc[0], granted=fmt.money(granted_total),
                 granted_total=fmt.money(goals_all["granted_total_eur"].iloc[0])))

# the answer first: the money per goal, then the goals few or no projects serve, then the detail per recipient
st.header(t("zi.goals_heading"))
top_goal = totals.loc[totals["weighted_eur"].idxmax()]
weighted_total = float(totals["weighted_eur"].sum())
if abs(weighted_total - granted_total) >= 0.5:
    st.warning(t("zi.weights_off", weighted=fmt.money(weighted_total), total=fmt.money(granted_total)))
charts.show(coverage.goal_bars(totals, "weighted_eur", t("zi.bars_money_title"), t("zi.axis_eur"), few_max,
                               mark_few=False), key="zi_money_bars",
            description=t("ds.zi.money_desc", goal=top_goal["goal_label"],
                          money=fmt.money(top_goal["weighted_eur"]),
                          share=fmt.pct(top_goal["weighted_share_pct"], decimals=1)))
st.header(t("zi.weak_heading"))
least = totals.sort_values(["weighted_eur", "goal_projects_count", "sort_order"]).iloc[0]
st.markdown(t("zi.least", goal=markup.text(least["goal_label"]), money=fmt.money(least["weighted_eur"]),
              share=fmt.pct(least["weighted_share_pct"], decimals=1), count=least["goal_projects_count"]))
unserved = totals[totals["goal_projects_count"] == 0]
if not unserved.empty:
    st.error(t("zi.unserved", goals=", ".join(markup.text(g) for g in unserved["goal_label"])), icon=":material/block:")
few = totals[totals["is_few"] & (totals["goal_projects_count"] > 0)]
if not few.empty:
    st.warning(t("zi.weak_list", n=few_max, goals=", ".join(
        f"{markup.text(g)} ({fmt.count(c)})" for g, c in zip(few["goal_label"], few["goal_projects_count"]))))
elif unserved.empty:
    st.success(t("zi.weak_none", n=few_max))

charts.show(coverage.goal_bars(totals, "goal_projects_count", t("zi.bars_projects_title"), t("zi.axis_projects"),
                               few_max), key="zi_project_bars",
            description=t("ds.zi.projects_desc", n=few_max,
                          count=int((totals["is_few"] & (totals["goal_projects_count"] > 0)).sum())))
tables.show(totals, "ziele", ["goal_label", "goal_projects_count", "weighted_eur", "weighted_share_pct", "tagged_eur"],
            queries=("goal_totals",))

st.header(t("zi.heatmap_heading"))
view = st.segmented_control(t("zi.view"), ["weighted", "tagged"], format_func=lambda v: t(f"zi.view.{v}"),
                            default="weighted", required=True, key="zi_view") or "weighted"
value_column = f"{view}_eur"
tagged_total = float(totals["tagged_eur"].sum())
if view == "weighted":
    st.markdown(t("zi.view_weighted_note", total=fmt.money(granted_total)))
else:
    st.markdown(t("zi.view_tagged_note", tagged=fmt.money(tagged_total), total=fmt.money(granted_total),
                  factor=fmt.number(tagged_total / granted_total if granted_total else 0, 1)))

charts.show(coverage.goal_heatmap(cells, value_column, t(f"zi.heatmap_title_{view}")), key="zi_heatmap",
            description=t("ds.zi.heatmap_desc", recipients=cells["recipient_name"].nunique(), goals=len(totals)))
other_column = "tagged_eur" if view == "weighted" else "weighted_eur"
matrix = cells[cells["goal_projects_count"] > 0]
tables.show(matrix.assign(profile_url=profile.urls(matrix["applicant_id"], ctx.programme_id, ctx.as_of, lang)),
            "zielmatrix", ["recipient_name", "profile_url", "kreis_name", "goal_label", value_column, other_column],
            queries=("goal_coverage",))
