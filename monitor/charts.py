"""Plotly figures in the house style: colour-blind-safe palette, German number formats, titled axes."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from monitor import fmt, markup
from monitor.i18n import current_language, t

# Okabe & Ito (2008), distinguishable with the common colour-vision deficiencies; orange, sky blue and yellow
# darkened (same hue and saturation, less lightness) so that every mark passes 3:1 on white (WCAG 1.4.11):
# #E69F00 -> #B87F00, #56B4E9 -> #1C93D7, #F0E442 -> #978E0C (tests/test_a11y.py)
PALETTE = ["#0072B2", "#B87F00", "#009E73", "#CC79A7", "#1C93D7", "#D55E00", "#978E0C", "#000000"]
GREY = "#767676"              # 4.5:1 on white: marks for "not started", "dropped" (#999999 is 2.8:1)
# chart text (titles, axes, ticks, legends, colour bars): Streamlit's theme draws it in a grey of 3.7:1
TEXT_COLOUR = "#262626"       # 15:1 on white
LIGHT_COLOURS = {"green": "#009E73", "amber": PALETTE[1], "red": "#D55E00", "lapsed": "#CC79A7", "done": "#0072B2",
                 "not_started": GREY}


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


def _luminance(colour: str) -> float:
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two '#rrggbb' colours (1 to 21)."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def label_colour(fill: str) -> str | None:
    """Black or white, whichever reads better on a bar of this '#rrggbb' fill (None for other colour forms)."""
    if not (isinstance(fill, str) and len(fill) == 7 and fill.startswith("#")):
        return None
    return "#000000" if contrast("#000000", fill) >= contrast("#ffffff", fill) else "#ffffff"


def readable(fig: go.Figure) -> go.Figure:
    """A copy of the figure whose text passes AA: dark chart text, and labels inside bars in black or white by fill."""
    fig = go.Figure(fig)   # figures may be cached and shared between sessions: never change the original
    text = {"color": TEXT_COLOUR}
    fig.update_layout(font=text, title_font=text, legend_font=text, legend_title_font=text)
    fig.update_xaxes(tickfont=text, title_font=text)
    fig.update_yaxes(tickfont=text, title_font=text)
    for trace in fig.data:
        if "colorbar" in trace:
            trace.colorbar.tickfont.color = TEXT_COLOUR
            trace.colorbar.title.font.color = TEXT_COLOUR
        if trace.type == "bar" and trace.text is not None:
            fills = trace.marker.color
            if isinstance(fills, str):
                colour = label_colour(fills)
            elif fills is not None:
                colours = [label_colour(fill) for fill in fills]
                colour = None if None in colours else colours
            else:
                colour = None
            if colour is not None:
                trace.insidetextfont.color = colour
    return fig


def describe(fig: go.Figure, description: str) -> go.Figure:
    """A copy of the figure carrying its one-sentence message in layout.meta (read by monitor/a11y.py)."""
    fig = go.Figure(fig)
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    fig.update_layout(meta={**meta, "description": description})
    return fig


def description(fig: go.Figure) -> str | None:
    """The one-sentence message a figure carries (see describe), or None."""
    meta = fig.layout.meta
    return meta.get("description") if isinstance(meta, dict) else None


def show(fig: go.Figure, key: str, table: pd.DataFrame | None = None, description: str | None = None,
         **kwargs) -> None:
    """Draw a chart readably (see readable); with `table`, its data as a real table in an expander below it.

    The chart is named for assistive technology in the browser by its title and described by `description`, the
    one sentence that says what it shows (monitor/a11y.py reads both from the drawn figure and sets the description
    as an element's textContent: plain text, names as written, never Markdown-escaped); a table here is for
    charts whose data no other table on the page shows.
    """
    shown = readable(fig)   # a copy: the description goes onto it, never onto a cached figure
    if description:
        shown.update_layout(meta={"description": description})
    st.plotly_chart(shown, key=key, **kwargs)
    if table is not None:
        with st.expander(t("a11y.table_expander")):
            st.table(table)
