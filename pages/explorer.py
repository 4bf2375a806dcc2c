"""Explorer: cut the data your own way (filter, group, chart, safe SQL), export it, share the view by its URL."""

import re

import streamlit as st

from monitor import charts, context, explorer, fmt, guard, tables
from monitor.i18n import t

ctx = context.current()
st.title(t("page.explorer"))
st.caption(t("ex.caption"))

catalogue = explorer.catalogue()
# every widget is bound to the URL (bind="query-params"): a copied link restores table, filters, grouping,
# chart and SQL. A bound widget keeps its *label* in the URL (?kennzahl=Summe), which works because the
# language is in the URL too; tables and columns have no format_func, so their names stay as they are.
mode = st.segmented_control(
    t("ex.mode"), ["tabelle", "sql"], format_func=lambda m: t(f"ex.mode.{m}"), default="tabelle",
    required=True, key="modus", bind="query-params",
) or "tabelle"

table = None
if mode == "sql":
    sql = st.text_area(
        t("ex.sql_input"), key="sql", bind="query-params", height=160, placeholder=t("ex.sql_placeholder"),
        help=t("ex.sql_help", rows=fmt.count(guard.MAX_ROWS), seconds=f"{guard.TIME_LIMIT_S:g}"),
    ) or ""
    st.caption(t("ex.sql_tables", names=", ".join(f"`{name}`" for name in catalogue if not explorer.is_relation(name))))
    # (the programme's id goes into a code span: shown only when it is a plain identifier)
    example_id = ctx.programme_id if re.fullmatch(r"[\w-]+", ctx.programme_id) else "…"
    st.caption(t("ex.sql_relations", names=", ".join(f"`{name}(…)`" for name in sorted(guard.RELATIONS)),
                 programme_id=example_id, as_of=ctx.as_of.isoformat()))
    if not sql.strip():
        st.info(t("ex.sql_run_info"))
        st.stop()
    outcome = explorer.run(sql, None, role=ctx.role, source="sql")
    sql_text, filter_words, title = sql, [], t("ex.mode.sql")
else:
    table = st.selectbox(t("ex.table"), list(catalogue), key="tabelle", bind="query-params",
                         on_change=explorer.reset_view)
    st.caption(t(f"xt.{table}"))
    columns = catalogue[table]
    by_name = {c.name: c for c in columns}
    with st.expander(t("ex.columns")):
        tables.show(explorer.describe(table, columns), f"spalten_{table}", translate_headers=False,
                    title=t("ex.columns"))
    if explorer.follows_stichtag(table, columns):
        st.caption(t("ex.stichtag_note", date=fmt.date(ctx.as_of)))

    view = explorer.View(table)
    chosen = st.multiselect(t("ex.filter_columns"), list(by_name), key="filter", bind="query-params",
                            help=t("ex.filter_columns_help"), placeholder=t("ex.choose"))
    for name in chosen:
        column, stats = by_name[name], explorer.stats(table, by_name[name], ctx.as_of, ctx.programme_id)
        if column.kind in ("text", "bool") and stats.values:
            picked = st.multiselect(t("ex.filter_values", column=name), list(stats.values), key=f"f_{name}",
                                    bind="query-params", placeholder=t("ex.choose_all"))
            if picked:
                view.filters[name] = list(picked)
        elif column.kind in ("text", "bool"):
            needle = st.text_input(t("ex.filter_contains", column=name), key=f"f_{name}", bind="query-params")
            if needle:
                view.filters[name] = needle
        elif column.kind in ("integer", "number", "date") and stats.low is not None and stats.low < stats.high:
            label = t("ex.filter_range", column=name)
            full = (stats.low, stats.high)
            if column.kind == "date":
                picked = st.date_input(label, value=full, min_value=stats.low, max_value=stats.high,
                                       format="DD.MM.YYYY", key=f"f_{name}", bind="query-params")
            else:
                picked = st.slider(label, min_value=stats.low, max_value=stats.high, value=full, key=f"f_{name}",
                                   bind="query-params")
            if isinstance(picked, (tuple, list)) and len(picked) == 2 and tuple(picked) != full:
                view.filters[name] = tuple(picked)

    left, middle, right = st.columns(3)
    view.group_by = left.multiselect(t("ex.group"), list(by_name), key="gruppe", bind="query-params",
                                     max_selections=3, placeholder=t("ex.choose_none"))
    if view.group_by:
        view.agg = middle.selectbox(t("ex.agg"), list(explorer.AGGREGATES), format_func=lambda a: t(f"ex.agg.{a}"),
                                    key="kennzahl", bind="query-params")
        numeric = [c.name for c in columns if c.is_numeric]
        if view.agg != "count" and numeric:
            view.measure = right.selectbox(t("ex.measure"), numeric, key="wert", bind="query-params")
        elif view.agg != "count":
            right.caption(t("ex.no_numeric"))
            view.agg = "count"
    sql, params = explorer.build(view, columns, ctx.as_of, ctx.programme_id)
    outcome = explorer.run(sql, params, role=ctx.role, source="explorer")
    sql_text, filter_words, title = explorer.shown_sql(sql, params), explorer.describe_filters(view), table

if outcome.result is None:
    st.error(outcome.message(), icon=":material/block:")
    st.stop()

result = outcome.result
frame = result.frame
st.header(t("ex.result"))
st.caption(t("ex.rows", count=fmt.count(len(frame))))
if result.truncated:
    st.warning(t("ex.truncated", count=fmt.count(guard.MAX_ROWS)), icon=":material/content_cut:")
if frame.empty:
    st.info(t("ex.empty"))
else:
    numeric = [c for c in frame.columns if str(frame[c].dtype) != "bool" and frame[c].dtype.kind in "iuf"]
    grouped = mode == "tabelle" and bool(view.group_by)
    kinds = ["none", "bar", "line", "scatter"]
    kind = st.segmented_control(t("ex.chart"), kinds, format_func=lambda k: t(f"ex.chart.{k}"),
                                default="bar" if grouped else "none", required=True, key="diagramm",
                                bind="query-params") or "none"
    if kind != "none" and not numeric:
        st.info(t("ex.chart_needs_number"))
    elif kind != "none":
        names = [str(c) for c in frame.columns]
        cx, cy, cc = st.columns(3)
        x = cx.selectbox(t("ex.x"), names, index=0, key="x", bind="query-params")
        y_default = names.index(numeric[-1]) if numeric else 0
        y = cy.selectbox(t("ex.y"), names, index=y_default, key="y", bind="query-params")
        colour_options = ["-"] + [n for n in names if n not in (x, y)]
        colour = cc.selectbox(t("ex.colour"), colour_options, key="farbe", bind="query-params",
                              format_func=lambda c: t("ex.colour_none") if c == "-" else c,
                              index=colour_options.index(view.group_by[1])
                              if grouped and len(view.group_by) > 1 and view.group_by[1] in colour_options else 0)
        if y in numeric:
            charts.show(explorer.figure(frame, kind, x, y, None if colour == "-" else colour, table),
                        key="ex_chart")
        else:
            st.info(t("ex.chart_needs_number"))

tables.show(frame, "explorer", translate_headers=False, title=title, filters=filter_words, source=sql_text)
with st.expander(t("ex.sql_shown")):
    st.code(sql_text, language="sql")
st.caption(":material/link: " + t("ex.share"))
