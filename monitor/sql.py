"""Command line for the SQL guard: `python -m monitor.sql "SELECT …" [--format csv|json]`.

Runs one read-only SELECT on the analysis copy with the same checks, limits and log as the Explorer;
a refusal prints the catalogue message on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys

from monitor import audit, auth, guard
from monitor.db import BuildError, DatabaseBusy, ensure_database


def main(argv: list[str] | None = None) -> int:
    """Run the query; 0 on success, 2 when refused or stopped (a role that may not query ends the run with exit
    status 2), 1 when the database is unusable."""
    parser = argparse.ArgumentParser(prog="python -m monitor.sql",
                                     description="Eine lesende SQL-Abfrage auf der Analysekopie ausführen.")
    parser.add_argument("sql", help="genau eine SELECT-Abfrage ('-' liest sie von der Standardeingabe)")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table", help="Ausgabeformat")
    parser.add_argument("--max-rows", type=int, default=guard.MAX_ROWS, help="höchstens so viele Zeilen")
    parser.add_argument("--timeout", type=float, default=guard.TIME_LIMIT_S, help="Zeitlimit in Sekunden")
    args = parser.parse_args(argv)
    sql = sys.stdin.read() if args.sql == "-" else args.sql
    # an automation account's role (monitor/auth.py): the analysis copy is the Explorer's, so its roles only
    role = auth.command_line_role("explorer", "Abfragen auf der Analysekopie", refused=2).role
    try:
        ensure_database()
    except BuildError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except DatabaseBusy:
        pass  # the app holds the main file: the guard falls back to the newest analysis copy
    try:
        result = guard.run(sql, role=role, source="cli", max_rows=max(1, args.max_rows), time_limit=args.timeout)
    except guard.Refusal as refusal:
        audit.query("cli", sql, None, refusal.code, None)
        print(refusal.message(lang="de"), file=sys.stderr)
        return 2
    audit.query("cli", sql, None, None, len(result.frame))
    frame = result.frame
    if args.format == "csv":
        sys.stdout.write(frame.to_csv(index=False, date_format="%Y-%m-%d"))
    elif args.format == "json":
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(frame.to_string(index=False) + "\n")
    if result.truncated:
        print(f"gekürzt: nur die ersten {len(frame)} Zeilen", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
