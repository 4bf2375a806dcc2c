"""The one-page briefing: figures a leader reads, one A4 page in German and English, also for 400 projects.

Expected figures are worked out from data/demo/*.csv with pandas, independently of the queries:
paid by 30.06.2021 = sum of payment.amount_eur dated up to then; at risk = per running project
granted − min(granted, paid + paid/elapsed days × remaining days).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from bench.generate import generate
from monitor import briefing, db, queries as q
from monitor.context import Context

CREATED = dt.datetime(2026, 11, 28, 19, 33)
A4_POINTS = (595.28, 841.89)


def context(as_of: str, lang: str = "de", programme_id: str | None = None) -> Context:
    programmes = q.run("programmes").set_index("programme_id")
    programme_id = programme_id or programmes.index[0]
    day = dt.date.fromisoformat(as_of)
    return Context(programme_id, programmes.loc[programme_id].to_dict(), day, day, day, lang, "leitung", True)


def read(pdf: bytes) -> tuple[PdfReader, str]:
    """The reader and the page text with every run of whitespace as one space (lines wrap in cells)."""
    reader = PdfReader(io.BytesIO(pdf))
    return reader, " ".join(reader.pages[0].extract_text().split())


def lines(pdf: bytes) -> list[str]:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines()


def test_briefing_on_30_06_2021_shows_what_a_leader_reads():
    pdf = briefing.pdf_bytes(context("2021-06-30"), CREATED)
    reader, text = read(pdf)
    assert pdf.startswith(b"%PDF")
    assert len(reader.pages) == 1
    assert [round(float(v), 2) for v in reader.pages[0].mediabox[2:]] == list(A4_POINTS)
    # header
    assert "Wettbewerb Digitale Modellkommunen Schleswig-Holstein" in text
    assert "Zuwendungsgeber: Ministerium für Inneres, ländliche Räume, Integration und Gleichstellung" in text
    assert "Stand: 30.06.2021" in text
    assert "erstellt am 28.11.2026 um 19:33 Uhr" in text
    assert "Demodaten:" in text
    # key figures
    assert "Budget 1.000.000 € 127.700 € noch nicht bewilligt" in text
    assert "Bewilligt 872.300 € 9 Projekte · 87 % des Budgets" in text
    assert "Ausgezahlt 330.920 € 38 % der Bewilligung" in text
    assert "Geplant bis Stichtag 397.920 € Ausgezahlt -67.000 € gegenüber Plan" in text
    assert "Laufzeit verstrichen 35 % 01.09.2020 bis 31.12.2022" in text
    assert "Meilensteine erledigt / fällig 7 / 9 1 überfällig · 30 insgesamt" in text
    # at risk: Kiel 34.000 − 17.000 € and Flensburg 40.000 − 30.000 € overdue under the plan (30 days' grace)
    assert "Gefährdet (Prognose) 27.000 € 3,1 % der Bewilligung · 2 Projekte · bereits verfallen: 0 €" in text
    assert "Kreise mit Förderung 8 von 15 am meisten: Rendsburg-Eckernförde (190.000 €)" in text
    # plan vs paid over the term, drawn with lines (no image), each line labelled with its value: planned over the
    # whole term 872.300 € (every planned_payment row), paid by the Stichtag 330.920 €
    assert ("Geplant und ausgezahlt über die Laufzeit 0 € 250.000 € 500.000 € 750.000 € 1.000.000 € 2021 2022 2023 "
            "Stichtag 30.06.2021 geplant 872.300 € ausgezahlt 330.920 €") in text
    assert "/XObject" not in reader.pages[0]["/Resources"]
    # traffic lights: the red and amber projects, worst first, with the deciding reason; the chart took the room of
    # the seven green rows, which are counted
    assert "Ampeln am Stichtag: rot 1 gelb 1 grün 7" in text
    # paid and due under the plan (payments planned by 31.05.2021), in % of the grant
    assert ("rot Landeshauptstadt Kiel 20 % 40 % Meilenstein „Anforderungsanalyse Datenplattform“ seit 91 Tagen "
            "überfällig (Grenze 90 Tage): rot") in text
    assert "gelb Stadt Flensburg 30 % 40 % Letzter Bericht (29.01.2021) meldet gelb: gelb" in text
    light_rows = [line for line in lines(pdf) if re.match(r"(rot|gelb|grün) \D+ \d+ % \d+ % ", line)]
    assert len(light_rows) == 2
    assert light_rows[0].startswith("rot Landeshauptstadt Kiel") and light_rows[1].startswith("gelb Stadt Flensburg")
    assert "Nicht aufgeführt: 7 Projekte ohne Handlungsbedarf (grün 7)." in text
    # attention: red and amber with their money (grant, paid, overdue under the plan) and all reasons
    assert ("Landeshauptstadt Kiel: Offene Daten für Kiel (Titel illustrativ) Zuwendung 85.000 € · ausgezahlt 17.000 € "
            "· gefährdet 17.000 € – Meilenstein „Anforderungsanalyse Datenplattform“ seit 91 Tagen überfällig") in text
    assert ("Stadt Flensburg: Digitale Agenda Flensburg Zuwendung 100.000 € · ausgezahlt 30.000 € · gefährdet 10.000 € "
            "– Letzter Bericht (29.01.2021) meldet gelb: gelb") in text
    # the source in words, no query names
    assert ("Quelle: Modellkommunen-Monitor, Seiten Übersicht und Fortschritt zum selben Stichtag.") in text
    assert "Abfrage" not in text and not [name for name in briefing.QUERIES if name in text]
    # next five milestones, the overdue first
    assert "31.03.2021 überfällig seit 91 Tagen Landeshauptstadt Kiel Anforderungsanalyse Datenplattform" in text
    assert "30.06.2021 heute fällig Stadt Nortorf und Nortorfer Land Ideenaufruf abgeschlossen" in text
    assert "30.09.2021 in 92 Tagen Stadt Pinneberg Beteiligungsphase abgeschlossen (über 200 Beteiligungen)" in text
    assert len([line for line in lines(pdf) if re.match(r"\d\d\.\d\d\.\d{4} (überfällig|heute|in \d)", line)]) == 5
    # the lights are drawn shapes, never characters that need an emoji or symbol font
    assert not set("■▲●✓○") & set(text)


def test_briefing_embeds_its_own_font():
    reader, _ = read(briefing.pdf_bytes(context("2021-06-30"), CREATED))
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVuSansCondensed" in name for name in fonts)


def test_briefing_on_31_03_2023_after_the_term():
    pdf = briefing.pdf_bytes(context("2023-03-31"), CREATED)
    reader, text = read(pdf)
    assert len(reader.pages) == 1
    assert "Stand: 31.03.2023" in text
    assert "Ausgezahlt 792.800 € 91 % der Bewilligung" in text
    assert "Geplant bis Stichtag 872.300 €" in text
    assert "Laufzeit verstrichen 100 %" in text
    assert "Meilensteine erledigt / fällig 30 / 30 0 überfällig · 30 insgesamt" in text
    # Flensburg's term ended without a final payment: its rest is at risk; Kiel's rest lapsed with its final payment
    assert "Gefährdet (Prognose) 20.000 € 2,3 % der Bewilligung · 1 Projekt · bereits verfallen: 59.500 €" in text
    assert "Ampeln am Stichtag: abgeschlossen, Mittel verfallen 1 gelb 1 abgeschlossen 7" in text
    assert ("gelb Stadt Flensburg 80 % 100 % 20,0 % der Zuwendung hinter dem Zahlungsplan: 80.000 € ausgezahlt, "
            "100.000 € bis 01.03.2023 geplant (gelb ab 20 %): gelb") in text
    # Kiel closed with 59.500 € never called: first in the lights and in the attention list
    assert ("abgeschlossen, Mittel verfallen Landeshauptstadt Kiel 30 % 100 % Schlusszahlung am 20.10.2022: "
            "59.500 € von 85.000 € nicht abgerufen und verfallen") in text
    assert ("Landeshauptstadt Kiel: Offene Daten für Kiel (Titel illustrativ) Zuwendung 85.000 € · ausgezahlt 25.500 € "
            "· verfallen 59.500 € – Schlusszahlung am 20.10.2022") in text
    assert "Zuwendung 100.000 € · ausgezahlt 80.000 € · gefährdet 20.000 €" in text
    assert "Stichtag 31.03.2023 geplant 872.300 € ausgezahlt 792.800 €" in text
    assert "Am Stichtag sind alle Meilensteine erledigt." in text


def test_briefing_in_english():
    reader, text = read(briefing.pdf_bytes(context("2021-06-30", lang="en"), CREATED))
    assert len(reader.pages) == 1
    assert "Digital Model Municipalities Competition Schleswig-Holstein" in text
    assert "As of: 30 Jun 2021" in text
    assert "Paid out €330,920 38% of granted" in text
    assert "Granted €872,300 9 projects · 87% of budget" in text
    assert "Planned by as-of date €397,920" in text
    assert "red Landeshauptstadt Kiel 20% 40% Milestone “Anforderungsanalyse Datenplattform” overdue by 91 days" in text
    assert "Projects that need attention" in text
    assert "planned €872,300 paid €330,920" in text
    assert "Grant €85,000 · paid €17,000 · at risk €17,000" in text
    assert "Kurzbericht" not in text and "Bewilligt" not in text


def test_file_name_carries_the_stichtag():
    assert briefing.file_name(context("2021-06-30")) == "Kurzbericht_2021-06-30.pdf"
    assert briefing.file_name(context("2021-06-30", lang="en")) == "Briefing_2021-06-30.pdf"


@pytest.fixture
def large_programme(tmp_path, monkeypatch) -> Path:
    """The demo programme at 45× (bench/generate.py): 405 projects, as the current database."""
    path = tmp_path / "large.duckdb"
    generate(path, 45)
    monkeypatch.setenv("MONITOR_DB", str(path))
    yield path
    db.Database.close_all()


def test_400_projects_still_fit_on_one_page(large_programme):
    pdf = briefing.pdf_bytes(context("2021-06-30"), CREATED)
    reader, text = read(pdf)
    assert len(reader.pages) == 1
    assert "Bewilligt" in text and "405 Projekte" in text
    assert "Demodaten" not in text  # the synthetic database is not the demo
    # only red and amber rows are listed; the rest is counted, and so are the red/amber rows cut at the page end
    listed = [line for line in lines(pdf) if re.match(r"(rot|gelb|grün|abgeschlossen|nicht begonnen) ", line)]
    assert listed and all(line.startswith(("rot ", "gelb ")) for line in listed)
    left_out = re.search(r"Nicht aufgeführt: (\d+) Projekte ohne Handlungsbedarf \(grün \d+", text)
    more = re.search(r"Dazu (\d+) weitere rote oder gelbe Projekte", text)
    assert left_out and more
    assert len(listed) + int(more.group(1)) + int(left_out.group(1)) == 405
    assert re.search(r"… und \d+ weitere Projekte mit allen Gründen im Monitor", text)
    assert "Nächste Meilensteine" in text and "Quelle: Modellkommunen-Monitor" in text
    assert "Geplant und ausgezahlt über die Laufzeit" in text and "Stichtag 30.06.2021 geplant" in text
    # the attention list keeps at least its worst project, with its money, beside the chart
    assert re.search(r"Projekte, die Aufmerksamkeit brauchen [^–]+: .+ Zuwendung [\d.]+ € · ausgezahlt [\d.]+ €", text)
    assert "Abfrage" not in text


def test_uebersicht_offers_the_briefing_to_the_leitung(app):
    at = app(role="leitung", page="pages/uebersicht.py", stichtag="2021-06-30")
    assert not at.exception
    buttons = [b for b in at.get("download_button") if b.key == "briefing_pdf"]
    assert len(buttons) == 1
    assert buttons[0].proto.label == "Kurzbericht (PDF, 1 Seite)"
