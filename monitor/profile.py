"""The recipient profile: its shareable address, and the small map of the recipient with its members and partners."""

from __future__ import annotations

import math
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go

from monitor import maps, markup
from monitor.i18n import current_language, t

URL_PATH = "profil"          # the page's address (monitor/navigation.py)
PARAM = "empfaenger"         # ?empfaenger=<applicant_id>
# who may see the jury's verdict on the recipient's application (as on the Bewerbungen page)
JURY_ROLES = ("jury", "admin")
MAP_HEIGHT = 420
MAP_WIDTH_PX = 480            # the map sits in half the main column
MIN_SPAN = (0.9, 0.5)        # degrees of longitude and latitude the map shows at least (a Kreis and around it)


def url(applicant_id: str, programme_id: str, as_of, lang: str) -> str:
    """'profil?empfaenger=kiel&programm=dmk-sh&stichtag=2021-06-30&lang=de': relative, so it works under any host
    and base path; programme, Stichtag and language as the sidebar keeps them (monitor/context.py)."""
    return f"{URL_PATH}?" + urlencode({PARAM: applicant_id, "programm": programme_id,
                                       "stichtag": pd.Timestamp(as_of).date().isoformat(), "lang": lang})


def urls(applicant_ids: pd.Series, programme_id: str, as_of, lang: str) -> pd.Series:
    """url() for a column of recipients (a profile_url column: tables draw it as a link); the part every row shares
    is built once and each distinct recipient encoded once (90,000 rows at 10,000× the demo)."""
    rest = "&" + urlencode({"programm": programme_id, "stichtag": pd.Timestamp(as_of).date().isoformat(),
                            "lang": lang})
    known = applicant_ids.dropna().unique()
    encoded = {applicant_id: f"{URL_PATH}?{urlencode({PARAM: applicant_id})}{rest}" for applicant_id in known}
    return applicant_ids.map(encoded)


def shows_jury(role: str) -> bool:
    """Whether the role may see the jury's verdict (confidential: never leitung, analyse, datenpflege)."""
    return role in JURY_ROLES


def members_map(recipient: pd.Series, members: pd.DataFrame, title: str, lang: str | None = None,
                land_id: str | None = None) -> go.Figure:
    """The Land's Kreise with the recipient's own Kreis shaded, the recipient and its members and partners as
    points (cooperation_members rows of this recipient); offline like every map (monitor/maps.py)."""
    lang = lang or current_language()
    ids = maps.kreis_ids(land_id)
    kreis_id = recipient.get("kreis_id")
    names = {f["id"]: f["properties"]["name"] for f in maps.kreise_geojson(land_id)["features"]}
    hover = [f"<b>{markup.plotly(names[k])}</b>" for k in ids]
    kreise = maps.kreis_layer(ids, [1.0 if k == kreis_id else 0.0 for k in ids], hover, "", ",.0f", land_id)
    kreise.update(showscale=False, zmax=2)   # a shade, not a scale: the recipient's Kreis stands out lightly
    traces = [kreise]
    located = members.dropna(subset=["lat", "lon"])
    if not located.empty:
        member_hover = [
            f"<b>{markup.plotly(row.member_name)}</b><br>{t(f'mi.role.{row.role}', lang=lang)}"
            for row in located.itertuples()
        ]
        traces.append(maps.point_layer(located["lat"].tolist(), located["lon"].tolist(), member_hover,
                                       t("pf.map_members", lang=lang), maps.MEMBER_COLOUR, 8, opacity=0.85))
    if not pd.isna(recipient.get("lat")) and not pd.isna(recipient.get("lon")):
        traces.append(maps.point_layer([float(recipient["lat"])], [float(recipient["lon"])],
                                       [f"<b>{markup.plotly(recipient['recipient_name'])}</b>"],
                                       t("pf.map_recipient", lang=lang), maps.RECIPIENT_COLOUR, 16))
    fig = maps.land_map(traces, title, lang, height=MAP_HEIGHT, land_id=land_id)
    here = pd.DataFrame([{"lat": recipient.get("lat"), "lon": recipient.get("lon")}])
    points = pd.concat([located[["lat", "lon"]], here])
    points = points.dropna().astype(float)
    if not points.empty:
        fig.update_layout(map=view(points["lon"].tolist(), points["lat"].tolist()))
    return fig


def view(lons: list[float], lats: list[float]) -> dict:
    """Centre and zoom that show the points with their surroundings in a MAP_WIDTH_PX x MAP_HEIGHT map."""
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    span_lon = max(east - west, MIN_SPAN[0]) * 1.3
    span_lat = max(north - south, MIN_SPAN[1]) * 1.3
    zoom_x = math.log2(MAP_WIDTH_PX * 360 / (maps.WORLD_PX * span_lon))
    # latitude in Mercator: degrees shrink towards the poles by cos(lat)
    zoom_y = math.log2((MAP_HEIGHT - 60) * 360 * math.cos(math.radians((north + south) / 2))
                       / (maps.WORLD_PX * span_lat))
    return {"style": "white-bg", "center": {"lat": round((north + south) / 2, 4), "lon": round((west + east) / 2, 4)},
            "zoom": round(min(zoom_x, zoom_y), 2)}
