"""Charts on the programme's time axis: cumulative payments, milestones, progress, light history, lapse forecast."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from monitor import charts, fmt, status
from monitor.coverage import money_axis, money_hover
from monitor.i18n import current_language, t

LIGHT_ORDER = list(status.ORDER)
# milestone states: a shape as well as a colour, so nothing relies on colour alone
MILESTONE_STYLE = {
    "done_on_time": ("circle", charts.PALETTE[2]),
    "done_late": ("x", charts.PALETTE[5]),
    "overdue": ("triangle-right", charts.PALETTE[1]),
}
DASHES = ["solid", "dash", "dot", "dashdot"]


def date_formats(lang: str) -> tuple[str, str]:
    """Plotly date formats for axis ticks and hover: German 03.2021 / 30.06.2021, English Mar 2021 / 30 Jun 2021."""
    return ("%m.%Y", "%d.%m.%Y") if lang == "de" else ("%b %Y", "%d %b %Y")


def _iso(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def time_axis(fig: go.Figure, span: tuple, lang: str, title: str | None = None) -> None:
    """The shared x axis: decision to end of term, a margin of two weeks either side."""
    tick, _ = date_formats(lang)
    start, end = (pd.Timestamp(v) for v in span)
    fig.update_xaxes(type="date", range=[_iso(start - pd.Timedelta(days=14)), _iso(end + pd.Timedelta(days=14))],
                     tickformat=tick, title_text=title or t("fs.axis_date", lang=lang))


def legend_below(fig: go.Figure, height: int, axis_px: int = 62) -> None:
    """The legend under the x axis title (it grows downwards, so long legends never cover the axis)."""
    plot_px = height - 50 - 10
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -axis_px / plot_px, "x": 0})


def add_stichtag(fig: go.Figure, as_of: dt.date, lang: str) -> None:
    """A dotted vertical line at the Stichtag, labelled at the top."""
    fig.add_shape(type="line", x0=_iso(as_of), x1=_iso(as_of), y0=0, y1=1, yref="paper",
                  line={"color": "#000000", "dash": "dot", "width": 1.5})
    fig.add_annotation(x=_iso(as_of), y=1, yref="paper", yanchor="bottom", xanchor="center", showarrow=False,
                       text=t("fs.stichtag_line", lang=lang, date=fmt.date(as_of, lang)), font={"size": 11})


def cumulative_payments(frame: pd.DataFrame, as_of: dt.date, span: tuple, title: str,
                        lang: str | None = None) -> go.Figure:
    """Planned (whole term) and paid (to the Stichtag) cumulative steps, with the plan's value on the Stichtag."""
    lang = lang or current_language()
    _, hover_date = date_formats(lang)
    money = money_hover("y", lang)
    paid = frame[frame["cum_paid_eur"].notna()]
    expected = frame.loc[frame["is_stichtag"], "cum_planned_eur"]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=frame["timeline_date"], y=frame["cum_planned_eur"], mode="lines", line_shape="hv",
        name=t("fs.series_planned", lang=lang), line={"color": charts.PALETTE[1], "dash": "dash", "width": 2.5},
        hovertemplate=f"%{{x|{hover_date}}}: {money}<extra>{t('fs.series_planned', lang=lang)}</extra>",
    ))
    fig.add_trace(go.Scatter(
        x=paid["timeline_date"], y=paid["cum_paid_eur"], mode="lines", line_shape="hv",
        name=t("fs.series_paid", lang=lang), line={"color": charts.PALETTE[0], "width": 3},
        hovertemplate=f"%{{x|{hover_date}}}: {money}<extra>{t('fs.series_paid', lang=lang)}</extra>",
    ))
    if not expected.empty:
        value = float(expected.iloc[0])
        fig.add_trace(go.Scatter(
            x=[_iso(as_of)], y=[value], mode="markers+text", name=t("fs.series_expected", lang=lang),
            marker={"symbol": "diamond", "size": 13, "color": "#000000"},
            text=[fmt.money(value, lang)], textposition="middle left",
            hovertemplate=f"{t('fs.series_expected', lang=lang)}: {money}<extra></extra>",
        ))
    charts.style(fig, title, lang, height=420)
    legend_below(fig, 420)
    time_axis(fig, span, lang)
    fig.update_yaxes(**money_axis({"title_text": t("fs.axis_cum_eur", lang=lang), "rangemode": "tozero"}, lang))
    add_stichtag(fig, as_of, lang)
    return fig


def milestone_chart(frame: pd.DataFrame, as_of: dt.date, span: tuple, title: str,
                    lang: str | None = None) -> go.Figure:
    """One row per project: planned dates (open circles), completions by state, a line for every delay."""
    lang = lang or current_language()
    _, hover_date = date_formats(lang)
    rows = frame.drop_duplicates("project_id")["recipient_name"].tolist()
    fig = go.Figure()

    # delay lines: planned -> done for late ones, planned -> Stichtag for overdue open ones
    xs, ys = [], []
    for row in frame[frame["milestone_state"].isin(["done_late", "overdue"])].itertuples():
        end = row.done_date if row.milestone_state == "done_late" else as_of
        xs += [_iso(row.planned_date), _iso(end), None]
        ys += [row.recipient_name, row.recipient_name, None]
    if xs:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=t("fs.ms.delay_line", lang=lang),
                                 line={"color": charts.PALETTE[5], "width": 3}, hoverinfo="skip"))

    def hover(part: pd.DataFrame) -> list[str]:
        return [
            f"<b>{r.recipient_name}</b><br>{r.title}<br>{t('fs.hover_planned', lang=lang)}: {fmt.date(r.planned_date, lang)}"
            + (f"<br>{t('fs.hover_done', lang=lang)}: {fmt.date(r.done_date, lang)}" if pd.notna(r.done_date) else "")
            + f"<br>{t(f'fs.ms.{r.milestone_state}', lang=lang)}"
            + (f" ({fmt.count(r.days_late_days, lang)} {t('fs.hover_days_late', lang=lang)})" if r.days_late_days else "")
            for r in part.itertuples()
        ]

    fig.add_trace(go.Scatter(
        x=[_iso(d) for d in frame["planned_date"]], y=frame["recipient_name"], mode="markers",
        name=t("fs.ms.planned", lang=lang), text=hover(frame), hovertemplate="%{text}<extra></extra>",
        marker={"symbol": "circle-open", "size": 11, "color": "#000000", "line": {"width": 2}},
    ))
    for state, (symbol, colour) in MILESTONE_STYLE.items():
        part = frame[frame["milestone_state"] == state]
        if part.empty:
            continue
        x = [_iso(d) for d in part["done_date"]] if state != "overdue" else [_iso(as_of)] * len(part)
        fig.add_trace(go.Scatter(
            x=x, y=part["recipient_name"], mode="markers", name=t(f"fs.ms.{state}", lang=lang),
            text=hover(part), hovertemplate="%{text}<extra></extra>",
            marker={"symbol": symbol, "size": 12, "color": colour, "line": {"width": 1, "color": colour}},
        ))
    height = 140 + 40 * len(rows)
    charts.style(fig, title, lang, height=height)
    legend_below(fig, height)
    time_axis(fig, span, lang)
    fig.update_yaxes(title_text=t("fs.axis_project", lang=lang), categoryorder="array", categoryarray=rows,
                     autorange="reversed")
    add_stichtag(fig, as_of, lang)
    return fig


def progress_chart(frame: pd.DataFrame, as_of: dt.date, span: tuple, title: str,
                   lang: str | None = None) -> go.Figure:
    """Reported progress per project over time; colour and dash together tell the projects apart."""
    lang = lang or current_language()
    _, hover_date = date_formats(lang)
    suffix = " %" if lang == "de" else "%"
    fig = go.Figure()
    for i, (name, part) in enumerate(frame.groupby("recipient_name", sort=False)):
        fig.add_trace(go.Scatter(
            x=part["reported_date"], y=part["progress_pct"], mode="lines+markers", name=name,
            line={"color": charts.PALETTE[i % len(charts.PALETTE)], "dash": DASHES[(i // len(charts.PALETTE)) % len(DASHES)]},
            customdata=[t(f"light.{s}", lang=lang) for s in part["report_status"]],
            hovertemplate=f"{name}<br>%{{x|{hover_date}}}: %{{y:.0f}}{suffix} (%{{customdata}})<extra></extra>",
        ))
    charts.style(fig, title, lang, height=440)
    legend_below(fig, 440)
    time_axis(fig, span, lang)
    fig.update_yaxes(range=[0, 105], title_text=t("fs.axis_progress", lang=lang), ticksuffix=suffix)
    add_stichtag(fig, as_of, lang)
    return fig


def status_history(frame: pd.DataFrame, title: str, lang: str | None = None) -> go.Figure:
    """Projects × dates, each cell the light of that day in its colour, shape and (on hover) word."""
    lang = lang or current_language()
    tick, _ = date_formats(lang)
    rows = frame.drop_duplicates("project_id")["recipient_name"].tolist()
    codes = frame.assign(code=frame["light"].map(LIGHT_ORDER.index))
    z = codes.pivot(index="recipient_name", columns="status_date", values="code").reindex(rows)
    lights = frame.pivot(index="recipient_name", columns="status_date", values="light").reindex(rows)
    words = lights.map(lambda v: t(f"light.{v}", lang=lang) if isinstance(v, str) else "")
    symbols = lights.map(lambda v: status.SYMBOL[v] if isinstance(v, str) else "")
    n = len(LIGHT_ORDER)
    scale = []
    for i, light in enumerate(LIGHT_ORDER):
        scale += [[i / n, charts.LIGHT_COLOURS[light]], [(i + 1) / n, charts.LIGHT_COLOURS[light]]]
    columns = [pd.Timestamp(d) for d in z.columns]
    labels = [d.strftime(tick) if d.is_month_end else fmt.date(d, lang) for d in columns]
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(dtype=float), x=labels, y=rows, customdata=words.to_numpy(),
        text=symbols.to_numpy(), texttemplate="%{text}", textfont={"color": "white", "size": 11},
        colorscale=scale, zmin=-0.5, zmax=n - 0.5, xgap=1, ygap=2,
        colorbar={"tickvals": list(range(n)), "ticktext": [status.light_label(v, lang) for v in LIGHT_ORDER]},
        hovertemplate="%{y}<br>%{x}: %{customdata}<extra></extra>",
    ))
    charts.style(fig, title, lang, height=140 + 34 * len(rows))
    fig.update_xaxes(type="category", title_text=t("fs.history_axis", lang=lang), gridcolor="rgba(0,0,0,0)")
    fig.update_yaxes(title_text=t("fs.axis_project", lang=lang), autorange="reversed", gridcolor="rgba(0,0,0,0)")
    return fig


def lapse_bars(frame: pd.DataFrame, title: str, lang: str | None = None) -> go.Figure:
    """Each grant split into paid, projected still to come, at risk and lapsed, stacked per recipient."""
    lang = lang or current_language()
    frame = frame.sort_values(["at_risk_eur", "lapsed_eur", "recipient_name"], ascending=[False, False, True])
    parts = [
        ("paid", frame["paid_eur"], charts.PALETTE[0], ""),
        ("projected", frame["projected_paid_eur"] - frame["paid_eur"], charts.PALETTE[4], ""),
        ("at_risk", frame["at_risk_eur"], charts.PALETTE[5], "/"),
        ("lapsed", frame["lapsed_eur"], "#666666", "x"),
    ]
    fig = go.Figure()
    for name, values, colour, pattern in parts:
        fig.add_trace(go.Bar(
            x=values.clip(lower=0), y=frame["recipient_name"], orientation="h", name=t(f"fs.series.{name}", lang=lang),
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "white", "fillmode": "overlay"}},
            hovertemplate=f"%{{y}}: {money_hover('x', lang)}<extra>{t(f'fs.series.{name}', lang=lang)}</extra>",
        ))
    height = 160 + 36 * len(frame)
    charts.style(fig, title, lang, height=height)
    legend_below(fig, height, axis_px=48)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(**money_axis({"title_text": t("fs.axis_eur", lang=lang)}, lang))
    fig.update_yaxes(title_text=t("fs.axis_recipient", lang=lang), autorange="reversed")
    return fig
