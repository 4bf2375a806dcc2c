"""Charts on the programme's time axis: payments, the forecast and its backtest, milestones, progress, lights.

Every figure is bounded whatever the size of the programme: the queries hand over top-N rows plus a summary of
the rest, and what is left to do here works on those few rows.
"""

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
# the monthly milestone bars: colour and a fill pattern per state
MILESTONE_BARS = {
    "done_on_time": (charts.PALETTE[2], ""),
    "done_late": (charts.PALETTE[5], "x"),
    "overdue": (charts.PALETTE[1], "/"),
    "open": ("#bbbbbb", "."),
}
LIGHT_PATTERN = {"red": "x", "lapsed": "+", "amber": "/", "green": "", "not_started": ".", "done": "-"}
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


def end_labels(fig: go.Figure, labels: list[str], height: int, min_gap_px: int = 16) -> None:
    """Each line named at its right end, in its colour, instead of in a legend (for charts of a few lines).

    labels: the short names of the figure's line traces, in trace order (the full name stays in the hover).
    Ends at the same date that lie closer than min_gap_px are pushed apart; markers-only traces keep the legend.
    """
    ys = [float(v) for trace in fig.data for v in (trace.y if trace.y is not None else []) if pd.notna(v)]
    top = max(ys + [1.0]) * 1.05 or 1.0          # the axes start at zero (rangemode "tozero")
    plot_px = height - 50 - 70                     # title above, tick labels and axis title below
    ends = []
    lines = [trace for trace in fig.data if "lines" in (trace.mode or "lines")]
    for trace, label in zip(lines, labels):
        points = [(x, float(y)) for x, y in zip(trace.x, trace.y) if pd.notna(y)]
        if not points:
            continue
        x, y = points[-1]
        ends.append({"x": pd.Timestamp(x), "y": y, "px": y / top * plot_px, "label": label,
                     "colour": trace.line.color or "#000000"})
        trace.showlegend = False
    # ends within a month of each other share a column: top-down, each at least min_gap_px under the one above
    ends.sort(key=lambda e: (e["x"], -e["y"]))
    for i, end in enumerate(ends):
        end["shift"] = 0.0
        above = [e for e in ends[:i] if abs((e["x"] - end["x"]).days) <= 31]
        if above:
            lowest = min(e["px"] + e["shift"] for e in above)
            end["shift"] = min(0.0, lowest - min_gap_px - end["px"])
    for end in ends:
        fig.add_annotation(x=_iso(end["x"]), y=end["y"], xanchor="left", yanchor="middle", xshift=6,
                           yshift=end["shift"], showarrow=False, text=end["label"],
                           font={"color": end["colour"], "size": 12})
    longest = max((len(e["label"]) for e in ends), default=0)
    fig.update_layout(margin={"r": 16 + 7 * longest},
                      showlegend=any(trace.showlegend is not False for trace in fig.data))


def add_stichtag(fig: go.Figure, as_of: dt.date, lang: str) -> None:
    """A dotted vertical line at the Stichtag, labelled at the top."""
    fig.add_shape(type="line", x0=_iso(as_of), x1=_iso(as_of), y0=0, y1=1, yref="paper",
                  line={"color": "#000000", "dash": "dot", "width": 1.5})
    fig.add_annotation(x=_iso(as_of), y=1, yref="paper", yanchor="bottom", xanchor="center", showarrow=False,
                       text=t("fs.stichtag_line", lang=lang, date=fmt.date(as_of, lang)), font={"size": 11})


def counted(key: str, n: int, lang: str) -> str:
    """"1 Projekt" / "2 Projekte": the text of key, or of key_one for exactly one (German and English agree)."""
    return t(f"{key}_one" if n == 1 else key, lang=lang, count=fmt.count(n, lang))


def row_labels(names: pd.Series, project_ids: pd.Series) -> pd.Series:
    """A chart row per project (rows of one project share it): the recipient's name, with the project id where
    a recipient has several projects; escaped for plotly's text markup (a name is data, never a tag)."""
    projects = pd.DataFrame({"name": names, "project_id": project_ids}).drop_duplicates("project_id")
    repeated = projects.loc[projects["name"].duplicated(keep=False), "project_id"]
    labels = names.where(~project_ids.isin(repeated), names + " (" + project_ids + ")")
    return _safe(labels)


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
    end_labels(fig, [t("fs.label_planned", lang=lang), t("fs.label_paid", lang=lang)], 420)
    return fig


def top_and_rest(frame: pd.DataFrame, limit: int, columns: list[str]) -> tuple[pd.DataFrame, pd.Series | None, int]:
    """The first `limit` rows (the query's order), the sums of `columns` over the others, and how many those are."""
    rest = frame.iloc[limit:]
    return frame.iloc[:limit], (rest[columns].sum() if len(rest) else None), len(rest)


def lapse_bars(frame: pd.DataFrame, title: str, limit: int = 15, lang: str | None = None) -> go.Figure:
    """Each grant split into paid, still expected by the plan, at risk and lapsed, in % of the grant (the euros
    on hover): the `limit` projects with the most money at risk or lapsed (lapse_forecast's order), then one bar
    for all other projects together, which shares make comparable with a single project."""
    lang = lang or current_language()
    parts = {"paid": "paid_eur", "expected": "expected_paid_eur", "at_risk": "at_risk_eur", "lapsed": "lapsed_eur"}
    top, rest, rest_count = top_and_rest(frame, limit, [*parts.values(), "granted_eur"])
    labels = row_labels(top["recipient_name"], top["project_id"]).tolist()
    euros = {name: top[column].tolist() for name, column in parts.items()}
    granted = top["granted_eur"].tolist()
    if rest is not None:
        labels.append(t("fs.rest_projects", lang=lang, projects=counted("fs.n.projects", rest_count, lang)))
        for name, column in parts.items():
            euros[name].append(float(rest[column]))
        granted.append(float(rest["granted_eur"]))
    # the plan still expects what is granted and neither paid, at risk nor lapsed
    euros["expected"] = [max(0.0, e - p) for e, p in zip(euros["expected"], euros["paid"])]
    styles = [("paid", charts.PALETTE[0], ""), ("expected", charts.PALETTE[4], ""),
              ("at_risk", charts.PALETTE[5], "/"), ("lapsed", "#666666", "x")]
    suffix = " %" if lang == "de" else "%"
    fig = go.Figure()
    for name, colour, pattern in styles:
        shares = [100 * v / g if g else 0.0 for v, g in zip(euros[name], granted)]
        fig.add_trace(go.Bar(
            x=shares, y=labels, orientation="h", name=t(f"fs.series.{name}", lang=lang), customdata=euros[name],
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "white", "fillmode": "overlay"}},
            hovertemplate=f"%{{y}}: %{{x:.1f}}{suffix} ({money_hover('customdata', lang)})"
                          f"<extra>{t(f'fs.series.{name}', lang=lang)}</extra>",
        ))
    height = 160 + 36 * len(labels)
    charts.style(fig, title, lang, height=height)
    legend_below(fig, height, axis_px=48)
    # stacked bars list their legend in reverse unless told: keep the reading order paid → lapsed
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(title_text=t("fs.axis_grant_pct", lang=lang), range=[0, 100], ticksuffix=suffix)
    fig.update_yaxes(title_text=t("fs.axis_recipient", lang=lang), autorange="reversed", type="category")
    return fig


def backtest_chart(frame: pd.DataFrame, title: str, lang: str | None = None) -> go.Figure:
    """At every month end: what the forecast and the earlier method said would not be called, and the outcome."""
    lang = lang or current_language()
    _, hover_date = date_formats(lang)
    money = money_hover("y", lang)
    series = [
        ("forecast_eur", "fs.bt.series_forecast", charts.PALETTE[0], "solid", "circle"),
        ("earlier_forecast_eur", "fs.bt.series_earlier", charts.PALETTE[5], "dash", "x"),
        ("outcome_eur", "fs.bt.series_outcome", "#000000", "dot", None),
    ]
    fig = go.Figure()
    for column, key, colour, dash, symbol in series:
        name = t(key, lang=lang)
        fig.add_trace(go.Scatter(
            x=frame["status_date"], y=frame[column], name=name, mode="lines+markers" if symbol else "lines",
            line={"color": colour, "dash": dash, "width": 2.5}, marker={"symbol": symbol or "circle", "size": 7},
            hovertemplate=f"%{{x|{hover_date}}}: {money}<extra>{name}</extra>",
        ))
    charts.style(fig, title, lang, height=380)
    legend_below(fig, 380)
    tick, _ = date_formats(lang)
    fig.update_xaxes(type="date", tickformat=tick, title_text=t("fs.bt.axis_month", lang=lang))
    fig.update_yaxes(**money_axis({"title_text": t("fs.bt.axis_eur", lang=lang), "rangemode": "tozero"}, lang))
    end_labels(fig, [t(key.replace("series_", "label_"), lang=lang) for _, key, *_ in series], 380)
    return fig


def milestone_chart(frame: pd.DataFrame, as_of: dt.date, span: tuple, title: str,
                    lang: str | None = None) -> go.Figure:
    """One row per project: planned dates (open circles), completions by state, a line for every delay.

    For a programme with few projects only (the page switches to milestone_months beyond that)."""
    lang = lang or current_language()
    frame = frame.sort_values(["project_id", "planned_date", "milestone_id"])
    frame = frame.assign(row=row_labels(frame["recipient_name"], frame["project_id"]), title=_safe(frame["title"]))
    rows = frame.drop_duplicates("project_id")["row"].tolist()
    fig = go.Figure()

    # delay lines: planned -> done for late ones, planned -> Stichtag for overdue open ones
    late = frame[frame["milestone_state"].isin(["done_late", "overdue"])]
    ends = late["done_date"].where(late["milestone_state"] == "done_late", pd.Timestamp(as_of))
    if not late.empty:
        xs, ys = [], []
        for start, end, row in zip(late["planned_date"], ends, late["row"]):
            xs += [_iso(start), _iso(end), None]
            ys += [row, row, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=t("fs.ms.delay_line", lang=lang),
                                 line={"color": charts.PALETTE[5], "width": 3}, hoverinfo="skip"))

    state_words = {s: t(f"fs.ms.{s}", lang=lang) for s in ("done_on_time", "done_late", "overdue", "open")}
    days_word = t("fs.hover_days_late", lang=lang)

    def hover(part: pd.DataFrame) -> list[str]:
        # a few hundred milestones at most: this chart is drawn for small programmes only
        return [
            f"<b>{r.row}</b><br>{r.title}<br>{t('fs.hover_planned', lang=lang)}: {fmt.date(r.planned_date, lang)}"
            + (f"<br>{t('fs.hover_done', lang=lang)}: {fmt.date(r.done_date, lang)}" if pd.notna(r.done_date) else "")
            + f"<br>{state_words[r.milestone_state]}"
            + (f" ({fmt.count(r.days_late_days, lang)} {days_word})" if r.days_late_days else "")
            for r in part.itertuples()
        ]

    fig.add_trace(go.Scatter(
        x=[_iso(d) for d in frame["planned_date"]], y=frame["row"], mode="markers",
        name=t("fs.ms.planned", lang=lang), text=hover(frame), hovertemplate="%{text}<extra></extra>",
        marker={"symbol": "circle-open", "size": 11, "color": "#000000", "line": {"width": 2}},
    ))
    for state, (symbol, colour) in MILESTONE_STYLE.items():
        part = frame[frame["milestone_state"] == state]
        if part.empty:
            continue
        x = [_iso(d) for d in part["done_date"]] if state != "overdue" else [_iso(as_of)] * len(part)
        fig.add_trace(go.Scatter(
            x=x, y=part["row"], mode="markers", name=state_words[state],
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


def milestone_months_chart(frame: pd.DataFrame, as_of: dt.date, span: tuple, title: str,
                           lang: str | None = None) -> go.Figure:
    """Milestones per month of their planned date, stacked by their state on the Stichtag (any programme size)."""
    lang = lang or current_language()
    _, hover_date = date_formats(lang)
    fig = go.Figure()
    for state, (colour, pattern) in MILESTONE_BARS.items():
        name = t(f"fs.ms.{state}", lang=lang)
        fig.add_trace(go.Bar(
            x=frame["month_date"], y=frame[f"{state}_count"], name=name,
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "white", "fillmode": "overlay"}},
            hovertemplate=f"%{{x|{hover_date}}}: %{{y:,.0f}}<extra>{name}</extra>",
        ))
    charts.style(fig, title, lang, height=400)
    legend_below(fig, 400)
    fig.update_layout(barmode="stack", bargap=0.15, legend_traceorder="normal")
    time_axis(fig, span, lang, t("fs.ms.axis_month", lang=lang))
    fig.update_yaxes(title_text=t("fs.ms.axis_count", lang=lang), rangemode="tozero", tickformat=",d")
    add_stichtag(fig, as_of, lang)
    return fig


def progress_chart(frame: pd.DataFrame, as_of: dt.date, span: tuple, title: str,
                   lang: str | None = None) -> go.Figure:
    """Reported progress as small multiples: a panel per project that fares worst (its line in blue, every other
    project's in light grey behind it), and a panel for all others (their monthly median, the middle half as a
    band). One colour for the project in question instead of ten tangled lines."""
    from plotly.subplots import make_subplots  # only this figure needs it

    lang = lang or current_language()
    _, hover_date = date_formats(lang)
    suffix = " %" if lang == "de" else "%"
    rest = frame[frame["is_rest"]]
    shown = frame[~frame["is_rest"]]
    shown = shown.assign(row=row_labels(shown["recipient_name"], shown["project_id"]))
    names = list(dict.fromkeys(shown["row"]))
    median = (t("fs.progress_rest_median", lang=lang,
                projects=counted("fs.n.projects", int(rest["project_count"].max()), lang)) if not rest.empty else None)
    panels = names + ([median] if median else [])
    columns = 3 if len(panels) > 4 else max(len(panels), 1)
    rows = -(-len(panels) // columns)
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, shared_yaxes=True, subplot_titles=panels,
                        vertical_spacing=0.12 if rows > 1 else 0.0, horizontal_spacing=0.04)
    words = {light: t(f"light.{light}", lang=lang) for light in ("green", "amber", "red")}
    groups = {name: part for name, part in shown.groupby("row", sort=False)}
    for index, panel in enumerate(panels):
        row, col = index // columns + 1, index % columns + 1
        for other, part in groups.items():    # the other projects as quiet context
            if other != panel:
                fig.add_trace(go.Scatter(x=part["reported_date"], y=part["progress_pct"], mode="lines",
                                         line={"color": "#cfcfcf", "width": 1}, hoverinfo="skip", showlegend=False),
                              row=row, col=col)
        if panel == median:
            fig.add_trace(go.Scatter(x=rest["reported_date"], y=rest["progress_high_pct"], mode="lines",
                                     line={"width": 0}, hoverinfo="skip", showlegend=False), row=row, col=col)
            fig.add_trace(go.Scatter(x=rest["reported_date"], y=rest["progress_low_pct"], mode="lines",
                                     name=t("fs.progress_rest_band", lang=lang), line={"width": 0}, fill="tonexty",
                                     fillcolor="rgba(120,120,120,0.25)", hoverinfo="skip", showlegend=False),
                          row=row, col=col)
            fig.add_trace(go.Scatter(
                x=rest["reported_date"], y=rest["progress_pct"], mode="lines+markers", name=median,
                line={"color": "#555555", "width": 2.5}, customdata=rest["report_count"], showlegend=False,
                hovertemplate=f"{median}<br>%{{x|{hover_date}}}: %{{y:.0f}}{suffix} "
                              f"({t('fs.progress_rest_reports', lang=lang)}: %{{customdata:,.0f}})<extra></extra>",
            ), row=row, col=col)
        else:
            part = groups[panel]
            fig.add_trace(go.Scatter(
                x=part["reported_date"], y=part["progress_pct"], mode="lines+markers", name=panel,
                line={"color": charts.PALETTE[0], "width": 2.5}, customdata=part["report_status"].map(words),
                showlegend=False,
                hovertemplate=f"{panel}<br>%{{x|{hover_date}}}: %{{y:.0f}}{suffix} (%{{customdata}})<extra></extra>",
            ), row=row, col=col)
        fig.add_vline(x=_iso(as_of), line={"color": "#000000", "dash": "dot", "width": 1}, row=row, col=col)
    height = 120 + 190 * rows
    charts.style(fig, title, lang, height=height)
    fig.update_annotations(font={"size": 12})
    time_axis(fig, span, lang, title="")
    fig.update_yaxes(range=[0, 105], ticksuffix=suffix, dtick=50)
    fig.update_yaxes(title_text=t("fs.axis_progress", lang=lang), row=(rows + 1) // 2, col=1)
    fig.update_layout(showlegend=False, margin={"t": 70})
    return fig


def _column_labels(days: pd.Series, lang: str) -> list[str]:
    tick, _ = date_formats(lang)
    stamps = [pd.Timestamp(d) for d in days]
    return [d.strftime(tick) if d.is_month_end else fmt.date(d, lang) for d in stamps]


def light_counts_chart(frame: pd.DataFrame, title: str, lang: str | None = None) -> go.Figure:
    """How many projects had which light at every month end (and on the Stichtag): stacked bars, worst at the
    bottom, colour and pattern per light."""
    lang = lang or current_language()
    days = sorted(frame["status_date"].unique())
    labels = _column_labels(pd.Series(days), lang)
    position = dict(zip(days, labels))
    fig = go.Figure()
    for light in LIGHT_ORDER:
        part = frame[frame["light"] == light]
        if part.empty:
            continue
        name = status.light_label(light, lang)
        fig.add_trace(go.Bar(
            x=part["status_date"].map(position), y=part["project_count"], name=name,
            marker={"color": charts.LIGHT_COLOURS[light],
                    "pattern": {"shape": LIGHT_PATTERN[light], "fgcolor": "white", "fillmode": "overlay"}},
            hovertemplate=f"%{{x}}: %{{y:,.0f}}<extra>{name}</extra>",
        ))
    charts.style(fig, title, lang, height=420)
    legend_below(fig, 420, axis_px=70)
    fig.update_layout(barmode="stack", bargap=0.1, legend_traceorder="normal")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels,
                     title_text=t("fs.history_axis", lang=lang))
    fig.update_yaxes(title_text=t("fs.history_counts_axis", lang=lang), rangemode="tozero", tickformat=",d")
    return fig


def status_history(frame: pd.DataFrame, title: str, lang: str | None = None) -> go.Figure:
    """Projects × dates, each cell the light of that day in its colour, shape and (on hover) word: the few
    projects project_status_history hands over (the worst on the Stichtag), worst on top."""
    lang = lang or current_language()
    order = frame.drop_duplicates("project_id")
    labels = dict(zip(order["project_id"], row_labels(order["recipient_name"], order["project_id"])))
    rows = list(labels.values())
    words = {light: t(f"light.{light}", lang=lang) for light in LIGHT_ORDER}
    frame = frame.assign(row=frame["project_id"].map(labels), code=frame["light"].map(LIGHT_ORDER.index),
                         word=frame["light"].map(words), symbol=frame["light"].map(status.SYMBOL))
    cells = frame.pivot(index="row", columns="status_date", values=["code", "word", "symbol"]).reindex(rows)
    z = cells["code"]
    n = len(LIGHT_ORDER)
    scale = []
    for i, light in enumerate(LIGHT_ORDER):
        scale += [[i / n, charts.LIGHT_COLOURS[light]], [(i + 1) / n, charts.LIGHT_COLOURS[light]]]
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(dtype=float), x=_column_labels(pd.Series(z.columns), lang), y=rows,
        customdata=cells["word"].fillna("").to_numpy(), text=cells["symbol"].fillna("").to_numpy(),
        texttemplate="%{text}", textfont={"color": "#000000", "size": 11},   # black passes on every light
        colorscale=scale, zmin=-0.5, zmax=n - 0.5, xgap=1, ygap=2,
        colorbar={"tickvals": list(range(n)), "ticktext": [status.light_label(v, lang) for v in LIGHT_ORDER]},
        hovertemplate="%{y}<br>%{x}: %{customdata}<extra></extra>",
    ))
    charts.style(fig, title, lang, height=140 + 34 * len(rows))
    fig.update_xaxes(type="category", title_text=t("fs.history_axis", lang=lang), gridcolor="rgba(0,0,0,0)")
    fig.update_yaxes(title_text=t("fs.axis_project", lang=lang), autorange="reversed", gridcolor="rgba(0,0,0,0)",
                     type="category")
    return fig


def _safe(texts: pd.Series) -> pd.Series:
    """User text inside plotly's text markup (labels, names, hovers): '&', '<' and '>' escaped, so a name can
    never become a tag or a link."""
    return (texts.astype(str).str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False)
            .str.replace(">", "&gt;", regex=False))
