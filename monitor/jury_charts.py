"""Figures of the confidential Bewerbungen page: funnel, field map, scores, agreement, leniency, sensitivity, \
simulator."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from monitor import charts, fmt, maps, markup
from monitor.i18n import t

SELECTED_COLOUR = charts.PALETTE[1]      # orange: the winners, everywhere on the page
NOT_SELECTED_COLOUR = charts.PALETTE[0]  # blue
DROPPED_COLOUR = charts.GREY             # grey (4.5:1): ineligible or withdrawn
STAGES = ("received", "eligible", "scored", "selected")
STAGE_COLOURS = {"received": charts.PALETTE[4], "eligible": charts.PALETTE[0], "scored": charts.PALETTE[2],
                 "selected": SELECTED_COLOUR}


def _cached(builder):
    """A figure is built once per input and shared, read-only, by every session and rerun.

    Building a plotly figure costs 20–60 ms whatever the data's size (the inputs here are already summarised
    in SQL and small to hash), and the page draws fifteen of them: this keeps a rerun cheap.
    """
    return st.cache_resource(show_spinner=False, max_entries=256)(builder)


def wrap(label: str, width: int = 16) -> str:
    """A long axis label broken into lines of about `width` characters (plotly does not wrap)."""
    lines, line = [], ""
    for word in str(label).split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


def short(name: str, width: int = 30) -> str:
    """A name cut to `width` characters for crowded axes (the full name is in the hover and the table)."""
    name = str(name)
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def signed(value: float, decimals: int = 1, lang: str | None = None) -> str:
    """+0,6 / -0,8: an offset with its sign."""
    value = round(float(value), decimals) or 0.0   # no "-0,0"
    return ("+" if value > 0 else "") + fmt.number(value, decimals, lang)


def _plain(value) -> str:
    """A name as plotly hover text: data, never markup."""
    return html.escape(str(value), quote=False)


def _euro_axis(axis: dict, lang: str) -> dict:
    return {**axis, "tickformat": ",.0f", "ticksuffix": " €" if lang == "de" else "",
            "tickprefix": "" if lang == "de" else "€"}


@_cached
def funnel(stages: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Received → eligible → scored → selected, count and share of received on each stage."""
    fig = go.Figure(go.Funnel(
        y=[t(f"ju.stage.{s}", lang=lang) for s in stages["stage"]], x=stages["application_count"],
        text=[f"{n} ({fmt.pct(p, lang)})" for n, p in zip(stages["application_count"], stages["received_pct"])],
        textinfo="text", marker={"color": [NOT_SELECTED_COLOUR] * (len(stages) - 1) + [SELECTED_COLOUR]},
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    charts.style(fig, title, lang, height=300)
    fig.update_yaxes(title_text=t("ju.axis_stage", lang=lang))
    fig.update_xaxes(title_text=t("ju.axis_applications", lang=lang))
    return fig


@_cached
def stage_bars(frame: pd.DataFrame, label_column: str, title: str, axis_title: str, lang: str) -> go.Figure:
    """Grouped horizontal bars: applications per stage for each group (kind of applicant)."""
    ordered = frame.iloc[::-1]
    fig = go.Figure([
        go.Bar(y=ordered[label_column], x=ordered[f"{stage}_count"], name=t(f"ju.stage.{stage}", lang=lang),
               orientation="h", marker_color=STAGE_COLOURS[stage],
               hovertemplate="%{y} · %{fullData.name}: %{x}<extra></extra>")
        for stage in reversed(STAGES)
    ])
    charts.style(fig, title, lang, height=120 + 70 * len(frame))
    fig.update_layout(barmode="group", legend={"traceorder": "reversed"})
    fig.update_xaxes(title_text=t("ju.axis_applications", lang=lang), dtick=2)
    fig.update_yaxes(title_text=axis_title)
    return fig


@_cached
def field_map(kreise: pd.DataFrame, points: pd.DataFrame, measure: str, title: str, lang: str,
              land_id: str | None = None) -> go.Figure:
    """The Land's Kreise (None = Germany) coloured by applications per stage; applicants as points (from
    jury_applicant_points), by outcome."""
    kreis_hover = [
        "<br>".join([
            f"<b>{_plain(row.kreis_name)}</b>",
            t("ju.hover_stages", lang=lang, received=row.received_count, eligible=row.eligible_count,
              scored=row.scored_count, selected=row.selected_count),
            t("ju.hover_money", lang=lang, requested=fmt.money(row.requested_eur, lang),
              granted=fmt.money(row.granted_eur, lang)),
        ])
        for row in kreise.itertuples()
    ]
    traces = [maps.kreis_layer(kreise["kreis_id"].tolist(), kreise[measure].astype(float).tolist(), kreis_hover,
                               t(f"ju.map_measure.{measure}", lang=lang), ",.0f", land_id)]
    groups = [("selected", SELECTED_COLOUR, 14), ("not_selected", "#000000", 8), ("dropped", DROPPED_COLOUR, 8)]
    for name, colour, size in groups:
        part = points[points["outcome"] == name]
        hover = [
            "<br>".join([
                f"<b>{_plain(row.applicant_name)}</b> ({t(f'kind.{row.applicant_kind}', lang=lang)})",
                t(f"ju.status.{row.single_status}", lang=lang) if isinstance(row.single_status, str)
                else t("ju.hover_applications", lang=lang, count=fmt.count(row.applications_count, lang),
                       selected=fmt.count(row.selected_count, lang)),
                t("ju.hover_requested", lang=lang, value=fmt.money(row.requested_eur, lang)),
            ])
            for row in part.itertuples()
        ]
        traces.append(maps.point_layer(part["lat"].tolist(), part["lon"].tolist(), hover,
                                       t(f"ju.map_points.{name}", lang=lang), colour, size))
    fig = maps.land_map(traces, title, lang, land_id=land_id)
    # counts: whole-number ticks only
    fig.update_traces(colorbar={"dtick": 1}, selector={"type": "choroplethmap"})
    return fig


@_cached
def requested_vs_granted(winners: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Per winner: the amount requested beside the amount granted."""
    ordered = winners.sort_values("granted_eur")
    fig = go.Figure([
        go.Bar(y=ordered["applicant_name"], x=ordered[column], name=t(f"col.{column}", lang=lang), orientation="h",
               marker_color=colour, text=[fmt.money(v, lang) for v in ordered[column]], textposition="inside",
               hovertemplate="%{y} · %{fullData.name}: %{text}<extra></extra>")
        for column, colour in (("granted_eur", SELECTED_COLOUR), ("requested_eur", charts.PALETTE[4]))
    ])
    charts.style(fig, title, lang, height=120 + 48 * len(ordered))
    fig.update_layout(barmode="group", legend={"traceorder": "reversed"}, xaxis=_euro_axis({}, lang))
    fig.update_xaxes(title_text=t("ju.axis_eur", lang=lang))
    fig.update_yaxes(title_text=t("ju.axis_winner", lang=lang))
    return fig


@_cached
def requested_by_status(distribution: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """The requested amounts per status as boxes (quartiles, Tukey's whiskers, mean) summarised in SQL."""
    colours = {"selected": SELECTED_COLOUR, "not_selected": NOT_SELECTED_COLOUR, "ineligible": DROPPED_COLOUR,
               "withdrawn": charts.PALETTE[3]}
    fig = go.Figure()
    for row in distribution.itertuples():
        label = t(f"ju.status.{row.status}", lang=lang)
        fig.add_trace(go.Box(
            y=[label], q1=[row.q1_requested_eur], median=[row.median_requested_eur], q3=[row.q3_requested_eur],
            lowerfence=[row.lower_whisker_eur], upperfence=[row.upper_whisker_eur], mean=[row.mean_requested_eur],
            name=label, orientation="h", marker_color=colours.get(row.status, charts.PALETTE[7]),
            line={"width": 1.5}, fillcolor="rgba(0,0,0,0)", boxmean=True,
            hovertemplate=f"{label} ({t('ju.hover_n', lang=lang, count=fmt.count(row.application_count, lang))})"
                          "<extra></extra>",
        ))
    charts.style(fig, title, lang, height=320)
    fig.update_layout(showlegend=False, xaxis=_euro_axis({}, lang))
    fig.update_xaxes(title_text=t("ju.axis_requested_eur", lang=lang))
    fig.update_yaxes(title_text=t("ju.axis_status", lang=lang), autorange="reversed")
    return fig


@_cached
def goal_shares(goals: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Share of applications naming each goal: all received vs the winners."""
    ordered = goals.iloc[::-1]
    fig = go.Figure([
        go.Bar(y=ordered["goal_label"], x=ordered[column], name=t(f"ju.goal_series.{column}", lang=lang),
               orientation="h", marker_color=colour, text=[fmt.pct(v, lang) for v in ordered[column]],
               textposition="outside", cliponaxis=False,
               hovertemplate="%{y} · %{fullData.name}: %{text}<extra></extra>")
        for column, colour in (("winners_pct", SELECTED_COLOUR), ("applications_pct", NOT_SELECTED_COLOUR))
    ])
    charts.style(fig, title, lang, height=120 + 60 * len(goals))
    fig.update_layout(barmode="group", legend={"traceorder": "reversed"})
    fig.update_xaxes(title_text=t("ju.axis_share_pct", lang=lang), range=[0, 110])
    fig.update_yaxes(title_text=t("ju.axis_goal", lang=lang))
    return fig


@_cached
def criterion_boxes(distribution: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Points per criterion (recused scores left out), winners and the others side by side: boxes with quartiles,
    Tukey's whiskers and mean, summarised in SQL (jury_score_distribution) however many scores there are."""
    fig = go.Figure()
    for selected, colour in ((True, SELECTED_COLOUR), (False, NOT_SELECTED_COLOUR)):
        part = distribution[distribution["is_selected"] == selected].sort_values("criterion_order")
        fig.add_trace(go.Box(
            x=[wrap(c) for c in part["criterion_label"]], q1=part["q1_points"].tolist(),
            median=part["median_points"].tolist(), q3=part["q3_points"].tolist(),
            lowerfence=part["lower_whisker_points"].tolist(), upperfence=part["upper_whisker_points"].tolist(),
            mean=part["mean_points"].tolist(), name=t(f"ju.series.selected_{str(selected).lower()}", lang=lang),
            marker={"color": colour}, line={"color": colour, "width": 1.5}, fillcolor="rgba(0,0,0,0)", boxmean=True,
        ))
    top = float(distribution["max_points"].max()) if not distribution.empty else 10.0
    charts.style(fig, title, lang, height=480)
    fig.update_layout(boxmode="group", legend={"y": -0.25})
    fig.update_yaxes(title_text=t("ju.axis_points", lang=lang, max=int(top)), range=[-0.5, top + 0.5])
    fig.update_xaxes(title_text=t("ju.axis_criterion", lang=lang))
    return fig


@_cached
def ranking_bars(ranking: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Weighted total per application, best on top, winners in orange, the funding line drawn."""
    ordered = ranking.sort_values(["rank", "application_id"], ascending=[False, False])
    labels = [f"{r}. {short(name, 40)}" for r, name in zip(ordered["rank"], ordered["applicant_name"])]
    fig = go.Figure(go.Bar(
        y=labels, x=ordered["total_points"], orientation="h",
        marker_color=[SELECTED_COLOUR if s else NOT_SELECTED_COLOUR for s in ordered["is_selected"]],
        text=[fmt.number(v, 2, lang) + (" *" if isinstance(r, str) and r else "")
              for v, r in zip(ordered["total_points"], ordered["recused_jurors"].fillna(""))],
        textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    line = int(ranking["line_count"].iloc[0])
    charts.style(fig, title, lang, height=120 + 22 * len(ordered))
    if line < len(ordered):  # the line is drawn where it falls among the bars shown
        fig.add_hline(y=len(ordered) - line - 0.5, line_dash="dash", line_color="#000000",
                      annotation_text=t("ju.funding_line", lang=lang, count=line), annotation_position="top right")
    fig.update_xaxes(title_text=t("ju.axis_total", lang=lang), range=[0, float(ranking["total_points"].max()) * 1.35])
    fig.update_yaxes(title_text=t("ju.axis_application", lang=lang), tickfont={"size": 11})
    fig.update_layout(showlegend=False)
    return fig


@_cached
def icc_bars(agreement: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """ICC(2,1) per criterion against the bands of Koo & Li (2016)."""
    ordered = agreement.iloc[::-1]
    band_colour = {"poor": charts.PALETTE[5], "moderate": charts.PALETTE[1], "good": charts.PALETTE[2],
                   "excellent": charts.PALETTE[0]}
    fig = go.Figure(go.Bar(
        y=ordered["criterion_label"], x=ordered["icc"], orientation="h",
        marker_color=[band_colour.get(b, charts.GREY) for b in ordered["icc_band"]],
        text=[f"{fmt.number(v, 2, lang)} · {t(f'ju.band.{b}', lang=lang)}"
              for v, b in zip(ordered["icc"], ordered["icc_band"])],
        textposition="inside", insidetextanchor="start", textfont={"color": "#ffffff"},
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    charts.style(fig, title, lang, height=120 + 50 * len(ordered))
    for edge in (0.5, 0.75, 0.9):
        fig.add_vline(x=edge, line_dash="dot", line_color="#6b6b6b")
    fig.update_xaxes(title_text=t("ju.axis_icc", lang=lang), range=[0, 1], dtick=0.25)
    fig.update_yaxes(title_text=t("ju.axis_criterion", lang=lang))
    fig.update_layout(showlegend=False)
    return fig


@_cached
def spread_heatmap(spread: pd.DataFrame, threshold: float, title: str, lang: str) -> go.Figure:
    """Spread (highest − lowest points) per application × criterion; discordant cells marked with "!"."""
    criteria = spread.drop_duplicates("criterion_id").sort_values("criterion_order")["criterion_label"].tolist()
    apps = spread.drop_duplicates("application_id").sort_values("application_id")
    labels = [f"{a} {short(n)}" for a, n in zip(apps["application_id"], apps["applicant_name"])]
    grid = spread.pivot(index="application_id", columns="criterion_label", values="spread_points")
    grid = grid.reindex(index=apps["application_id"], columns=criteria)
    marks = [[("!" if v >= threshold else "") if pd.notna(v) else "" for v in row] for row in grid.to_numpy()]
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=[wrap(c, 12) for c in criteria], y=labels, colorscale="Oranges",
        zmin=0, zmax=max(float(spread["spread_points"].max()), threshold),
        text=marks, texttemplate="%{text}",
        colorbar={"title": {"text": t("ju.axis_spread", lang=lang), "side": "right"}},
        hovertemplate="%{y}<br>%{x}: %{z}<extra></extra>", xgap=1, ygap=1,
    ))
    charts.style(fig, title, lang, height=200 + 20 * len(labels))
    fig.update_yaxes(autorange="reversed", title_text=t("ju.axis_application", lang=lang), tickfont={"size": 10})
    fig.update_xaxes(title_text=t("ju.axis_criterion", lang=lang), side="top", tickangle=0)
    fig.update_layout(margin={"t": 150})
    return fig


@_cached
def leniency_bars(leniency: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Each juror's average offset from the other jurors, stricter to the left."""
    ordered = leniency.sort_values("offset_points", ascending=False)
    fig = go.Figure(go.Bar(
        y=ordered["juror_name"], x=ordered["offset_points"], orientation="h",
        marker_color=[charts.PALETTE[5] if v < 0 else charts.PALETTE[2] for v in ordered["offset_points"]],
        text=[signed(v, 2, lang) for v in ordered["offset_points"]],
        textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    charts.style(fig, title, lang, height=120 + 50 * len(ordered))
    top = max(1.0, float(ordered["offset_points"].abs().max()) * 1.3)
    fig.update_xaxes(title_text=t("ju.axis_offset_short", lang=lang), range=[-top, top], zeroline=True, zerolinewidth=2)
    fig.update_yaxes(title_text=t("ju.axis_juror", lang=lang))
    fig.update_layout(showlegend=False)
    return fig


@_cached
def leniency_heatmap(by_criterion: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Offset per juror × criterion on a diverging scale centred on zero."""
    criteria = by_criterion.drop_duplicates("criterion_id").sort_values("criterion_order")["criterion_label"].tolist()
    grid = by_criterion.pivot(index="criterion_label", columns="juror_name", values="offset_points").loc[criteria]
    top = float(by_criterion["offset_points"].abs().max()) or 1
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=[wrap(j, 12) for j in grid.columns], y=criteria, colorscale="RdBu",
        zmid=0, zmin=-top, zmax=top,
        text=[[signed(v, 1, lang) for v in row] for row in grid.to_numpy()],
        texttemplate="%{text}", colorbar={"title": {"text": t("ju.axis_offset_short", lang=lang), "side": "right"}},
        hovertemplate="%{y} · %{x}: %{text}<extra></extra>", xgap=1, ygap=1,
    ))
    charts.style(fig, title, lang, height=380)
    fig.update_xaxes(title_text=t("ju.axis_juror", lang=lang), tickangle=0)
    fig.update_yaxes(title_text=t("ju.axis_criterion", lang=lang), autorange="reversed")
    return fig


@_cached
def rank_slope(ranking: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Rank on raw points (left) vs rank on z-normalised points (right), one line per application.

    Lines of one look (winner or not, crossing the line or not, same rank or not) share a trace, so the figure
    has at most eight traces however many applications it shows.
    """
    line = int(ranking["line_count"].iloc[0])
    left, right = t("ju.slope_raw", lang=lang), t("ju.slope_normalised", lang=lang)
    moved = (ranking["rank"] <= line) != (ranking["normalised_rank"] <= line)
    same = ranking["rank"] == ranking["normalised_rank"]
    fig = go.Figure()
    for (selected, crossing, unchanged), group in ranking.groupby([ranking["is_selected"], moved, same], sort=True):
        colour = SELECTED_COLOUR if selected else NOT_SELECTED_COLOUR
        xs, ys, text, where, hover = [], [], [], [], []
        for row in group.itertuples():
            name = markup.plotly(short(row.applicant_name))
            xs += [left, right, None]
            ys += [row.rank, row.normalised_rank, None]
            text += [f"{name} ", f" {name}", ""]
            where += ["middle left", "middle right", "middle left"]
            hover += [_plain(row.applicant_name)] * 2 + [""]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines+markers+text", text=text, textposition=where, textfont={"size": 10},
            line={"color": colour, "width": 3 if crossing else 1.2,
                  "dash": "solid" if crossing or unchanged else "dot"},
            marker={"size": 6, "color": colour}, showlegend=False, hovertext=hover,
            hovertemplate="%{hovertext}: %{y}<extra></extra>",
        ))
    charts.style(fig, title, lang, height=140 + 19 * len(ranking))
    fig.add_hline(y=line + 0.5, line_dash="dash", line_color="#000000",
                  annotation_text=t("ju.funding_line", lang=lang, count=line), annotation_position="top left")
    fig.update_yaxes(autorange="reversed", title_text=t("ju.axis_rank", lang=lang), dtick=5)
    fig.update_xaxes(title_text=t("ju.axis_method", lang=lang), range=[-1.3, 2.3])
    fig.update_layout(margin={"l": 10, "r": 10})
    return fig


@_cached
def sensitivity_heatmap(ranks: pd.DataFrame, variant_labels: list[str], title: str, lang: str) -> go.Figure:
    """Rank per application (rows) and method (columns); above the line in orange, crossings marked."""
    line = int(ranks["line_count"].iloc[0])
    grid = ranks.pivot(index="application_label", columns="variant_label", values="rank")[variant_labels]
    grid = grid.loc[ranks.drop_duplicates("application_label").sort_values("base_rank")["application_label"]]
    above = (grid <= line).astype(int).to_numpy()
    crosses = ranks.pivot(index="application_label", columns="variant_label", values="crosses_line")
    crosses = crosses.reindex(index=grid.index, columns=variant_labels).to_numpy()
    text = [[f"{int(v)}" + (" ⇅" if c else "") for v, c in zip(row, crow)]
            for row, crow in zip(grid.to_numpy(), crosses)]
    fig = go.Figure(go.Heatmap(
        z=above, x=[wrap(v, 12) for v in variant_labels], y=grid.index.tolist(),
        colorscale=[[0, "#eaf2f8"], [1, SELECTED_COLOUR]],
        zmin=0, zmax=1, showscale=False, text=text, texttemplate="%{text}", xgap=2, ygap=2,
        hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
    ))
    charts.style(fig, title, lang, height=160 + 26 * len(grid))
    fig.update_yaxes(autorange="reversed", title_text=t("ju.axis_application", lang=lang))
    fig.update_xaxes(title_text=t("ju.axis_method", lang=lang), tickangle=0)
    return fig


@_cached
def simulator_bars(frame: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Simulated amount per application in rank order beside the amount actually granted."""
    ordered = frame.iloc[::-1]
    labels = [f"{r}. {n}" for r, n in zip(ordered["rank"], ordered["applicant_name"])]
    fig = go.Figure([
        go.Bar(y=labels, x=ordered["granted_eur"].fillna(0), name=t("ju.sim_series.actual", lang=lang),
               orientation="h", marker_color=SELECTED_COLOUR, hovertemplate="%{y}: %{x:,.0f} €<extra></extra>"),
        go.Bar(y=labels, x=ordered["amount_eur"], name=t("ju.sim_series.simulated", lang=lang),
               orientation="h", marker_color=charts.PALETTE[2], hovertemplate="%{y}: %{x:,.0f} €<extra></extra>"),
    ])
    charts.style(fig, title, lang, height=140 + 30 * len(ordered))
    fig.update_layout(barmode="group", xaxis=_euro_axis({}, lang))
    fig.update_xaxes(title_text=t("ju.axis_eur", lang=lang))
    fig.update_yaxes(title_text=t("ju.axis_application", lang=lang), tickfont={"size": 11})
    return fig
