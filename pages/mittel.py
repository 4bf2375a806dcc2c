"""Mittel je Kommune: where did the money go on the Stichtag, per Kreis, per recipient and per inhabitant?"""

import plotly.graph_objects as go
import streamlit as st

from monitor import amounts, charts, context, fmt, maps, markup, profile, queries as q, tables
from monitor.i18n import t
from monitor.kpi import kpi

ctx = context.current()
lang = ctx.lang
programme = ctx.programme
st.title(t("page.mittel"))
st.caption(amounts.text("mi.caption", programme,
                        programme=markup.text(programme["name_de" if lang == "de" else "name_en"]),
                        date=fmt.date(ctx.as_of)))

summary = q.run("programme_summary", **ctx.params()).iloc[0]
kreise = q.run("funds_by_kreis", **ctx.params())
recipients = q.run("funds_by_recipient", **ctx.params())
members = q.run("cooperation_members", **ctx.params())

if summary["project_count"] == 0 or recipients.empty:
    st.info(t("app.no_projects_yet", date=fmt.date(summary["first_decision_date"])))
    st.stop()

kreise["kreis_kind_label"] = [t(f"kind.{k}") for k in kreise["kreis_kind"]]
recipients["recipient_kind_label"] = [t(f"kind.{k}") for k in recipients["recipient_kind"]]
recipients["profile_url"] = profile.urls(recipients["applicant_id"], ctx.programme_id, ctx.as_of, lang)
members["member_kind_label"] = [t(f"kind.{k}") for k in members["member_kind"]]
members["role_label"] = [t(f"mi.role.{r}") for r in members["role"]]
members["profile_url"] = profile.urls(members["applicant_id"], ctx.programme_id, ctx.as_of, lang)


# --- map: the answer, first; its title names it (no heading above it, so that it starts on the first screen) ------
map_measure = st.segmented_control(
    t("mi.map_measure"), ["granted_eur", "granted_per_inhabitant_eur", "paid_eur", "paid_per_inhabitant_eur"],
    format_func=lambda m: amounts.text(f"mi.measure.{m}", programme), default="granted_eur", required=True,
    key="mi_map_measure",
) or "granted_eur"
map_title = t("mi.map_title", measure=amounts.text(f"mi.measure.{map_measure}", programme), date=fmt.date(ctx.as_of))
top_kreis = kreise.loc[kreise[map_measure].idxmax()]
charts.show(maps.funds_map(kreise, recipients, members, map_measure, map_title, lang, ctx.programme.get("land_id"),
                           programme, links=recipients["profile_url"]),
            key="mi_map", description=t("ds.mi.map_desc", measure=amounts.text(f"mi.measure.{map_measure}", programme),
                                        kreis=top_kreis["kreis_name"],
                                        value=fmt.value(map_measure, top_kreis[map_measure]),
                                        count=int((kreise["granted_eur"] > 0).sum()), all=len(kreise),
                                        recipients=len(recipients)))
st.caption(t("mi.map_note"))
# money the Land's map cannot show (a Kreis of another Land, or operations booked to the Land as a whole) is
# listed here, never dropped
elsewhere = kreise[~kreise["on_map"] & (kreise["granted_eur"] > 0)]
if not elsewhere.empty:
    st.warning(amounts.text("mi.elsewhere", programme, count=len(elsewhere),
                            amount=fmt.money(elsewhere["granted_eur"].sum())),
               icon=":material/travel_explore:")
    amounts.show(elsewhere.sort_values("granted_eur", ascending=False), "mittel_ausserhalb",
                 ["kreis_id", "kreis_name", "kreis_kind_label", "recipient_count", "granted_eur", "paid_eur"],
                 programme,
                 queries=("funds_by_kreis",))

# key figures the Übersicht does not give (its granted, planned and paid are not repeated here): how many
# recipients in how many Kreise, the typical amount per recipient, and the Kreis with the most per inhabitant
top = kreise.loc[kreise["granted_per_inhabitant_eur"].idxmax()]
funded_kreise = int((kreise["granted_eur"] > 0).sum())
cols = st.columns(3)
kpi(cols[0], t("mi.recipients"), fmt.count(len(recipients)),
    t("mi.recipients_delta", kreise=fmt.count(funded_kreise), all=fmt.count(len(kreise)),
      without=fmt.count(len(kreise) - funded_kreise)))
kpi(cols[1], t("mi.median"), fmt.money(recipients["granted_eur"].median()),
    t("mi.median_delta", low=fmt.money(recipients["granted_eur"].min()),
      high=fmt.money(recipients["granted_eur"].max())))
kpi(cols[2], t("mi.top_kreis"), markup.text(top["kreis_name"]),
    amounts.text("mi.top_kreis_delta", programme, value=fmt.per_inhabitant(top["granted_per_inhabitant_eur"]),
      granted=fmt.money(top["granted_eur"])))

st.header(t("mi.kreise_heading"))
amounts.show(kreise.sort_values(["granted_per_inhabitant_eur", "kreis_name"], ascending=[False, True]), "mittel_kreise",
            # no paid_pct here: a Kreis without grants has none, and the table would show an empty cell as "None"
            ["kreis_name", "kreis_kind_label", "population_count", "recipient_count", "granted_eur", "paid_eur",
             "granted_per_inhabitant_eur", "paid_per_inhabitant_eur"], programme, queries=("funds_by_kreis",))
with st.expander(t("mi.members_table")):
    tables.show(members, "mittel_verbuende", ["recipient_name", "profile_url", "member_name", "member_kind_label",
                                              "role_label", "population_count"], queries=("cooperation_members",))

# --- bars per recipient ----------------------------------------------------------------------------
st.header(amounts.text("mi.bars_heading", programme))
left, right = st.columns(2)
bar_measure = left.segmented_control(
    t("mi.bar_measure"), ["eur", "per_inhabitant"], format_func=lambda m: t(f"mi.bar_measure.{m}"),
    default="eur", required=True, key="mi_bar_measure",
) or "eur"
bar_sort = right.segmented_control(
    t("mi.bar_sort"), ["granted", "paid_share"], format_func=lambda s: amounts.text(f"mi.bar_sort.{s}", programme),
    default="granted", required=True, key="mi_bar_sort",
) or "granted"
suffix = "_eur" if bar_measure == "eur" else "_per_inhabitant_eur"
series = {"granted": f"granted{suffix}", "planned": f"planned{suffix}", "paid": f"paid{suffix}"}
# horizontal bars are drawn bottom-up: ascending order puts the largest on top
ordered = recipients.sort_values([series["granted"] if bar_sort == "granted" else "paid_pct", "recipient_name"],
                                 ascending=[True, False])
# a bullet per recipient: granted as a wide light bar carrying the one label, planned as an outlined bar, paid as
# a narrow dark bar inside; the values of all three are in the hover and the table below
BULLET = {"granted": {"width": 0.8, "marker": {"color": "#c6dbef", "line": {"color": charts.PALETTE[0], "width": 1}}},
          "planned": {"width": 0.55, "marker": {"color": "rgba(0,0,0,0)", "line": {"color": "#1a1a1a", "width": 1.5}}},
          "paid": {"width": 0.35, "marker": {"color": charts.PALETTE[0]}}}
granted_values = ordered[series["granted"]].astype(float)
# one recipient far above the others (a small municipality per inhabitant) would flatten the rest: the axis ends
# above the second largest value and the larger bar is cut there, its value written on it
second = float(granted_values.nlargest(2).iloc[-1]) if len(granted_values) > 1 else float(granted_values.max())
axis_max = 1.15 * float(granted_values.max() or 1)
clipped = second > 0 and float(granted_values.max()) > 3 * second
if clipped:
    axis_max = 1.6 * second
bars = go.Figure([
    go.Bar(
        y=ordered["recipient_name"], x=ordered[column], name=amounts.text(f"mi.series.{name}", programme),
        orientation="h", width=BULLET[name]["width"], marker=BULLET[name]["marker"],
        text=[fmt.value(column, v) for v in ordered[column]],
        textposition=(["inside" if v > axis_max else "outside" for v in ordered[column]] if name == "granted"
                      else "none"),
        insidetextanchor="end", cliponaxis=False,
        hovertemplate="<b>%{y}</b><br>%{fullData.name}: %{text}<extra></extra>",
    )
    for name, column in series.items()
])
per_inhabitant = bar_measure == "per_inhabitant"
charts.style(bars, amounts.text("mi.bars_title_per_inhabitant" if per_inhabitant else "mi.bars_title", programme,
                              date=fmt.date(ctx.as_of)),
             height=160 + 70 * len(ordered))
bars.update_layout(barmode="overlay", margin={"r": 70, "b": 60},
                   legend={"yref": "container", "y": 0, "yanchor": "bottom"})
bars.update_xaxes(title_text=t("mi.bars_axis_per_inhabitant" if per_inhabitant else "mi.bars_axis_eur"),
                  range=[0, axis_max],
                  tickformat=",.2f" if per_inhabitant else ",.0f",
                  ticksuffix=" €" if lang == "de" else "", tickprefix="" if lang == "de" else "€")
bars.update_yaxes(title_text=t("mi.bars_recipient_axis"))
least = ordered.loc[ordered["paid_pct"].idxmin()]
charts.show(bars, key="mi_bars", description=amounts.text(
    "ds.mi.bars_desc", programme, count=len(ordered), paid=fmt.money(ordered["paid_eur"].sum()),
    granted=fmt.money(ordered["granted_eur"].sum()), name=least["recipient_name"],
    share=fmt.pct(least["paid_pct"])))
if clipped:
    top_row = ordered.loc[granted_values.idxmax()]
    st.caption(t("ds.mi.bars_clipped", name=markup.text(top_row["recipient_name"]),
                 value=fmt.value(series["granted"], top_row[series["granted"]])))
if per_inhabitant:
    st.caption(t("mi.bars_note_per_inhabitant"))

st.header(t("mi.recipients_heading"))
amounts.show(ordered.iloc[::-1], "mittel_empfaenger",
            ["recipient_name", "profile_url", "recipient_kind_label", "kreis_name", "granted_eur", "planned_eur",
             "paid_eur", "paid_pct",
             "population_count", "granted_per_inhabitant_eur", "planned_per_inhabitant_eur", "paid_per_inhabitant_eur"],
           programme, queries=("funds_by_recipient",))
