"""The Explorer's generated queries: a table of the analysis copy, filtered, grouped and aggregated.

Identifiers come only from the analysis copy's catalogue (quoted); every value a user picks is a bound
$parameter. Results are cached per analysis copy, so reruns neither repeat the query nor the log line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd
import plotly.express as px
import streamlit as st

from monitor import audit, charts, fmt, guard, sandbox
from monitor.i18n import current_language, t
from monitor.limits import MB, frame_bytes, megabytes
from monitor.queries import ResultCache
from monitor.sandbox import RELATION_TABLES, Sandbox, quote

AGGREGATES = {"count": "count", "sum": "sum", "mean": "avg", "min": "min", "max": "max"}
# the Stichtag: rows dated later do not exist yet (applications from the day they were received); a milestone
# done later is still open on that day
AS_OF_ROWS = {"payment": "payment_date", "payment_detail": "payment_date", "progress_report": "report_date",
              "indicator_value": "value_date", "application": "received_date", "application_detail": "received_date"}
AS_OF_OPEN = {"milestone": "done_date"}
# a project exists from its funding decision on (the relation project_as_of of monitor/relations.sql, which every
# page reads): before it, the project, its plan, goals, themes, milestones, payments, reports and indicator
# values do not exist yet (every table with a project_id), and an application has no grant yet
DECIDED = '"project_id" in (select "project_id" from project_as_of($programme_id, $as_of))'
OF_PROGRAMME = '"application_id" in (select "application_id" from application where "programme_id" = $programme_id)'
AS_OF_GRANT = {"application_detail": ("application_id", "granted_eur")}
FEW_VALUES = 30  # text columns with at most this many values get a multi-select
_NUMBER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
           "FLOAT", "DOUBLE", "DECIMAL", "REAL")


@dataclass(frozen=True)
class Column:
    """A column of the analysis copy and the kind of filter it gets."""

    name: str
    dtype: str

    @property
    def kind(self) -> str:
        """number, integer, date, timestamp, bool or text."""
        base = self.dtype.split("(")[0].upper()
        if base in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                    "UBIGINT"):
            return "integer"
        if base in _NUMBER:
            return "number"
        if base == "DATE":
            return "date"
        if base.startswith("TIMESTAMP"):
            return "timestamp"
        if base == "BOOLEAN":
            return "bool"
        return "text"

    @property
    def is_numeric(self) -> bool:
        """Can be summed and averaged."""
        return self.kind in ("integer", "number")


@dataclass(frozen=True)
class Stats:
    """What a filter widget needs to know about a column: its range or its few values."""

    low: object = None
    high: object = None
    values: tuple = ()
    distinct: int = 0


@dataclass
class View:
    """What the user chose: table, filters (column -> values, range or text), grouping and measure."""

    table: str
    filters: dict = field(default_factory=dict)
    group_by: list[str] = field(default_factory=list)
    agg: str = "count"
    measure: str | None = None


@dataclass(frozen=True)
class Outcome:
    """A query's result or the reason it was refused (code and detail: exceptions do not survive the cache)."""

    result: guard.Result | None = None
    refusal_code: str | None = None
    refusal_detail: str = ""
    refusal_values: tuple = ()

    def message(self, lang: str | None = None) -> str:
        """The refusal in the user's language."""
        return guard.Refusal(self.refusal_code or "error", self.refusal_detail, **dict(self.refusal_values)).message(
            lang)


def catalogue() -> dict[str, list[Column]]:
    """Tables of the current analysis copy with their columns; the relation tables (project_status) after the views."""
    return {table: [Column(n, d) for n, d in cols] for table, cols in _tables(str(Sandbox.path())).items()}


@st.cache_data(show_spinner=False, max_entries=20)
def _tables(sandbox_path: str) -> dict:
    found = Sandbox.tables()
    views = [name for name in found if name in sandbox.views()]
    relations = {}
    cur = Sandbox.cursor()
    try:
        for table, select in RELATION_TABLES.items():
            # the relation's columns and types as DuckDB binds them (any programme and day will do)
            rows = cur.execute(f"describe {select}", {"programme_id": "", "as_of": dt.date(2000, 1, 1)}).fetchall()
            relations[table] = [(row[0], row[1]) for row in rows]
    finally:
        cur.close()
    ordered = {name: found[name] for name in views}
    ordered.update(relations)
    ordered.update({name: cols for name, cols in found.items() if name not in ordered})
    return ordered


def is_relation(table: str) -> bool:
    """Whether the table is a named relation read at the session's programme and Stichtag, not a table."""
    return table in RELATION_TABLES


def _source(table: str) -> str:
    """What a table's rows are selected from: the table itself, or its relation as a subquery."""
    return f"({RELATION_TABLES[table]}) as {quote(table)}" if is_relation(table) else quote(table)


def describe(table: str, columns: list[Column], lang: str | None = None) -> pd.DataFrame:
    """One row per column: name, type, meaning, unit (from the texts)."""
    lang = lang or current_language()
    return pd.DataFrame({
        t("ex.col_name", lang=lang): [c.name for c in columns],
        t("ex.col_type", lang=lang): [c.dtype for c in columns],
        t("ex.col_meaning", lang=lang): [t(f"xc.{table}.{c.name}", lang=lang, default="") for c in columns],
        t("ex.col_unit", lang=lang): [t(f"xu.{table}.{c.name}", lang=lang, default="") for c in columns],
    })


def stats(table: str, column: Column, as_of: dt.date | None = None, programme_id: str | None = None) -> Stats:
    """Range and (when few) the values of a column, for its filter widget.

    A relation table's values are those at the programme and Stichtag (default: today, the first programme).
    """
    if not is_relation(table):
        return _stats(str(Sandbox.path()), table, column.name, column.kind, None, None)
    return _stats(str(Sandbox.path()), table, column.name, column.kind, as_of or dt.date.today(),
                  programme_id or _first_programme(str(Sandbox.path())))


@st.cache_data(show_spinner=False, max_entries=20)
def _first_programme(sandbox_path: str) -> str:
    cur = Sandbox.cursor()
    try:
        rows = cur.execute("select min(programme_id) from programme").fetchall()
    finally:
        cur.close()
    return rows[0][0] or ""


@st.cache_data(show_spinner=False, max_entries=500)
def _stats(sandbox_path: str, table: str, column: str, kind: str, as_of: dt.date | None,
           programme_id: str | None) -> Stats:
    # internal catalogue look-ups with fixed shapes: they run on the analysis copy but are not user queries
    col, tab = quote(column), _source(table)
    params = {"programme_id": programme_id, "as_of": as_of} if is_relation(table) else None
    cur = Sandbox.cursor()
    try:
        low, high, distinct = cur.execute(
            f"select min({col}), max({col}), count(distinct {col}) from {tab}", params).fetchall()[0]
        values: tuple = ()
        if kind in ("text", "bool") and distinct <= FEW_VALUES:
            values = tuple(r[0] for r in cur.execute(
                f"select distinct cast({col} as varchar) from {tab} where {col} is not null order by 1",
                params).fetchall())
    finally:
        cur.close()
    if kind == "number":
        low, high = (None if v is None else float(v) for v in (low, high))
    return Stats(low, high, values, distinct)


def measure_name(agg: str, measure: str | None) -> str:
    """The result column of an aggregate: row_count, or sum_amount_eur (keeps the unit suffix)."""
    return "row_count" if agg == "count" or not measure else f"{agg}_{measure}"


def build(view: View, columns: list[Column], as_of: dt.date, programme_id: str | None = None) -> tuple[str, dict]:
    """The SQL and its bound parameters for a view; raises KeyError for a column not in the table.

    Projects (and all that hangs on them) and relation tables are those of programme_id at as_of, read from the
    named relations (project_as_of, project_state); ValueError when such a table is asked for without a programme.
    """
    by_name = {c.name: c for c in columns}
    params: dict = {}

    def decided() -> None:
        if not programme_id:
            raise ValueError(f"{view.table}: the programme is needed for the Stichtag")
        params.update(programme_id=programme_id, as_of=as_of)

    select = []
    grant = AS_OF_GRANT.get(view.table)
    for c in columns:
        if AS_OF_OPEN.get(view.table) == c.name:
            params["as_of"] = as_of
            select.append(f"case when {quote(c.name)} <= $as_of then {quote(c.name)} end as {quote(c.name)}")
        elif grant and grant[1] == c.name:
            decided()
            key = quote(grant[0])
            select.append(f"case when {key} in (select {key} from project_as_of($programme_id, $as_of)) "
                          f"then {quote(c.name)} end as {quote(c.name)}")
        else:
            select.append(quote(c.name))
    source_conditions = []
    if is_relation(view.table):
        decided()  # the relation is read at the programme and Stichtag: it holds only what exists then
    elif "project_id" in by_name:
        decided()
        source_conditions.append(DECIDED)
    elif "programme_id" in by_name or "application_id" in by_name:
        # the programme's own rows (its applications, goals, criteria, jurors) and the scores and goals of its
        # applications: another programme's rows are not part of this programme's view
        if not programme_id:
            raise ValueError(f"{view.table}: the programme is needed")
        params["programme_id"] = programme_id
        source_conditions.append('"programme_id" = $programme_id' if "programme_id" in by_name else OF_PROGRAMME)
    if view.table in AS_OF_ROWS:
        source_conditions.insert(0, f"{quote(AS_OF_ROWS[view.table])} <= $as_of")
        params["as_of"] = as_of
    where_source = "".join(f"\n    {'where' if i == 0 else '  and'} {c}" for i, c in enumerate(source_conditions))
    conditions = []
    for index, (name, value) in enumerate(view.filters.items(), start=1):
        column = by_name[name]
        ident, p = quote(column.name), f"f{index}"
        if isinstance(value, (list, set)):
            params[p] = [str(v) for v in value]
            conditions.append(f"list_contains(${p}, cast({ident} as varchar))")
        elif isinstance(value, tuple) and len(value) == 2:
            params[f"{p}_from"], params[f"{p}_to"] = value
            conditions.append(f"{ident} between ${p}_from and ${p}_to")
        else:
            params[p] = str(value)
            conditions.append(f"contains(lower(cast({ident} as varchar)), lower(${p}))")
    lines = [
        "with source as (",
        f"    select {', '.join(select)}",
        f"    from {_source(view.table)}{where_source}",
        "),",
        "",
        "filtered as (",
        "    select * from source" + ("\n    where " + "\n      and ".join(conditions) if conditions else ""),
        ")",
        "",
    ]
    if view.group_by:
        groups = ", ".join(quote(by_name[g].name) for g in view.group_by)
        agg = view.agg if view.agg in AGGREGATES else "count"
        if agg == "count" or not view.measure:
            value = "count(*)"
        else:
            value = f"{AGGREGATES[agg]}({quote(by_name[view.measure].name)})"
        lines.append(f"select {groups}, {value} as {quote(measure_name(agg, view.measure))}")
        lines.append("from filtered")
        lines.append(f"group by {groups}")
        lines.append(f"order by {groups}")
    else:
        lines.append("select * from filtered")
        lines.append("order by all")
    return "\n".join(lines), params


def follows_stichtag(table: str, columns: list[Column]) -> bool:
    """Whether the table's rows or values depend on the Stichtag (the page says so above the result)."""
    return (table in AS_OF_ROWS or table in AS_OF_OPEN or table in AS_OF_GRANT or is_relation(table)
            or any(c.name == "project_id" for c in columns))


def describe_filters(view: View, lang: str | None = None) -> list[str]:
    """The filters in words, for the Excel header block."""
    lang = lang or current_language()
    out = []
    for name, value in view.filters.items():
        if isinstance(value, (list, set)):
            out.append(f"{name} ∈ {{{', '.join(map(str, value))}}}")
        elif isinstance(value, tuple):
            low, high = (fmt.date(v, lang) if isinstance(v, dt.date) else fmt.value(name, v, lang) for v in value)
            out.append(f"{name}: {low} – {high}")
        else:
            out.append(f"{name} ~ {value}")
    if view.group_by:
        out.append(f"group by {', '.join(view.group_by)}: {measure_name(view.agg, view.measure)}")
    return out


def shown_sql(sql: str, params: dict) -> str:
    """The SQL as shown on the page, its parameter values as comments underneath."""
    if not params:
        return sql
    lines = [f"-- ${k} = {v.isoformat() if isinstance(v, dt.date) else repr(v)}" for k, v in params.items()]
    return sql + "\n\n" + "\n".join(lines)


def run(sql: str, params: dict | None, role: str, source: str) -> Outcome:
    """Run through the guard; cached per analysis copy, so reruns do not repeat the query (nor its log line)."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in (params or {}).items()))
    key = (sql, frozen, role, source, str(Sandbox.path()))
    outcome = result_cache().get(key, lambda: _run(sql, frozen, role, source))
    rows = None if outcome.result is None else len(outcome.result.frame)
    audit.query(source, sql, params, outcome.refusal_code, rows)   # the audit log (monitor/audit.py)
    if outcome.result is None:
        return outcome
    # the cached frame stays as it is whatever the page does with its copy (pandas copy-on-write)
    return replace(outcome, result=replace(outcome.result, frame=outcome.result.frame.copy(deep=False)))


def _outcome_bytes(outcome: Outcome) -> int:
    return frame_bytes(outcome.result.frame) if outcome.result is not None else 1024


@st.cache_resource(show_spinner=False)
def result_cache() -> ResultCache:
    """The Explorer's results of every session, bounded in bytes (MONITOR_EXPLORER_CACHE_MB, default 64)."""
    return ResultCache(megabytes("MONITOR_EXPLORER_CACHE_MB", 64) * MB, size=_outcome_bytes)


def _run(sql: str, frozen: tuple, role: str, source: str) -> Outcome:
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in frozen}
    try:
        return Outcome(result=guard.run(sql, params or None, role=role, source=source))
    except guard.Refusal as refusal:
        return Outcome(refusal_code=refusal.code, refusal_detail=refusal.detail,
                       refusal_values=tuple(sorted(refusal.values.items())))


def axis_label(column: str, table: str | None, lang: str | None = None) -> str:
    """A column's axis title: its meaning and unit from the catalogue, else its label and the suffix unit."""
    lang = lang or current_language()
    for agg in AGGREGATES:
        if column.startswith(f"{agg}_"):
            inner = column[len(agg) + 1:]
            return t(f"ex.agg_label.{agg}", lang=lang, column=axis_label(inner, table, lang))
    if column == "row_count":
        return t("ex.agg_label.count", lang=lang)
    meaning = t(f"xc.{table}.{column}", lang=lang, default="") if table else ""
    unit = t(f"xu.{table}.{column}", lang=lang, default="") if table else ""
    suffix = next((s for s in ("_eur", "_pct", "_days") if column.endswith(s)), None)
    if not unit and suffix:
        unit = t(f"ex.unit{suffix}", lang=lang)
    label = meaning or fmt.header(column, lang)
    return f"{label} ({unit})" if unit else label


def figure(frame: pd.DataFrame, kind: str, x: str, y: str, colour: str | None, table: str | None,
           lang: str | None = None):
    """A bar, line or scatter chart of the result in the house style."""
    lang = lang or current_language()
    labels = {c: axis_label(c, table, lang) for c in (x, y, colour) if c}
    data = frame.copy()
    if colour:
        data[colour] = data[colour].astype(str)
    draw = {"bar": px.bar, "line": px.line, "scatter": px.scatter}[kind]
    options = {"color": colour} if colour else {}
    if kind == "line":
        data = data.sort_values(x)
        options["markers"] = True
    fig = draw(data, x=x, y=y, labels=labels, color_discrete_sequence=charts.PALETTE, **options)
    charts.style(fig, t("ex.chart_title", lang=lang, y=labels[y], x=labels[x]), lang, height=420)
    fig.update_xaxes(title_text=labels[x])
    fig.update_yaxes(title_text=labels[y])
    for column, update in ((x, fig.update_xaxes), (y, fig.update_yaxes)):
        if column.endswith("_eur") and pd.api.types.is_numeric_dtype(data[column]):
            german = lang == "de"
            update(tickformat=",.0f", ticksuffix=" €" if german else "", tickprefix="" if german else "€")
        elif pd.api.types.is_datetime64_any_dtype(data[column]) and lang == "de":
            update(tickformat="%d.%m.%Y")
    if colour:
        # the legend sits below the x-axis title: short title, more room
        fig.update_layout(legend={"title": {"text": fmt.header(colour, lang)}, "y": -0.4}, margin={"b": 40})
    return fig


def reset_view() -> None:
    """Forget filters, grouping and chart choices (another table was chosen)."""
    for key in list(st.session_state):
        if key.startswith("f_") or key in ("filter", "gruppe", "kennzahl", "wert", "diagramm", "x", "y", "farbe"):
            del st.session_state[key]
