"""Profil: one recipient on the Stichtag, for every demo recipient with a project; the jury part by role; the PDF.

Figures on 30.06.2021, worked out from data/demo/*.csv (granted: project.csv; paid: payment.csv up to 30.06.2021;
planned: planned_payment.csv dated up to 30.06.2021; milestones done by then and overdue (planned before the
Stichtag, still open) from milestone.csv; the light as tests/test_status_rule.py lists it for 2021-06-30:
GGGRAGGGG):
  dithmarschen         DM-01  100.000 €  paid 40.000 € (Z-0001)              planned 40.000 €  1 of 3 done, 0 overdue
  schleswig-flensburg  DM-02  100.000 €  paid 40.000 € (Z-0010 is 14.07.)    planned 80.000 €  2 of 3 done, 0 overdue
                              (the 2nd instalment planned 30.06.2021 is not late before the 30 grace days: green)
  wr-rendsburg         DM-03   90.000 €  paid 45.000 € (Z-0009)              planned 45.000 €  1 of 3 done, 0 overdue
  kiel                 DM-04   85.000 €  paid 17.000 € (Z-0007)              planned 34.000 €  0 of 3 done, 1 overdue
  flensburg            DM-05  100.000 €  paid 30.000 € (Z-0006)              planned 40.000 €  1 of 4 done, 0 overdue
  eutin                DM-06  100.000 €  paid 40.000 € (Z-0004)              planned 40.000 €  1 of 4 done, 0 overdue
  pinneberg            DM-07   97.500 €  paid 39.000 € (Z-0003)              planned 39.000 €  0 of 3 done, 0 overdue
  nortorf              DM-08  100.000 €  paid 40.000 € (Z-0005)              planned 40.000 €  0 of 3 done, 0 overdue
                              (M-08-1 planned 30.06.2021 is due on the Stichtag, not overdue; done 15.07.2021)
  kirchbarkau          DM-09   99.800 €  paid 39.920 € (Z-0008)              planned 39.920 €  1 of 4 done, 0 overdue
"""

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from monitor import i18n, markup, navigation, profile

PAGE = "pages/profil.py"
STICHTAG = "2021-06-30"

# applicant_id -> (name, granted, paid, planned, milestones "done of total, overdue", light label)
RECIPIENTS = {
    "dithmarschen": ("Kreis Dithmarschen", "100.000 €", "40.000 €", "40.000 €", (1, 3, 0), ":green[● grün]"),
    "schleswig-flensburg": ("Kreis Schleswig-Flensburg", "100.000 €", "40.000 €", "80.000 €", (2, 3, 0),
                            ":green[● grün]"),
    "wr-rendsburg": ("Wirtschaftsraum Rendsburg", "90.000 €", "45.000 €", "45.000 €", (1, 3, 0), ":green[● grün]"),
    "kiel": ("Landeshauptstadt Kiel", "85.000 €", "17.000 €", "34.000 €", (0, 3, 1), ":red[■ rot]"),
    "flensburg": ("Stadt Flensburg", "100.000 €", "30.000 €", "40.000 €", (1, 4, 0), ":orange[▲ gelb]"),
    "eutin": ("Stadt Eutin", "100.000 €", "40.000 €", "40.000 €", (1, 4, 0), ":green[● grün]"),
    "pinneberg": ("Stadt Pinneberg", "97.500 €", "39.000 €", "39.000 €", (0, 3, 0), ":green[● grün]"),
    "nortorf": ("Stadt Nortorf und Nortorfer Land", "100.000 €", "40.000 €", "40.000 €", (0, 3, 0), ":green[● grün]"),
    "kirchbarkau": ("Gemeinde Kirchbarkau", "99.800 €", "39.920 €", "39.920 €", (1, 4, 0), ":green[● grün]"),
}


def de(key: str, **values) -> str:
    return i18n.t(key, lang="de", **values)


def open_profile(app, role: str = "admin", **query):
    at = app(role=role, page=PAGE, **query)
    assert not at.exception, at.exception
    return at


def figures(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def light_line(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Ampel:**"))


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_registered_for_every_role_at_its_address():
    spec = next(p for p in navigation.PAGES if p.file == PAGE)
    assert spec.url_path == profile.URL_PATH == "profil"
    assert spec.roles == navigation.EVERYONE


def test_the_profile_url_keeps_recipient_programme_stichtag_and_language():
    assert profile.url("kiel", "dmk-sh", dt.date(2021, 6, 30), "de") == (
        "profil?empfaenger=kiel&programm=dmk-sh&stichtag=2021-06-30&lang=de")


@pytest.mark.parametrize("applicant_id", sorted(RECIPIENTS))
def test_every_recipient_on_30_june_2021(app, applicant_id):
    name, granted, paid, planned, (done, total, overdue), light = RECIPIENTS[applicant_id]
    at = open_profile(app, "leitung", empfaenger=applicant_id, stichtag=STICHTAG)
    assert [h.value for h in at.header] == [markup.text(name)]
    assert at.selectbox(key="pf_recipient").value == applicant_id
    assert figures(at) == {"Zuwendung": granted, "Ausgezahlt": paid, "Geplant bis Stichtag": planned}
    assert light_line(at) == f"**Ampel:** {light} · Begründung unten"
    text = markdown(at)
    assert f"{done} von {total} Meilensteinen erledigt, {overdue} überfällig." in text
    # the URL keeps the recipient and the programme, so the view can be shared
    assert at.query_params["empfaenger"] == [applicant_id] or at.query_params["empfaenger"] == applicant_id
    # leitung never sees the jury's verdict
    assert de("pf.jury.heading") not in [h.value for h in at.subheader]
    assert "Gewichtete Punktzahl" not in text and not at.warning


def test_kiel_light_reason_history_and_tables(app):
    at = open_profile(app, "admin", empfaenger="kiel", stichtag=STICHTAG)
    text = markdown(at)
    # the reason in the rule's own words (monitor/status.py): milestone 91 days overdue, 20 % behind the plan
    assert "Anforderungsanalyse Datenplattform" in text and "seit 91 Tagen überfällig" in text
    assert "17\\.000 € ausgezahlt\\, 34\\.000 € bis 31\\.05\\.2021 geplant" in text
    assert "Letzter Bericht vom 29.01.2021: 5 % erreicht" in text and "(1 Bericht bis zum Stichtag)" in text
    history = at.dataframe[0].value          # the light history, newest first: red on the Stichtag, amber before
    assert history.iloc[0].tolist()[:3] == [dt.datetime(2021, 6, 30), "DM-04", "■ rot"]
    assert history.iloc[1].tolist()[:3] == [dt.datetime(2021, 5, 31), "DM-04", "▲ gelb"]
    goals = next(d.value for d in at.dataframe if "Anteil der Zuwendung" in d.value.columns)
    assert goals.iloc[:, 0].tolist() == ["Partizipation", "Ressourceneffizienz", "Wohlstand / Wettbewerbsfähigkeit"]
    assert goals["Anteil der Zuwendung"].tolist() == [40.0, 30.0, 30.0]
    assert "**Themen:** Offene Daten\\, Verwaltung" in text


def test_jury_part_for_jury_and_admin_only(app):
    for role in ("leitung", "analyse", "datenpflege"):
        at = open_profile(app, role, empfaenger="kiel", stichtag=STICHTAG)
        assert de("pf.jury.heading") not in [h.value for h in at.subheader], role
        assert "Rang" not in markdown(at) and "BW\\-04" not in markdown(at), role
    for role in ("jury", "admin"):
        at = open_profile(app, role, empfaenger="kiel", stichtag=STICHTAG)
        assert de("pf.jury.heading") in [h.value for h in at.subheader]
        assert [w.value for w in at.warning] == [de("pf.jury.confidential")]
        text = markdown(at)
        # BW-04: received 15.06.2020, 100.000 € requested; weighted total 6,8875 (criterion means 6,125 / 7,25 /
        # 6,75 / 7,375 / 6,625 / 7,5 by weights 25/20/15/15/10/15 %), rank 8 of 35 scored, nine selected
        assert "**Bewerbung BW\\-04:** Offene Daten für Kiel \\(Titel illustrativ\\) · eingegangen am 15.06.2020 · " \
               "beantragt 100.000 €" in text
        assert ("Gewichtete Punktzahl **6,89**, Rang **8 von 35** bewerteten Bewerbungen "
                "(Förderlinie: die besten 9).") in text
        scores = at.dataframe[-1].value
        assert scores.iloc[:, 0].tolist()[0] == "Bürgernutzen" and len(scores) == 6


def test_without_a_recipient_a_selector_and_no_figures(app):
    at = open_profile(app, "leitung", stichtag=STICHTAG)
    box = at.selectbox(key="pf_recipient")
    assert box.value is None and len(box.options) == 9
    assert [i.value for i in at.info] == [de("pf.none_chosen", count="9")]
    assert not at.metric
    box.select("nortorf").run()
    assert [h.value for h in at.header] == [markup.text("Stadt Nortorf und Nortorfer Land")]
    assert at.query_params["empfaenger"] in ("nortorf", ["nortorf"])


def test_an_unknown_recipient_is_named_as_text_and_the_selector_offered(app):
    at = open_profile(app, "leitung", empfaenger="<b>niemand</b>", stichtag=STICHTAG)
    assert [w.value for w in at.warning] == [
        "„\\<b\\>niemand\\<\\/b\\>“ ist am Stichtag 30.06.2021 kein Zuwendungsempfänger dieses Programms "
        "(kein Projekt bewilligt). Bitte oben wählen."]
    assert not at.metric


def test_english(app):
    at = open_profile(app, "jury", empfaenger="nortorf", stichtag=STICHTAG, lang="en")
    assert figures(at) == {"Grant": "€100,000", "Paid": "€40,000", "Planned by the as-of date": "€40,000"}
    assert "**Traffic light:** :green[● green] · reason below" in markdown(at)
    assert "Weighted score **7.44**, rank **3 of 35** scored applications (funding line: the best 9)." in markdown(at)


def _pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.mark.parametrize("applicant_id", sorted(RECIPIENTS))
def test_pdf_is_one_page_with_name_and_grant(applicant_id):
    from monitor import profile_pdf, queries as q
    from monitor.context import Context

    name, granted, paid, *_ = RECIPIENTS[applicant_id]
    programme = q.run("programmes").set_index("programme_id").loc["dmk-sh"].to_dict()
    ctx = Context("dmk-sh", programme, dt.date(2021, 6, 30), dt.date(2019, 12, 20), dt.date(2023, 3, 31), "de",
                  "admin", True)
    pages, text = _pdf_text(profile_pdf.pdf_bytes(ctx, applicant_id, dt.datetime(2024, 1, 2, 9, 30)))
    assert pages == 1
    assert name in text and f"Zuwendung {granted}" in text and paid in text
    assert "Stand 30.06.2021" in text
    assert "Rang" not in text and "Punktzahl" not in text      # the jury's verdict never goes on paper
    assert profile_pdf.file_name(ctx, applicant_id) == f"Profil_{applicant_id}_2021-06-30.pdf"


def test_the_page_offers_the_pdf(app):
    at = open_profile(app, "leitung", empfaenger="kiel", stichtag=STICHTAG)
    assert at.get("download_button")      # the PDF button (and each table's downloads)


# --- a second programme: eligible expenditure, no plan, milestones, reports or applications ---------------------------

@pytest.fixture
def two_programmes(two_programme_db, monkeypatch):
    monkeypatch.setenv("MONITOR_DB", str(two_programme_db))


def test_second_programme_without_jury_data(app, two_programmes):
    # E1 1.250.000 € + E2 480.000 € eligible expenditure (tests/programmes.py), no payments in this variant
    at = open_profile(app, "jury", programm="efre-test", empfaenger="efre-izet", stichtag="2022-12-31")
    assert [h.value for h in at.header] == [markup.text("Innovationszentrum Itzehoe Test GmbH")]
    assert figures(at) == {"Förderfähige Gesamtausgaben": "1.730.000 €", "Ausgezahlt": "0 €",
                           "Geplant bis Stichtag": "0 €"}
    assert light_line(at) == "**Ampel:** :green[● grün] · die dringendste von 2 Projekten, Begründung unten"
    captions = [c.value for c in at.caption]
    assert de("pg.no_plan") in captions and de("pf.no_milestones") in captions
    assert de("pg.no_reports") in captions and de("pf.jury.none") in captions
    assert not at.warning
    text = markdown(at)
    assert "Wasserstoff\\-Testfeld Itzehoe" in text and "Transferstelle Westküste" in text


def test_the_attention_list_of_the_uebersicht_links_to_the_profiles(app):
    # on 30.06.2021 Kiel (red) and Flensburg (amber) need a decision
    at = app(role="leitung", stichtag=STICHTAG)
    text = markdown(at)
    assert "[Profil](profil?empfaenger=kiel&programm=dmk-sh&stichtag=2021-06-30&lang=de)" in text
    assert "[Profil](profil?empfaenger=flensburg&programm=dmk-sh&stichtag=2021-06-30&lang=de)" in text


def test_a_long_light_is_written_in_full_under_the_amounts(app):
    # Kiel on the last data day: final payment 20.10.2022, 59.500 € of 85.000 € lapsed (data/demo/payment.csv)
    at = open_profile(app, "leitung", empfaenger="kiel")
    assert light_line(at) == "**Ampel:** :violet[◆ abgeschlossen, Mittel verfallen] · Begründung unten"
