"""The Daten page's part for a programme's master data (Programm-Mappe) and a "Liste der Vorhaben": templates,
upload, the check with every problem by sheet, row and column, what would change, the column mapping of a list
(corrected on the page and saved for the next file of the same layout), commit."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from monitor import batches, checks, fmt, markup, masterdata, places, readers, tables, vorhaben, vorhabenliste
from monitor.db import Database, database_path
from monitor.i18n import t

AUTO = "__auto__"
NONE = "__none__"


def templates_section(kind: str, lang: str) -> None:
    """The Programm-Mappe and one CSV per table (stammdaten); what a list needs (vorhabenliste)."""
    st.markdown(t(f"md.page.help.{kind}"))
    if kind != "stammdaten":
        return
    left, middle, right = st.columns([1, 1, 1], vertical_alignment="bottom")
    left.download_button(t("md.page.workbook"), masterdata.template_xlsx(lang), file_name=t("md.page.workbook_file"),
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         key="md_template_xlsx", icon=":material/download:")
    table = middle.selectbox(t("md.page.table"), masterdata.LOADABLE, format_func=lambda x: masterdata.sheet_name(x, lang),
                             key="md_template_table")
    right.download_button(t("md.page.table_csv"), masterdata.template_csv(table, lang),
                          file_name=f"{masterdata.sheet_name(table, lang)}.csv", mime="text/csv", key="md_template_csv",
                          icon=":material/download:")


def options_section(kind: str, ctx) -> dict:
    """What the import needs besides the file: the programme (and for a list its name and Land)."""
    if kind == "stammdaten":
        return {}
    programmes = ctx_programmes()
    left, middle, right = st.columns([1, 2, 1])
    programme_id = left.text_input(t("vl.page.programme_id"), value=st.session_state.get("vl_programme_id", ""),
                                   placeholder="efre-sh-2021", key="vl_programme_id", help=t("vl.page.programme_id_help"))
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
    """How the list's columns were understood, editable; returns the mapping to use (None: automatic or saved)."""
    saved = vorhabenliste.saved_mappings(database_path())
    try:
        automatic = vorhaben.read(data, file_name)
    except readers.ReadError:
        return None
    key = vorhaben.layout_key(automatic)
    state_key = f"vl_mapping_{key}"
    mapping = st.session_state.get(state_key) or saved.get(key)
    listing = vorhaben.read(data, file_name, mapping) if mapping else automatic
    headers = [h for h in listing.headers if h]
    with st.expander(t("vl.page.mapping_heading", row=listing.header_row or "–", sheet=listing.sheet or file_name),
                     expanded=bool(listing.problems)):
        if mapping and key in saved and mapping == saved[key]:
            st.caption(t("vl.page.mapping_saved"))
        frame = pd.DataFrame({
            "vl_field": [t(f"vh.field.{name}") for name in vorhaben.FIELDS],
            "vl_required": [name in vorhaben.REQUIRED for name in vorhaben.FIELDS],
            "vl_column": [_one_line(listing.columns[name].header) if name in listing.columns else "–"
                          for name in vorhaben.FIELDS],
            "vl_convention": [listing.conventions.get(name, "") for name in vorhaben.FIELDS],
        })
        edited = st.data_editor(
            frame, hide_index=True, key=f"vl_editor_{key}", disabled=["vl_field", "vl_required", "vl_convention"],
            column_config={
                "vl_field": st.column_config.TextColumn(t("col.vl_field")),
                "vl_required": st.column_config.CheckboxColumn(t("col.vl_required")),
                "vl_column": st.column_config.SelectboxColumn(t("col.vl_column"),
                                                              options=["–", *map(_one_line, headers)]),
                "vl_convention": st.column_config.TextColumn(t("col.vl_convention")),
            })
        chosen = {name: next(h for h in headers if _one_line(h) == value)
                  for name, value in zip(vorhaben.FIELDS, edited["vl_column"]) if value and value != "–"}
        if chosen != listing.mapping():
            st.session_state[state_key] = chosen
            st.rerun()
        left, right = st.columns(2)
        if left.button(t("vl.page.mapping_save"), key=f"vl_save_{key}", icon=":material/bookmark:"):
            vorhabenliste.save_mapping(database_path(), key, listing.mapping())
            st.toast(t("vl.page.mapping_saved_now"))
        if mapping and right.button(t("vl.page.mapping_reset"), key=f"vl_reset_{key}", icon=":material/restart_alt:"):
            st.session_state.pop(state_key, None)
            st.rerun()
    return mapping


def _one_line(text: str) -> str:
    return " / ".join(part.strip() for part in str(text).splitlines() if part.strip())


def report_section(report: checks.Report, lang: str) -> None:
    """What the file holds and what the import would do; problems first."""
    staged = report.tables or []
    if report.problems:
        st.error(t("dp.has_problems", count=len(report.problems)), icon=":material/error:")
        st.markdown(f"**{t('dp.problems_heading')}**")
        tables.show(report.problem_frame(), "md_fehler")
    summary = report.summary or {}
    if summary.get("projects") is not None:
        _list_summary(summary, lang)
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


def _list_summary(summary: dict, lang: str) -> None:
    changes = summary.get("changes") or {}
    figures = st.columns(5)
    figures[0].metric(t("vl.page.metric.projects"), fmt.count(summary["projects"]), border=True)
    figures[1].metric(t("vl.page.metric.total"), fmt.money(Decimal(summary["total_eur"])), border=True)
    figures[2].metric(t("vl.page.metric.new"), fmt.count(changes.get("new", 0)), border=True)
    figures[3].metric(t("vl.page.metric.changed"), fmt.count(changes.get("changed", 0)), border=True)
    figures[4].metric(t("vl.page.metric.removed"), fmt.count(changes.get("removed", 0)), border=True)
    land = summary.get("land_id")
    st.caption(t("vl.page.land_found", land=f"{places.kreis_name(land)} ({land})" if land else t("vl.federal")))
    kreise = pd.DataFrame({
        "kreis_id": list(summary["eur_by_kreis"]),
        "kreis_name": [k["name"] for k in summary["eur_by_kreis"].values()],
        "vl_projects": [k["projects"] for k in summary["eur_by_kreis"].values()],
        "vl_eligible_eur": [float(Decimal(k["eur"])) for k in summary["eur_by_kreis"].values()],
    }).sort_values("vl_eligible_eur", ascending=False)
    st.markdown(f"**{t('vl.page.by_kreis')}**")
    tables.show(kreise, "vl_kreise")
    if summary["outside_land"]:
        st.warning(t("vl.page.outside", count=len(summary["outside_land"])), icon=":material/warning:")
        tables.show(pd.DataFrame(summary["outside_land"]).rename(columns={
            "row": "import_row", "beneficiary": "vl_beneficiary", "kreis": "kreis_name"}), "vl_ausserhalb")
    if summary["unplaced"]:
        st.warning(t("vl.page.unplaced", count=len(summary["unplaced"])), icon=":material/warning:")
        tables.show(pd.DataFrame(summary["unplaced"]).rename(columns={
            "row": "import_row", "beneficiary": "vl_beneficiary", "location": "vl_location", "reason": "reason"}),
            "vl_ohne_kreis")


def _preview(report: checks.Report, lang: str) -> pd.DataFrame:
    rows = []
    for change in report.changes:
        if change.table is None:
            continue
        values = change.values
        keys = masterdata.schema().keys[change.table]
        before = change.before or {}
        changed = [c for c in values if change.action == "update" and str(values.get(c)) != str(before.get(c))]
        rows.append({
            "md_table": masterdata.sheet_name(change.table, lang),
            "import_action_label": t(f"md.action.{change.action}", lang=lang),
            "md_key": " / ".join(str(values.get(k)) for k in keys),
            "md_changed": "; ".join(f"{masterdata.header(change.table, c, lang)}: {before.get(c)} → {values.get(c)}"
                                    for c in changed) if changed else "",
        })
    return pd.DataFrame(rows)


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
        try:
            done = batches.commit(data, file_name, kind, who=ctx.role, options=options)
        except Exception as exc:  # noqa: BLE001 - the transaction was rolled back; say so
            st.error(t("dp.commit_failed", error=markup.text(exc)))
            st.stop()
        if done.batch_id is not None:
            st.session_state["daten_flash"] = t("dp.committed", batch=done.batch_id, rows=done.write_count)
            st.session_state["daten_upload_round"] = upload_round + 1
            st.rerun()
        st.error(t("dp.changed_meanwhile"))
