"""The Netzwerk graph: a deterministic layout of recipients and the plotly figure that draws it."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from monitor import amounts, charts, fmt, markup, status
from monitor.i18n import current_language, t

# the colour of a kind is fixed, so a kind keeps its colour whichever kinds the Stichtag shows
KIND_ORDER = ["kreis", "kreisfreie_stadt", "stadt", "gemeinde", "amt", "verbund"]
KIND_COLOURS = dict(zip(KIND_ORDER, charts.PALETTE))
EDGE_COLOUR = "#9e9e9e"
SEED = 20200826  # the day the winners were announced: any fixed number keeps the layout stable


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


@st.cache_data(show_spinner=False, max_entries=64)
def layout(nodes: pd.DataFrame, edges: pd.DataFrame, weight: str = "shared_count",
           iterations: int = 200) -> dict[str, tuple[float, float]]:
    """Positions in [-1, 1]² per applicant_id: a force layout started from a circle ordered by kind and Kreis.

    Deterministic (no randomness beyond a fixed seed), so the same data always gives the same picture.
    Heavier edges pull harder; a weak pull to the centre keeps unconnected recipients in view.
    Each step costs n² (all pairs repel), so large networks get fewer steps; results are cached.
    """
    ordered = nodes.assign(_rank=[_kind_rank(k) for k in nodes["recipient_kind"]]).sort_values(
        ["_rank", "kreis_name", "recipient_name", "applicant_id"], na_position="last")
    ids = ordered["applicant_id"].tolist()
    n = len(ids)
    if n == 0:
        return {}
    if n == 1:
        return {ids[0]: (0.0, 0.0)}
    angle = 2 * np.pi * np.arange(n) / n
    pos = np.column_stack([np.cos(angle), np.sin(angle)])
    # a tiny fixed jitter breaks the symmetry of the circle without making runs differ
    pos += np.random.default_rng(SEED).normal(scale=1e-3, size=pos.shape)

    index = {applicant_id: i for i, applicant_id in enumerate(ids)}
    pull = np.zeros((n, n))
    for source, target, value in edges[["source_id", "target_id", weight]].itertuples(index=False):
        if source in index and target in index:
            pull[index[source], index[target]] = pull[index[target], index[source]] = float(value)
    if pull.max() > 0:
        pull /= pull.max()

    iterations = min(iterations, max(30, 40_000 // n))
    ideal = np.sqrt(4.0 / n)  # Fruchterman-Reingold's k for an area of 4 (the square [-1, 1]²)
    temperature = 0.2
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.maximum(np.linalg.norm(delta, axis=-1), 1e-3)
        np.fill_diagonal(distance, 1.0)
        # repulsion k²/d between all pairs, attraction w·d²/k along edges, both along the unit vector
        strength = ideal**2 / distance**2 - pull * distance / ideal
        np.fill_diagonal(strength, 0.0)
        move = np.einsum("ijk,ij->ik", delta, strength) - 0.3 * pos
        length = np.maximum(np.linalg.norm(move, axis=1, keepdims=True), 1e-9)
        pos += move / length * np.minimum(length, temperature)
        temperature *= 0.01 ** (1 / iterations)  # cools to 1 % of the first step

    # each axis stretched to [-1, 1] on its own: the picture fills the wide chart, only closeness matters
    pos -= (pos.max(axis=0) + pos.min(axis=0)) / 2
    pos /= np.maximum(np.abs(pos).max(axis=0), 1e-9)
    return {applicant_id: (float(x), float(y)) for applicant_id, (x, y) in zip(ids, pos)}


def shared_topics(edges: pd.DataFrame) -> dict[str, str]:
    """Per applicant_id: the goals and themes it shares with anyone in the edge list, as one text."""
    found: dict[str, set[str]] = {}
    for row in edges.itertuples(index=False):
        topics = set()
        for column in ("shared_goals", "shared_themes"):
            value = getattr(row, column)
            if isinstance(value, str) and value:
                topics.update(value.split(", "))
        for applicant_id in (row.source_id, row.target_id):
            found.setdefault(applicant_id, set()).update(topics)
    return {applicant_id: ", ".join(sorted(topics)) for applicant_id, topics in found.items()}


def _plain(value) -> str:
    """A name as plotly hover text: data, never markup."""
    return html.escape(str(value), quote=False)


def _wrap(text, width: int = 60) -> str:
    """Long lists broken into lines for the hover box."""
    if not isinstance(text, str) or not text:
        return "–"
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(_plain(line) for line in lines)


LABELLED_NODES = 30  # up to this many recipients the graph writes their names beside the dots (else: hover)


def figure(nodes: pd.DataFrame, edges: pd.DataFrame, positions: dict[str, tuple[float, float]], title: str,
           weight: str = "shared_count", lang: str | None = None, programme: dict | None = None) -> go.Figure:
    """Recipients as dots (size = grant, colour = kind) joined by lines as thick as what they share; the hover names
    the amount as the programme does (grant or total eligible expenditure)."""
    lang = lang or current_language()
    fig = go.Figure()
    top = max(float(edges[weight].max()), 1.0) if not edges.empty else 1.0
    # one trace per weight: a plotly line has one width, so equal weights share a trace
    for value, group in edges.groupby(weight, sort=True):
        xs, ys = [], []
        for source, target in group[["source_id", "target_id"]].itertuples(index=False):
            (x0, y0), (x1, y1) = positions[source], positions[target]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False, name=str(value),
            line={"color": EDGE_COLOUR, "width": 0.5 + 6.5 * float(value) / top}, opacity=0.6,
        ))
    if not edges.empty:
        # an invisible point in the middle of each line carries the line's hover text
        middle = [((positions[s][0] + positions[g][0]) / 2, (positions[s][1] + positions[g][1]) / 2)
                  for s, g in edges[["source_id", "target_id"]].itertuples(index=False)]
        hover = [
            f"<b>{_plain(row.source_name)} – {_plain(row.target_name)}</b><br>"
            + t("nw.hover_shared", lang=lang, count=getattr(row, weight)) + "<br>"
            + t("nw.hover_goals", lang=lang, goals=_wrap(row.shared_goals)) + "<br>"
            + t("nw.hover_themes", lang=lang, themes=_wrap(row.shared_themes))
            for row in edges.itertuples(index=False)
        ]
        fig.add_trace(go.Scatter(
            x=[m[0] for m in middle], y=[m[1] for m in middle], mode="markers", showlegend=False,
            marker={"size": 14, "color": "rgba(0,0,0,0)"}, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
            name=t("nw.edge_hover_trace", lang=lang),
        ))

    shares = shared_topics(edges)
    largest = max(float(nodes["granted_eur"].max()), 1.0)
    kinds = sorted(nodes["recipient_kind"].unique(), key=_kind_rank)
    for kind in kinds:
        group = nodes[nodes["recipient_kind"] == kind]
        hover = [
            f"<b>{_plain(row.recipient_name)}</b><br>"
            + amounts.text("nw.hover_node", programme or {}, lang=lang, kind=t(f"kind.{row.recipient_kind}", lang=lang),
                           kreis=markup.plotly(row.kreis_name or "–"), granted=fmt.money(row.granted_eur, lang))
            + "<br>"
            + t("nw.hover_shares", lang=lang, topics=_wrap(shares.get(row.applicant_id)))
            for row in group.itertuples(index=False)
        ]
        fig.add_trace(go.Scatter(
            x=[positions[a][0] for a in group["applicant_id"]], y=[positions[a][1] for a in group["applicant_id"]],
            mode="markers+text" if len(nodes) <= LABELLED_NODES else "markers", name=t(f"kind.{kind}", lang=lang),
            text=[markup.plotly(n) for n in group["recipient_name"]] if len(nodes) <= LABELLED_NODES else None,
            textposition="top center", textfont={"size": 12, "color": "#222222"},
            marker={"size": [16 + 26 * np.sqrt(float(g) / largest) for g in group["granted_eur"]],
                    "color": KIND_COLOURS.get(kind, charts.PALETTE[7]), "line": {"color": "white", "width": 1.5},
                    # plotly makes markers of varying size translucent by default: the lines would show through
                    "opacity": 1.0},
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        ))

    charts.style(fig, title, lang, height=600)
    # a network has no axes to read: position only shows closeness, so axes, grid and ticks are hidden
    fig.update_xaxes(visible=False, range=[-1.25, 1.25])
    fig.update_yaxes(visible=False, range=[-1.15, 1.22])
    fig.update_layout(hovermode="closest", legend={"title": {"text": t("nw.legend_kind", lang=lang)}, "y": -0.08})
    return fig


def kind_labels(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """frame with recipient_kind_label ('Kreis', 'Stadt' …) added (one lookup per kind, not per row)."""
    labels = {k: t(f"kind.{k}", lang=lang) for k in frame["recipient_kind"].dropna().unique()}
    return frame.assign(recipient_kind_label=frame["recipient_kind"].map(labels))


def light_labels(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """frame with light_label ('▲ gelb' …) beside its light code ('–' where a recipient has no light yet)."""
    labels = {light: status.light_label(light, lang) for light in frame["light"].dropna().unique()}
    return frame.assign(light_label=frame["light"].map(labels).fillna("–"))
