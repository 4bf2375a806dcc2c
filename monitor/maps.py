"""Kreis maps of any Land (or all of Germany): Kreis areas from the project's GeoJSON plus point markers, drawn
without tiles or fonts from outside."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from monitor import amounts, charts, fmt, markup
from monitor.i18n import current_language, t

GEOJSON_FILE = Path(__file__).resolve().parent.parent / "data" / "geo" / "de_kreise.geojson"
# The view is fitted to the Land's bounds for a chart about 700 px wide and 600 px high: the bundled plotly.js
# cannot fit a tile map's view to the data by itself. MapLibre's world is 512 px wide at zoom 0.
VIEW_WIDTH_PX = 700
VIEW_HEIGHT_PX = 600
WORLD_PX = 512
ZOOM_MARGIN = 0.3  # zoom out a little so the outermost Kreise do not touch the edge
# "Blues" runs from near-white: a Kreis without grants stays light, and the scale reads in grey too
COLOURSCALE = "Blues"
BORDER_COLOUR = "#6b6b6b"
RECIPIENT_COLOUR = charts.PALETTE[1]   # orange: stands out against every shade of blue
MEMBER_COLOUR = charts.PALETTE[7]      # black


@lru_cache(maxsize=1)
def _germany() -> dict:
    return json.loads(GEOJSON_FILE.read_text(encoding="utf-8"))


def land_key(land_id) -> str | None:
    """The 2-digit Land AGS from a programme's land_id as stored ("01", 1, None, NaN); None = all of Germany."""
    if land_id is None or (not isinstance(land_id, str) and pd.isna(land_id)):
        return None
    return f"{int(land_id):02d}" if not isinstance(land_id, str) else land_id.strip().zfill(2)


def kreise_geojson(land_id: str | None = None) -> dict:
    """The Kreise of one Land (2-digit AGS; None = all of Germany) as a FeatureCollection, feature id = 5-digit AGS.

    Read once per process; every caller shares the same dict, so treat it as read-only.
    """
    return _land_geojson(land_key(land_id))


@lru_cache(maxsize=32)
def _land_geojson(land_id: str | None) -> dict:
    germany = _germany()
    if land_id is None:
        return germany
    features = [f for f in germany["features"] if f["properties"]["land"] == land_id]
    if not features:
        raise ValueError(f"no Kreise for Land {land_id!r}")
    return {**germany, "features": features}


def kreis_ids(land_id: str | None = None) -> list[str]:
    """The AGS of every Kreis of the Land (None = Germany), sorted."""
    return [f["id"] for f in kreise_geojson(land_id)["features"]]


def outside_land(kreis_ids: list, land_id: str | None) -> list:
    """The entries of `kreis_ids` that lie outside the Land, in their order (duplicates kept; None = unplaced).

    A federal programme (land_id None) has no outside apart from unplaced rows. Pages count and list these rows
    next to the map, which can only draw the Land's own Kreise.
    """
    land_id = land_key(land_id)
    return [k for k in kreis_ids if not isinstance(k, str) or (land_id is not None and k[:2] != land_id)]


def _points(coords):
    if coords and isinstance(coords[0], (int, float)):
        yield coords
        return
    for part in coords:
        yield from _points(part)


def bounds(land_id: str | None = None) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of the Land's Kreise (None = Germany)."""
    return _bounds(land_key(land_id))


@lru_cache(maxsize=32)
def _bounds(land_id: str | None) -> tuple[float, float, float, float]:
    lons, lats = [], []
    for feature in kreise_geojson(land_id)["features"]:
        for lon, lat in _points(feature["geometry"]["coordinates"]):
            lons.append(lon)
            lats.append(lat)
    return min(lons), min(lats), max(lons), max(lats)


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def view(land_id: str | None = None) -> dict:
    """Centre and zoom that fit the Land (None = Germany) into a chart of VIEW_WIDTH_PX x VIEW_HEIGHT_PX."""
    west, south, east, north = bounds(land_id)
    y_south, y_north = _mercator_y(south), _mercator_y(north)
    zoom_x = math.log2(VIEW_WIDTH_PX * 360 / (WORLD_PX * (east - west)))
    zoom_y = math.log2(VIEW_HEIGHT_PX * 2 * math.pi / (WORLD_PX * (y_north - y_south)))
    centre_lat = math.degrees(2 * math.atan(math.exp((y_south + y_north) / 2)) - math.pi / 2)
    return {"center": {"lat": round(centre_lat, 4), "lon": round((west + east) / 2, 4)},
            "zoom": round(min(zoom_x, zoom_y) - ZOOM_MARGIN, 2)}


def kreis_layer(kreis_ids: list[str], values: list[float], hover: list[str], colorbar_title: str,
                tickformat: str, land_id: str | None = None) -> go.Choroplethmap:
    """The Land's Kreis areas coloured by value from 0 up, each with its hover text.

    Kreise outside the Land are left out (list them with outside_land); Kreise of the Land missing from
    kreis_ids are drawn with value 0 and their name as hover text, so the whole Land is always shown.
    """
    geojson = kreise_geojson(land_id)
    names = {f["id"]: f["properties"]["name"] for f in geojson["features"]}
    rows = [(k, v, h) for k, v, h in zip(kreis_ids, values, hover) if k in names]
    present = {k for k, _, _ in rows}
    rows += [(k, 0, f"<b>{markup.plotly(name)}</b>") for k, name in names.items() if k not in present]
    locations, z, text = ([r[i] for r in rows] for i in range(3))
    return go.Choroplethmap(
        geojson=geojson, featureidkey="properties.ags", locations=locations, z=z,
        zmin=0, zmax=max([v for v in z if v is not None and not math.isnan(v)] + [0]) or 1,
        colorscale=COLOURSCALE, marker={"line": {"color": BORDER_COLOUR, "width": 0.8}, "opacity": 0.85},
        colorbar={"title": {"text": colorbar_title, "side": "right"}, "tickformat": tickformat, "thickness": 14},
        text=text, hovertemplate="%{text}<extra></extra>", showlegend=False, name="",
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


def land_map(traces: list, title: str, lang: str | None = None, height: int = 640,
             land_id: str | None = None) -> go.Figure:
    """A map of the Land (None = Germany) on a plain white background: no tiles, no glyphs, no external style."""
    fig = go.Figure(traces)
    charts.style(fig, title, lang, height=height)
    fig.update_layout(
        map={"style": "white-bg", **view(land_id)},
        legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0},
        margin={"l": 0, "r": 0, "t": 50, "b": 0},
    )
    # the licences of the boundaries (dl-de/by-2-0) and postcodes (CC BY 4.0) ask to be named where the map is shown
    fig.add_annotation(text=t("places.attribution", lang=lang), xref="paper", yref="paper", x=1, y=0,
                       xanchor="right", yanchor="bottom", showarrow=False, font={"size": 10, "color": "#404040"},
                       bgcolor="rgba(255,255,255,0.8)")
    return fig


# --- the funds map of the Mittel page -------------------------------------------------------------

def _kind(kind: str, lang: str) -> str:
    return t(f"kind.{kind}", lang=lang, default=kind)


def _share(value, lang: str) -> str:
    return fmt.pct(value, lang) if not pd.isna(value) else t("mi.no_grant", lang=lang)


def kreis_hover(kreise: pd.DataFrame, lang: str, programme: dict | None = None) -> list[str]:
    """Name, kind, granted, paid, share paid, per inhabitant, population, recipients of each Kreis (the amount named
    as the programme names it: grant or total eligible expenditure)."""
    programme = programme or {}
    return [
        "<br>".join([
            f"<b>{markup.plotly(row.kreis_name)}</b> ({_kind(row.kreis_kind, lang)})",
            amounts.text("mi.hover_granted", programme, lang=lang, value=fmt.money(row.granted_eur, lang)),
            t("mi.hover_paid", lang=lang, value=fmt.money(row.paid_eur, lang), share=_share(row.paid_pct, lang)),
            amounts.text("mi.hover_per_inhabitant", programme, lang=lang,
                         granted=fmt.per_inhabitant(row.granted_per_inhabitant_eur, lang),
                         paid=fmt.per_inhabitant(row.paid_per_inhabitant_eur, lang)),
            t("mi.hover_population", lang=lang, value=fmt.count(row.population_count, lang)),
            t("mi.hover_recipients", lang=lang, value=row.recipient_count),
        ])
        for row in kreise.itertuples()
    ]


def recipient_hover(recipients: pd.DataFrame, lang: str, programme: dict | None = None) -> list[str]:
    """Name, kind and Kreis, granted, paid, share paid, inhabitants and grant per inhabitant of each recipient."""
    programme = programme or {}
    return [
        "<br>".join([
            f"<b>{markup.plotly(row.recipient_name)}</b>",
            f"{_kind(row.recipient_kind, lang)} · {t('col.kreis_name', lang=lang)}: {markup.plotly(row.kreis_name)}",
            amounts.text("mi.hover_granted", programme, lang=lang, value=fmt.money(row.granted_eur, lang)),
            t("mi.hover_paid", lang=lang, value=fmt.money(row.paid_eur, lang), share=_share(row.paid_pct, lang)),
            t("mi.hover_population", lang=lang, value=fmt.count(row.population_count, lang)),
            amounts.text("mi.hover_per_inhabitant", programme, lang=lang,
                         granted=fmt.per_inhabitant(row.granted_per_inhabitant_eur, lang),
                         paid=fmt.per_inhabitant(row.paid_per_inhabitant_eur, lang)),
        ])
        for row in recipients.itertuples()
    ]


def member_hover(members: pd.DataFrame, lang: str) -> list[str]:
    """Name, kind, role and cooperation, inhabitants of each member municipality."""
    return [
        "<br>".join([
            f"<b>{markup.plotly(row.member_name)}</b> ({_kind(row.member_kind, lang)})",
            t("mi.hover_member_of", lang=lang, role=t(f"mi.role.{row.role}", lang=lang),
              recipient=markup.plotly(row.recipient_name)),
            t("mi.hover_population", lang=lang, value=fmt.count(row.population_count, lang)),
        ])
        for row in members.itertuples()
    ]


def funds_map(kreise: pd.DataFrame, recipients: pd.DataFrame, members: pd.DataFrame, measure: str,
              title: str, lang: str | None = None, land_id: str | None = None,
              programme: dict | None = None, links: pd.Series | None = None) -> go.Figure:
    """The Land's Kreise (None = Germany) coloured by `measure` (a funds_by_kreis column), recipients sized by
    grant, cooperation members; amounts named as the programme names them.

    links: each recipient's address (profile.urls, indexed like recipients): its label on the map links there,
    in the same tab.
    """
    lang = lang or current_language()
    per_inhabitant = measure.endswith("_per_inhabitant_eur")
    unit = t("mi.unit_per_inhabitant" if per_inhabitant else "mi.unit_eur", lang=lang)
    located = members.dropna(subset=["lat", "lon"])
    measure_name = amounts.text(f"mi.measure.{measure}", programme or {}, lang=lang)
    traces = [
        kreis_layer(kreise["kreis_id"].tolist(), kreise[measure].astype(float).tolist(),
                    kreis_hover(kreise, lang, programme), f"{measure_name}<br>{unit}",
                    ",.2f" if per_inhabitant else ",.0f", land_id),
        point_layer(recipients["lat"].tolist(), recipients["lon"].tolist(),
                    recipient_hover(recipients, lang, programme),
                    t("mi.map_recipients", lang=lang), RECIPIENT_COLOUR,
                    marker_sizes(recipients["granted_eur"].astype(float).tolist())),
        point_layer(located["lat"].tolist(), located["lon"].tolist(), member_hover(located, lang),
                    t("mi.map_members", lang=lang), MEMBER_COLOUR, 6, opacity=0.8),
    ]
    fig = land_map(traces, title, lang, land_id=land_id)
    geojson = kreise_geojson(land_id)
    placed = label_places(geojson, recipients, view(land_id))
    for (kind, text, dx, dy, ax, ay, row) in placed:
        recipient = kind == "recipient"
        label = markup.plotly(text)   # the name is data: escaped, so it stays text inside our own link
        linked = recipient and links is not None and isinstance(links.get(row), str)
        if linked:
            label = _link(links[row], label)
        fig.add_annotation(
            x=0.5, y=0.5, xref="paper", yref="paper", xshift=dx, yshift=-dy, text=label,
            # a link must take the click: otherwise it falls through to the map's canvas below the labels
            captureevents=linked,
            showarrow=recipient, ax=ax, ay=ay, arrowhead=0, arrowwidth=1, arrowcolor="#404040",
            font={"size": 11 if recipient else 10, "color": "#1a1a1a" if recipient else "#404040"},
            bgcolor="rgba(255,255,255,0.85)" if recipient else None, borderpad=1,
        )
    size_legend(fig, recipients["granted_eur"].astype(float).tolist(), lang, programme)
    return fig


def _link(address: str, label: str) -> str:
    """label (already escaped) as a Plotly link to address (our own relative URL), opened in the same tab: Plotly
    opens links in a new tab unless the tag names its target."""
    return f'<a href="{markup.plotly(address)}" target="_self">{label}</a>'


# --- labels on the map: SVG annotations, placed in pixels from the map's centre (tile-map text would load glyphs
# from the internet). The map keeps its centre and zoom at any chart width, so a pixel offset from the middle of
# the plot stays on its place; the labels are placed greedily so that none overlaps another or a marker.

CHAR_PX, LINE_PX = 6.2, 15      # a label's box: 11 px sans-serif, one line
LABEL_OFFSETS = [(40, -22), (-40, -22), (40, 22), (-40, 22), (60, 0), (-60, 0), (0, -36), (0, 36),
                 (70, -44), (-70, -44), (70, 44), (-70, 44), (100, 0), (-100, 0)]


def _pixels(lon: float, lat: float, centre: dict, zoom: float) -> tuple[float, float]:
    scale = WORLD_PX * 2 ** zoom
    dx = (lon - centre["lon"]) * scale / 360
    dy = -(_mercator_y(lat) - _mercator_y(centre["lat"])) * scale / (2 * math.pi)
    return dx, dy


def _centroid(geometry: dict) -> tuple[float, float]:
    points = list(_points(geometry["coordinates"]))
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _box(cx: float, cy: float, text: str) -> tuple[float, float, float, float]:
    width = CHAR_PX * len(text) / 2 + 3
    return cx - width, cy - LINE_PX / 2, cx + width, cy + LINE_PX / 2


def _overlaps(box, boxes) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes)


MAX_KREIS_LABELS = 60          # a Land's Kreise are named; Germany's 400 would cover the map
MAX_RECIPIENT_LABELS = 12      # the largest recipients are named; the others have their hover


def label_places(geojson: dict, recipients: pd.DataFrame, map_view: dict) -> list[tuple]:
    """(kind, text, dx, dy, ax, ay, row) of each label: the Kreise at their middle (a Land's, not Germany's 400),
    the largest recipients beside their markers; a label that would overlap another or a marker is left out.

    dx, dy: the labelled point in pixels from the map's centre (y down); ax, ay: the text's offset from the point;
    row: the recipient's index in recipients (None for a Kreis).
    """
    centre, zoom = map_view["center"], map_view["zoom"]
    boxes, places = [], []
    sizes = marker_sizes(recipients["granted_eur"].astype(float).tolist())
    for row, size in zip(recipients.itertuples(), sizes):
        if not (pd.isna(row.lat) or pd.isna(row.lon)):
            x, y = _pixels(row.lon, row.lat, centre, zoom)
            boxes.append((x - size / 2, y - size / 2, x + size / 2, y + size / 2))
    features = geojson["features"] if len(geojson["features"]) <= MAX_KREIS_LABELS else []
    for feature in features:
        name = feature["properties"]["name"]
        x, y = _pixels(*_centroid(feature["geometry"]), centre, zoom)
        box = _box(x, y, name)
        if _overlaps(box, boxes):          # a marker sits on the Kreis's middle: the label moves below it
            y += 16
            box = _box(x, y, name)
        boxes.append(box)
        places.append(("kreis", name, x, y, 0, 0, None))
    located = recipients.dropna(subset=["lat", "lon"])
    largest = located.sort_values("granted_eur", ascending=False, kind="stable").head(MAX_RECIPIENT_LABELS)
    for row in largest.sort_values("lat", ascending=False, kind="stable").itertuples():
        x, y = _pixels(row.lon, row.lat, centre, zoom)
        for ax, ay in LABEL_OFFSETS:
            box = _box(x + ax, y + ay, row.recipient_name)
            if not _overlaps(box, boxes):
                boxes.append(box)
                places.append(("recipient", row.recipient_name, x, y, ax, ay, row.Index))
                break
    return places


def size_legend(fig: go.Figure, granted: list[float], lang: str, programme: dict | None = None) -> None:
    """Circles for a quarter of and the largest grant, drawn at the map's lower left, with their amounts."""
    top = max([v for v in granted if v and v > 0] + [0])
    if not top:
        return
    values = [top / 4, top]
    sizes = marker_sizes(values)
    x = 16
    fig.add_annotation(x=0, y=0, xref="paper", yref="paper", xanchor="left", yanchor="bottom", xshift=8,
                       yshift=44, text=amounts.text("ds.size_legend", programme or {}, lang=lang), showarrow=False,
                       font={"size": 11, "color": "#1a1a1a"}, bgcolor="rgba(255,255,255,0.85)")
    for value, size in zip(values, sizes):
        fig.add_shape(type="circle", xref="paper", yref="paper", xsizemode="pixel", ysizemode="pixel",
                      xanchor=0, yanchor=0, x0=x, x1=x + size, y0=18, y1=18 + size,
                      fillcolor=RECIPIENT_COLOUR, opacity=0.9, line={"color": "white", "width": 1})
        fig.add_annotation(x=0, y=0, xref="paper", yref="paper", xanchor="left", yanchor="bottom",
                           xshift=x + size + 2, yshift=14, text=fmt.money(value, lang), showarrow=False,
                           font={"size": 11, "color": "#1a1a1a"})
        x += size + 12 + CHAR_PX * len(fmt.money(value, lang))
