"""The one-page profile of a recipient as an A4 PDF: figures, plan vs paid, light, milestones, reports, goals, members.

Drawn with the briefing's sheet (monitor/briefing.py: fpdf2, bundled DejaVu fonts). Every list is cut where the
page would end, with a note saying how many rows were left out, so the profile stays one page at any size. The
jury's verdict is never printed: a PDF travels further than the page.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from monitor import amounts, charts, fmt, indicators, queries as q, status
from monitor.briefing import GAP, GREY, LINE, MARGIN, RULE, WIDTH, Column, Sheet, Table
from monitor.i18n import t

CHART_H = 38.0       # mm, the plan vs paid chart
SIMILAR = 3          # similar recipients named
NAMES = 12           # members named before "und N weitere"


def file_name(ctx, applicant_id: str) -> str:
    """'Profil_kiel_2021-06-30.pdf'."""
    return t("pf.pdf_file", lang=ctx.lang, id=applicant_id, date=ctx.as_of.isoformat())


def pdf_bytes(ctx, applicant_id: str, created: dt.datetime | None = None) -> bytes:
    """The recipient's profile on the context's programme and Stichtag, in its language."""
    params = ctx.params()
    mine = dict(params, applicant_id=applicant_id)
    lang = ctx.lang
    recipients = q.run("funds_by_recipient", **params).set_index("applicant_id")
    recipient = recipients.loc[applicant_id]
    projects = status.describe(q.run("recipient_status", **mine), lang)
    progress = q.run("indicator_progress", **params)
    members = q.run("cooperation_members", **params)
    data = {
        "recipient": recipient, "projects": projects,
        "cumulative": q.run("payments_cumulative", **mine),
        "span": tuple(q.run("term_span", **params).iloc[0][["axis_start_date", "axis_end_date"]]),
        "milestones": q.run("recipient_milestones", **mine),
        "reports": q.run("recipient_reports", **mine),
        "topics": q.run("recipient_topics", **mine, lang=lang),
        "progress": progress[progress["project_id"].isin(projects["project_id"])],
        "members": members[members["applicant_id"] == applicant_id],
        "similar": q.run("similar_recipients", **params, lang=lang, applicant_id=applicant_id, row_limit=SIMILAR),
        "is_demo": bool(q.run("build_info")["is_demo"].iloc[0]),
    }
    return render(ctx.programme, ctx.as_of, lang, data, created or dt.datetime.now())


def render(programme: dict, as_of: dt.date, lang: str, data: dict, created: dt.datetime) -> bytes:
    """Lay the profile out on one A4 page."""
    recipient, projects = data["recipient"], data["projects"]
    name = str(recipient["recipient_name"])
    sheet = Sheet(lang)
    sheet.set_lang(lang)
    sheet.set_title(t("pf.pdf_title", lang=lang, name=name, date=fmt.date(as_of, lang)))
    sheet.set_author(str(programme["funder"]))
    sheet.set_creator("Modellkommunen-Monitor")
    sheet.set_creation_date(created.astimezone())
    footer = _footer_texts(programme, lang)
    sheet.style(6.5)
    limit = sheet.bottom - sum(sheet.lines(text, WIDTH) for text in footer) * 2.9 - 2   # where the footer starts

    _header(sheet, programme, recipient, as_of, lang, created, data["is_demo"])
    _figures(sheet, programme, recipient, projects, lang)
    _chart(sheet, data["cumulative"], data["span"], float(recipient["granted_eur"]), as_of, lang)

    sheet.heading(t("pf.light_heading", lang=lang))
    table = Table(sheet, [Column(t("br.col_light", lang=lang), 26), Column(t("col.title", lang=lang), 60),
                          Column(t("br.col_reason", lang=lang), WIDTH - 86)], symbol_column=True)
    rows = [([t(f"light.{r['light']}", lang=lang), f"{r['title']} ({r['project_id']})", r["reason"]], r["light"])
            for _, r in projects.iterrows()]
    _rows(sheet, table, rows, limit, lang)

    sheet.heading(t("pf.milestones_heading", lang=lang))
    words = {s: t(f"fs.ms.{s}", lang=lang) for s in ("done_on_time", "done_late", "overdue", "open")}
    table = Table(sheet, [Column(t("col.planned_date", lang=lang), 20), Column(t("col.done_date", lang=lang), 20),
                          Column(t("col.milestone_state_label", lang=lang), 30),
                          Column(t("br.col_milestone", lang=lang), WIDTH - 70)])
    rows = [([fmt.date(r["planned_date"], lang), fmt.date(r["done_date"], lang) if pd.notna(r["done_date"]) else "–",
              words[r["milestone_state"]], r["title"]], None) for _, r in data["milestones"].iterrows()]
    _rows(sheet, table, rows, limit, lang, empty=t("pf.no_milestones", lang=lang))

    reports = data["reports"]
    texts = []
    if not reports.empty:
        latest = reports.iloc[0]
        texts.append(t("pf.pdf_report", lang=lang, date=fmt.date(latest["report_date"], lang),
                       progress=fmt.pct(latest["progress_pct"], lang), light=t(f"light.{latest['status']}", lang=lang),
                       summary=latest["summary"]))
    topics = data["topics"]
    goals = topics[topics["topic_kind"] == "goal"]
    themes = topics[topics["topic_kind"] == "theme"]
    if not goals.empty:
        texts.append(t("pf.pdf_goals", lang=lang, goals=", ".join(
            f"{r['topic_label']} ({fmt.pct(r['grant_share_pct'], lang)})" for _, r in goals.iterrows())))
    if not themes.empty:
        texts.append(t("pf.pdf_themes", lang=lang, themes=", ".join(themes["topic_label"])))
    label = "indicator_label_de" if lang == "de" else "indicator_label_en"
    for _, item in data["progress"].iterrows():
        key = "pf.pdf_indicator_untargeted" if item["target_state"] == "no_target" else "pf.pdf_indicator"
        texts.append(t(key, lang=lang, label=item[label],
                       reported=indicators.value_text(item["reported_value"], item["qualifier"], lang)
                       if pd.notna(item["reported_value"]) else "–",
                       target=indicators.number(item["target_value"], lang),
                       state=indicators.state_labels(lang)[item["target_state"]]))
    members = data["members"]
    if not members.empty:
        roles = {role: t(f"mi.role.{role}", lang=lang) for role in members["role"].unique()}
        named = [f"{r['member_name']} ({roles[r['role']]})" for _, r in members.head(NAMES).iterrows()]
        more = len(members) - len(named)
        texts.append(t("pf.pdf_members", lang=lang, names=", ".join(named)
                       + (t("pf.pdf_more", lang=lang, count=fmt.count(more, lang)) if more else "")))
    similar = data["similar"]
    if not similar.empty:
        texts.append(t("pf.pdf_similar", lang=lang, names=", ".join(
            f"{r['recipient_name']} ({fmt.pct(r['similarity_pct'], lang)})" for _, r in similar.iterrows())))
    sheet.heading(t("pf.pdf_more_heading", lang=lang))
    sheet.style()
    for text in texts:
        height = sheet.lines(text, WIDTH - 4) * LINE
        if sheet.get_y() + height > limit:
            break
        sheet.set_xy(MARGIN, sheet.get_y())
        sheet.cell(3, LINE, "–")
        sheet.para(text, MARGIN + 4, WIDTH - 4)

    sheet.set_y(limit + 1)
    sheet.set_draw_color(*RULE)
    sheet.line(MARGIN, sheet.get_y(), MARGIN + WIDTH, sheet.get_y())
    sheet.ln(1)
    sheet.style(6.5, colour=GREY)
    for text in footer:
        sheet.para(text, MARGIN, WIDTH, line=2.9)
    return bytes(sheet.output())


def _header(sheet: Sheet, programme: dict, recipient: pd.Series, as_of: dt.date, lang: str, created: dt.datetime,
            is_demo: bool) -> None:
    sheet.style(7.5, bold=True, colour=GREY)
    sheet.para(t("pf.pdf_kicker", lang=lang).upper(), MARGIN, WIDTH)
    sheet.style(14, bold=True)
    sheet.para(str(recipient["recipient_name"]), MARGIN, WIDTH, line=6.2)
    sheet.style(8.5)
    kind = t(f"kind.{recipient['recipient_kind']}", lang=lang, default=recipient["recipient_kind"])
    sheet.para(t("pf.caption", lang=lang, kind=kind, kreis=recipient["kreis_name"] or "–",
                 population=fmt.count(recipient["population_count"], lang),
                 programme=programme["name_de" if lang == "de" else "name_en"], date=fmt.date(as_of, lang)),
               MARGIN, WIDTH, line=4)
    sheet.style(8.5, colour=GREY)
    sheet.para(t("br.created", lang=lang, date=fmt.date(created, lang), time=created.strftime("%H:%M"))
               + (" · " + t("pf.pdf_demo", lang=lang) if is_demo else ""), MARGIN, WIDTH, line=4)
    sheet.ln(1)
    sheet.set_draw_color(*RULE)
    sheet.line(MARGIN, sheet.get_y(), MARGIN + WIDTH, sheet.get_y())
    sheet.ln(GAP - 1)


def _figures(sheet: Sheet, programme: dict, recipient: pd.Series, projects: pd.DataFrame, lang: str) -> None:
    granted = recipient["granted_eur"] or 1
    worst = projects["light"].iloc[0]
    boxes = [
        (amounts.text("pf.granted", programme, lang=lang), fmt.money(recipient["granted_eur"], lang)),
        (t("pf.paid", lang=lang), fmt.money(recipient["paid_eur"], lang)
         + f" ({fmt.pct(100 * recipient['paid_eur'] / granted, lang)})"),
        (t("pf.planned", lang=lang), fmt.money(recipient["planned_eur"], lang)),
        (t("pf.light", lang=lang), t(f"light.{worst}", lang=lang)),
    ]
    gap = 2.5
    width = (WIDTH - 3 * gap) / 4
    y, height = sheet.get_y(), 12.0
    for i, (label, value) in enumerate(boxes):
        sheet.figure_box(MARGIN + i * (width + gap), y, width, height, label, value, value_pt=11,
                         light=worst if i == 3 else None)
    sheet.set_y(y + height + GAP)


def _chart(sheet: Sheet, cumulative: pd.DataFrame, span: tuple, granted: float, as_of: dt.date, lang: str) -> None:
    """Cumulative planned (dashed, orange) and paid (blue) money as steps over the term, the Stichtag dotted."""
    sheet.heading(t("pf.money_heading", lang=lang))
    left, top = MARGIN + 18, sheet.get_y() + 1
    width, height = WIDTH - 20, CHART_H - 10
    start, end = (pd.Timestamp(v) for v in span)
    days = max((end - start).days, 1)
    top_eur = max(granted, float(cumulative["cum_planned_eur"].max() or 0), 1.0)

    def x(day) -> float:
        return left + width * min(max((pd.Timestamp(day) - start).days / days, 0), 1)

    def y(eur) -> float:
        return top + height * (1 - float(eur) / top_eur)

    sheet.set_line_width(0.15)
    sheet.style(6.5, colour=GREY)
    for share in (0, 0.5, 1):
        sheet.set_draw_color(225, 225, 225)
        sheet.line(left, y(top_eur * share), left + width, y(top_eur * share))
        label = fmt.money(top_eur * share, lang)
        sheet.set_xy(MARGIN, y(top_eur * share) - 1.5)
        sheet.cell(17, 3, label, align="R")
    for year in range(start.year, end.year + 2):
        day = pd.Timestamp(year=year, month=1, day=1)
        if start <= day <= end:
            sheet.set_xy(x(day) - 6, top + height + 0.5)
            sheet.cell(12, 3, str(year), align="C")

    def steps(frame: pd.DataFrame, column: str, colour: str, dash: bool) -> None:
        sheet.set_draw_color(*_rgb(colour))
        sheet.set_line_width(0.5)
        if dash:
            sheet.set_dash_pattern(dash=1.2, gap=0.8)
        points, previous = [], 0.0
        for _, row in frame.iterrows():
            points += [(x(row["timeline_date"]), y(previous)), (x(row["timeline_date"]), y(row[column]))]
            previous = row[column]
        if points:
            sheet.polyline(points)
        sheet.set_dash_pattern()

    steps(cumulative, "cum_planned_eur", charts.PALETTE[1], dash=True)
    steps(cumulative[cumulative["cum_paid_eur"].notna()], "cum_paid_eur", charts.PALETTE[0], dash=False)
    sheet.set_draw_color(0, 0, 0)
    sheet.set_line_width(0.2)
    sheet.set_dash_pattern(dash=0.4, gap=0.6)
    sheet.line(x(as_of), top, x(as_of), top + height)
    sheet.set_dash_pattern()
    # the legend in words, as the page's chart names its lines
    sheet.set_y(top + height + 4)
    sheet.style(7)
    on_day = cumulative[cumulative["is_stichtag"]]
    planned = float(on_day["cum_planned_eur"].iloc[0]) if not on_day.empty else 0.0
    paid = float(on_day["cum_paid_eur"].iloc[0]) if not on_day.empty else 0.0
    sheet.para(t("pf.pdf_chart_legend", lang=lang, paid=fmt.money(paid, lang), planned=fmt.money(planned, lang),
                 date=fmt.date(as_of, lang), granted=fmt.money(granted, lang)), MARGIN, WIDTH)
    sheet.ln(GAP - 1)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _rows(sheet: Sheet, table: Table, rows: list, limit: float, lang: str, empty: str | None = None) -> None:
    """The table's rows while they fit above `limit`, then a note on how many were left out."""
    if not rows:
        sheet.style()
        sheet.para(empty or "–", MARGIN, WIDTH)
        sheet.ln(GAP)
        return
    table.draw_header()
    drawn = 0
    for i, (cells, light) in enumerate(rows):
        if sheet.get_y() + table.row_height(cells) + LINE > limit:
            break
        table.draw_row(cells, light, shaded=i % 2 == 1)
        drawn += 1
    if drawn < len(rows):
        sheet.style(6.8, colour=GREY)
        sheet.para(t("pf.pdf_left_out", lang=lang, count=fmt.count(len(rows) - drawn, lang)), MARGIN, WIDTH)
    sheet.ln(GAP)


def _footer_texts(programme: dict, lang: str) -> list[str]:
    # the light rule as the Übersicht states it, so a reader of the paper knows what red means
    return [t("ov.lights_rule", lang=lang, red_days=programme["red_overdue_days"],
              red_gap=fmt.number(programme["red_gap_pct"], 0, lang),
              amber_gap=fmt.number(programme["amber_gap_pct"], 0, lang),
              report_days=programme["report_interval_days"], grace=programme["payment_grace_days"])]
