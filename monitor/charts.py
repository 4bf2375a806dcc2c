"""Plotly figures in the house style: colour-blind-safe palette, German number formats, titled axes."""

from __future__ import annotations

import plotly.graph_objects as go

from monitor import fmt, markup
from monitor.i18n import current_language

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
LIGHT_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", "lapsed": "#CC79A7", "done": "#0072B2",
                 "not_started": "#999999"}


# trace fields that only ever hold data (names, titles, labels from the database), never our own markup; text
# and hovertext may hold our <br>, so the modules that fill them escape the user text they put in (markup.plotly)
DATA_FIELDS = ("x", "y", "labels", "ids", "customdata", "name", "legendgroup", "parents")


def style(fig: go.Figure, title: str, lang: str | None = None, height: int = 360) -> go.Figure:
    """Apply title, separators, palette and a quiet layout; user text in the traces' data becomes inert text."""
    for trace in fig.data:
        for field in DATA_FIELDS:
            if field in trace and trace[field] is not None:
                trace[field] = markup.plotly_data(trace[field])
    fig.update_layout(
        title={"text": markup.plotly(title), "x": 0, "xanchor": "left"},
        separators=fmt.plotly_separators(lang or current_language()),
        colorway=PALETTE,
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": -0.3, "x": 0},
        plot_bgcolor="white",
        font={"family": "sans-serif"},
    )
    fig.update_xaxes(gridcolor="#e5e5e5", zerolinecolor="#bdbdbd")
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#bdbdbd")
    return fig


def share_bars(labels: list[str], values: list[float], title: str, axis_title: str,
               lang: str | None = None) -> go.Figure:
    """Horizontal bars of shares (0-100 %), value printed on each bar."""
    lang = lang or current_language()
    fig = go.Figure(go.Bar(
        x=values, y=labels, orientation="h",
        marker_color=PALETTE[: len(values)],
        text=[fmt.pct(v, lang) for v in values], textposition="auto",
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    style(fig, title, lang, height=80 + 50 * len(values))
    fig.update_xaxes(range=[0, 100], title_text=axis_title, ticksuffix=" %" if lang == "de" else "%")
    fig.update_yaxes(autorange="reversed")
    return fig
