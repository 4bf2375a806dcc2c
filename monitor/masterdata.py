"""A programme's master data from files: the Programm-Mappe (one xlsx sheet per table), one CSV per table, or a
folder of CSVs (the build's base data, the demo included).

Every table of schema.sql can be loaded. A file is checked as a whole before anything is written, every problem
named by sheet, row and column: each cell is read by its column's type (German conventions), then staged in
temporary tables where the schema's own rules are evaluated, with the references between tables that
schema.sql writes as /* references t (c) */. The check then compares every staged row with the database:
insert, update (the row before is kept) or unchanged; for a link table (a project's goals, themes, payment
plan...) the rows of a parent in the file that the file no longer lists are deleted. `write` applies that in
the caller's transaction and logs it in import_change, so `revert` restores the state before exactly.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path, PurePath

import duckdb
import pandas as pd

from monitor import readers
from monitor.checks import Change, Problem, Report, _check_characters, already_imported, sha256
from monitor.db import SCHEMA_FILE, TABLES, BuildError
from monitor.i18n import t
from monitor.templates import norm

KINDS = ("stammdaten", "vorhabenliste")
LOADABLE = [table for table in TABLES if table != "import_batch"]
NOT_IMPORTED = {"import_batch_id"}
# link tables: the file's rows for a parent replace the parent's rows in the database
REPLACE_BY = {"project_goal": "project_id", "project_theme": "project_id", "planned_payment": "project_id",
              "application_goal": "application_id", "applicant_member": "applicant_id", "score": "application_id",
              "indicator_target": "project_id"}
# what a cell may say for yes and no
YES = {norm(w) for w in ("ja", "j", "x", "wahr", "true", "yes", "y", "1", "1.0")}
NO = {norm(w) for w in ("nein", "n", "falsch", "false", "no", "0", "0.0")}
# inputs that are not columns: where a recipient sits, to find its Kreis
INPUTS = {"applicant": ("postcode", "place")}
MAX_PROBLEMS = 2_000


@dataclass(frozen=True)
class Column:
    """A column of schema.sql: its type, whether a value is required, its default (SQL text) and whether it is
    part of the primary key."""

    name: str
    dtype: str
    required: bool
    default: str | None
    key: bool


@dataclass(frozen=True)
class Rule:
    """A check of schema.sql: the SQL expression and the columns it reads."""

    sql: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Schema:
    columns: dict[str, list[Column]]
    keys: dict[str, tuple[str, ...]]
    uniques: dict[str, list[tuple[str, ...]]]
    rules: dict[str, list[Rule]]
    references: dict[str, list[tuple[str, str, str]]]     # table -> (column, referenced table, its column)

    def referencing(self, table: str) -> list[tuple[str, str]]:
        """(table, column) pairs that reference table."""
        return [(other, column) for other, refs in self.references.items()
                for column, target, _ in refs if target == table and other != table]


@cache
def schema() -> Schema:
    """What schema.sql says about every table, read from an in-memory database built from it."""
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    ref = duckdb.connect()
    ref.execute(text)
    keys: dict[str, tuple[str, ...]] = {}
    uniques: dict[str, list[tuple[str, ...]]] = {}
    rules: dict[str, list[Rule]] = {}
    for table, kind, sql, cols in ref.execute(
            "select table_name, constraint_type, constraint_text, constraint_column_names "
            "from duckdb_constraints() order by table_name, constraint_index").fetchall():
        if kind == "PRIMARY KEY":
            keys[table] = tuple(cols)
        elif kind == "UNIQUE":
            uniques.setdefault(table, []).append(tuple(cols))
        elif kind == "CHECK":
            rules.setdefault(table, []).append(Rule(sql[len("CHECK("):-1], tuple(dict.fromkeys(cols))))
    columns: dict[str, list[Column]] = {}
    for table, name, dtype, nullable, default in ref.execute(
            "select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns "
            "where table_schema = 'main' order by table_name, ordinal_position").fetchall():
        columns.setdefault(table, []).append(Column(name, dtype, nullable != "YES" and default is None, default,
                                                    name in keys.get(table, ())))
    ref.close()
    references: dict[str, list[tuple[str, str, str]]] = {}
    for statement in re.findall(r"create table \w+ \(.*?\n\);", text, re.S):
        table = re.match(r"create table (\w+)", statement).group(1)
        for column, target, target_column in re.findall(
                r"^\s+(\w+)\s[^\n]*?/\* references (\w+) \((\w+)\) \*/", statement, re.M):
            references.setdefault(table, []).append((column, target, target_column))
    return Schema(columns, keys, uniques, rules, references)


# ---- names ------------------------------------------------------------------------------------------

def sheet_name(table: str, lang: str | None = "de") -> str:
    """The sheet (and CSV file) name of a table in the Programm-Mappe: 'Projekte'."""
    return t(f"md.sheet.{table}", lang=lang)


def header(table: str, column: str, lang: str | None = "de") -> str:
    """A column's header in the Mappe: 'Zuwendung (EUR)'; the table's own wording first, then the shared one."""
    text = t(f"md.col.{table}.{column}", lang=lang, default=None)
    return text if text is not None else t(f"md.col.{column}", lang=lang, default=column)


def _table_of(name: str) -> str | None:
    """The table a sheet or CSV file name means: 'Projekte', 'projects', 'project', '03_Projekte'."""
    key = norm(re.sub(r"^\d+[\s_.-]*", "", PurePath(name).stem if "." in name else name))
    for table in LOADABLE:
        if key in {norm(table), norm(sheet_name(table, "de")), norm(sheet_name(table, "en"))}:
            return table
    return None


def _aliases(table: str) -> dict[str, str]:
    """Normalised header -> column, for every column of table (canonical, German, English) and its inputs."""
    names: dict[str, str] = {}
    for column in [c.name for c in schema().columns[table] if c.name not in NOT_IMPORTED] + list(
            INPUTS.get(table, ())):
        for text in (column, header(table, column, "de"), header(table, column, "en")):
            names.setdefault(norm(text), column)
    return names


# ---- reading ----------------------------------------------------------------------------------------

@dataclass
class Input:
    """One table's cells as read: headers, data rows (row number, cells), and the sheet's name."""

    table: str
    sheet: str
    sheet_obj: readers.Sheet


def read(data: bytes, file_name: str, table: str | None = None) -> tuple[list[Input], list[Problem]]:
    """The tables in a file: every sheet of a workbook whose name is a table, or one CSV (table from the file
    name unless given). Problems concern the file as a whole."""
    problems: list[Problem] = []
    suffix = PurePath(file_name).suffix.lower()
    try:
        if suffix == ".xlsx" and table is None:
            sheets = readers.read_workbook(data, file_name)
        else:
            sheets = [readers.read(data, file_name)]
    except readers.ReadError as exc:
        return [], [Problem(None, None, file_name, f"read.{exc.code}", exc.values)]
    inputs = []
    for sheet in sheets:
        name = sheet.sheet_name if (suffix == ".xlsx" and table is None) else file_name
        found = table or _table_of(name)
        if found is None:
            help_sheets = {norm(t("md.sheet.help", lang="de")), norm(t("md.sheet.help", lang="en"))}
            if suffix == ".xlsx" and norm(name) in help_sheets:
                continue
            (problems if suffix != ".xlsx" else []).append(
                Problem(None, None, name, "md.unknown_table", {"name": name, "tables": _table_list()}))
            continue
        inputs.append(Input(found, sheet.sheet_name if suffix == ".xlsx" else PurePath(file_name).name, sheet))
    if not inputs and not problems:
        problems.append(Problem(None, None, file_name, "md.no_table", {"tables": _table_list()}))
    return inputs, problems


def _table_list() -> str:
    return ", ".join(sheet_name(table) for table in LOADABLE)


def read_directory(folder: Path) -> list[tuple[str, bytes]]:
    """The CSV files of a base-data folder, in load order: (file name, bytes)."""
    files = []
    for table in LOADABLE:
        path = folder / f"{table}.csv"
        if path.exists():
            files.append((path.name, path.read_bytes()))
    return files


# ---- cells ------------------------------------------------------------------------------------------

def _decimal_shape(dtype: str) -> tuple[int, int] | None:
    match = re.match(r"DECIMAL\((\d+),(\d+)\)", dtype)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _cell(column: Column, raw, convention, where: tuple[str, int, str], problems: list[Problem]):
    """One cell as the value staged for its column (text, ISO date, decimal text, int, bool), None when empty;
    a problem (and None) when it cannot be read."""
    sheet, row, head = where
    if isinstance(raw, (readers.Formula, readers.CellError)):
        problems.append(Problem(row, head, str(raw), "formula" if isinstance(raw, readers.Formula) else "cell_error",
                                sheet=sheet))
        return None
    if readers.is_blank(raw):
        return None
    shown = readers.text(raw)
    dtype = column.dtype
    try:
        if dtype == "VARCHAR":
            shown = shown.replace("\r\n", "\n").replace("\r", "\n")      # Windows and old Mac line ends
            before = len(problems)
            if not _check_characters(shown, head, row, problems, line_breaks=True):
                problems[before].sheet = sheet
                return None
            return shown
        if dtype == "DATE":
            return readers.date(raw).isoformat()
        if dtype == "BOOLEAN":
            word = norm(shown)
            if word in YES:
                return True
            if word in NO:
                return False
            problems.append(Problem(row, head, shown, "md.not_yes_no", sheet=sheet))
            return None
        value = readers.number(raw, convention)
        if dtype in ("INTEGER", "BIGINT"):
            if value != value.to_integral_value():
                problems.append(Problem(row, head, shown, "md.not_whole", sheet=sheet))
                return None
            return int(value)
        if dtype == "DOUBLE":
            return float(value)
        shape = _decimal_shape(dtype)
        if shape:
            digits, places = shape
            if -value.normalize().as_tuple().exponent > places:
                problems.append(Problem(row, head, shown, "md.too_many_places", {"places": places}, sheet=sheet))
                return None
            if abs(value) >= Decimal(10) ** (digits - places):
                problems.append(Problem(row, head, shown, "md.too_large", sheet=sheet))
                return None
        return str(value)
    except readers.ValueProblem as exc:
        problems.append(Problem(row, head, shown, exc.code, exc.values, sheet=sheet))
        return None


# ---- the check --------------------------------------------------------------------------------------

@dataclass
class Staged:
    """A table as staged for the check: the temp table's name, the file's columns and headers."""

    table: str
    sheet: str
    headers: dict[str, str]          # column -> the header as the file wrote it
    given: set[str]                  # columns the file has
    rows: int = 0
    changes: dict[str, int] = field(default_factory=dict)


def stage_name(table: str) -> str:
    return f"md_{table}"


def _locate(cells: dict[str, list], problems: list[Problem], sheet: str, headers: dict[str, str],
            rows: list[int], derived: set[str]) -> None:
    """A recipient without a Kreis: found from postcode and place (monitor.places)."""
    for i, row in enumerate(rows):
        if cells["kreis_id"][i] or not (cells["postcode"][i] or cells["place"][i]):
            continue
        from monitor import places  # (loads the postcode table: only when a recipient needs it)

        found = places.locate(postcode=cells["postcode"][i], place=cells["place"][i])
        if found.kreis_id is None:
            problems.append(Problem(row, headers.get("place") or headers.get("postcode"),
                                    " ".join(str(c) for c in (cells["postcode"][i], cells["place"][i]) if c),
                                    "md.not_placed", {"reason": t(f"md.place.{found.reason}", lang="de")},
                                    sheet=sheet))
            continue
        cells["kreis_id"][i] = found.kreis_id
        cells["region_id"][i] = cells["region_id"][i] or found.kreis_id
        cells["lat"][i] = cells["lat"][i] if cells["lat"][i] is not None else found.lat
        cells["lon"][i] = cells["lon"][i] if cells["lon"][i] is not None else found.lon
        derived.update(("kreis_id", "region_id", "lat", "lon"))


def _fill(table: str, cells: dict[str, list], context: dict) -> None:
    """Values a file may leave out: English names from the German ones, the order of rows, the source, the one
    programme of the file, 'not illustrative'."""
    for en, de in (("name_en", "name_de"), ("label_en", "label_de"), ("unit_en", "unit_de")):
        if en in cells and de in cells:
            cells[en] = [e if e is not None else d for e, d in zip(cells[en], cells[de])]
    if "sort_order" in cells:
        cells["sort_order"] = [v if v is not None else i + 1 for i, v in enumerate(cells["sort_order"])]
    if "source" in cells:
        cells["source"] = [v if v is not None else context["source"] for v in cells["source"]]
    if "is_illustrative" in cells:
        cells["is_illustrative"] = [v if v is not None else False for v in cells["is_illustrative"]]
    if "programme_id" in cells and table != "programme" and context.get("programme_id"):
        cells["programme_id"] = [v if v is not None else context["programme_id"] for v in cells["programme_id"]]


def _stage(cur, item: Input, problems: list[Problem], context: dict) -> Staged:
    table, sheet = item.table, item.sheet
    columns = {c.name: c for c in schema().columns[table]}
    aliases = _aliases(table)
    at: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, text in enumerate(item.sheet_obj.headers):
        if not str(text).strip():
            continue
        column = aliases.get(norm(text))
        if column is None:
            if norm(text) not in {norm(c) for c in NOT_IMPORTED}:
                problems.append(Problem(1, text, "", "md.unknown_column",
                                        {"table": sheet_name(table), "columns": ", ".join(
                                            header(table, c) for c in columns if c not in NOT_IMPORTED)},
                                        sheet=sheet))
            continue
        if column in at:
            problems.append(Problem(1, text, "", "duplicate_column", {"first": headers[column]}, sheet=sheet))
            continue
        at[column], headers[column] = index, text
    staged = Staged(table, sheet, headers, set(at))
    rows = [number for number, _ in item.sheet_obj.rows]
    staged.rows = len(rows)
    cells: dict[str, list] = {}
    for name in [*columns, *INPUTS.get(table, ())]:
        if name in NOT_IMPORTED:
            continue
        index = at.get(name)
        raw = [r[index] if index is not None and index < len(r) else None for _, r in item.sheet_obj.rows]
        if name not in columns:
            cells[name] = [None if readers.is_blank(v) else readers.text(v) for v in raw]
            continue
        column = columns[name]
        convention = readers.settle(zip(rows, raw)) if column.dtype not in ("VARCHAR", "DATE", "BOOLEAN") else None
        head = headers.get(name, header(table, name))
        cells[name] = [_cell(column, v, convention, (sheet, row, head), problems) for row, v in zip(rows, raw)]
    _fill(table, cells, context)
    if table == "applicant":
        derived: set[str] = set()
        _locate(cells, problems, sheet, headers, rows, derived)
        staged.given |= derived
    frame = pd.DataFrame({"_row": rows, **{k: v for k, v in cells.items() if k in columns}}, dtype=object)
    name = stage_name(table)
    cur.execute(f"drop table if exists {name}")
    select = ", ".join(["_row::integer as _row"] + [
        f"coalesce({c.name}::{c.dtype}, {c.default})::{c.dtype} as {c.name}" if c.default is not None
        else f"{c.name}::{c.dtype} as {c.name}" for c in columns.values() if c.name not in NOT_IMPORTED])
    cur.register("md_frame", frame)
    try:
        cur.execute(f"create temp table {name} as select {select} from md_frame")
    finally:
        cur.unregister("md_frame")
    # a column the file leaves out keeps, for a row already in the database, the value it has
    keys = schema().keys[table]
    kept = [c for c in columns if c not in staged.given and c not in keys and c not in NOT_IMPORTED]
    if kept and staged.given:
        match = " and ".join(f"s.{k} = e.{k}" for k in keys)
        cur.execute(f"update {name} as s set {', '.join(f'{c} = e.{c}' for c in kept)} from main.{table} as e "
                    f"where {match}")
    if table == "applicant":
        # the Kreis and a point of a recipient from its seat (a Kreis, or a Gemeinde of a Kreis)
        regions = "select region_id, kreis_id, lat, lon from main.region"
        if _exists(cur, stage_name("region")):
            regions += f" union all select region_id, kreis_id, lat, lon from {stage_name('region')}"
        cur.execute(f"update {name} as s set kreis_id = coalesce(s.kreis_id, case when length(s.region_id) = 5 "
                    f"then s.region_id else r.kreis_id end), lat = coalesce(s.lat, r.lat), "
                    f"lon = coalesce(s.lon, r.lon) from ({regions}) as r where r.region_id = s.region_id")
    return staged


def _rule_words(rule: Rule, table: str, lang: str | None, headers: dict[str, str] | None = None) -> str:
    """A check of schema.sql in words a user reads: column names become headers, dates German ones."""
    text = rule.sql
    text = re.sub(r"CAST\('(\d{4})-(\d{2})-(\d{2})' AS date\)", lambda m: f"{m.group(3)}.{m.group(2)}.{m.group(1)}",
                  text)
    text = re.sub(r"to_years\(CAST\(trunc\(CAST\((\d+) AS DOUBLE\)\) AS INTEGER\)\)", r"\1 Jahr", text)
    text = re.sub(r"\(\"?(\w+)\"? IN \(([^)]*)\)\)", lambda m: f"{m.group(1)} ∈ {{{m.group(2)}}}", text)
    text = text.replace('"', "")
    for column in sorted({c.name for c in schema().columns[table]}, key=len, reverse=True):
        text = re.sub(rf"\b{column}\b", f"„{(headers or {}).get(column) or header(table, column, lang)}“", text)
    text = text.replace(" AND ", " und " if lang != "en" else " and ").replace(" OR ", " oder " if lang != "en"
                                                                                 else " or ")
    text = text.replace("IS NULL", "leer" if lang != "en" else "empty").replace(
        "IS NOT NULL", "nicht leer" if lang != "en" else "not empty").replace("BETWEEN", "zwischen" if lang != "en"
                                                                               else "between")
    return re.sub(r"^\((.*)\)$", r"\1", text)


def _problems_of(cur, staged: Staged, problems: list[Problem], staged_tables: set[str]) -> None:
    table, name, sheet = staged.table, stage_name(staged.table), staged.sheet
    s = schema()
    columns = [c for c in s.columns[table] if c.name not in NOT_IMPORTED]

    def head(column: str) -> str:
        return staged.headers.get(column, header(table, column))

    def add(rows, column: str, code: str, values: dict | None = None) -> None:
        for row, value in rows:
            problems.append(Problem(row, head(column), "" if value is None else str(value), code, values or {},
                                    sheet=sheet))

    unplaced = {p.row for p in problems if p.code == "md.not_placed" and p.sheet == sheet}
    for column in columns:
        if column.required:
            missing = cur.execute(f"select _row, null from {name} where {column.name} is null order by _row").fetchall()
            if column.name in ("kreis_id", "region_id", "lat", "lon"):
                missing = [m for m in missing if m[0] not in unplaced]    # said once: not placed
            # a value that could not be read is empty here: its problem is already listed
            unread = {p.row for p in problems if p.sheet == sheet and p.column == head(column.name)}
            missing = [m for m in missing if m[0] not in unread]
            if missing and column.name not in staged.given and not staged.rows == 0:
                problems.append(Problem(None, None, "", "md.missing_column",
                                        {"column": header(table, column.name), "name": column.name,
                                         "table": sheet_name(table)}, sheet=sheet))
                continue
            add(missing, column.name, "required")
    for unique in [s.keys[table], *s.uniques.get(table, [])]:
        cols = ", ".join(unique)
        dupes = cur.execute(
            f"select _row, first_row, {cols} from (select _row, {cols}, "
            f"min(_row) over (partition by {cols}) as first_row, count(*) over (partition by {cols}) as n "
            f"from {name} where {' and '.join(f'{c} is not null' for c in unique)}) "
            f"where n > 1 and _row > first_row order by _row").fetchall()
        for row, first, *values in dupes:
            problems.append(Problem(row, head(unique[-1]), " / ".join(map(str, values)), "md.duplicate",
                                    {"first": first}, sheet=sheet))
    for cols in s.uniques.get(table, []):
        keys = s.keys[table]
        match = " and ".join(f"e.{c} = n.{c}" for c in cols)
        same = " and ".join(f"e.{k} = n.{k}" for k in keys)
        clash = cur.execute(
            f"select n._row, n.{cols[-1]}, e.{keys[0]} from {name} as n join main.{table} as e on {match} "
            f"where not ({same}) and not exists (select 1 from {name} as m where "
            f"{' and '.join(f'm.{k} = e.{k}' for k in keys)}) order by n._row").fetchall()
        for row, value, other in clash:
            problems.append(Problem(row, head(cols[-1]), str(value), "md.taken", {"other": other}, sheet=sheet))
    for rule in s.rules.get(table, []):
        types = {c.name: c.dtype for c in columns}
        shown = ", ".join(f"strftime({c}, '%d.%m.%Y')" if types.get(c) == "DATE" else c for c in rule.columns)
        broken = cur.execute(f"select _row, concat_ws(' / ', {shown}) from {name} "
                             f"where not coalesce(({rule.sql}), true) order by _row").fetchall()
        add(broken, rule.columns[0], "md.rule", {"rule": _rule_words(rule, table, "de", staged.headers)})
    for column, target, target_column in s.references.get(table, []):
        also = (f" and not exists (select 1 from {stage_name(target)} as f where f.{target_column} = s.{column})"
                if target in staged_tables else "")
        unknown = cur.execute(
            f"select s._row, s.{column} from {name} as s where s.{column} is not null and not exists "
            f"(select 1 from main.{target} as r where r.{target_column} = s.{column}){also} order by s._row"
        ).fetchall()
        add(unknown, column, "md.unknown_reference", {"table": sheet_name(target)})


def _diff(cur, staged: Staged, report: Report, preview: int) -> None:
    """Mark each staged row insert, update or same; collect the deletions of a link table; the preview keeps
    the first rows of each action as Change."""
    table, name = staged.table, stage_name(staged.table)
    s = schema()
    keys = s.keys[table]
    columns = [c.name for c in s.columns[table] if c.name not in NOT_IMPORTED]
    match = " and ".join(f"e.{k} = s.{k}" for k in keys)
    # a row whose values are the same is unchanged even when it comes from another file (source keeps the first)
    differs = " or ".join(f"s.{c} is distinct from e.{c}" for c in columns
                          if c not in keys and c != "source") or "false"
    cur.execute(f"create temp table {name}_diff as select s.*, case when e.{keys[0]} is null then 'insert' "
                f"when {differs} then 'update' else 'same' end as _action, case when e.{keys[0]} is not null "
                f"then to_json(e)::varchar end as _before from {name} as s left join main.{table} as e on {match}")
    cur.execute(f"drop table {name}")
    cur.execute(f"alter table {name}_diff rename to {name}")
    parent = REPLACE_BY.get(table)
    gone = []
    if parent:
        gone = cur.execute(
            f"select to_json(e)::varchar from main.{table} as e where e.{parent} in (select {parent} from {name}) "
            f"and not exists (select 1 from {name} as s where {match}) order by all").fetchall()
    record_deletes(cur, table, [g[0] for g in gone])
    counts = dict(cur.execute(f"select _action, count(*) from {name} group by 1").fetchall())
    counts["delete"] = len(gone)
    staged.changes = counts
    for action in ("insert", "update"):
        for row, values, before in cur.execute(
                f"select _row, to_json(s)::varchar, _before from {name} as s where _action = ? order by _row "
                f"limit {preview}", [action]).fetchall():
            report.changes.append(Change(action, row, _plain(values, columns), before and _plain(before, columns),
                                         table=table))
    for before in gone[:preview]:
        report.changes.append(Change("delete", None, _plain(before[0], columns), _plain(before[0], columns),
                                     table=table))


def _plain(text: str, columns: list[str]) -> dict:
    data = json.loads(text, parse_float=Decimal)
    return {c: data.get(c) for c in columns}


def deletes_table(table: str) -> str:
    return f"md_delete_{table}"


def record_deletes(cur, table: str, befores: list[str]) -> None:
    """Add rows to delete (their JSON before-image), with every row that references them (cascading)."""
    name = deletes_table(table)
    cur.execute(f"create temp table if not exists {name} (before_json varchar)")
    if not befores:
        return
    cur.executemany(f"insert into {name} values (?)", [[b] for b in befores])
    s = schema()
    for other, column in s.referencing(table):
        target = next(tc for c, tt, tc in s.references[other] if c == column and tt == table)
        values = [json.loads(b)[target] for b in befores]
        rows = cur.execute(f"select to_json(e)::varchar from main.{other} as e where e.{column} in "
                           f"(select unnest(?::varchar[])) and to_json(e)::varchar not in "
                           f"(select before_json from {deletes_table(other)})"
                           if _exists(cur, deletes_table(other)) else
                           f"select to_json(e)::varchar from main.{other} as e where e.{column} in "
                           f"(select unnest(?::varchar[]))", [[str(v) for v in values]]).fetchall()
        record_deletes(cur, other, [r[0] for r in rows])


def _exists(cur, name: str) -> bool:
    return bool(cur.execute("select count(*) from duckdb_tables() where table_name = ?", [name]).fetchone()[0])


def check_inputs(cur, inputs: list[Input], report: Report, context: dict, preview: int = 200) -> list[Staged]:
    """Stage and check the tables of a file inside the caller's transaction (nothing is written to the
    programme's tables); fills report.problems and report.changes."""
    for table in LOADABLE:
        cur.execute(f"drop table if exists {stage_name(table)}")
        cur.execute(f"drop table if exists {deletes_table(table)}")
    seen: dict[str, Input] = {}
    for item in inputs:
        if item.table in seen:
            report.problems.append(Problem(None, None, item.sheet, "md.table_twice",
                                           {"table": sheet_name(item.table), "first": seen[item.table].sheet}))
        seen[item.table] = item
    programmes = [i for i in inputs if i.table == "programme"]
    if "programme_id" not in context and programmes and len(programmes[0].sheet_obj.rows) == 1:
        # the one programme of a Mappe: its other sheets may leave the programme column out
        sheet = programmes[0].sheet_obj
        index = next((i for i, h in enumerate(sheet.headers) if _aliases("programme").get(norm(h)) == "programme_id"),
                     None)
        if index is not None and index < len(sheet.rows[0][1]) and not readers.is_blank(sheet.rows[0][1][index]):
            context["programme_id"] = readers.text(sheet.rows[0][1][index])
    ordered = sorted(seen.values(), key=lambda i: LOADABLE.index(i.table))
    staged = [_stage(cur, item, report.problems, context) for item in ordered]
    names = {s.table for s in staged}
    for item in staged:
        _problems_of(cur, item, report.problems, names)
    report.rows_read = sum(s.rows for s in staged)
    if report.problems:
        order = {table: i for i, table in enumerate(LOADABLE)}
        report.problems.sort(key=lambda p: (order.get(_table_of(p.sheet or "") or "", -1), p.row or 0))
        return staged
    for item in staged:
        _diff(cur, item, report, preview)
    add_deletions(cur, staged)
    return staged


def add_deletions(cur, staged: list[Staged]) -> None:
    """Count the rows to delete (recorded by record_deletes) into staged, adding tables the file did not have."""
    by_table = {item.table: item for item in staged}
    for table in LOADABLE:
        if not _exists(cur, deletes_table(table)):
            continue
        n = cur.execute(f"select count(*) from {deletes_table(table)}").fetchone()[0]
        if table in by_table:
            by_table[table].changes["delete"] = n
        elif n:
            staged.append(Staged(table, sheet_name(table), {}, set(), 0, {"delete": n}))


def counts(staged: list[Staged]) -> dict[str, int]:
    """insert / update / delete / same over all tables."""
    total: dict[str, int] = {}
    for item in staged:
        for action, n in item.changes.items():
            total[action] = total.get(action, 0) + n
    return total


def summary_frame(staged: list[Staged], lang: str | None = None) -> pd.DataFrame:
    """One row per table: what the import would insert, change, delete and leave as it is."""
    return pd.DataFrame({
        "md_table": [sheet_name(s.table, lang) for s in staged],
        "md_rows": [s.rows for s in staged],
        "md_insert": [s.changes.get("insert", 0) for s in staged],
        "md_update": [s.changes.get("update", 0) for s in staged],
        "md_delete": [s.changes.get("delete", 0) for s in staged],
        "md_same": [s.changes.get("same", 0) for s in staged],
    })


# ---- writing and undoing ----------------------------------------------------------------------------

def _key_text(table: str, values: dict) -> str:
    keys = schema().keys[table]
    if len(keys) == 1:
        return str(values[keys[0]])
    return json.dumps([None if values[k] is None else str(values[k]) for k in keys], ensure_ascii=False)


def write(cur, staged: list[Staged], batch: int | None) -> int:
    """Apply the checked changes in the caller's transaction: deletions, updates, insertions; with a batch, log
    each in import_change. Returns the rows written."""
    s = schema()
    log: list[tuple] = []
    written = 0
    for table in reversed(LOADABLE):
        name = deletes_table(table)
        if not _exists(cur, name):
            continue
        befores = [json.loads(r[0]) for r in cur.execute(f"select before_json from {name}").fetchall()]
        keys = s.keys[table]
        for before in befores:
            cur.execute(f"delete from {table} where " + " and ".join(f"{k} = ?" for k in keys),
                        [before[k] for k in keys])
            log.append((table, _key_text(table, before), "delete", json.dumps(before, ensure_ascii=False)))
        written += len(befores)
    for item in staged:
        if not item.rows:
            continue
        table, name = item.table, stage_name(item.table)
        keys = s.keys[table]
        columns = [c.name for c in s.columns[table] if c.name not in NOT_IMPORTED]
        batch_column = ", import_batch_id" if batch is not None and any(
            c.name == "import_batch_id" for c in s.columns[table]) else ""
        batch_value = f", {int(batch)}" if batch_column else ""
        match = " and ".join(f"{table}.{k} = s.{k}" for k in keys)
        values = [c for c in columns if c not in keys]
        if values and item.changes.get("update"):
            cur.execute(f"update {table} set {', '.join(f'{c} = s.{c}' for c in values)} "
                        f"from {name} as s where s._action = 'update' and {match}")
        cur.execute(f"insert into {table} ({', '.join(columns)}{batch_column}) select {', '.join(columns)}"
                    f"{batch_value} from {name} where _action = 'insert' order by _row")
        if batch is not None:
            for values, action, before in cur.execute(
                    f"select to_json(s)::varchar, _action, _before from {name} as s where _action in "
                    f"('insert', 'update') order by _row").fetchall():
                log.append((table, _key_text(table, json.loads(values)), action, before))
        written += item.changes.get("insert", 0) + item.changes.get("update", 0)
        _after_table(written)
    if batch is not None and log:
        frame = pd.DataFrame(log, columns=["table_name", "row_key", "action", "before_json"], dtype=object)
        frame.insert(0, "import_batch_id", batch)
        log_changes(cur, frame)
    for table in LOADABLE:
        cur.execute(f"drop table if exists {stage_name(table)}")
        cur.execute(f"drop table if exists {deletes_table(table)}")
    return written


def log_changes(cur, frame: pd.DataFrame) -> None:
    """Append what a batch changed (import_batch_id, table_name, row_key, action, before_json) to import_change."""
    cur.register("import_log", frame)
    try:
        cur.execute("insert into import_change select import_batch_id::integer, table_name, row_key, action, "
                    "before_json::varchar from import_log")
    finally:
        cur.unregister("import_log")


def _after_table(rows_written: int) -> None:
    """Test hook (as for the other imports): with MONITOR_IMPORT_CRASH_AFTER_ROWS set, the process dies here,
    inside the transaction."""
    limit = os.environ.get("MONITOR_IMPORT_CRASH_AFTER_ROWS")
    if limit and rows_written >= int(limit):
        os._exit(70)


def revert(cur, changes: list[tuple[str, str, str, str | None]]) -> None:
    """Undo logged changes (table, row key, action, before-image) in the caller's transaction: inserted rows are
    deleted, updated rows get their values back, deleted rows return."""
    s = schema()
    types: dict[str, dict[str, str]] = {}
    order = {table: i for i, table in enumerate(LOADABLE)}
    for table, key, action, before in sorted(changes, key=lambda c: -order.get(c[0], 0)):
        keys = s.keys[table]
        values = [key] if len(keys) == 1 else json.loads(key)
        where = " and ".join(f"{k} = ?" for k in keys)
        if action == "insert":
            cur.execute(f"delete from {table} where {where}", values)
            continue
        if table not in types:
            types[table] = {n: ty for n, ty, *_ in cur.execute(f"describe {table}").fetchall()}
        row = {c: v for c, v in json.loads(before, parse_float=Decimal).items() if c in types[table]}
        params = [None if v is None else str(v) if isinstance(v, Decimal) else v for v in row.values()]
        if action == "update":
            columns = [c for c in row if c not in keys]
            cur.execute(f"update {table} set {', '.join(f'{c} = ?::{types[table][c]}' for c in columns)} "
                        f"where {where}", [params[list(row).index(c)] for c in columns] + values)
        else:
            cur.execute(f"insert into {table} ({', '.join(row)}) values "
                        f"({', '.join(f'?::{types[table][c]}' for c in row)})", params)


def orphans(cur, targets: set[str] | None = None, limit: int = 5) -> list[tuple[str, str, str, str]]:
    """Rows whose reference points nowhere (into the tables targets, default all): (table, column, value,
    referenced table); empty when whole."""
    found = []
    for table, refs in schema().references.items():
        for column, target, target_column in refs:
            if targets is not None and target not in targets:
                continue
            for (value,) in cur.execute(
                    f"select distinct {column} from {table} as s where {column} is not null and not exists "
                    f"(select 1 from {target} as r where r.{target_column} = s.{column}) order by 1 limit {limit}"
            ).fetchall():
                found.append((table, column, str(value), target))
    return found


# ---- whole files ------------------------------------------------------------------------------------

def check(cur, data: bytes, file_name: str, kind: str = "stammdaten", options: dict | None = None,
          preview: int = 200) -> tuple[Report, list[Staged]]:
    """Read and check a master-data file inside the caller's transaction (stages, writes nothing)."""
    options = dict(options or {})
    report = Report(kind, file_name, sha256(data), len(data))
    report.already = already_imported(cur, report.sha256, kind)
    if report.already:
        return report, []
    inputs, problems = read(data, file_name, options.get("table"))
    report.problems.extend(problems)
    if report.problems:
        return report, []
    context = {"source": options.get("source") or t("md.source", lang="de", file=PurePath(file_name).name)}
    if options.get("programme_id"):
        context["programme_id"] = options["programme_id"]
    staged = check_inputs(cur, inputs, report, context, preview)
    return report, staged


def load_directory(con, folder: Path) -> int:
    """Load the base data of a build (one CSV per table) through the same checks; raises BuildError naming the
    first problem. Returns the rows written."""
    return load_files(con, [(name, data, None) for name, data in read_directory(folder)], f"Basisdaten {folder.name}")


def load_files(con, files: list[tuple[str, bytes, str | None]], source: str) -> int:
    """Check and write (file name, bytes, table or None) as one load without an import batch (the build)."""
    inputs: list[Input] = []
    for file_name, data, table in files:
        found, problems = read(data, file_name, table)
        if problems:
            raise BuildError(file_name, None, problems[0].reason("de"))
        inputs.extend(found)
    report = Report("stammdaten", source, "", 0)
    staged = check_inputs(con, inputs, report, {"source": source}, preview=0)
    if report.problems:
        first = report.problems[0]
        more = len(report.problems) - 1
        where = f"{first.column}: " if first.column else ""
        raise BuildError(first.sheet or source, first.row,
                         where + first.reason("de") + (f" (und {more} weitere Probleme)" if more else ""))
    return write(con, staged, None)


def template_xlsx(lang: str | None = "de", with_examples: bool = True) -> bytes:
    """The Programm-Mappe: an instruction sheet and a sheet per table with its headers (and, for the German
    one, one example row on the programme sheet)."""
    import io

    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    help_sheet = workbook.active
    help_sheet.title = t("md.sheet.help", lang=lang)
    for line in t("md.help_text", lang=lang).split("\n"):
        help_sheet.append([line])
    help_sheet.append([])
    help_sheet.append([t("md.help_columns", lang=lang)])
    help_sheet["A1"].font = Font(bold=True, size=14)
    for table in LOADABLE:
        sheet = workbook.create_sheet(sheet_name(table, lang)[:31])
        columns = [c for c in schema().columns[table] if c.name not in NOT_IMPORTED]
        heads = [header(table, c.name, lang) for c in columns] + [header(table, c, lang) for c in INPUTS.get(table, ())]
        sheet.append(heads)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in columns:
            help_sheet.append([sheet_name(table, lang), header(table, column.name, lang),
                               t("md.required_yes" if column.required and column.name not in _OPTIONAL_IN_FILE
                                 else "md.required_no", lang=lang),
                               t(f"md.type.{_type_word(column.dtype)}", lang=lang)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# columns a file may leave out although the database needs them: filled in (see _fill, _locate)
_OPTIONAL_IN_FILE = {"name_en", "label_en", "unit_en", "sort_order", "source", "is_illustrative", "programme_id",
                     "kreis_id", "lat", "lon", "region_id"}


def _type_word(dtype: str) -> str:
    if dtype.startswith("DECIMAL") or dtype == "DOUBLE":
        return "number"
    return {"VARCHAR": "text", "DATE": "date", "BOOLEAN": "yes_no", "INTEGER": "whole", "BIGINT": "whole"}.get(
        dtype, "text")


def template_csv(table: str, lang: str | None = "de") -> bytes:
    """One table's empty CSV (German: `;` and BOM for Excel)."""
    heads = [header(table, c.name, lang) for c in schema().columns[table] if c.name not in NOT_IMPORTED]
    heads += [header(table, c, lang) for c in INPUTS.get(table, ())]
    if lang == "en":
        return (",".join(heads) + "\n").encode("utf-8")
    return ("\ufeff" + ";".join(heads) + "\r\n").encode("utf-8")


Progress = Callable[[float], None]
