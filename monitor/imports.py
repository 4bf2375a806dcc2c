"""Command line of the imports: check (and unless --dry-run, commit) a payments, milestones or reports file.

python -m monitor.imports FILE --kind payments|milestones|reports [--dry-run]
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import duckdb

from monitor import batches, checks, fmt
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
    lines.append(t("dp.cli.counts", lang=lang, rows=report.rows_read, insert=report.count("insert"),
                   update=report.count("update"), unchanged=report.count("unchanged"),
                   problems=len(report.problems)))
    for problem in report.problems + report.notes:
        where = []
        if problem.row is not None:
            where.append(t("dp.cli.row", lang=lang, row=problem.row))
        if problem.column:
            where.append(t("dp.cli.column", lang=lang, column=problem.column))
        if problem.value:
            where.append(t("dp.cli.value", lang=lang, value=problem.value))
        prefix = t("dp.cli.error" if problem in report.problems else "dp.cli.note", lang=lang)
        lines.append(f"  {prefix} {', '.join(where)}{': ' if where else ''}{problem.reason(lang)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: check (and unless --dry-run, commit) an import file; 1 when refused, 3 when locked."""
    parser = argparse.ArgumentParser(prog="python -m monitor.imports",
                                     description="Zahlungen, Meilensteine oder Fortschrittsberichte importieren.")
    parser.add_argument("file", type=Path, help="CSV- oder xlsx-Datei")
    parser.add_argument("--kind", required=True, choices=KINDS, help="was die Datei enthält")
    parser.add_argument("--dry-run", action="store_true", help="nur prüfen, nichts schreiben")
    parser.add_argument("--db", type=Path, default=None, help="Datenbankdatei (Standard: $MONITOR_DB)")
    args = parser.parse_args(argv)
    path = args.db or database_path()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(t("dp.cli.unreadable", lang="de", file=str(args.file), error=exc.strerror or str(exc)), file=sys.stderr)
        return 2
    who = f"Kommandozeile ({getpass.getuser()})"
    try:
        if args.dry_run:
            report = checks.check(data, args.file.name, args.kind, path)
        else:
            report = batches.commit(data, args.file.name, args.kind, who, path)
    except duckdb.Error as exc:
        message = batches.lock_message(exc, path)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 3
    finally:
        Database.close_all()
    print(format_report(report))
    if not report.ok:
        print(t("dp.cli.refused", lang="de"))
        return 1
    if report.already:
        return 0
    if args.dry_run:
        print(t("dp.cli.dry_run", lang="de"))
    elif report.batch_id is not None:
        print(t("dp.cli.committed", lang="de", batch=report.batch_id, rows=len(report.writes)))
    else:
        print(t("dp.nothing_to_do", lang="de"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
