"""Command line of the imports: check (and unless --dry-run, commit) a file.

python -m monitor.imports FILE --kind payments|milestones|reports [--dry-run]
python -m monitor.imports Programm-Mappe.xlsx --kind stammdaten [--table TABLE] [--programme ID] [--dry-run]
python -m monitor.imports LISTE.xlsx --kind vorhabenliste --programme ID [--name "…"] [--land 01|bund]
                          [--dry-run] [--json]
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

from monitor import auth, batches, fmt, masterdata, vorhabenliste
from monitor.checks import Report
from monitor.db import Database, database_path
from monitor.i18n import t
from monitor.templates import KINDS


def format_report(report: Report, lang: str = "de") -> str:
    """The report as text for the command line."""
    lines = [t("dp.cli.header", lang=lang, file=report.file_name, kind=t(f"dp.kind.{report.kind}", lang=lang),
               sha=report.sha256[:12])]
    if report.already:
        lines.append(t("dp.already", lang=lang, batch=report.already["import_batch_id"],
                       when=fmt.date(report.already["imported_at"], lang), who=report.already["imported_by"]))
        return "\n".join(lines)
    if report.tables is not None or report.kind in ("stammdaten", "vorhabenliste"):
        lines.extend(_master_lines(report, lang))
    else:
        lines.append(t("dp.cli.counts", lang=lang, rows=report.rows_read, insert=report.count("insert"),
                       update=report.count("update"), unchanged=report.count("unchanged"),
                       problems=len(report.problems)))
    for problem in report.problems + report.notes:
        where = []
        if problem.sheet and report.kind == "stammdaten":
            where.append(t("md.cli.sheet", lang=lang, sheet=problem.sheet))
        if problem.row is not None:
            where.append(t("dp.cli.row", lang=lang, row=problem.row))
        if problem.column:
            where.append(t("dp.cli.column", lang=lang, column=problem.column))
        if problem.value:
            where.append(t("dp.cli.value", lang=lang, value=problem.value))
        prefix = t("dp.cli.error" if problem in report.problems else "dp.cli.note", lang=lang)
        lines.append(f"  {prefix} {', '.join(where)}{': ' if where else ''}{problem.reason(lang)}")
    return "\n".join(lines)


def _master_lines(report: Report, lang: str) -> list[str]:
    """Per table: rows read, new, changed, deleted, unchanged; for a list of operations what it holds."""
    lines = []
    for item in report.tables or []:
        c = item.changes
        lines.append(t("md.cli.table", lang=lang, table=masterdata.sheet_name(item.table, lang), rows=item.rows,
                       insert=c.get("insert", 0), update=c.get("update", 0), delete=c.get("delete", 0),
                       same=c.get("same", 0)))
    summary = report.summary or {}
    if summary.get("projects") is not None:
        lines.append(t("vl.cli.summary", lang=lang, rows=summary["rows"], projects=summary["projects"],
                       recipients=summary["recipients"], total=fmt.money(Decimal(summary["total_eur"]), lang,
                                                                         decimals=2),
                       land=summary["land_id"] or t("vl.federal", lang=lang)))
        for ags, kreis in summary["eur_by_kreis"].items():
            lines.append(f"    {ags} {kreis['name']}: {fmt.money(Decimal(kreis['eur']), lang, decimals=2)} "
                         f"({kreis['projects']})")
        for row in summary["outside_land"]:
            lines.append("  " + t("vl.cli.outside", lang=lang, **row))
        for row in summary["unplaced"]:
            lines.append("  " + t("vl.cli.unplaced", lang=lang, **row))
    return lines


def json_summary(report: Report) -> dict:
    """What --json prints: rows, projects, total EUR, EUR per Kreis (AGS), rows outside the Land, problems."""
    summary = dict(report.summary or {})
    return {
        "file": report.file_name, "sha256": report.sha256, "ok": report.ok,
        "already_imported_as": report.already and report.already["import_batch_id"],
        "batch": report.batch_id,
        "programme_id": summary.get("programme_id"), "land_id": summary.get("land_id"),
        "rows": summary.get("rows", report.rows_read), "projects": summary.get("projects"),
        "recipients": summary.get("recipients"), "total_eur": summary.get("total_eur"),
        "eur_by_kreis": {ags: kreis["eur"] for ags, kreis in summary.get("eur_by_kreis", {}).items()},
        "projects_by_kreis": {ags: kreis["projects"] for ags, kreis in summary.get("eur_by_kreis", {}).items()},
        "outside_land": summary.get("outside_land", []), "unplaced": summary.get("unplaced", []),
        "changes": summary.get("changes"),
        "mapping": summary.get("mapping"), "header_row": summary.get("header_row"), "sheet": summary.get("sheet"),
        "problems": [{"row": p.row, "column": p.column, "value": p.value, "reason": p.reason("de")}
                     for p in report.problems],
        "notes": [{"row": p.row, "column": p.column, "value": p.value, "reason": p.reason("de")}
                  for p in report.notes],
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: check (and unless --dry-run, commit) an import file; 1 when refused, 3 when locked (exit status
    4 when the role may not import)."""
    parser = argparse.ArgumentParser(prog="python -m monitor.imports",
                                     description="Zahlungen, Meilensteine, Fortschrittsberichte, Stammdaten eines "
                                                 "Programms (Programm-Mappe) oder eine Liste der Vorhaben importieren.")
    parser.add_argument("file", type=Path, help="CSV- oder xlsx-Datei")
    parser.add_argument("--kind", required=True, choices=(*KINDS, *batches.MASTER_KINDS), help="was die Datei enthält")
    parser.add_argument("--programme", help="Programm-ID (Pflicht bei vorhabenliste; bei stammdaten für Blätter ohne "
                                            "Programm-Spalte)")
    parser.add_argument("--name", help="Name des Programms (vorhabenliste)")
    parser.add_argument("--land", help="Land des Programms als AGS (01 … 16) oder 'bund' (vorhabenliste; Standard: "
                                       "das Land fast aller Mittel)")
    parser.add_argument("--table", help="Tabelle einer einzelnen CSV-Datei (stammdaten; Standard: aus dem Dateinamen)")
    parser.add_argument("--json", action="store_true", help="Zusammenfassung als JSON ausgeben")
    parser.add_argument("--dry-run", action="store_true", help="nur prüfen, nichts schreiben")
    parser.add_argument("--db", type=Path, default=None, help="Datenbankdatei (Standard: $MONITOR_DB)")
    args = parser.parse_args(argv)
    # only a role of the Daten page imports or checks files, as on the page (exit status 4 otherwise)
    auth.command_line_role("daten", "Importe", refused=4)
    path = args.db or database_path()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(t("dp.cli.unreadable", lang="de", file=str(args.file), error=exc.strerror or str(exc)), file=sys.stderr)
        return 2
    who = f"Kommandozeile ({getpass.getuser()})"
    options = None
    if args.kind in batches.MASTER_KINDS:
        options = {k: v for k, v in {"programme_id": args.programme, "name": args.name, "table": args.table}.items()
                   if v}
        if args.land is not None:
            options["land_id"] = None if args.land.casefold() in ("bund", "de", "") else args.land.zfill(2)
        if args.kind == "vorhabenliste":
            mapping = vorhabenliste.mapping_for(data, args.file.name, vorhabenliste.saved_mappings(path))
            if mapping:
                options["mapping"] = mapping
    try:
        if args.dry_run:
            report = batches.check(data, args.file.name, args.kind, options, path)
        else:
            report = batches.commit(data, args.file.name, args.kind, who, path, options=options)
    except duckdb.Error as exc:
        message = batches.lock_message(exc, path)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 3
    finally:
        Database.close_all()
    if args.json:
        print(json.dumps(json_summary(report), ensure_ascii=False, indent=1, default=str))
        return 0 if report.ok else 1
    print(format_report(report))
    if not report.ok:
        print(t("dp.cli.refused", lang="de"))
        return 1
    if report.already:
        return 0
    if args.dry_run:
        print(t("dp.cli.dry_run", lang="de"))
    elif report.batch_id is not None:
        print(t("dp.cli.committed", lang="de", batch=report.batch_id, rows=report.write_count))
    else:
        print(t("dp.nothing_to_do", lang="de"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
