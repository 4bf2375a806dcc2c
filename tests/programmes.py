"""A second programme for tests: "EFRE-Testprogramm Schleswig-Holstein", inserted by plain SQL into a database copy.

It has what an EU "Liste der Vorhaben" gives and nothing a competition gives: no applications, scores, jurors,
criteria or goals; projects with their total eligible expenditure as the amount (grant_basis 'eligible_cost'),
co-financing rate, place and category of intervention as theme; no payment plan, milestones, reports or
indicators. With payments=True it also has four payments (still no plan). All values are invented for tests.

Figures worked out by hand (used as literals in tests/test_programmes.py):
  eight projects, 10.305.000 € eligible expenditure in all; decided by 31.12.2022: E1–E7, 9.980.000 €
  payments (variant with payments): E1 300.000 € (15.12.2021) + 200.000 € (30.09.2022), E4 430.000 € (30.06.2022),
  E2 480.000 € final (20.12.2023): 930.000 € paid by 31.12.2022, 1.410.000 € by 31.12.2023
"""

from __future__ import annotations

from pathlib import Path

import duckdb

PROGRAMME_ID = "efre-test"
NAME_DE = "EFRE-Testprogramm Schleswig-Holstein"
NAME_EN = "ERDF test programme Schleswig-Holstein"
SOURCE = "Testdaten (tests/programmes.py), erfunden"

# applicant_id, name, kind, Kreis AGS, lat, lon
RECIPIENTS = [
    ("efre-izet", "Innovationszentrum Itzehoe Test GmbH", "sonstige", "01061", 53.9250, 9.5160),
    ("efre-hskiel", "Fachhochschule Kiel (Testdaten)", "sonstige", "01002", 54.3310, 10.1350),
    ("efre-husum", "Stadt Husum", "stadt", "01054", 54.4770, 9.0520),
    ("efre-hafen", "Hafenbetrieb Lübeck Test GmbH", "sonstige", "01003", 53.8900, 10.7000),
    ("efre-norderstedt", "Stadt Norderstedt", "stadt", "01060", 53.7060, 10.0100),
    ("efre-energie", "Energieagentur Ostholstein Test eG", "sonstige", "01055", 54.2000, 10.8800),
]

# project_id, applicant_id, title, eligible expenditure, co-financing %, decision, start, end, place, theme
PROJECTS = [
    ("E1", "efre-izet", "Wasserstoff-Testfeld Itzehoe", "1250000.00", "40.00",
     "2021-03-15", "2021-04-01", "2024-03-31", "25524 Itzehoe",
     "029 - Forschungs- und Innovationsprozesse in KMU"),
    ("E2", "efre-izet", "Transferstelle Westküste", "480000.00", "60.00",
     "2021-06-01", "2021-07-01", "2023-12-31", "25524 Itzehoe",
     "029 - Forschungs- und Innovationsprozesse in KMU"),
    ("E3", "efre-hskiel", "Labor für maritime Robotik", "2100000.00", "40.00",
     "2021-05-10", "2021-06-01", "2025-05-31", "24149 Kiel",
     "004 - Investitionen in Anlagen öffentlicher Forschungszentren"),
    ("E4", "efre-husum", "Energetische Sanierung Rathaus Husum", "860000.00", "60.00",
     "2021-09-01", "2021-10-01", "2023-09-30", "25813 Husum",
     "045 - Energieeffizienz öffentlicher Infrastruktur"),
    ("E5", "efre-hafen", "Landstrom-Anlage Skandinavienkai", "3400000.00", "40.00",
     "2022-02-01", "2022-03-01", "2026-12-31", "23570 Lübeck",
     "047 - Erneuerbare Energie: Wind"),
    ("E6", "efre-norderstedt", "Radschnellweg Norderstedt (Abschnitt 1)", "1150000.00", "60.00",
     "2022-04-01", "2022-05-01", "2025-04-30", "22846 Norderstedt",
     "083 - Fahrradinfrastruktur"),
    ("E7", "efre-energie", "Wärmenetz Oldenburg in Holstein", "740000.00", "40.00",
     "2022-06-15", "2022-07-01", "2024-06-30", "23758 Oldenburg in Holstein",
     "045 - Energieeffizienz öffentlicher Infrastruktur"),
    ("E8", "efre-hskiel", "Gründungsinkubator Kiel", "325000.00", "60.00",
     "2023-01-10", "2023-02-01", "2026-01-31", "24149 Kiel",
     "029 - Forschungs- und Innovationsprozesse in KMU"),
]

# payment_id, project_id, date, amount, kind
PAYMENTS = [
    ("EZ-1", "E1", "2021-12-15", "300000.00", "abschlag"),
    ("EZ-2", "E1", "2022-09-30", "200000.00", "abschlag"),
    ("EZ-3", "E4", "2022-06-30", "430000.00", "abschlag"),
    ("EZ-4", "E2", "2023-12-20", "480000.00", "schlusszahlung"),
]


def add_efre_programme(path: Path, payments: bool = False) -> None:
    """Insert the EFRE test programme (and, with payments=True, its four payments) into the database at path."""
    con = duckdb.connect(str(path))
    try:
        con.execute("begin")
        con.execute(
            """
            insert into programme (programme_id, name_de, name_en, funder, budget_eur, max_grant_eur, launch_date,
                deadline_date, decision_date, term_start_date, term_end_date, amber_gap_pct, red_gap_pct,
                red_overdue_days, report_interval_days, payment_grace_days, source, land_id, grant_basis)
            values (?, ?, ?, 'Ministerium für Wirtschaft Schleswig-Holstein (Testdaten)', 12000000.00, null,
                date '2021-01-01', date '2021-01-01', date '2021-01-01', date '2021-01-01', date '2027-12-31',
                20, 40, 90, 365, 30, ?, '01', 'eligible_cost')
            """,
            [PROGRAMME_ID, NAME_DE, NAME_EN, SOURCE],
        )
        con.executemany(
            "insert into applicant values (?, ?, ?, ?, ?, ?, ?, null, true, ?)",
            [(aid, name, kind, kreis, kreis, lat, lon, SOURCE) for aid, name, kind, kreis, lat, lon in RECIPIENTS],
        )
        con.executemany(
            """
            insert into project (project_id, programme_id, application_id, applicant_id, title, granted_eur,
                own_funds_pct, decision_date, start_date, end_date, is_illustrative, source, summary,
                cofinancing_pct, location)
            values (?, ?, null, ?, ?, ?::decimal(14,2), null, ?::date, ?::date, ?::date, true, ?, ?, ?::decimal(5,2), ?)
            """,
            [(pid, PROGRAMME_ID, aid, title, eur, decided, start, end, SOURCE, f"Zusammenfassung: {title}", cof, place)
             for pid, aid, title, eur, cof, decided, start, end, place, _ in PROJECTS],
        )
        con.executemany(
            "insert into project_theme values (?, ?, ?)",
            [(pid, theme, SOURCE) for pid, *_, theme in PROJECTS],
        )
        if payments:
            con.executemany(
                "insert into payment values (?, ?, ?::date, ?::decimal(14,2), ?, null, null)", PAYMENTS
            )
        con.execute("commit")
    finally:
        con.close()
