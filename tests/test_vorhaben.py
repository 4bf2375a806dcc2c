"""Reading the EU "Liste der Vorhaben" in five published shapes, as CSV and xlsx, and refusing what is ambiguous.

Each shape is written here as a ministry would publish it (title rows, bilingual headers, merged cells, footnotes,
sums); the expected values are worked out by hand from the rows below. Row numbers are the file's: in an xlsx the
Excel row, in a CSV the physical line where the record ends (as monitor/readers.py counts; a header cell with two
line breaks inside takes three lines, so the bilingual header of shape 1 ends on line 24).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from monitor import vorhaben

D = dt.date


def csv_bytes(rows: list[list], delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    """Rows as a CSV file the way Excel saves one: None and [] as empty cells and lines, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return out.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, tuple[list[list], list[str]]]) -> bytes:
    """A workbook: sheet name -> (rows from row 1, merged ranges such as 'A1:J1')."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, (rows, merges) in sheets.items():
        sheet = workbook.create_sheet(name)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(number, column, value)
        for cells in merges:
            sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def eligible_total(listing) -> Decimal:
    return sum(listing.rows["eligible_eur"], Decimal(0))


def column(listing, name) -> list:
    return list(listing.rows[name])


# ---- shape 1: ERDF Schleswig-Holstein style -------------------------------------------------------------------
# 3 title rows (one blank), bilingual headers with blank lines inside the cell, German numbers as text,
# dd.mm.yyyy, "24103 Kiel", "060 - Text", a footnote below the list.

SH_HEADER = [
    "Name des Begünstigten\n\nBeneficiary name", "Name des Vorhabens\n\nOperation name",
    "Zusammenfassung des Vorhabens\n\nOperation summary", "Datum des Beginns\n\nStart date",
    "Datum des Endes\n\nEnd date", "Gesamtbetrag der förderfähigen Ausgaben\n\nTotal eligible expenditure",
    "Kofinanzierungssatz der Union\n\nUnion co-financing rate", "Standort\n\nLocation indicator",
    "Land\n\nCountry", "Interventionskategorie\n\nCategory of intervention",
]
SH_ROWS = [
    ["Stadtwerke Kiel AG", "Wärmespeicher Kiel-Ost", "Großwärmespeicher für das Fernwärmenetz", "01.03.2022",
     "31.12.2025", "1.250.000,00", "40,00 %", "24103 Kiel", "Deutschland", "056 - Erneuerbare Energie: Wärme"],
    ["Christian-Albrechts-Universität zu Kiel", "Meeresforschung digital", "Datenplattform für Küstenforschung",
     "15.01.2022", "30.06.2026", "3.480.512,50", "60,00 %", "24118 Kiel", "Deutschland",
     "004 - Investitionen in Anlagegüter öffentlicher Forschungszentren"],
    ["Gemeinde Büsum", "Hafenpromenade Büsum", "Barrierefreie Promenade", "01.07.2022", "31.12.2024", "812.300,00",
     "40,00 %", "25761 Büsum", "Deutschland",
     "165 - Schutz, Entwicklung und Förderung öffentlicher Touristikgüter"],
    ["Hochschule Flensburg", "Wasserstoff-Labor", "Labor für grünen Wasserstoff", "01.09.2022", "31.08.2025",
     "1.005.000,75", "60,00 %", "24943 Flensburg", "Deutschland",
     "004 - Investitionen in Anlagegüter öffentlicher Forschungszentren"],
    ["Kreis Nordfriesland", "Breitband Halligen", "Glasfaser für die Halligen", "01.04.2023", "31.03.2027",
     "2.400.000,00", "40,00 %", "25813 Husum", "Deutschland", "033 - Sehr-Hochkapazitäts-Breitbandnetze"],
    ["WTSH GmbH", "Innovationsgutscheine", "Gutscheine für kleine Unternehmen", "01.01.2022", "31.12.2027",
     "950.000,00", "60,00 %", "D-24103 Kiel", "Deutschland", "021 - Unternehmensentwicklung von KMU"],
    ["Hansestadt Lübeck", "Digitales Rathaus", "Online-Dienste der Verwaltung", "01.02.2023", "31.01.2026",
     "1.730.250,25", "40,00 %", "23552 Lübeck", "Deutschland", "016 - IKT-Lösungen für Behörden"],
    ["Gemeinde Helgoland", "Seewasser-Wärmepumpe", "Wärme aus der Nordsee", "01.05.2023", "30.04.2025",
     "487.937,50", "40,00 %", "27498 Helgoland", "Deutschland", "056 - Erneuerbare Energie: Wärme"],
]
SH_TITLE = [["Liste der Vorhaben – EFRE-Programm Schleswig-Holstein 2021–2027"], ["Stand: 31.12.2023"], []]
SH_FOOT = [[], ["* Angaben ohne Gewähr"]]


def sh_file(kind: str) -> bytes:
    rows = SH_TITLE + [SH_HEADER] + SH_ROWS + SH_FOOT
    if kind == "csv":
        return csv_bytes(rows, ";", "cp1252")
    return xlsx_bytes({"EFRE SH": (rows, ["A1:J1", "A2:J2"])})


@pytest.mark.parametrize("kind, header_row, first_row, footnote_row", [("csv", 24, 25, 34), ("xlsx", 4, 5, 14)])
def test_shape1_sh_title_rows_bilingual_headers_german_text_numbers(kind, header_row, first_row, footnote_row):
    listing = vorhaben.read(sh_file(kind), f"liste.{kind}")
    assert listing.problems == []
    assert listing.header_row == header_row
    assert listing.sheet == (None if kind == "csv" else "EFRE SH")
    assert {name: (c.header.split("\n")[0], c.letter) for name, c in listing.columns.items()} == {
        "beneficiary": ("Name des Begünstigten", "A"), "operation": ("Name des Vorhabens", "B"),
        "summary": ("Zusammenfassung des Vorhabens", "C"), "start_date": ("Datum des Beginns", "D"),
        "end_date": ("Datum des Endes", "E"), "eligible_eur": ("Gesamtbetrag der förderfähigen Ausgaben", "F"),
        "cofinancing_pct": ("Kofinanzierungssatz der Union", "G"), "location": ("Standort", "H"),
        "country": ("Land", "I"), "category": ("Interventionskategorie", "J")}
    assert listing.columns["beneficiary"].header == "Name des Begünstigten\n\nBeneficiary name"
    assert listing.unmapped == []
    assert listing.conventions == {"eligible_eur": "number:de", "cofinancing_pct": "pct:de;percent",
                                   "start_date": "date:d.m.y", "end_date": "date:d.m.y",
                                   "category": "category:code+text", "location": "location:postcode+place"}
    assert column(listing, "row") == list(range(first_row, first_row + 8))
    # 1.250.000,00 + 3.480.512,50 + 812.300,00 + 1.005.000,75 + 2.400.000,00 + 950.000,00 + 1.730.250,25
    # + 487.937,50 = 12.116.001,00
    assert eligible_total(listing) == Decimal("12116001.00")
    assert column(listing, "eligible_eur")[3] == Decimal("1005000.75")
    assert column(listing, "cofinancing_pct")[:2] == [Decimal("40.00"), Decimal("60.00")]
    assert column(listing, "start_date")[1] == D(2022, 1, 15)
    assert column(listing, "end_date")[7] == D(2025, 4, 30)
    assert column(listing, "postcode") == ["24103", "24118", "25761", "24943", "25813", "24103", "23552", "27498"]
    assert column(listing, "place") == ["Kiel", "Kiel", "Büsum", "Flensburg", "Husum", "Kiel", "Lübeck",
                                        "Helgoland"]
    assert column(listing, "location")[5] == "D-24103 Kiel"
    assert column(listing, "category_code") == ["056", "004", "165", "004", "033", "021", "016", "056"]
    assert column(listing, "category_text")[0] == "Erneuerbare Energie: Wärme"
    assert column(listing, "beneficiary")[1] == "Christian-Albrechts-Universität zu Kiel"
    assert column(listing, "country")[0] == "Deutschland"
    assert [(n.row, n.code) for n in listing.notes] == [(footnote_row, "vh.footnote")]


# ---- shape 2: English first, US numbers, m/d/yyyy, numeric postcode column ----------------------------------

EN_HEADER = ["Beneficiary name / Name des Begünstigten", "Operation name / Name des Vorhabens", "Operation summary",
             "Operation start date", "Operation end date", "Total eligible expenditure (EUR)",
             "Union co-financing rate (%)", "Postcode", "Location", "Country", "Category of intervention"]
EN_ROWS = [
    ["TU Dresden", "Smart Grid Lab", "Test field for grids", "3/15/2022", "12/31/2025", "5,819,053", "85%", 1069,
     "Dresden", "DE", "028 - Technology transfer"],
    ["Stadt Leipzig", "Green Corridor", "Urban greening", "1/4/2022", "6/30/2024", "1,250,000", "60%", 4109,
     "Leipzig", "DE", "079 - Nature protection"],
    ["Chemnitzer Werkstoff GmbH", "Light Alloys", "New alloys for cars", "7/1/2022", "3/31/2025", "742,118", "40%",
     9111, "Chemnitz", "DE", "002 - Investment in fixed assets"],
    ["Landkreis Bautzen", "Rural Broadband", "Fibre for villages", "10/1/2022", "9/30/2026", "2,000,500", "85%",
     2625, "Bautzen", "DE", "033 - Very high capacity broadband"],
    ["Westsächsische Hochschule Zwickau", "E-Mobility Campus", "Charging for students", "2/1/2023", "1/31/2025",
     "318,940", "60%", 8056, "Zwickau", "DE", "077 - Clean urban transport"],
    ["Stadtentwässerung Dresden GmbH", "Sewer Heat", "Heat from waste water", "4/15/2023", "12/15/2027",
     "4,100,000", "40%", 1307, "Dresden", "DE", "056 - Renewable energy: heat"],
    ["Kita Sonnenschein e.V.", "Solar Roof", "Solar power for a nursery", "5/2/2023", "11/20/2023", "96,387", "85%",
     1067, "Dresden", "DE", "048 - Renewable energy: solar"],
]


def en_file(kind: str) -> bytes:
    rows = [["List of operations ERDF Saxony 2021-2027"], []] + [EN_HEADER] + EN_ROWS
    if kind == "csv":
        return csv_bytes(rows, ",", "utf-8-sig")
    return xlsx_bytes({"Operations": (rows, [])})


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_shape2_english_us_numbers_month_first_numeric_postcodes(kind):
    listing = vorhaben.read(en_file(kind), f"operations.{kind}")
    assert listing.problems == []
    assert listing.header_row == 3
    assert listing.columns["beneficiary"] == vorhaben.Column("Beneficiary name / Name des Begünstigten", 0)
    assert listing.columns["postcode"] == vorhaben.Column("Postcode", 7)
    assert listing.columns["location"] == vorhaben.Column("Location", 8)
    assert listing.conventions["eligible_eur"] == "number:en"
    assert listing.conventions["start_date"] == "date:m/d/y"
    assert listing.conventions["cofinancing_pct"] == "pct:-;percent"
    # 5.819.053 + 1.250.000 + 742.118 + 2.000.500 + 318.940 + 4.100.000 + 96.387 = 14.326.998; '742,118' alone
    # could be 742,118 the German way: the column's '5,819,053' settles it
    assert eligible_total(listing) == Decimal("14326998")
    assert column(listing, "eligible_eur")[2] == Decimal("742118")
    assert column(listing, "start_date") == [D(2022, 3, 15), D(2022, 1, 4), D(2022, 7, 1), D(2022, 10, 1),
                                             D(2023, 2, 1), D(2023, 4, 15), D(2023, 5, 2)]
    assert column(listing, "end_date")[6] == D(2023, 11, 20)
    assert column(listing, "postcode") == ["01069", "04109", "09111", "02625", "08056", "01307", "01067"]
    assert column(listing, "place") == ["Dresden", "Leipzig", "Chemnitz", "Bautzen", "Zwickau", "Dresden", "Dresden"]
    assert column(listing, "cofinancing_pct") == [Decimal(v) for v in ("85", "60", "40", "85", "60", "40", "85")]
    assert column(listing, "category_code") == ["028", "079", "002", "033", "077", "056", "048"]
    assert column(listing, "row") == [4, 5, 6, 7, 8, 9, 10]


# ---- shape 3: another column order, numbers as numbers, ISO timestamps, place only, category code only --------

ISO_HEADER = ["Interventionskategorie", "Förderfähige Gesamtkosten", "Vorhaben", "Begünstigter", "Ort", "Ende",
              "Beginn", "EU-Kofinanzierungssatz", "Zusammenfassung", "Land"]
ISO_ROWS = [  # category, eligible, operation, beneficiary, place, end, start, rate
    (60, 250000.5, "Deichverstärkung Nord", "Wasser- und Bodenverband Eiderstedt", "Tönning", "2024-12-31",
     "2021-03-01", 40),
    (21, 1200000, "Gründerzentrum", "Stadt Neumünster", "Neumünster", "2025-06-30", "2021-07-01", 60),
    (13, 87654.25, "E-Akte Kreis", "Kreis Plön", "Plön", "2023-03-31", "2022-01-15", 40),
    (4, 3000000, "Forschungsbau", "Universität zu Lübeck", "Lübeck", "2026-12-31", "2022-05-01", 60),
    (79, 45000, "Moorschutz", "Stiftung Naturschutz Schleswig-Holstein", "Molfsee", "2023-10-31", "2022-04-01", 40),
    (33, 999999.99, "Glasfaser Amt Hüttener Berge", "Breitbandzweckverband Hüttener Berge", "Ascheffel",
     "2027-12-31", "2023-01-02", 60),
]


def iso_file(kind: str) -> bytes:
    if kind == "csv":
        rows = [ISO_HEADER] + [
            [str(cat), repr(eur) if isinstance(eur, float) else str(eur), op, ben, place,
             f"{end}T00:00:00", f"{start} 00:00:00", str(rate), "", "Deutschland"]
            for cat, eur, op, ben, place, end, start, rate in ISO_ROWS]
        return csv_bytes(rows, "\t", "utf-8")
    rows = [ISO_HEADER] + [
        [cat, eur, op, ben, place, dt.datetime.fromisoformat(end), dt.datetime.fromisoformat(start), rate, None,
         "Deutschland"] for cat, eur, op, ben, place, end, start, rate in ISO_ROWS]
    return xlsx_bytes({"Tabelle1": (rows, [])})


@pytest.mark.parametrize("kind, convention", [("csv", "date:iso"), ("xlsx", "date:cells")])
def test_shape3_column_order_numeric_cells_iso_place_only_code_only(kind, convention):
    listing = vorhaben.read(iso_file(kind), f"vorhaben.{kind}")
    assert listing.problems == []
    assert listing.header_row == 1
    assert {name: c.index for name, c in listing.columns.items()} == {
        "beneficiary": 3, "operation": 2, "summary": 8, "start_date": 6, "end_date": 5, "eligible_eur": 1,
        "cofinancing_pct": 7, "location": 4, "country": 9, "category": 0}
    assert listing.conventions["start_date"] == listing.conventions["end_date"] == convention
    assert listing.conventions["eligible_eur"] == ("number:en" if kind == "csv" else "number:cells")
    # 250.000,50 + 1.200.000 + 87.654,25 + 3.000.000 + 45.000 + 999.999,99 = 5.582.654,74
    assert eligible_total(listing) == Decimal("5582654.74")
    assert column(listing, "start_date") == [D(2021, 3, 1), D(2021, 7, 1), D(2022, 1, 15), D(2022, 5, 1),
                                             D(2022, 4, 1), D(2023, 1, 2)]
    assert column(listing, "end_date")[0] == D(2024, 12, 31)
    assert column(listing, "category_code") == ["060", "021", "013", "004", "079", "033"]
    assert column(listing, "category_text") == [None] * 6
    assert column(listing, "postcode") == [None] * 6
    assert column(listing, "place") == ["Tönning", "Neumünster", "Plön", "Lübeck", "Molfsee", "Ascheffel"]
    assert column(listing, "summary") == [None] * 6
    assert column(listing, "cofinancing_pct") == [Decimal(v) for v in ("40", "60", "40", "60", "40", "60")]


# ---- shape 4: misspelt and shortened headers, fractions, category text only, sum row, footnotes -------------

SHORT_HEADER = ["Lfd. Nr.", "Begünstiger", "Vorhabenbezeichung", "Beginn", "Ende", "förderf. Ausgaben",
                "Kofin.-Satz", "PLZ / Ort", "Interventionskat."]
SHORT_ROWS = [  # no, beneficiary, operation, start (d.m.yy), end, eligible, rate, location, category
    [1, "Gemeinde Sylt", "Radweg Westerland", "1.3.22", "31.12.23", "150.000,00", 0.4, "25980 Sylt",
     "Fahrradinfrastruktur"],
    [2, "Stadt Heide", "Marktplatz", "15.6.22", "30.6.24", "420.500,50", 0.6, "25746 Heide",
     "Stadterneuerung"],
    [3, "Amt Süderbrarup", "Dorfladen", "1.9.22", "31.8.23", "75.250,00", 0.4, "24392 Süderbrarup",
     "Unternehmensentwicklung von KMU"],
    [4, "Stadt Eckernförde", "Hafenspitze", "1.1.23", "31.12.25", "1.100.000,00", 0.6, "24340 Eckernförde",
     "Schutz und Entwicklung öffentlicher Touristikgüter"],
    [5, "Gemeinde Scharbeutz", "Strandzugang", "1.4.23", "30.9.24", "310.000,00", 0.4, "23683 Scharbeutz",
     "Schutz und Entwicklung öffentlicher Touristikgüter"],
    [6, "Stadt Husum", "Klimaanpassung Innenstadt", "1.5.23", "30.4.26", "644.249,50", 0.6, "25813 Husum",
     "Anpassung an den Klimawandel"],
]
SHORT_SUM = [None, "Summe", None, None, None, "2.700.000,00", None, None, None]
SHORT_FOOT = [["* Angaben ohne Gewähr"], ["Stand: 31.12.2022"]]


def short_file(kind: str) -> bytes:
    if kind == "csv":
        rows = [SHORT_HEADER] + [r[:6] + [str(r[6]).replace(".", ",")] + r[7:] for r in SHORT_ROWS]
        return csv_bytes(rows + [SHORT_SUM] + SHORT_FOOT, ";", "utf-8-sig")
    return xlsx_bytes({"Liste": ([SHORT_HEADER] + SHORT_ROWS + [SHORT_SUM] + SHORT_FOOT, [])})


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_shape4_misspelt_headers_fractions_text_categories_sum_row_and_footnotes(kind):
    listing = vorhaben.read(short_file(kind), f"liste.{kind}")
    assert listing.problems == []
    assert {name: c.header for name, c in listing.columns.items()} == {
        "beneficiary": "Begünstiger", "operation": "Vorhabenbezeichung", "start_date": "Beginn",
        "end_date": "Ende", "eligible_eur": "förderf. Ausgaben", "cofinancing_pct": "Kofin.-Satz",
        "location": "PLZ / Ort", "category": "Interventionskat."}
    assert listing.unmapped == [vorhaben.Column("Lfd. Nr.", 0)]
    assert listing.conventions["cofinancing_pct"] == ("pct:de;fraction" if kind == "csv" else "pct:cells;fraction")
    # 150.000 + 420.500,50 + 75.250 + 1.100.000 + 310.000 + 644.249,50 = 2.700.000,00 (the sum row, not counted)
    assert eligible_total(listing) == Decimal("2700000.00")
    assert len(listing.rows) == 6
    assert column(listing, "cofinancing_pct") == [Decimal(v) for v in ("40", "60", "40", "60", "40", "60")]
    assert column(listing, "start_date") == [D(2022, 3, 1), D(2022, 6, 15), D(2022, 9, 1), D(2023, 1, 1),
                                             D(2023, 4, 1), D(2023, 5, 1)]
    assert column(listing, "end_date")[5] == D(2026, 4, 30)
    assert column(listing, "category_code") == [None] * 6
    assert column(listing, "category_text")[1] == "Stadterneuerung"
    assert column(listing, "postcode") == ["25980", "25746", "24392", "24340", "23683", "25813"]
    assert column(listing, "place")[2] == "Süderbrarup"
    assert [(n.row, n.code) for n in listing.notes] == [
        (None, "vh.unmapped_columns"), (8, "vh.sum_row"), (9, "vh.footnote"), (10, "vh.footnote")]
    assert listing.notes[0].reason("de") == "Nicht gelesene Spalten: „Lfd. Nr.“."
    assert listing.notes[1].reason("en") == "Sum row, skipped."


# ---- shape 5: German header row then English row, extra columns, merged cells, several sheets ----------------

TWO_DE = ["Aktenzeichen", "Prioritätsachse", "Fonds", "Begünstigter", "Bezeichnung des Vorhabens",
          "Kurzbeschreibung", "Bewilligungsdatum", "Beginn", "Ende", "Förderfähige Gesamtausgaben", "EU-Betrag",
          "Kofinanzierungssatz", "PLZ", "Ort", "Staat", "Bezeichnung der Interventionskategorie"]
TWO_EN = ["Reference", "Priority axis", "Fund", "Beneficiary", "Operation name", "Summary", "Decision date",
          "Start date", "End date", "Total eligible expenditure", "EU amount", "Co-financing rate", "Postcode",
          "Location", "Country", "Category of intervention"]
TWO_ROWS = [  # reference, beneficiary, operation, decision, start, end, eligible, eu, postcode, place, category
    ("EFRE-1-001", "Stadt Flensburg", "Smart City Flensburg", "15.12.2021", "01.01.2022", "31.12.2024",
     "2.000.000,00", "800.000,00", "24937", "Flensburg", "016 Digitalisierung öffentlicher Verwaltung"),
    ("EFRE-1-002", "Fraunhofer ISIT", "Mikrosensorik", "20.01.2022", "01.02.2022", "31.01.2026", "4.500.000,00",
     "1.800.000,00", "25524", "Itzehoe", "004 Investitionen in Anlagegüter öffentlicher Forschungszentren"),
    ("EFRE-1-003", "FH Westküste", "KI-Labor", "01.03.2022", "01.04.2022", "31.03.2025", "1.200.000,00",
     "480.000,00", "25746", "Heide", "028 Technologietransfer"),
    ("EFRE-2-001", "Stadt Norderstedt", "Solarpark Norderstedt", "10.05.2022", "01.06.2022", "31.05.2024",
     "3.300.000,00", "1.320.000,00", "22846", "Norderstedt", "048 Erneuerbare Energie: Solar"),
    ("EFRE-2-002", "Kreis Stormarn", "Energieberatung", "01.07.2022", "01.09.2022", "31.08.2025", "650.000,00",
     "260.000,00", "23843", "Bad Oldesloe", "038 Energieeffizienz"),
]
TWO_PA = {"EFRE-1": "PA 1 Innovation", "EFRE-2": "PA 2 Klimaschutz"}


def two_rows(kind: str) -> tuple[list[list], list[str]]:
    """The list sheet: title (merged), both header rows, a section row per axis (merged), the axis merged down."""
    rows = [["Verzeichnis der Vorhaben EFRE 2021-2027 / List of operations"], [], TWO_DE, TWO_EN]
    merges = ["A1:P1"]
    for axis in ("EFRE-1", "EFRE-2"):
        rows.append([f"Prioritätsachse {axis[-1]}"] * 16 if kind == "csv" else [f"Prioritätsachse {axis[-1]}"])
        merges.append(f"A{len(rows)}:P{len(rows)}")
        ops = [r for r in TWO_ROWS if r[0].startswith(axis)]
        first = len(rows) + 1
        for ref, ben, op, decided, start, end, eligible, eu, plz, place, cat in ops:
            axis_cell = TWO_PA[axis] if kind == "csv" or len(rows) + 1 == first else None
            rows.append([ref, axis_cell, "EFRE", ben, op, f"{op} in {place}", decided, start, end, eligible, eu,
                         "40 %", plz, place, "Deutschland", cat])
        merges.append(f"B{first}:B{len(rows)}")
    return rows, merges


def two_file(kind: str) -> bytes:
    rows, merges = two_rows(kind)
    if kind == "csv":
        return csv_bytes(rows, ";", "cp1252")
    cover = [["Hinweise zur Liste der Vorhaben"], ["Die Liste wird halbjährlich aktualisiert."],
             ["Beträge in Euro."]]
    notes = [["Erläuterungen"], ["Begünstigter", "Name der juristischen Person"],
             ["Beginn", "Datum des Beginns des Vorhabens"]]
    return xlsx_bytes({"Hinweise": (cover, ["A1:D1"]), "Vorhaben": (rows, merges),
                       "Erläuterungen": (notes, [])})


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_shape5_two_header_rows_extra_columns_merged_cells_several_sheets(kind):
    listing = vorhaben.read(two_file(kind), f"verzeichnis.{kind}")
    assert listing.problems == []
    assert listing.header_rows == (3, 4)
    assert listing.sheet == (None if kind == "csv" else "Vorhaben")
    assert listing.columns["eu_amount_eur"] == vorhaben.Column("EU-Betrag\nEU amount", 10)
    assert sorted(listing.columns) == sorted([
        "reference", "priority_axis", "fund", "beneficiary", "operation", "summary", "decision_date", "start_date",
        "end_date", "eligible_eur", "eu_amount_eur", "cofinancing_pct", "postcode", "location", "country",
        "category"])
    # 2.000.000 + 4.500.000 + 1.200.000 + 3.300.000 + 650.000 = 11.650.000
    assert eligible_total(listing) == Decimal("11650000.00")
    # 800.000 + 1.800.000 + 480.000 + 1.320.000 + 260.000 = 4.660.000
    assert sum(listing.rows["eu_amount_eur"], Decimal(0)) == Decimal("4660000.00")
    assert column(listing, "row") == [6, 7, 8, 10, 11]
    assert column(listing, "priority_axis") == ["PA 1 Innovation"] * 3 + ["PA 2 Klimaschutz"] * 2
    assert column(listing, "decision_date") == [D(2021, 12, 15), D(2022, 1, 20), D(2022, 3, 1), D(2022, 5, 10),
                                                D(2022, 7, 1)]
    assert column(listing, "reference")[3] == "EFRE-2-001"
    assert column(listing, "fund") == ["EFRE"] * 5
    assert column(listing, "postcode") == ["24937", "25524", "25746", "22846", "23843"]
    assert column(listing, "place")[4] == "Bad Oldesloe"
    assert column(listing, "category_code") == ["016", "004", "028", "048", "038"]
    assert column(listing, "category_text")[2] == "Technologietransfer"
    assert column(listing, "cofinancing_pct") == [Decimal(40)] * 5
    expected_notes = [(None, "vh.second_header_row"), (5, "vh.section_row"), (9, "vh.section_row")]
    if kind == "xlsx":
        expected_notes.insert(0, (None, "vh.sheet_chosen"))
        assert listing.notes[0].reason("de") == (
            "Die Arbeitsmappe hat 3 Tabellenblätter; die Liste steht auf „Vorhaben“.")
    assert [(n.row if n.code != "vh.second_header_row" else None, n.code) for n in listing.notes] == expected_notes


# ---- refusals ------------------------------------------------------------------------------------------------

BASIC_HEADER = ["Begünstigter", "Vorhaben", "Förderfähige Ausgaben", "Beginn", "Ende"]


def test_a_column_of_numbers_readable_both_ways_is_refused_with_row_and_column():
    rows = [BASIC_HEADER, ["Stadt Kiel", "Radweg", "1.500", "01.01.2022", "31.12.2023"],
            ["Stadt Heide", "Markt", "12.000", "01.01.2022", "31.12.2023"],
            ["Stadt Husum", "Hafen", "250.000", "01.01.2022", "31.12.2023"]]
    listing = vorhaben.read(csv_bytes(rows), "mehrdeutig.csv")
    assert [(p.row, p.column, p.value, p.code) for p in listing.problems] == [
        (2, "Förderfähige Ausgaben", "1.500", "vh.number_ambiguous")]
    assert listing.problems[0].reason("de") == (
        "Die Zahl kann 1.500,00 € oder 1,50 € heißen, und kein anderer Wert der Spalte entscheidet es "
        "(3 solche Werte, Zeilen 2, 3, 4). Bitte die Zahlen mit Dezimalstellen (1.234,00) oder ohne "
        "Tausenderpunkt schreiben.")
    assert listing.conventions["eligible_eur"] == "number:ambiguous"
    assert column(listing, "eligible_eur") == [None, None, None]


def test_a_column_mixing_german_and_us_numbers_is_refused():
    rows = [BASIC_HEADER, ["Stadt Kiel", "Radweg", "1.234,56", "01.01.2022", "31.12.2023"],
            ["Stadt Heide", "Markt", "2,345.67", "01.01.2022", "31.12.2023"]]
    listing = vorhaben.read(csv_bytes(rows), "gemischt.csv")
    assert [(p.row, p.column, p.value, p.code) for p in listing.problems] == [
        (3, "Förderfähige Ausgaben", "2,345.67", "vh.number_mixed")]
    assert listing.problems[0].reason("en") == (
        "The column writes numbers the German way (row 2: “1.234,56”) and the English way (row 3: “2,345.67”); "
        "no number of the column can be read safely.")


def test_a_date_column_readable_as_day_or_month_first_is_refused():
    rows = [BASIC_HEADER, ["Stadt Kiel", "Radweg", "1.234,56", "3/4/2022", "12/31/2023"],
            ["Stadt Heide", "Markt", "2.345,67", "5/6/2022", "11/30/2023"],
            ["Stadt Husum", "Hafen", "3.456,78", "7/7/2022", "10/31/2023"]]
    listing = vorhaben.read(csv_bytes(rows), "daten.csv")
    assert listing.conventions["end_date"] == "date:m/d/y"
    assert column(listing, "end_date") == [D(2023, 12, 31), D(2023, 11, 30), D(2023, 10, 31)]
    assert [(p.row, p.column, p.value, p.code) for p in listing.problems] == [(2, "Beginn", "3/4/2022",
                                                                                "vh.date_ambiguous")]
    assert listing.problems[0].reason("de") == (
        "Das Datum kann Tag/Monat oder Monat/Tag heißen, und kein Wert der Spalte über 12 entscheidet es "
        "(2 solche Werte, Zeilen 2, 3). Bitte als TT.MM.JJJJ oder JJJJ-MM-TT schreiben.")
    assert column(listing, "start_date") == [None, None, None]


def test_a_date_column_with_day_first_and_month_first_values_is_refused():
    rows = [BASIC_HEADER, ["Stadt Kiel", "Radweg", "1.234,56", "13/4/2022", "31.12.2023"],
            ["Stadt Heide", "Markt", "2.345,67", "4/13/2022", "31.12.2023"]]
    listing = vorhaben.read(csv_bytes(rows), "daten.csv")
    assert [(p.row, p.value, p.code) for p in listing.problems] == [(3, "4/13/2022", "vh.date_mixed")]
    assert listing.problems[0].reason("de") == (
        "Die Spalte schreibt Daten als Tag/Monat (Zeile 2: „13/4/2022“) und als Monat/Tag (Zeile 3: „4/13/2022“); "
        "so ist kein Datum der Spalte sicher lesbar.")


def test_a_list_without_a_required_column_is_refused_naming_what_is_missing_and_what_was_seen():
    rows = [["Fördermittel 2022"], [], ["Nr.", "Projekt", "Träger", "Kosten", "Laufzeit"],
            ["1", "Radweg", "Stadt Kiel", "1.000,00", "2022-2023"]]
    listing = vorhaben.read(csv_bytes(rows), "foerderung.csv")
    assert [(p.row, p.column, p.code) for p in listing.problems] == [(None, None, "vh.missing_fields")]
    assert listing.problems[0].reason("de") == (
        "Keine Spalte gefunden für: Gesamtbetrag der förderfähigen Ausgaben. Gelesen als Kopfzeile wurde Zeile 3 "
        "(Blatt „foerderung.csv“) mit den Spalten „Nr.“, „Projekt“, „Träger“, „Kosten“, „Laufzeit“. "
        "Bitte die Spalten zuordnen.")
    assert listing.problems[0].reason("en") == (
        "No column found for: Total eligible expenditure. Read as the header was row 3 (sheet “foerderung.csv”) "
        "with the columns “Nr.”, “Projekt”, “Träger”, “Kosten”, “Laufzeit”. Please map the columns.")
    assert listing.rows.empty
    # the user maps the column, and the same file reads
    fixed = vorhaben.read(csv_bytes(rows), "foerderung.csv", mapping={"eligible_eur": "Kosten"})
    assert fixed.problems == []
    assert column(fixed, "eligible_eur") == [Decimal("1000.00")]


def test_a_header_in_another_language_is_refused_listing_every_required_field():
    rows = [["Beneficjent", "Tytuł", "Koszty kwalifikowalne"], ["Gmina", "Droga", "1000"]]
    listing = vorhaben.read(csv_bytes(rows, ","), "lista.csv")
    assert listing.problems[0].reason("en") == (
        "No column found for: Beneficiary name, Operation name, Total eligible expenditure. Read as the header "
        "was row 1 (sheet “lista.csv”) with the columns “Beneficjent”, “Tytuł”, “Koszty kwalifikowalne”. "
        "Please map the columns.")


SEAT_HEADER = ["Begünstigter", "Ort", "Vorhaben", "Förderfähige Ausgaben", "Durchführungsort"]
SEAT_ROWS = [["Hochschule Kiel", "Kiel", "Außenstelle Heide", "100.000,00", "25746 Heide"],
             ["Stadt Lübeck", "Lübeck", "Travemünde Strand", "200.000,00", "23570 Lübeck"]]


def seat_file(title: str) -> bytes:
    return csv_bytes([[title], SEAT_HEADER] + SEAT_ROWS)


def test_a_mapping_fixes_a_wrong_automatic_choice_and_is_kept_by_layout():
    listing = vorhaben.read(seat_file("Liste 2022"), "liste.csv")
    # "Ort" here is the beneficiary's seat; the automatic mapping takes the first column meaning a place
    assert listing.columns["location"] == vorhaben.Column("Ort", 1)
    assert column(listing, "place") == ["Kiel", "Lübeck"]
    fixed = vorhaben.read(seat_file("Liste 2022"), "liste.csv", mapping={"location": "Durchführungsort"})
    assert fixed.problems == []
    assert fixed.columns["location"] == vorhaben.Column("Durchführungsort", 4)
    assert fixed.unmapped == [vorhaben.Column("Ort", 1)]
    assert column(fixed, "postcode") == ["25746", "23570"]
    assert column(fixed, "place") == ["Heide", "Lübeck"]
    # saved under the layout key, the mapping reads the next list of the same layout (other title, other data)
    saved = {vorhaben.layout_key(fixed): fixed.mapping()}
    following = vorhaben.read(seat_file("Liste 2023"), "liste-2023.csv")
    assert vorhaben.layout_key(following) in saved
    again = vorhaben.read(seat_file("Liste 2023"), "liste-2023.csv", mapping=saved[vorhaben.layout_key(following)])
    assert column(again, "place") == ["Heide", "Lübeck"]
    assert vorhaben.layout_key(vorhaben.read(sh_file("csv"), "sh.csv")) not in saved
    # a column letter does too; an unknown header or field is named
    by_letter = vorhaben.read(seat_file("Liste 2022"), "liste.csv", mapping={"location": "E"})
    assert by_letter.columns["location"] == vorhaben.Column("Durchführungsort", 4)
    wrong = vorhaben.read(seat_file("Liste 2022"), "liste.csv", mapping={"location": "Standort", "ort": "Ort"})
    assert [p.reason("de") for p in wrong.problems] == [
        "Die Zuordnung für Standort nennt die Spalte „Standort“, die die Kopfzeile nicht hat. Spalten: "
        "„Begünstigter“, „Ort“, „Vorhaben“, „Förderfähige Ausgaben“, „Durchführungsort“.",
        "Die Zuordnung nennt das Feld „ort“, das es nicht gibt. Felder: beneficiary, operation, summary, start_date, "
        "end_date, eligible_eur, cofinancing_pct, postcode, location, country, category, category_code, "
        "decision_date, eu_amount_eur, priority_axis, specific_objective, fund, reference."]
    assert wrong.rows.empty


# ---- pieces ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("060 - Wasserwirtschaft", ("060", "Wasserwirtschaft")), ("060 Wasserwirtschaft", ("060", "Wasserwirtschaft")),
    ("60", ("060", None)), (60, ("060", None)), (60.0, ("060", None)), ("Energieeffizienz", (None, "Energieeffizienz")),
    ("Energieeffizienz (038)", ("038", "Energieeffizienz")), ("IK 165: Tourismus", ("165", "Tourismus")),
    (None, (None, None)),
])
def test_category_cells_split_into_code_and_text(raw, expected):
    assert vorhaben.category(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("24103 Kiel", ("24103", "Kiel", None)), ("D-24103 Kiel", ("24103", "Kiel", None)),
    ("DE-01067 Dresden", ("01067", "Dresden", None)), ("Kiel (24103)", ("24103", "Kiel", None)),
    ("24103, Kiel", ("24103", "Kiel", None)), ("Bad Oldesloe", (None, "Bad Oldesloe", None)),
    ("DEF02", (None, None, "DEF02")), ("", (None, None, None)),
])
def test_location_cells_split_into_postcode_place_or_nuts(raw, expected):
    assert vorhaben.location(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (1067, "01067"), (1067.0, "01067"), ("1067", "01067"), ("24103", "24103"), ("D-24103", "24103"),
    ("Kiel", None), (123, None),
])
def test_postcodes_regain_their_leading_zero(raw, expected):
    assert vorhaben.postcode(raw) == expected


def test_excel_serials_short_years_eur_prefix_repeated_header_and_formula_cells():
    header = ["Begünstigter", "Vorhaben", "Förderfähige Ausgaben", "Beginn", "Ende", "Kofinanzierungssatz"]
    rows = [header,
            ["Stadt Kiel", "Radweg", 1000.5, 44621, "31.12.25", 0.4],                  # 44621 = 01.03.2022
            header,                                                                     # page break of an export
            ["Stadt Heide", "Markt", "=C2*2", 44927, "30.6.26", 0.6]]                   # 44927 = 01.01.2023
    listing = vorhaben.read(xlsx_bytes({"Liste": (rows, [])}), "liste.xlsx")
    assert column(listing, "start_date") == [D(2022, 3, 1), D(2023, 1, 1)]
    assert column(listing, "end_date") == [D(2025, 12, 31), D(2026, 6, 30)]
    assert listing.conventions["start_date"] == "date:serial"
    assert column(listing, "eligible_eur") == [Decimal("1000.5"), None]
    assert [(p.sheet, p.row, p.column, p.value, p.code) for p in listing.problems] == [
        ("Liste", 4, "Förderfähige Ausgaben", "=C2*2", "vh.formula")]
    assert [(n.row, n.code) for n in listing.notes] == [(3, "vh.repeated_header")]
    text = csv_bytes([header, ["Stadt Kiel", "Radweg", "EUR 1.500,00", "01.03.2022", "31.12.2025", "40"]])
    assert column(vorhaben.read(text, "liste.csv"), "eligible_eur") == [Decimal("1500.00")]


def test_headers_as_regulation_2021_1060_names_them():
    header = ["Name des Begünstigten (bei juristischen Personen)",
              "Zweck des Vorhabens und seine erwarteten oder tatsächlichen Errungenschaften", "Anfangsdatum",
              "Erwartetes oder tatsächliches Abschlussdatum", "Gesamtkosten", "Betreffender Fonds",
              "Betreffendes spezifisches Ziel", "Unionskofinanzierungssatz", "Ortsangabe oder Standortindikator",
              "Art der Intervention", "Bezeichnung des Vorhabens"]
    row = ["Stadt Kiel", "Mehr Radverkehr", "01.03.2022", "31.12.2025", "1.500,00", "EFRE", "RSO2.8", "40 %",
           "24103 Kiel", "083 - Fahrradinfrastruktur", "Radweg Förde"]
    listing = vorhaben.read(csv_bytes([header, row]), "liste.csv")
    assert listing.problems == []
    assert {name: c.index for name, c in listing.columns.items()} == {
        "beneficiary": 0, "operation": 10, "summary": 1, "start_date": 2, "end_date": 3, "eligible_eur": 4,
        "cofinancing_pct": 7, "location": 8, "category": 9, "specific_objective": 6, "fund": 5}
    assert column(listing, "category_code") == ["083"]
