"""A key figure as the pages show it: value, context line underneath, framed, no change arrow."""

from __future__ import annotations


def kpi(column, label: str, value: str, note: str, help: str | None = None) -> None:  # noqa: A002 - Streamlit's name
    """Draw one key figure in column; the note is context, not a change, so it gets no arrow or colour."""
    column.metric(label, value, delta=note, delta_color="off", delta_arrow="off", border=True, help=help)


def kpi_block(column, label: str, value: str, note: str, help: str | None = None,  # noqa: A002
              width: int | str = "stretch") -> None:
    """A key figure whose context line may wrap; in a horizontal container, boxes of a fixed width wrap as rows."""
    box = column.container(border=True, width=width)
    box.metric(label, value, help=help)
    box.caption(note)
