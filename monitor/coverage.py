"""Charts of goal coverage: recipients × goals as a heatmap, money and projects per goal as bars."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from monitor import charts, fmt, markup
from monitor.i18n import current_language, t

# sequential white -> Okabe-Ito blue: ordered by lightness, readable with colour-vision deficiencies
MONEY_SCALE = [[0.0, "#ffffff"], [1.0, charts.PALETTE[0]]]
FEW_COLOUR, MORE_COLOUR = charts.PALETTE[5], charts.PALETTE[0]


def money_hover(field: str, lang: str) -> str:
    """A plotly hover field formatted as money ('1.234 €' / '€1,234'; separators come from the layout)."""
    return f"%{{{field}:,.0f}} €" if lang == "de" else f"€%{{{field}:,.0f}}"


def money_axis(axis: dict, lang: str) -> dict:
    """Axis settings for euros with thousands separators."""
    return {**axis, "tickformat": ",.0f", "ticksuffix": " €" if lang == "de" else "",
            "tickprefix": "" if lang == "de" else "€"}


def wrap(label: str, width: int = 14) -> str:
    """A long axis label broken onto lines (plotly's <br>), so column labels need no slant."""
    lines: list[str] = []
    for word in label.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(markup.plotly(line) for line in lines)


def goal_heatmap(frame: pd.DataFrame, value_column: str, title: str, lang: str | None = None) -> go.Figure:
    """Recipients (rows) × goals (columns, in sort order), each cell the money in value_column."""
    lang = lang or current_language()
    goals = frame.drop_duplicates("goal_id").sort_values("sort_order")["goal_label"].tolist()
    grid = frame.pivot_table(index="recipient_name", columns="goal_label", values=value_column,
                             aggfunc="sum", fill_value=0, sort=True)[goals]
    goals = [wrap(g) for g in goals]
    text = [[fmt.money(v, lang) if v else "" for v in row] for row in grid.to_numpy()]
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=goals, y=grid.index.tolist(), text=text, texttemplate="%{text}",
        colorscale=MONEY_SCALE, zmin=0, xgap=2, ygap=2,
        colorbar={"title": {"text": "€"}, "tickformat": ",.0f"},
        hovertemplate=f"%{{y}}<br>{t('zi.axis_goal', lang=lang)}: %{{x}}<br>"
                      f"{t('zi.hover_money', lang=lang)}: {money_hover('z', lang)}<extra></extra>",
    ))
    charts.style(fig, title, lang, height=120 + 42 * len(grid))
    fig.update_xaxes(title_text=t("zi.axis_goal", lang=lang), gridcolor="rgba(0,0,0,0)", tickangle=-30)
    fig.update_yaxes(title_text=t("zi.axis_recipient", lang=lang), autorange="reversed", gridcolor="rgba(0,0,0,0)")
    return fig


def goal_bars(totals: pd.DataFrame, value_column: str, title: str, axis_title: str, few_max: int,
              lang: str | None = None, mark_few: bool = True) -> go.Figure:
    """Horizontal bars per goal in sort order; with mark_few, goals served by at most few_max projects in a second
    colour and hatched. Colour means one thing only: bars of money are all one colour (a project count in their
    colour would be read as money)."""
    lang = lang or current_language()
    totals = totals.sort_values("sort_order")
    is_money = value_column.endswith("_eur")
    fig = go.Figure()
    for is_few, name, colour in [(False, t("zi.series_more", lang=lang, n=few_max), MORE_COLOUR),
                                 (True, t("zi.series_few", lang=lang, n=few_max), FEW_COLOUR)]:
        part = totals[totals["is_few"] == is_few] if mark_few else (totals if not is_few else totals.iloc[0:0])
        if part.empty:
            continue
        values = part[value_column].tolist()
        labels = [fmt.money(v, lang) if is_money else fmt.count(v, lang) for v in values]
        fig.add_trace(go.Bar(
            x=values, y=part["goal_label"].tolist(), orientation="h", name=name, marker_color=colour,
            text=labels, textposition="outside", cliponaxis=False,
            # a hatch as well as a colour, so the weak goals stand out without colour vision
            marker_pattern={"shape": "/" if is_few else "", "fgcolor": "white", "fillmode": "overlay"},
            showlegend=mark_few,
            hovertemplate="%{y}: %{text}<extra></extra>",
        ))
    charts.style(fig, title, lang, height=140 + 44 * len(totals))
    fig.update_layout(barmode="overlay", showlegend=True, margin={"l": 10, "r": 60, "t": 50, "b": 10})
    xaxis = {"title_text": axis_title, "rangemode": "tozero"}
    fig.update_xaxes(**(money_axis(xaxis, lang) if is_money else {**xaxis, "tickformat": ",d"}))
    fig.update_yaxes(categoryorder="array", categoryarray=markup.plotly_data(totals["goal_label"].tolist()),
                     autorange="reversed")
    return fig
