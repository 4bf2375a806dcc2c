"""The Land map: Kreis areas from the project's GeoJSON plus point markers, drawn without tiles or fonts from outside."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from monitor import charts, fmt, markup
from monitor.i18n import current_language, t

GEOJSON_FILE = Path(__file__).resolve().parent.parent / "data" / "geo" / "sh_kreise.geojson"
# fits Schleswig-Holstein (Sylt to Lauenburg, Helgoland to Fehmarn) into a chart about 700 px wide and
# 600 px high (the bundled plotly.js cannot fit the view to the data for tile maps, so it is fixed here)
CENTER = {"lat": 54.22, "lon": 9.72}
ZOOM = 6.85
# "Blues" runs from near-white: a Kreis without grants stays light, and the scale reads in grey too
COLOURSCALE = "Blues"
BORDER_COLOUR = "#6b6b6b"
RECIPIENT_COLOUR = charts.PALETTE[1]   # orange: stands out against every shade of blue
MEMBER_COLOUR = charts.PALETTE[7]      # black


@lru_cache(maxsize=1)
def kreise_geojson() -> dict:
    """The 15 Kreise of Schleswig-Holstein (feature id = 5-digit AGS), read once per process."""
    return json.loads(GEOJSON_FILE.read_text(encoding="utf-8"))


def kreis_layer(kreis_ids: list[str], values: list[float], hover: list[str], colorbar_title: str,
                tickformat: str) -> go.Choroplethmap:
    """Kreis areas coloured by value from 0 up, each with its hover text."""
    return go.Choroplethmap(
        geojson=kreise_geojson(), featureidkey="properties.ags", locations=kreis_ids, z=values,
        zmin=0, zmax=max([v for v in values if v is not None and not math.isnan(v)] + [0]) or 1,
        colorscale=COLOURSCALE, marker={"line": {"color": BORDER_COLOUR, "width": 0.8}, "opacity": 0.85},
        colorbar={"title": {"text": colorbar_title, "side": "right"}, "tickformat": tickformat, "thickness": 14},
        text=hover, hovertemplate="%{text}<extra></extra>", showlegend=False, name="",
    )


def marker_sizes(values: list[float], smallest: float = 9, largest: float = 26) -> list[float]:
    """Marker diameters whose area is proportional to value (the largest value gets `largest`)."""
    top = max([v for v in values if v and v > 0] + [0])
    if not top:
        return [smallest for _ in values]
    return [max(smallest, largest * math.sqrt(max(v or 0, 0) / top)) for v in values]


def point_layer(lat: list[float], lon: list[float], hover: list[str], name: str, colour: str,
                sizes: list[float] | float, opacity: float = 0.9) -> go.Scattermap:
    """Point markers (no text labels: labels would make the map fetch glyphs from the internet)."""
    return go.Scattermap(
        lat=lat, lon=lon, mode="markers", name=name,
        marker={"size": sizes, "color": colour, "opacity": opacity},
        text=hover, hovertemplate="%{text}<extra></extra>",
    )


def land_map(traces: list, title: str, lang: str | None = None, height: int = 640) -> go.Figure:
    """A map of the Land on a plain white background: no tiles, no glyphs, no external style."""
    fig = go.Figure(traces)
    charts.style(fig, title, lang, height=height)
    fig.update_layout(
        map={"style": "white-bg", "center": CENTER, "zoom": ZOOM},
        legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0},
        margin={"l": 0, "r": 0, "t": 50, "b": 0},
    )
    return fig


# --- the funds map of the Mittel page -------------------------------------------------------------

def _kind(kind: str, lang: str) -> str:
    return t(f"kind.{kind}", lang=lang, default=kind)


def _share(value, lang: str) -> str:
    return fmt.pct(value, lang) if not pd.isna(value) else t("mi.no_grant", lang=lang)


def kreis_hover(kreise: pd.DataFrame, lang: str) -> list[str]:
    """Name, kind, granted, paid, share paid, per inhabitant, population, recipients of each Kreis."""
    return [
        "<br>".join([
            f"<b>{markup.plotly(row.kreis_name)}</b> ({_kind(row.kreis_kind, lang)})",
            t("mi.hover_granted", lang=lang, value=fmt.money(row.granted_eur, lang)),
            t("mi.hover_paid", lang=lang, value=fmt.money(row.paid_eur, lang), share=_share(row.paid_pct, lang)),
            t("mi.hover_per_inhabitant", lang=lang, granted=fmt.per_inhabitant(row.granted_per_inhabitant_eur, lang),
              paid=fmt.per_inhabitant(row.paid_per_inhabitant_eur, lang)),
            t("mi.hover_population", lang=lang, value=fmt.count(row.population_count, lang)),
            t("mi.hover_recipients", lang=lang, value=row.recipient_count),
        ])
        for row in kreise.itertuples()
    ]


def recipient_hover(recipients: pd.DataFrame, lang: str) -> list[str]:
    """Name, kind and Kreis, granted, paid, share paid, inhabitants and grant per inhabitant of each recipient."""
    return [
        "<br>".join([
            f"<b>{markup.plotly(row.recipient_name)}</b>",
            f"{_kind(row.recipient_kind, lang)} · {t('col.kreis_name', lang=lang)}: {markup.plotly(row.kreis_name)}",
            t("mi.hover_granted", lang=lang, value=fmt.money(row.granted_eur, lang)),
            t("mi.hover_paid", lang=lang, value=fmt.money(row.paid_eur, lang), share=_share(row.paid_pct, lang)),
            t("mi.hover_population", lang=lang, value=fmt.count(row.population_count, lang)),
            t("mi.hover_per_inhabitant", lang=lang, granted=fmt.per_inhabitant(row.granted_per_inhabitant_eur, lang),
              paid=fmt.per_inhabitant(row.paid_per_inhabitant_eur, lang)),
        ])
        for row in recipients.itertuples()
    ]


def member_hover(members: pd.DataFrame, lang: str) -> list[str]:
    """Name, kind, role and cooperation, inhabitants of each member municipality."""
    return [
        "<br>".join([
            f"<b>{markup.plotly(row.member_name)}</b> ({_kind(row.member_kind, lang)})",
            t("mi.hover_member_of", lang=lang, role=t(f"mi.role.{row.role}", lang=lang), recipient=markup.plotly(row.recipient_name)),
            t("mi.hover_population", lang=lang, value=fmt.count(row.population_count, lang)),
        ])
        for row in members.itertuples()
    ]


def funds_map(kreise: pd.DataFrame, recipients: pd.DataFrame, members: pd.DataFrame, measure: str,
              title: str, lang: str | None = None) -> go.Figure:
    """Kreise coloured by `measure` (a funds_by_kreis column), recipients sized by grant, cooperation members."""
    lang = lang or current_language()
    per_inhabitant = measure.endswith("_per_inhabitant_eur")
    unit = t("mi.unit_per_inhabitant" if per_inhabitant else "mi.unit_eur", lang=lang)
    located = members.dropna(subset=["lat", "lon"])
    traces = [
        kreis_layer(kreise["kreis_id"].tolist(), kreise[measure].astype(float).tolist(), kreis_hover(kreise, lang),
                    f"{t(f'mi.measure.{measure}', lang=lang)}<br>{unit}", ",.2f" if per_inhabitant else ",.0f"),
        point_layer(recipients["lat"].tolist(), recipients["lon"].tolist(), recipient_hover(recipients, lang),
                    t("mi.map_recipients", lang=lang), RECIPIENT_COLOUR,
                    marker_sizes(recipients["granted_eur"].astype(float).tolist())),
        point_layer(located["lat"].tolist(), located["lon"].tolist(), member_hover(located, lang),
                    t("mi.map_members", lang=lang), MEMBER_COLOUR, 6, opacity=0.8),
    ]
    return land_map(traces, title, lang)
