"""What each kind of import file holds (columns, German aliases, codes) and the empty templates to download."""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.i18n import t

KINDS = ("payments", "milestones", "reports")


@dataclass(frozen=True)
class Column:
    """A template column: canonical name, whether a value is required, how it is read, German aliases."""

    name: str
    required: bool
    parse: str
    aliases: tuple[str, ...]


SPECS: dict[str, list[Column]] = {
    "payments": [
        Column("project_id", True, "text", ("Projekt-ID", "Projekt", "Projektnummer", "Project ID")),
        Column("payment_date", True, "date", ("Zahlungsdatum", "Auszahlungsdatum", "Buchungsdatum", "Datum",
                                              "Payment date")),
        Column("amount_eur", True, "money", ("Betrag (EUR)", "Betrag", "Betrag in EUR", "Betrag (€)",
                                             "Auszahlungsbetrag", "Amount", "Amount (EUR)")),
        Column("kind", True, "payment_kind", ("Art", "Zahlungsart", "Kind", "Type")),
        Column("note", False, "text", ("Bemerkung", "Notiz", "Verwendungszweck", "Kommentar", "Note")),
    ],
    "milestones": [
        Column("project_id", True, "text", ("Projekt-ID", "Projekt", "Projektnummer", "Project ID")),
        Column("milestone_id", True, "text", ("Meilenstein-ID", "Meilenstein", "Milestone ID")),
        Column("title", True, "text", ("Titel", "Bezeichnung", "Title")),
        Column("planned_date", True, "date", ("Plandatum", "Geplant am", "Geplant", "Planned date")),
        Column("done_date", False, "date", ("Erledigt am", "Erledigt", "Ist-Datum", "Done date")),
        Column("status", False, "milestone_status", ("Status",)),
    ],
    "reports": [
        Column("project_id", True, "text", ("Projekt-ID", "Projekt", "Projektnummer", "Project ID")),
        Column("report_date", True, "date", ("Berichtsdatum", "Datum", "Report date")),
        Column("progress_pct", True, "pct", ("Fortschritt (%)", "Fortschritt", "Fortschritt in %", "Progress (%)",
                                             "Progress")),
        Column("status", True, "report_status", ("Status", "Ampel")),
        Column("summary", False, "text", ("Zusammenfassung", "Bemerkung", "Text", "Summary")),
    ],
}


def norm(text: str) -> str:
    """'Betrag (EUR)' -> 'betrageur', 'Projekt-ID' -> 'projektid': what a header or a code means."""
    return re.sub(r"[\W_]+", "", str(text).casefold())


PAYMENT_KINDS = {norm(k): v for k, v in {
    "abschlag": "abschlag", "abschlagszahlung": "abschlag", "teilzahlung": "abschlag", "instalment": "abschlag",
    "installment": "abschlag", "schlusszahlung": "schlusszahlung", "schlussrate": "schlusszahlung",
    "final": "schlusszahlung", "final payment": "schlusszahlung",
}.items()}
REPORT_STATUS = {norm(k): v for k, v in {
    "grün": "green", "gruen": "green", "green": "green", "gelb": "amber", "amber": "amber", "yellow": "amber",
    "rot": "red", "red": "red",
}.items()}
MILESTONE_STATUS = {norm(k): v for k, v in {
    "offen": "open", "open": "open", "erledigt": "done", "done": "done", "abgeschlossen": "done",
    "entfallen": "cancelled", "cancelled": "cancelled", "canceled": "cancelled",
}.items()}



def template_headers(kind: str, german: bool = True) -> list[str]:
    """The template's header row: German names (first alias) or the canonical ones."""
    return [c.aliases[0] if german else c.name for c in SPECS[kind]]


def template_csv(kind: str, german: bool = True) -> bytes:
    """An empty template as CSV: German headers with `;` and BOM (German Excel) or canonical names with `,`."""
    headers = template_headers(kind, german)
    return ("\ufeff" + (";" if german else ",").join(headers) + "\r\n").encode("utf-8")


def template_xlsx(kind: str, german: bool = True) -> bytes:
    """An empty template as an Excel workbook; date columns formatted as dates, amounts as money."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = t(f"dp.kind.{kind}", lang="de" if german else "en")
    sheet.append(template_headers(kind, german))
    for index, column in enumerate(SPECS[kind], start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = 22 if column.parse != "text" else 40
        style = {"date": "DD.MM.YYYY", "money": "#,##0.00", "pct": "0.0"}.get(column.parse)
        if style:
            for row in range(2, 202):
                sheet[f"{letter}{row}"].number_format = style
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

