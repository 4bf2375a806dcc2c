"""A table as users see it: raw values with German/English column formats, headers translated, the whole
table to download.

Streamlit gets the values as they are and one `column_config` per column (formats chosen by the column's
suffix, see fmt.unit), so drawing costs the same at 10 rows and at 2 million: at most `max_rows` rows are
sent, in the order the caller ranked them, with "erste 200 von 12.345 Zeilen" underneath; the downloads
always hold every row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from monitor import audit, export, fmt
from monitor.i18n import current_language, t

MAX_ROWS = 200        # rows drawn; the downloads hold the rest
FIT_ROWS = 20         # tables up to this many rows are drawn whole, without a scroll bar of their own
ROW_PX = 35           # Streamlit's row (and header) height
# The main column is about 820 px wide at 1280 px and 980 px at 1440 px (wide layout, sidebar open). A table
# that needs more than 820 gets column widths: numbers and dates keep their width (a shortened header shows
# whole on hover), texts shrink down to their longest word. If that still needs more than 820, it is fitted to
# 980 and a caption says to scroll sideways on narrower screens; if even 980 is too little, texts shrink to 12
# characters (cut, a click shows them whole); only a table wider than 980 then pins its first column
# (Streamlit draws pinned cells grey, which reads worse).
NARROW_PX, WIDE_PX = 820, 980
# Texts that do not fit their column wrap where a quarter of the rows or more would be cut: Streamlit wraps
# cell text only in rows taller than 4rem (64 px, checked in the installed frontend), so such tables get rows
# of three or four lines (70 or 90 px; a longer text is cut there, a click shows it whole). A few long texts
# among short ones stay on one line, cut the same way.
WRAP_SHARE = 0.25
TECHNICAL_ROLES = ("analyse", "admin")
DATE_FORMAT = {"de": "DD.MM.YYYY", "en": "D MMM YYYY"}
DATETIME_FORMAT = {"de": "DD.MM.YYYY HH:mm", "en": "D MMM YYYY, HH:mm"}


@dataclass
class Layout:
    """What st.dataframe gets: the rows drawn (columns under their labels), their configuration and size."""

    frame: pd.DataFrame
    config: dict
    height: int
    total_rows: int
    too_wide: bool = False
    row_height: int | None = None  # taller rows where long texts wrap
    labels: dict[str, str] = field(default_factory=dict)  # column name -> label shown
    scrolls: bool = False  # wider than the main column even at 1440 px: its first column is pinned

    @property
    def truncated(self) -> bool:
        """Fewer rows drawn than the table has."""
        return len(self.frame) < self.total_rows


def _px(chars: int) -> int:
    # Source Sans at Streamlit's 14 px: ~6.7 px a character, plus the cell's padding
    return 7 * chars + 18


def _number_chars(values: pd.Series, kind: str | None, decimals: int) -> int:
    finite = pd.to_numeric(values, errors="coerce").dropna()
    if finite.empty:
        return 1
    digits = len(str(int(abs(finite).max())))
    chars = digits + (digits - 1) // 3 + (decimals + 1 if decimals else 0) + int(bool((finite < 0).any()))
    return chars + {"money": 2, "per_inhabitant": 2, "pct": 2}.get(kind, 0)


def _text_chars(values: pd.Series) -> int:
    lengths = values.dropna().astype("string").str.len()
    return int(lengths.max()) if len(lengths) else 1


def _is_whole(values: pd.Series) -> bool:
    finite = values.dropna()
    return bool(((finite % 1) == 0).all())


def _column(name: str, values: pd.Series, label: str, lang: str, decimals: int | None):
    """(values to draw, column config, characters its content needs) for one column."""
    kind = fmt.unit(name)
    if kind == "date" or pd.api.types.is_datetime64_any_dtype(values):
        values = values if pd.api.types.is_datetime64_any_dtype(values) else pd.to_datetime(values, errors="coerce")
        finite = values.dropna()
        if kind != "date" and len(finite) and bool((finite != finite.dt.normalize()).any()):
            return values, st.column_config.DatetimeColumn(label, format=DATETIME_FORMAT[lang]), 18
        return values, st.column_config.DateColumn(label, format=DATE_FORMAT[lang]), 11
    if pd.api.types.is_bool_dtype(values):
        return values, st.column_config.CheckboxColumn(label), 3
    if name.endswith("_url"):
        # a link (e.g. profile_url: a recipient's profile); the cell shows "link.<name>" instead of the address
        text = t(f"link.{name}", lang=lang, default=None)
        return values, st.column_config.LinkColumn(label, display_text=text), len(text or "") or 20
    if not pd.api.types.is_numeric_dtype(values):
        return values, st.column_config.TextColumn(label), _text_chars(values)
    if decimals is None:
        if kind == "per_inhabitant":
            decimals = 2  # amounts per inhabitant are often below 1 €: whole euros would show 0 or 1
        elif kind is None and pd.api.types.is_float_dtype(values) and not _is_whole(values):
            decimals = 1
        else:
            decimals = 0
    if kind is None and decimals == 0 and pd.api.types.is_integer_dtype(values):
        # ids, years, ranks: no thousands separator
        return values, st.column_config.NumberColumn(label, format="%d"), _number_chars(values, None, 0)
    chars = _number_chars(values, kind, decimals)
    number_kind = "money" if kind == "per_inhabitant" else kind
    printf = fmt.printf(number_kind, decimals, lang)
    if printf is None:
        # German with decimals: Streamlit's formats write a decimal point, so these few cells become text
        return fmt.texts(values, kind, decimals, lang), st.column_config.TextColumn(label, alignment="right"), chars
    if kind == "pct":
        finite = values.dropna()
        if len(finite) and finite.min() >= 0 and finite.max() <= 100:
            return values, st.column_config.ProgressColumn(label, format=printf, min_value=0, max_value=100), 12
    return values, st.column_config.NumberColumn(label, format=printf), chars


def _widths(natural: list[int], floor: list[int], budget: int, is_text: list[bool]) -> list[int]:
    """Column widths in px from floor towards natural that add up to the budget where they can.

    Texts get the room first (their content), then numbers and dates (their headers, shown whole on hover).
    """
    widths, spare = list(floor), budget - sum(floor)
    for texts_now in (True, False):
        wanted = [max(n - w, 0) if t == texts_now else 0 for n, w, t in zip(natural, widths, is_text)]
        if spare <= 0 or not sum(wanted):
            continue
        share = min(1.0, spare / sum(wanted))
        added = [int(w * share) for w in wanted]
        widths = [w + a for w, a in zip(widths, added)]
        spare -= sum(added)
    return widths


def layout(frame: pd.DataFrame, lang: str | None = None, translate_headers: bool = True, max_rows: int = MAX_ROWS,
           decimals: dict[str, int] | None = None) -> Layout:
    """The first max_rows rows of frame as st.dataframe should draw them (pure: no Streamlit call)."""
    lang = lang or current_language()
    head = frame.head(max_rows)
    labels: dict[str, str] = {}
    for column in head.columns:
        label = fmt.header(str(column), lang) if translate_headers else str(column)
        # two columns may share a translation: the second keeps its name beside it
        labels[column] = label if label not in labels.values() else f"{label} ({column})"
    drawn, config, natural, comfortable, minimum, texts = {}, {}, [], [], [], []
    for column in head.columns:
        label = labels[column]
        values, column_config, chars = _column(str(column), head[column], label, lang,
                                               (decimals or {}).get(str(column)))
        drawn[label], config[label] = values, column_config
        is_text = column_config["type_config"]["type"] == "text" and column_config.get("alignment") != "right"
        natural.append(_px(max(min(chars, 120 if is_text else 60), len(label))))
        if is_text:
            text = values.dropna().astype("string")
            texts.append(text.str.len())
            # a text column is comfortable down to its longest word (8 to 20 characters; wrapped words never
            # break) and may shrink to 12 characters if the table needs it (cut, not wrapped)
            words = text.str.split().explode().str.len().dropna()
            longest_word = int(words.max()) if len(words) else 1
            comfortable.append(_px(min(max(longest_word, 8), 20, max(chars, len(label)))))
            minimum.append(_px(min(12, max(chars, len(label)))))
        else:
            texts.append(None)
            comfortable.append(_px(max(chars, min(len(label), 7))))  # (so much of the header stays readable)
            minimum.append(comfortable[-1])
    too_wide, row_height = False, None
    if sum(natural) > NARROW_PX:
        too_wide = sum(comfortable) > NARROW_PX
        is_text = [lengths is not None for lengths in texts]
        if sum(comfortable) <= WIDE_PX:
            widths, wrap = _widths(natural, comfortable, WIDE_PX if too_wide else NARROW_PX, is_text), True
        else:
            widths, wrap = _widths(natural, minimum, WIDE_PX, is_text), False
        for (label, column_config), width, full in zip(config.items(), widths, natural):
            column_config["width"] = width
            if width < full:
                column_config["help"] = label  # the whole label on hover where the column is narrower
        lines = 1
        for lengths, width in zip(texts, widths):
            per_line = max((width - 18) // 7, 1)
            if wrap and lengths is not None and len(lengths) and (lengths > per_line).mean() >= WRAP_SHARE:
                lines = max(lines, min(-(-int(lengths.max()) // per_line), 4))
        row_height = None if lines == 1 else 10 + 20 * max(lines, 3)
    scrolls = too_wide and sum(minimum) > WIDE_PX
    if scrolls and config:
        next(iter(config.values()))["pinned"] = True
    # up to FIT_ROWS rows the table is as tall as its rows; a longer one as tall as FIT_ROWS one-line rows
    rows_px = max(len(head), 1) * (row_height or ROW_PX) if len(head) <= FIT_ROWS else FIT_ROWS * ROW_PX
    height = ROW_PX + rows_px + 3 + (14 if too_wide else 0)  # (room for the sideways scroll bar)
    return Layout(pd.DataFrame(drawn, index=head.index), config, height, len(frame), too_wide, row_height, labels,
                  scrolls)


def _role():
    ctx = st.session_state.get("_context")
    return getattr(ctx, "role", None)


def is_technical() -> bool:
    """Whether this session's role sees technical detail (query names, Parquet, SQL): analysts and admins."""
    return _role() in TECHNICAL_ROLES


def _as_of():
    ctx = st.session_state.get("_context")
    return getattr(ctx, "as_of", None)


def show(frame: pd.DataFrame, key: str, columns: list[str] | None = None, queries: tuple[str, ...] = (),
         height: int | str = "auto", *, title: str | None = None, filters: tuple[str, ...] | list[str] = (),
         source: str | None = None, translate_headers: bool = True, max_rows: int = MAX_ROWS,
         decimals: dict[str, int] | None = None, technical: bool | None = None) -> None:
    """Draw the first max_rows rows of frame[columns] and offer all of it as CSV, Excel (and Parquet).

    Callers rank the rows by what matters: the first max_rows are drawn, with "erste N von M Zeilen" below.
    title, filters and source go into the Excel header block (source defaults to the query names);
    translate_headers=False keeps the column names as they are (the Explorer, where people write SQL);
    decimals sets the decimal places of columns without a unit suffix (default: 1, or 0 for whole numbers).
    technical (query names, Parquet) defaults to the role: analysts and admins, not the Leitung.
    """
    shown = frame[columns] if columns else frame
    lang = current_language()
    technical = is_technical() if technical is None else technical
    drawn = layout(shown, lang, translate_headers, max_rows, decimals)
    st.dataframe(drawn.frame, hide_index=True, key=f"{key}_table", column_config=drawn.config,
                 height=drawn.height if height == "auto" else height, row_height=drawn.row_height, placeholder="–",
                 alt=title or None)
    if drawn.truncated:
        st.caption(t("app.table_head", shown=fmt.count(len(drawn.frame), lang),
                     total=fmt.count(drawn.total_rows, lang)))
    if drawn.too_wide:
        count = fmt.count(len(drawn.config), lang)
        st.caption(t("app.table_scroll", count=count) if drawn.scrolls else t("app.table_wide", count=count))
    names = ", ".join(queries)
    provenance = export.Provenance(
        title=title or "", as_of=_as_of(), filters=tuple(filters),
        source=source or (t("app.source_query", lang=lang, names=names) if queries and technical else ""),
    )
    # the files are generated only when a button is clicked (callables), so tables cost nothing extra to draw;
    # audit.on_download logs the click (monitor/audit.py). on_click="ignore": a click that also reran the page would
    # replace the button's deferred file while the browser asks for it, and the download then failed now and then
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    row.download_button(
        t("app.download_csv"),
        audit.on_download(lambda: export.csv_bytes(shown, lang, translate_headers), key, "csv"), file_name=f"{key}.csv",
        mime="text/csv", key=f"{key}_csv", icon=":material/download:", on_click="ignore",
    )
    row.download_button(
        t("ex.download_excel"),
        audit.on_download(lambda: export.excel_bytes(shown, provenance, lang, translate_headers), key, "xlsx"),
        file_name=f"{key}.xlsx", key=f"{key}_xlsx", icon=":material/table_view:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
    )
    if technical:
        row.download_button(
            t("ex.download_parquet"), audit.on_download(lambda: export.parquet_bytes(shown), key, "parquet"),
            file_name=f"{key}.parquet",
            mime="application/vnd.apache.parquet", key=f"{key}_parquet", icon=":material/database:",
            on_click="ignore",
        )
        if queries:
            row.caption(t("app.source_query", names=", ".join(f"`{n}`" for n in queries)))
