"""The Daten page's part for a programme's master data (Programm-Mappe) and a "Liste der Vorhaben": templates,
upload, the check with every problem by sheet, row and column, what would change, the column mapping of a list
(corrected on the page and saved for the next file of the same layout), commit."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import PurePath

import pandas as pd
import streamlit as st

from monitor import (
    batches,
    checks,
    consequences,
    fmt,
    markup,
    masterdata,
    places,
    readers,
    tables,
    vorhaben,
    vorhabenliste,
)
from monitor.db import Database, database_path
from monitor.i18n import t

AUTO = "__auto__"
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NONE = "__none__"


def templates_section(kind: str, lang: str) -> None:
    """The Programm-Mappe and one CSV per table (stammdaten); what a list needs (vorhabenliste)."""
    st.markdown(t(f"md.page.help.{kind}"))
    st.caption(t("places.attribution"))       # recipients are placed with these data
    if kind != "stammdaten":
        return
    left, middle, right = st.columns([1, 1, 1], vertical_alignment="bottom")
    left.download_button(t("md.page.workbook"), masterdata.template_xlsx(lang), file_name=t("md.page.workbook_file"),
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         key="md_template_xlsx", icon=":material/download:", on_click="ignore")
    table = middle.selectbox(t("md.page.table"), masterdata.LOADABLE,
                             format_func=lambda x: masterdata.sheet_name(x, lang), key="md_template_table")
    right.download_button(t("md.page.table_csv"), masterdata.template_csv(table, lang),
                          file_name=f"{masterdata.sheet_name(table, lang)}.csv", mime="text/csv", key="md_template_csv",
                          icon=":material/download:", on_click="ignore")


def options_section(kind: str, ctx) -> dict:
    """What the import needs besides the file: the programme (and for a list its name and Land)."""
    if kind == "stammdaten":
        return {}
    programmes = ctx_programmes()
    left, middle, right = st.columns([1, 2, 1])
    programme_id = left.text_input(t("vl.page.programme_id"), value=st.session_state.get("vl_programme_id", ""),
                                   placeholder="efre-sh-2021", key="vl_programme_id",
                                   help=t("vl.page.programme_id_help"))
    known = programmes.get(programme_id.strip())
    name = middle.text_input(t("vl.page.name"), key="vl_name", placeholder=known or t("vl.page.name_placeholder"))
    lands = {AUTO: t("vl.page.land_auto"), NONE: t("vl.federal")} | {
        ags: f"{places.kreis_name(ags)} ({ags})" for ags in [f"{n:02d}" for n in range(1, 17)]}
    land = right.selectbox(t("vl.page.land"), list(lands), format_func=lands.get, key="vl_land")
    options = {"programme_id": programme_id.strip()}
    if name.strip():
        options["name"] = name.strip()
    if land != AUTO:
        options["land_id"] = None if land == NONE else land
    return options


def ctx_programmes() -> dict[str, str]:
    cur = Database.cursor()
    try:
        return dict(cur.execute("select programme_id, name_de from programme").fetchall())
    finally:
        cur.close()


def mapping_section(data: bytes, file_name: str) -> dict | None:
    """How the list's columns were understood, one choice per field; returns the mapping to use (None: the
    automatic one). A changed choice re-checks the file; a saved mapping is preselected for a file of its layout."""
    try:
        automatic = vorhaben.read(data, file_name, rows=False)
    except readers.ReadError:
        return None                      # the check says why the file cannot be read
    # the file is read once (the check after this reuses it); each mapping is applied to the cells read
    key = vorhaben.layout_key(automatic)
    saved = vorhabenliste.saved_mappings(database_path()).get(key)
    start = _full(vorhaben.read(automatic.source, file_name, saved, rows=False) if saved else automatic)
    choices = _column_choices(automatic.headers)
    widgets = {name: f"vl_map_{key}_{name}" for name in vorhaben.FIELDS}
    for name, widget in widgets.items():
        if st.session_state.get(widget) not in choices:
            st.session_state[widget] = start[name] if start[name] in choices else NONE
    chosen = {name: st.session_state[widget] for name, widget in widgets.items()}
    mapping = {name: None if value == NONE else value for name, value in chosen.items()}
    listing = vorhaben.read(automatic.source, file_name, mapping)
    heading = t("vl.page.mapping_heading", row=listing.header_row or "–",
                sheet=listing.sheet or PurePath(file_name).name)
    with st.expander(heading, expanded=bool(listing.problems)):
        st.caption(t("vl.page.mapping_help"))
        if saved:
            st.caption(t("vl.page.mapping_saved" if mapping == start else "vl.page.mapping_saved_changed"))
        grid = st.columns(3)
        labels = {NONE: t("vl.page.mapping_none")} | {value: label for value, label in choices.items() if value != NONE}
        for at, (name, widget) in enumerate(widgets.items()):
            convention = listing.conventions.get(name)
            grid[at % 3].selectbox(
                t(f"vh.field.{name}") + (" *" if name in vorhaben.REQUIRED else ""), list(labels),
                format_func=labels.get, key=widget, on_change=_unshare, args=(name, widgets),
                help=t("vl.page.convention", text=convention_text(convention)) if convention else None)
        st.caption(t("vl.page.mapping_required"))
        left, right = st.columns(2)
        if left.button(t("vl.page.mapping_save"), key=f"vl_save_{key}", icon=":material/bookmark:"):
            vorhabenliste.save_mapping(database_path(), key, mapping)
            st.toast(t("vl.page.mapping_saved_now"), icon=":material/bookmark_added:")
        right.button(t("vl.page.mapping_reset"), key=f"vl_reset_{key}", icon=":material/restart_alt:",
                     on_click=_reset, args=(widgets, _full(automatic)))
    return None if mapping == _full(automatic) else mapping


def _full(listing) -> dict[str, str | None]:
    """field -> header text (None: no column) for every field."""
    found = listing.mapping()
    return {name: found.get(name) for name in vorhaben.FIELDS}


def _column_choices(headers: list[str]) -> dict[str, str]:
    """Choice value (the header as published; the column letter where a header repeats) -> "B: header"."""
    choices, seen = {NONE: ""}, set()
    for index, header in enumerate(headers):
        if not header:
            continue
        letter = vorhaben.column_letter(index)
        value = header if header not in seen else letter
        seen.add(header)
        choices[value] = f"{letter}: {_one_line(header)}"
    return choices


def _unshare(name: str, widgets: dict[str, str]) -> None:
    """A column means one field: choosing it for one field takes it from the field that had it."""
    value = st.session_state[widgets[name]]
    if value == NONE:
        return
    for other, widget in widgets.items():
        if other != name and st.session_state.get(widget) == value:
            st.session_state[widget] = NONE


def _reset(widgets: dict[str, str], automatic: dict[str, str | None]) -> None:
    for name, widget in widgets.items():
        st.session_state[widget] = automatic[name] or NONE


def convention_text(code: str) -> str:
    """'date:d.m.y' -> 'Datum: TT.MM.JJJJ' (each part in words; an unknown part as it is)."""
    kind, _, parts = code.partition(":")
    words = [t(f"vl.conv.{part}", default=part) for part in parts.replace(";", "+").split("+") if part]
    return t(f"vl.conv.kind.{kind}", default=kind) + ": " + ", ".join(words or ["–"])


def _one_line(text: str) -> str:
    return " / ".join(part.strip() for part in str(text).splitlines() if part.strip())


def report_section(report: checks.Report, lang: str, options: dict | None = None) -> None:
    """What the file holds and what the import would do; problems first."""
    staged = report.tables or []
    if report.problems:
        st.error(t("dp.has_problems", count=len(report.problems)), icon=":material/error:")
        st.markdown(f"**{t('dp.problems_heading')}**")
        tables.show(report.problem_frame(), "md_fehler")
    summary = report.summary or {}
    if summary.get("projects") is not None:
        _list_summary(summary, lang, programme_named(summary["programme_id"], (options or {}).get("name"),
                                                     report.file_name))
    if staged:
        st.markdown(f"**{t('md.page.changes_heading')}**")
        tables.show(masterdata.summary_frame(staged, lang), "md_tabellen")
        preview = _preview(report, lang)
        if not preview.empty:
            with st.expander(t("md.page.preview_heading", count=fmt.count(len(preview)))):
                tables.show(preview, "md_vorschau")
    if report.notes:
        with st.expander(f"{t('dp.notes_heading')} ({len(report.notes)})"):
            for note in report.notes:
                where = t("dp.cli.row", row=note.row) + ": " if note.row else ""
                st.markdown(f"- {markup.text(where + (note.value or ''))} — {markup.text(note.reason())}")


def programme_named(programme_id: str, name: str | None, file_name: str) -> tuple[str, bool]:
    """(the name the programme will have, whether it is new) as monitor.vorhabenliste decides it."""
    known = ctx_programmes().get(programme_id)
    return name or known or t("vl.default_name", lang="de", file=PurePath(file_name).stem), known is None


def _list_summary(summary: dict, lang: str, programme: tuple[str, bool]) -> None:
    changes = summary.get("changes") or {}
    name, is_new = programme
    st.markdown(t("vl.page.programme_new" if is_new else "vl.page.programme_update", name=markup.text(name),
                  id=markup.text(summary["programme_id"])))
    top = st.columns([1, 1, 2])
    top[0].metric(t("vl.page.metric.projects"), fmt.count(summary["projects"]), border=True)
    top[1].metric(t("vl.page.metric.recipients"), fmt.count(summary["recipients"]), border=True)
    total = Decimal(summary["total_eur"])
    top[2].metric(t("vl.page.metric.total"), fmt.money(total, decimals=_cents(summary["total_eur"])), border=True)
    below = st.columns(4)
    below[0].metric(t("vl.page.metric.new"), fmt.count(changes.get("new", 0)), border=True)
    below[1].metric(t("vl.page.metric.changed"), fmt.count(changes.get("changed", 0)), border=True)
    below[2].metric(t("vl.page.metric.removed"), fmt.count(changes.get("removed", 0)), border=True)
    below[3].metric(t("vl.page.metric.unchanged"), fmt.count(changes.get("unchanged", 0)), border=True)
    land = summary.get("land_id")
    st.caption(t("vl.page.land_found", land=f"{places.kreis_name(land)} ({land})" if land else t("vl.federal")))
    by_kreis = summary["eur_by_kreis"]
    kreise = pd.DataFrame({
        "kreis_id": list(by_kreis),
        "kreis_name": [k["name"] for k in by_kreis.values()],
        "vl_projects": [k["projects"] for k in by_kreis.values()],
        "vl_eligible_eur": [float(Decimal(k["eur"])) for k in by_kreis.values()],
    }).sort_values(["vl_eligible_eur", "kreis_id"], ascending=[False, True])
    st.markdown(f"**{t('vl.page.by_kreis')}**")
    tables.show(kreise, "vl_kreise", decimals={"vl_eligible_eur": 2}, title=t("vl.page.by_kreis"))
    if summary["outside_land"]:
        st.warning(t("vl.page.outside", count=len(summary["outside_land"])), icon=":material/warning:")
        tables.show(pd.DataFrame(summary["outside_land"]).rename(columns={
            "row": "import_row", "beneficiary": "vl_beneficiary", "kreis": "kreis_name"}), "vl_ausserhalb",
            ["import_row", "vl_beneficiary", "kreis_id", "kreis_name"])
    if summary["unplaced"]:
        st.warning(t("vl.page.unplaced", count=len(summary["unplaced"])), icon=":material/warning:")
        unplaced = pd.DataFrame(summary["unplaced"])
        unplaced["reason"] = [t(f"md.place.{code}") for code in unplaced["reason_code"]]   # in the reader's language
        tables.show(unplaced.rename(columns={
            "row": "import_row", "beneficiary": "vl_beneficiary", "location": "vl_location", "reason": "vl_reason"}),
            "vl_ohne_kreis", ["import_row", "vl_beneficiary", "vl_location", "vl_reason"])


def _cents(eur: str) -> int:
    return 0 if Decimal(eur) == Decimal(eur).to_integral_value() else 2


# what names a row in the preview besides its key: a project by its title, a recipient by its name
LABEL_COLUMNS = ("title", "name", "name_de", "label_de", "theme")


def _preview(report: checks.Report, lang: str) -> pd.DataFrame:
    """One row per row written: new and changed first (a change with its old and new values), then deleted."""
    rows = []
    order = {"update": 0, "delete": 1, "insert": 2}
    for change in sorted((c for c in report.changes if c.table is not None), key=lambda c: order.get(c.action, 3)):
        values = change.values
        keys = masterdata.schema().keys[change.table]
        before = change.before or {}
        changed = [c for c in values if change.action == "update" and str(values.get(c)) != str(before.get(c))]
        label = next((values[c] for c in LABEL_COLUMNS if values.get(c) not in (None, "") and c not in keys), "")
        rows.append({
            "import_action_label": t(f"md.action.{change.action}", lang=lang),
            "md_table": masterdata.sheet_name(change.table, lang),
            "import_row": change.row,
            "md_key": " / ".join(str(values.get(k)) for k in keys),
            "md_label": str(label),
            "md_changed": "; ".join(f"{masterdata.header(change.table, c, lang)}: {_shown(before.get(c), lang)} → "
                                    f"{_shown(values.get(c), lang)}" for c in changed) if changed else "",
        })
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["import_row"] = frame["import_row"].astype("Int64")
        if not frame["md_changed"].any():
            frame = frame.drop(columns="md_changed")
    return frame


def _shown(value, lang: str) -> str:
    """A staged value as the page writes it: 1.234,56 and 31.12.2024 (staged rows come as JSON)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return fmt.number(value, 0 if value == int(value) else 2, lang)
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return fmt.date(dt.date.fromisoformat(value), lang)
    return str(value)


def commit_section(report: checks.Report, data: bytes, file_name: str, kind: str, options: dict, ctx,
                   upload_round: int) -> None:
    if not report.ok:
        return
    if not report.write_count:
        st.info(t("dp.nothing_to_do"))
        return
    counts = masterdata.counts(report.tables or [])
    st.success(t("md.page.ready", insert=counts.get("insert", 0), update=counts.get("update", 0),
                 delete=counts.get("delete", 0)))
    if st.button(t("dp.commit_button"), key="md_commit", type="primary", icon=":material/save:"):
        summary = report.summary or {}
        # said before the commit: afterwards every programme is known
        named = programme_named(summary["programme_id"], options.get("name"), file_name) \
            if summary.get("projects") is not None else None
        try:
            done = batches.commit(data, file_name, kind, who=consequences.person(st.session_state.get("_identity")),
                                  options=options)
        except Exception as exc:  # noqa: BLE001 - the transaction was rolled back; say so
            st.error(t("dp.commit_failed", error=markup.text(exc)))
            st.stop()
        if done.batch_id is not None:
            st.session_state["daten_flash"] = _committed(report, done, named)
            st.session_state["daten_upload_round"] = upload_round + 1
            st.rerun()
        st.error(t("dp.changed_meanwhile"))


def _committed(report: checks.Report, done, named: tuple[str, bool] | None) -> str:
    """The message after a commit; for a list, which programme it made and where to find it."""
    summary = report.summary or {}
    if named is None:
        return t("dp.committed", batch=done.batch_id, rows=done.write_count)
    name, is_new = named
    return t("vl.page.committed_new" if is_new else "vl.page.committed_update", batch=done.batch_id,
             name=markup.text(name), id=markup.text(summary["programme_id"]), projects=fmt.count(summary["projects"]),
             total=fmt.money(Decimal(summary["total_eur"]), decimals=_cents(summary["total_eur"])))
