"""The one-page briefing for ministry leadership: the programme on the Stichtag as an A4 PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from monitor import amounts, charts, fmt, indicators, queries as q, status
from monitor.i18n import t

if TYPE_CHECKING:
    from monitor.context import Context

# DejaVu Sans Condensed ships in the package (monitor/assets/fonts): the PDF core fonts have no €, and
# a system font may be missing on an air-gapped server. Condensed: more words per line on one page.
FONT_DIR = Path(__file__).with_name("assets") / "fonts"
FONT = "DejaVuSansCondensed"
QUERIES = ("programme_summary", "project_status", "next_milestones", "lapse_forecast", "funds_by_kreis",
           "indicator_totals", "payments_cumulative")
NEXT_MILESTONES = 5
ATTENTION = status.ATTENTION
LIGHT_ORDER = status.ORDER

# A4 portrait in mm
MARGIN, TOP, BOTTOM = 12.0, 10.0, 10.0
WIDTH = 210.0 - 2 * MARGIN
BODY_PT, LINE = 8.0, 3.6
GREY, RULE, ZEBRA = (90, 90, 90), (170, 170, 170), (243, 243, 243)
GAP = 3.0  # between sections


@dataclass(frozen=True)
class Facts:
    """Everything the briefing shows, as the named queries return it on the Stichtag."""

    programme: dict
    as_of: dt.date
    lang: str
    is_demo: bool
    summary: pd.Series
    projects: pd.DataFrame  # project_status, worst first
    upcoming: pd.DataFrame
    forecast: pd.DataFrame
    kreise: pd.DataFrame
    results: pd.DataFrame  # indicator_totals: one row per indicator
    timeline: pd.DataFrame | None = None  # payments_cumulative: planned and paid over the term (the chart)


def facts(ctx: Context) -> Facts:
    """Read the briefing's figures for the context's programme and Stichtag."""
    params = ctx.params()
    return Facts(
        programme=ctx.programme, as_of=ctx.as_of, lang=ctx.lang,
        is_demo=bool(q.run("build_info")["is_demo"].iloc[0]),
        summary=q.run("programme_summary", **params).iloc[0],
        projects=q.run("project_status", **params),
        upcoming=q.run("next_milestones", **params, limit=NEXT_MILESTONES),
        forecast=q.run("lapse_forecast", **params),
        kreise=q.run("funds_by_kreis", **params),
        results=q.run("indicator_totals", **params),
        timeline=q.run("payments_cumulative", **params, applicant_id=""),
    )


def pdf_bytes(ctx: Context, created: dt.datetime | None = None) -> bytes:
    """The briefing as a one-page A4 PDF in the context's language."""
    return render(facts(ctx), created or dt.datetime.now())


def file_name(ctx: Context) -> str:
    """'Kurzbericht_2021-06-30.pdf': the Stichtag in the name sorts the files."""
    return t("br.file_name", lang=ctx.lang, date=ctx.as_of.isoformat())


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


class Sheet(FPDF):
    """One A4 page with the house font and the few drawing helpers the briefing needs."""

    def __init__(self, lang: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang = lang
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSansCondensed.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSansCondensed-Bold.ttf"))
        self.set_margins(MARGIN, TOP, MARGIN)
        # the plan below measures every block so that nothing breaks; a break would show as a second page
        self.set_auto_page_break(True, BOTTOM)
        self.c_margin = 0.8
        self.add_page()
        self.style()

    @property
    def bottom(self) -> float:
        return self.h - BOTTOM

    def style(self, size: float = BODY_PT, bold: bool = False, colour=(0, 0, 0)) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)

    def lines(self, text: str, width: float) -> int:
        """How many lines text takes in the current font at this width."""
        return max(1, len(self.multi_cell(width, LINE, text, dry_run=True, output="LINES")))

    def para(self, text: str, x: float, width: float, line: float = LINE, align: str = "L") -> None:
        """Text wrapped at width from (x, current y); y moves below it."""
        self.set_x(x)
        self.multi_cell(width, line, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.style(10, bold=True)
        self.para(text, MARGIN, WIDTH, line=5)
        self.ln(0.6)

    def figure_box(self, x: float, y: float, width: float, height: float, label: str, value: str,
                   value_pt: float = 12.5, note: str | None = None, light: str | None = None) -> None:
        """A key figure in a ruled box at (x, y): its label (small, grey), the value in bold (after the light's
        symbol when one is given) and a note (small, grey) below it when one is given."""
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.rect(x, y, width, height, style="D")
        self.set_y(y + 1.2)
        self.style(7, colour=GREY)
        self.para(label, x + 1, width - 2, line=3.2)
        offset = 0.0
        if light is not None:
            self.symbol(light, x + 1.2, self.get_y() + 3.1, size=3)
            offset = 4.5
        self.style(value_pt, bold=True)
        self.para(value, x + 1 + offset, width - 2 - offset, line=6.2)
        if note is not None:
            self.style(6.6, colour=GREY)
            self.para(note, x + 1, width - 2, line=2.9)

    def symbol(self, light: str, x: float, y_mid: float, size: float = 2.4) -> None:
        """The light as a drawn shape (square, triangle, circle, tick, ring): never colour alone, no emoji."""
        colour = _rgb(charts.LIGHT_COLOURS[light])
        self.set_fill_color(*colour)
        self.set_draw_color(*colour)
        half = size / 2
        if light == "red":
            self.rect(x, y_mid - half, size, size, style="F")
        elif light == "amber":
            self.polygon([(x, y_mid + half), (x + size, y_mid + half), (x + half, y_mid - half - 0.2)], style="F")
        elif light == "green":
            self.circle(x + half, y_mid, half, style="F")
        elif light == "lapsed":
            self.polygon([(x + half, y_mid - half), (x + size, y_mid), (x + half, y_mid + half), (x, y_mid)], style="F")
        elif light == "done":
            self.set_line_width(0.55)
            self.polyline([(x, y_mid), (x + size * 0.38, y_mid + half), (x + size, y_mid - half)])
        else:
            self.set_line_width(0.35)
            self.circle(x + half, y_mid, half - 0.2, style="D")
        self.set_line_width(0.2)


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    align: str = "L"


class Table:
    """Rows of wrapped cells with a header; the first column may carry a light symbol."""

    SYMBOL_SPACE = 3.6

    def __init__(self, sheet: Sheet, columns: list[Column], symbol_column: bool = False):
        self.sheet, self.columns, self.symbol_column = sheet, columns, symbol_column

    def _text_width(self, i: int) -> float:
        width = self.columns[i].width
        return width - self.SYMBOL_SPACE if i == 0 and self.symbol_column else width

    def header_height(self) -> float:
        self.sheet.style(bold=True)
        return max(self.sheet.lines(c.header, c.width) for c in self.columns) * LINE + 0.6

    def row_height(self, cells: list[str]) -> float:
        self.sheet.style()
        return max(self.sheet.lines(text, self._text_width(i)) for i, text in enumerate(cells)) * LINE + 0.6

    def draw_header(self) -> None:
        sheet, y, h = self.sheet, self.sheet.get_y(), self.header_height()
        sheet.style(bold=True)
        x = MARGIN
        for c in self.columns:
            sheet.set_xy(x, y + 0.3)
            sheet.multi_cell(c.width, LINE, c.header, align=c.align)
            x += c.width
        sheet.set_draw_color(*RULE)
        sheet.line(MARGIN, y + h, MARGIN + WIDTH, y + h)
        sheet.set_y(y + h)

    def draw_row(self, cells: list[str], light: str | None = None, shaded: bool = False) -> None:
        sheet, y, h = self.sheet, self.sheet.get_y(), self.row_height(cells)
        if shaded:
            sheet.set_fill_color(*ZEBRA)
            sheet.rect(MARGIN, y, WIDTH, h, style="F")
        sheet.style()
        x = MARGIN
        for i, (c, text) in enumerate(zip(self.columns, cells)):
            offset = 0.0
            if i == 0 and self.symbol_column and light:
                sheet.symbol(light, x + 0.8, y + 0.3 + LINE / 2, size=2.2)
                offset = self.SYMBOL_SPACE
            sheet.set_xy(x + offset, y + 0.3)
            sheet.multi_cell(c.width - offset, LINE, text, align=c.align)
            x += c.width
        sheet.set_y(y + h)


@dataclass(frozen=True)
class Plan:
    """What goes on the page: table rows, attention blocks and the notes for what was left out."""

    table_rows: pd.DataFrame
    left_out_note: str
    more_note: str
    attention_rows: pd.DataFrame
    attention_note: str
    height: float = 0.0   # what the lights and the attention list take on the page


def render(data: Facts, created: dt.datetime) -> bytes:
    """Lay the facts out on one A4 page and return the PDF."""
    lang = data.lang
    name = data.programme["name_de" if lang == "de" else "name_en"]
    sheet = Sheet(lang)
    sheet.set_lang(lang)
    sheet.set_title(t("br.page_title", lang=lang, programme=name, date=fmt.date(data.as_of, lang)))
    sheet.set_author(str(data.programme["funder"]))
    sheet.set_creator("Modellkommunen-Monitor")
    sheet.set_creation_date(created.astimezone())

    _header(sheet, data, name, created)
    _figures(sheet, data)
    projects = status.describe(data.projects, lang)
    _light_counts(sheet, projects, lang)

    lights = _lights_table(sheet, lang)
    attention = projects[projects["light"].isin(ATTENTION)]
    footer_h = _footer(sheet, data.programme, lang, measure=True)
    milestones_h = _milestones(sheet, data.upcoming, lang, measure=True)
    results_h = _results(sheet, data.results, lang, measure=True)
    chart_h = _chart_height(data)
    available = sheet.bottom - sheet.get_y() - footer_h - milestones_h - results_h - 4 * GAP - chart_h
    plan = _plan(sheet, projects, attention, lights, available, lang)
    # the chart takes what the lists leave over (up to CHART_GROW mm more), so the page has no empty foot
    _chart(sheet, data, CHART_H + min(CHART_GROW, max(0.0, available - plan.height - 1)) if chart_h else 0)

    sheet.heading(t("br.lights", lang=lang))
    lights.draw_header()
    for i, (_, row) in enumerate(plan.table_rows.iterrows()):
        lights.draw_row(_light_cells(row, lang), row["light"], shaded=i % 2 == 1)
    for note in (plan.left_out_note, plan.more_note):
        if note:
            sheet.style(6.8, colour=GREY)
            sheet.para(note, MARGIN, WIDTH)
    sheet.ln(GAP)

    sheet.heading(t("br.attention", lang=lang))
    if attention.empty:
        sheet.style()
        sheet.para(t("br.attention_none", lang=lang), MARGIN, WIDTH)
    for _, row in plan.attention_rows.iterrows():
        _attention_block(sheet, row, lang, data.programme)
    if plan.attention_note:
        sheet.style(6.8, colour=GREY)
        sheet.para(plan.attention_note, MARGIN, WIDTH)
    sheet.ln(GAP)

    _milestones(sheet, data.upcoming, lang)
    sheet.ln(GAP)
    _results(sheet, data.results, lang)
    sheet.ln(GAP)
    _footer(sheet, data.programme, lang)
    return bytes(sheet.output())


def _header(sheet: Sheet, data: Facts, name: str, created: dt.datetime) -> None:
    lang = data.lang
    sheet.style(7.5, bold=True, colour=GREY)
    sheet.para(t("br.kicker", lang=lang).upper(), MARGIN, WIDTH)
    sheet.style(14, bold=True)
    sheet.para(name, MARGIN, WIDTH, line=6.2)
    sheet.style(8.5)
    sheet.para(t("br.funder", lang=lang, funder=data.programme["funder"]), MARGIN, WIDTH, line=4)
    stand = t("br.stand", lang=lang, date=fmt.date(data.as_of, lang))
    made = t("br.created", lang=lang, date=fmt.date(created, lang), time=created.strftime("%H:%M"))
    sheet.style(8.5, bold=True)
    y = sheet.get_y()
    sheet.para(stand, MARGIN, WIDTH, line=4)
    sheet.style(8.5, colour=GREY)
    sheet.set_y(y)
    sheet.para(made, MARGIN, WIDTH, line=4, align="R")
    if data.is_demo:
        sheet.ln(0.8)
        sheet.style(7, colour=(90, 60, 0))
        note = t("br.demo", lang=lang)
        h = sheet.lines(note, WIDTH - 2) * LINE + 1.2
        sheet.set_fill_color(253, 240, 214)
        sheet.rect(MARGIN, sheet.get_y(), WIDTH, h, style="F")
        sheet.set_y(sheet.get_y() + 0.6)
        sheet.para(note, MARGIN + 1, WIDTH - 2)
        sheet.ln(0.6)
    sheet.ln(1)
    sheet.set_draw_color(*RULE)
    sheet.line(MARGIN, sheet.get_y(), MARGIN + WIDTH, sheet.get_y())
    sheet.ln(GAP - 1)


def _key_figures(data: Facts) -> list[tuple[str, str, str]]:
    """(label, value, note) for the eight boxes, in reading order."""
    lang, s = data.lang, data.summary
    money = lambda v: fmt.money(v, lang)  # noqa: E731 - short local formatter
    # the grant, or for an EU list of operations the total eligible expenditure (monitor/amounts.py)
    worded = lambda key, **values: amounts.text(key, data.programme, lang=lang, **values)  # noqa: E731
    forecast = data.forecast
    granted = forecast["granted_eur"].sum()
    at_risk, lapsed = forecast["at_risk_eur"].sum(), forecast["lapsed_eur"].sum()
    at_risk_count = int((forecast["at_risk_eur"] > 0.5).sum())
    funded = data.kreise[data.kreise["granted_eur"] > 0].sort_values(["granted_eur", "kreis_name"],
                                                                      ascending=[False, True])
    regions_note = (t("br.regions_note", lang=lang, name=funded["kreis_name"].iloc[0],
                      money=money(funded["granted_eur"].iloc[0])) if not funded.empty
                    else worded("br.regions_none"))
    return [
        (t("br.budget", lang=lang), money(s["budget_eur"]),
         worded("br.budget_note", free=money(s["budget_eur"] - s["granted_eur"]))),
        (worded("br.granted"), money(s["granted_eur"]),
         t("br.granted_note", lang=lang, count=fmt.count(s["project_count"], lang),
           share=fmt.pct(s["granted_pct"], lang))),
        (t("br.paid", lang=lang), money(s["paid_eur"]),
         worded("br.paid_note", share=fmt.pct(s["paid_pct"], lang))),
        (t("br.planned", lang=lang), money(s["planned_eur"]),
         t("br.planned_note", lang=lang, diff=money(s["paid_eur"] - s["planned_eur"]))),
        (t("br.elapsed", lang=lang), fmt.pct(s["term_elapsed_pct"], lang),
         t("br.elapsed_note", lang=lang, start=fmt.date(s["term_start_date"], lang),
           end=fmt.date(s["term_end_date"], lang))),
        (t("br.milestones", lang=lang),
         f"{fmt.count(s['milestones_due_done_count'], lang)} / {fmt.count(s['milestones_due_count'], lang)}",
         t("br.milestones_note", lang=lang, overdue=fmt.count(s["milestones_overdue_count"], lang),
           total=fmt.count(s["milestone_count"], lang))),
        # as the Fortschritt page shows it: the forecast at risk, its share of the grants, and what already lapsed
        (t("br.at_risk", lang=lang), money(at_risk),
         worded("br.at_risk_note_one" if at_risk_count == 1 else "br.at_risk_note",
           share=fmt.pct(100 * at_risk / granted if granted else 0, lang, decimals=1),
           count=fmt.count(at_risk_count, lang), lapsed=money(lapsed))),
        (t("br.regions", lang=lang),
         t("br.regions_value", lang=lang, funded=len(funded), total=len(data.kreise)), regions_note),
    ]


def _figures(sheet: Sheet, data: Facts) -> None:
    boxes = _key_figures(data)
    gap, per_row = 2.5, 4
    width = (WIDTH - gap * (per_row - 1)) / per_row
    for start in range(0, len(boxes), per_row):
        row = boxes[start:start + per_row]
        sheet.style(6.6)
        note_lines = max(sheet.lines(note, width - 2) for _, _, note in row)
        height = 2.2 + 3.2 + 6.2 + note_lines * 2.9 + 0.8
        y = sheet.get_y()
        for i, (label, value, note) in enumerate(row):
            sheet.figure_box(MARGIN + i * (width + gap), y, width, height, label, value, note=note)
        sheet.set_y(y + height + gap)
    sheet.ln(GAP - gap)


def _light_counts(sheet: Sheet, projects: pd.DataFrame, lang: str) -> None:
    counts = projects["light"].value_counts()
    y = sheet.get_y()
    sheet.style(8.5, bold=True)
    label = t("br.light_counts", lang=lang)
    sheet.set_xy(MARGIN, y)
    sheet.cell(sheet.get_string_width(label) + 2, 4.5, label)
    x = sheet.get_x() + 1
    for light in LIGHT_ORDER:
        if not counts.get(light, 0):
            continue
        sheet.symbol(light, x, y + 2.25, size=2.8)
        sheet.style(8.5)
        text = f"{t(f'light.{light}', lang=lang)} {fmt.count(counts[light], lang)}"
        sheet.set_xy(x + 3.4, y)
        sheet.cell(sheet.get_string_width(text) + 2, 4.5, text)
        x = sheet.get_x() + 3
    sheet.set_y(y + 4.5 + GAP)


CHART_H = 21.0            # the plot area of plan vs paid, in mm, at least
CHART_GROW = 16.0         # and up to this much taller where the lists leave room
CHART_EXTRA = 5.6 + 1.5 + 4.5 + GAP   # its heading, the Stichtag label, the year labels and the gap below
CHART_LEFT, CHART_RIGHT = 20.0, 36.0   # room for the money axis and for the lines' own labels
PLAN_COLOUR, PAID_COLOUR = (90, 90, 90), _rgb(charts.PALETTE[0])


def _nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2,5 or 5 × 10^k) that divides 0..top into about `ticks` parts."""
    raw = max(top, 1.0) / ticks
    power = 10 ** (len(str(int(raw))) - 1)
    return next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= raw)


def _x_ticks(first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    """Year starts inside the span, labelled with the year; for a span without one, its first and last day."""
    years = [dt.date(y, 1, 1) for y in range(first.year + 1, last.year + 1)]
    return [(d, str(d.year)) for d in years] or [(first, ""), (last, "")]


def _has_chart(data: Facts) -> bool:
    frame = data.timeline
    return not (frame is None or frame.empty or
                (frame["cum_planned_eur"].max() <= 0 and (frame["cum_paid_eur"].fillna(0).max() <= 0)))


def _chart_height(data: Facts) -> float:
    """The least the chart takes on the page (0 when there is nothing to draw)."""
    return CHART_H + CHART_EXTRA if _has_chart(data) else 0.0


def _chart(sheet: Sheet, data: Facts, height: float) -> None:
    """Planned and paid money summed over the term (payments_cumulative): two step lines, the Stichtag marked, each
    line labelled at its end with its value, a money axis; drawn with fpdf2's own lines, no image."""
    if not height:
        return
    frame = data.timeline
    lang = data.lang
    sheet.heading(t("br.chart", lang=lang))
    days = pd.to_datetime(frame["timeline_date"]).dt.date.tolist()
    first, last = days[0], max(days[-1], data.as_of)
    span = max((last - first).days, 1)
    top_value = float(max(frame["cum_planned_eur"].max(), frame["cum_paid_eur"].fillna(0).max()))
    step = _nice_step(top_value)
    y_max = step * -(-top_value // step)
    x0, y0 = MARGIN + CHART_LEFT, sheet.get_y() + 1.5
    width = WIDTH - CHART_LEFT - CHART_RIGHT
    x_of = lambda day: x0 + width * (day - first).days / span  # noqa: E731 - small local scale
    y_of = lambda value: y0 + height * (1 - value / y_max)     # noqa: E731

    sheet.style(6.5, colour=GREY)
    sheet.set_line_width(0.15)
    sheet.set_draw_color(*ZEBRA)
    value = 0.0
    while value <= y_max + 0.5:
        y = y_of(value)
        sheet.set_draw_color(*(RULE if value == 0 else (225, 225, 225)))
        sheet.line(x0, y, x0 + width, y)
        label = fmt.money(value, lang)
        sheet.text(x0 - 1.2 - sheet.get_string_width(label), y + 1.0, label)
        value += step
    for day, label in _x_ticks(first, last):
        x = x_of(day)
        sheet.set_draw_color(*RULE)
        sheet.line(x, y0 + height, x, y0 + height + 1.0)
        label = label or fmt.date(day, lang)
        sheet.text(x - sheet.get_string_width(label) / 2, y0 + height + 3.6, label)

    def steps(values: list[float], until: dt.date) -> list[tuple[float, float]]:
        points, previous = [], 0.0
        for day, v in zip(days, values):
            if day > until or pd.isna(v):
                break
            points += [(x_of(day), y_of(previous)), (x_of(day), y_of(v))]
            previous = v
        return points + [(x_of(until), y_of(previous))], previous

    planned_points, planned_end = steps(frame["cum_planned_eur"].astype(float).tolist(), last)
    paid_points, paid_end = steps(frame["cum_paid_eur"].astype(float).tolist(), data.as_of)
    sheet.set_draw_color(*PLAN_COLOUR)
    sheet.set_line_width(0.35)
    with sheet.local_context():
        sheet.set_dash_pattern(dash=1.2, gap=0.8)
        sheet.polyline(planned_points)
    sheet.set_draw_color(*PAID_COLOUR)
    sheet.set_line_width(0.6)
    sheet.polyline(paid_points)
    sheet.set_line_width(0.2)

    # the Stichtag as a thin vertical rule with its date on top
    x = x_of(data.as_of)
    sheet.set_draw_color(*GREY)
    with sheet.local_context():
        sheet.set_dash_pattern(dash=0.5, gap=0.6)
        sheet.line(x, y0 - 0.5, x, y0 + height)
    sheet.style(6.5, colour=GREY)
    label = t("br.chart_stichtag", lang=lang, date=fmt.date(data.as_of, lang))
    sheet.text(min(x - sheet.get_string_width(label) / 2, x0 + width - sheet.get_string_width(label)), y0 - 1.0,
               label)

    # direct labels instead of a legend, in the right margin at each line's last value, kept apart
    planned_y, paid_y = y_of(planned_end), y_of(paid_end)
    if abs(planned_y - paid_y) < 3.2:
        planned_y, paid_y = (planned_y - 1.6, paid_y + 1.6) if planned_y <= paid_y else (planned_y + 1.6, paid_y - 1.6)
    for text, y, colour in ((t("br.chart_planned", lang=lang, amount=fmt.money(planned_end, lang)), planned_y,
                             PLAN_COLOUR),
                            (t("br.chart_paid", lang=lang, date=fmt.date(data.as_of, lang),
                               amount=fmt.money(paid_end, lang)), paid_y, PAID_COLOUR)):
        sheet.style(6.8, bold=True, colour=colour)
        sheet.text(x0 + width + 1.5, y + 1.0, text)
    sheet.style()
    sheet.set_y(y0 + height + 4.5 + GAP)


def _lights_table(sheet: Sheet, lang: str) -> Table:
    return Table(sheet, [
        Column(t("br.col_light", lang=lang), 26),
        Column(t("col.recipient_name", lang=lang), 44),
        Column(t("br.col_paid", lang=lang), 18, "R"),
        Column(t("br.col_elapsed", lang=lang), 15, "R"),
        Column(t("br.col_reason", lang=lang), WIDTH - 26 - 44 - 33),
    ], symbol_column=True)


def _light_cells(row: pd.Series, lang: str) -> list[str]:
    return [t(f"light.{row['light']}", lang=lang), row["recipient_name"], fmt.pct(row["paid_pct"], lang),
            fmt.pct(row["planned_due_pct"], lang), status.reasons(row)[0]]


def _attention_height(sheet: Sheet, row: pd.Series, lang: str) -> float:
    name_w = min(WIDTH * 0.4, _name_width(sheet, row))
    sheet.style()
    height = sheet.lines(row["title"], WIDTH - 4 - name_w) * LINE
    return height + (1 + sum(sheet.lines(r, WIDTH - 8) for r in status.reasons(row))) * LINE + 1.2


def _name_width(sheet: Sheet, row: pd.Series) -> float:
    sheet.style(bold=True)
    return sheet.get_string_width(f"{row['recipient_name']}:") + 2.4


def _attention_money(row: pd.Series, programme: dict, lang: str) -> str:
    """'Zuwendung 85.000 € · ausgezahlt 17.000 € · gefährdet 17.000 €' (or '· verfallen …' once closed)."""
    text = amounts.text("br.att_money", programme, lang=lang, granted=fmt.money(row["granted_eur"], lang),
                        paid=fmt.money(row["paid_eur"], lang))
    if row["lapsed_eur"] >= 0.5:
        return text + t("br.att_lapsed", lang=lang, amount=fmt.money(row["lapsed_eur"], lang))
    if row["at_risk_eur"] >= 0.5:
        return text + t("br.att_at_risk", lang=lang, amount=fmt.money(row["at_risk_eur"], lang))
    return text


def _attention_block(sheet: Sheet, row: pd.Series, lang: str, programme: dict | None = None) -> None:
    """The project in bold, its title, its money, then every reason of its light, worst first."""
    y = sheet.get_y()
    name_w = min(WIDTH * 0.4, _name_width(sheet, row))
    sheet.symbol(row["light"], MARGIN + 0.5, y + LINE / 2, size=2.4)
    sheet.style(bold=True)
    sheet.set_xy(MARGIN + 4, y)
    sheet.multi_cell(name_w, LINE, f"{row['recipient_name']}:")
    after_name = sheet.get_y()
    sheet.style()
    sheet.set_y(y)
    sheet.para(row["title"], MARGIN + 4 + name_w, WIDTH - 4 - name_w)
    sheet.set_y(max(after_name, sheet.get_y()))
    sheet.style(bold=True)
    sheet.set_x(MARGIN + 4)
    sheet.cell(WIDTH - 4, LINE, _attention_money(row, programme or {}, lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    sheet.style()
    for reason in status.reasons(row):
        y = sheet.get_y()
        sheet.set_xy(MARGIN + 5, y)
        sheet.cell(3, LINE, "–")
        sheet.para(reason, MARGIN + 8, WIDTH - 8)
    sheet.ln(1.2)


def _plan(sheet: Sheet, projects: pd.DataFrame, attention: pd.DataFrame, lights: Table, available: float,
          lang: str) -> Plan:
    """Fit the traffic lights and the attention list into the space left: everything when it fits, else
    the red and amber projects only (saying how many others there are), worst first, cut where the page ends."""
    heading_h = 5.6
    note_h = LINE + 0.2
    row_h = [lights.row_height(_light_cells(r, lang)) for _, r in projects.iterrows()]
    att_h = [_attention_height(sheet, r, lang) for _, r in attention.iterrows()]
    fixed = 2 * heading_h + lights.header_height() + GAP + (0 if att_h else LINE)
    if fixed + sum(row_h) + sum(att_h) <= available:
        return Plan(projects, "", "", attention, "", fixed + sum(row_h) + sum(att_h))

    is_listed = projects["light"].isin(ATTENTION).to_numpy()
    left_out = projects[~is_listed]["light"].value_counts()
    parts = ", ".join(f"{t(f'light.{light}', lang=lang)} {fmt.count(left_out[light], lang)}"
                      for light in LIGHT_ORDER if left_out.get(light, 0))
    left_out_note = t("br.left_out", lang=lang, count=fmt.count(int(left_out.sum()), lang), parts=parts)
    listed_h = [h for h, keep in zip(row_h, is_listed) if keep]
    space = available - fixed - note_h
    if sum(listed_h) + sum(att_h) <= space:
        return Plan(projects[is_listed], left_out_note, "", attention, "", fixed + note_h + sum(listed_h) + sum(att_h))

    # too many for both: the attention list (money and every reason) gets at most half the space, and always its
    # first project where that fits at all; the table the rest
    space -= 2 * note_h
    n_att = _fitting(att_h, min(0.5 * space, sum(att_h))) or (1 if att_h and att_h[0] <= space else 0)
    n_rows = _fitting(listed_h, space - sum(att_h[:n_att]))
    more = len(listed_h) - n_rows
    return Plan(
        projects[is_listed].iloc[:n_rows], left_out_note,
        t("br.more_listed", lang=lang, count=fmt.count(more, lang)) if more else "",
        attention.iloc[:n_att],
        t("br.attention_more", lang=lang, count=fmt.count(len(att_h) - n_att, lang)) if n_att < len(att_h) else "",
        available,   # cut where the page ends: nothing left over
    )


def _fitting(heights: list[float], space: float) -> int:
    """How many of the first heights fit into space."""
    used, n = 0.0, 0
    for h in heights:
        if used + h > space:
            break
        used, n = used + h, n + 1
    return n


def _milestone_table(sheet: Sheet, lang: str) -> Table:
    return Table(sheet, [
        Column(t("col.planned_date", lang=lang), 20),
        Column(t("br.col_due", lang=lang), 34),
        Column(t("col.recipient_name", lang=lang), 46),
        Column(t("br.col_milestone", lang=lang), WIDTH - 100),
    ])


def _due_label(days: int, lang: str) -> str:
    if days < 0:
        return t("br.overdue", lang=lang, days=fmt.count(-days, lang))
    if days == 0:
        return t("br.due_today", lang=lang)
    return t("br.due_in", lang=lang, days=fmt.count(days, lang))


def _milestones(sheet: Sheet, upcoming: pd.DataFrame, lang: str, measure: bool = False) -> float:
    """Draw the next milestones (or, with measure, only return the height they take)."""
    rows = [[fmt.date(r["planned_date"], lang), _due_label(int(r["days_until_count"]), lang), r["recipient_name"],
             r["title"]] for _, r in upcoming.iterrows()]
    return _table_section(sheet, _milestone_table(sheet, lang), rows, t("br.next_milestones", lang=lang),
                          t("br.next_none", lang=lang), measure)


def _table_section(sheet: Sheet, table: Table, rows: list[list[str]], heading: str, empty: str,
                   measure: bool) -> float:
    """A heading and a table of rows (or the empty text); with measure, only the height it takes."""
    if measure:
        return 5.6 + (table.header_height() + sum(table.row_height(r) for r in rows) if rows else LINE)
    sheet.heading(heading)
    if not rows:
        sheet.style()
        sheet.para(empty, MARGIN, WIDTH)
        return 0.0
    table.draw_header()
    for i, cells in enumerate(rows):
        table.draw_row(cells, shaded=i % 2 == 1)
    return 0.0


def _results_table(sheet: Sheet, lang: str) -> Table:
    return Table(sheet, [
        Column(t("br.col_indicator", lang=lang), 38),
        Column(t("br.col_target", lang=lang), 58),
        Column(t("br.col_reported", lang=lang), 62),
        Column(t("br.col_reached", lang=lang), WIDTH - 158, "R"),
    ])


def _result_cells(row: dict, lang: str) -> list[str]:
    """Indicator, baseline → target (or plainly none agreed), what was reported by whom, how many reached it."""
    label = row["indicator_label_de" if lang == "de" else "indicator_label_en"]
    count = int(row["target_project_count"])
    if not count:
        reported = t("br.res_reported_untargeted", lang=lang,
                     value=indicators.value_text(row["reported_value"], row["qualifier"], lang),
                     projects=fmt.count(row["reporting_project_count"], lang),
                     date=fmt.date(row["last_reported_date"], lang))
        return [label, t("br.res_no_target", lang=lang), reported, "–"]
    target = t("br.res_target", lang=lang, baseline=indicators.number(row["baseline_value"], lang),
               target=indicators.number(row["target_value"], lang), projects=fmt.count(count, lang),
               illustrative=t("br.res_illustrative", lang=lang) if row["is_target_illustrative"] else "")
    reported = (t("br.res_reported", lang=lang,
                  value=indicators.value_text(row["target_reported_value"], row["target_qualifier"], lang),
                  reporting=fmt.count(row["target_reporting_count"], lang), projects=fmt.count(count, lang))
                if row["target_reporting_count"] else t("fs.ind.nothing_reported", lang=lang))
    return [label, target, reported, t("br.res_reached", lang=lang, reached=fmt.count(row["reached_count"], lang),
                                         projects=fmt.count(count, lang))]


def _results(sheet: Sheet, results: pd.DataFrame, lang: str, measure: bool = False) -> float:
    """The projects' indicators for the programme (a row per indicator, so a handful at any size); with measure,
    only the height they take."""
    rows = [_result_cells(row, lang) for row in results.to_dict("records")]
    return _table_section(sheet, _results_table(sheet, lang), rows, t("br.results", lang=lang),
                          t("fs.ind.none", lang=lang), measure)


def _footer_texts(programme: dict, lang: str) -> list[str]:
    # the light rule as the Übersicht states it, so a reader of the paper knows what red means
    rule = t("ov.lights_rule", lang=lang, red_days=programme["red_overdue_days"],
             red_gap=fmt.number(programme["red_gap_pct"], 0, lang),
             amber_gap=fmt.number(programme["amber_gap_pct"], 0, lang), report_days=programme["report_interval_days"],
             grace=programme["payment_grace_days"])
    # where the figures come from in words a reader can follow in the monitor (query names are for analysts)
    return [rule, t("br.source_pages", lang=lang)]


def _footer(sheet: Sheet, programme: dict, lang: str, measure: bool = False) -> float:
    """The light rule and the sources in small print at the foot of the page (or, with measure, only its height)."""
    sheet.style(6.5, colour=GREY)
    texts = _footer_texts(programme, lang)
    height = sum(sheet.lines(text, WIDTH) for text in texts) * 2.9 + 1
    if measure:
        return height
    sheet.set_y(sheet.bottom - height)
    sheet.set_draw_color(*RULE)
    sheet.line(MARGIN, sheet.get_y(), MARGIN + WIDTH, sheet.get_y())
    sheet.ln(1)
    for text in texts:
        sheet.para(text, MARGIN, WIDTH, line=2.9)
    return height
