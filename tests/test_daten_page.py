"""The Daten page: upload, report by row and column, commit, the Übersicht changes, undo; only for its roles.

Figures from data/demo: paid by 31.03.2023 (the last data date) 792.800 €; DM-05 has 20.000 € of its grant
left, so a 15.000 € payment on 15.03.2023 raises the total to 807.800 €.
"""

import shutil
import tomllib

import pytest

from monitor import navigation
from tests.conftest import ROOT

GOOD = ("Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
        "DM-05;15.03.2023;15.000,00;Schlusszahlung;Schlusszahlung nach Verwendungsnachweis – Flensburg\r\n"
        ).encode("cp1252")
BAD = ("Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
       "DM-05;15.03.2023;15.000,00;Schlusszahlung;\r\n"
       "DM-99;15.03.2023;-5;Abschlag;\r\n").encode("cp1252")


def texts(at) -> str:
    return "\n".join([e.value for e in at.markdown] + [e.value for e in at.success] + [e.value for e in at.info]
                     + [e.value for e in at.error])


def paid_metric(at) -> str:
    return next(m.value for m in at.metric if m.label == "Ausgezahlt")


def upload(at, data: bytes, name: str, round_: int = 0):
    at.file_uploader(key=f"daten_upload_{round_}").set_value((name, data, "text/csv"))
    return at.run()


def test_bad_file_shows_every_error_and_offers_no_commit(app, fresh_db):
    at = app(role="datenpflege", page="pages/daten.py")
    assert not at.exception
    at = upload(at, BAD, "zahlungen.csv")
    assert not at.exception
    assert [m.value for m in at.metric] == ["2", "1", "0", "0", "2"]
    assert at.error[0].value.startswith("2 Fehler gefunden. Solange ein Fehler bleibt, wird nichts geschrieben")
    problems = at.dataframe[0].value          # errors first, then the preview of the valid row
    assert problems.iloc[:, 0].tolist() == [3, 3]
    assert problems.iloc[:, 1].tolist() == ["Projekt-ID", "Betrag (EUR)"]
    assert problems.iloc[:, 2].tolist() == ["DM-99", "-5"]
    assert problems.iloc[0, 3].startswith("Unbekanntes Projekt")
    assert not [b for b in at.button if b.key == "daten_commit"]


def test_upload_preview_then_commit_shows_everywhere_and_undo_takes_it_back(app, fresh_db):
    at = app(role="datenpflege", page="pages/daten.py")
    assert "Noch keine Importe." in texts(at)
    at = upload(at, GOOD, "zahlungen.csv")
    assert [m.value for m in at.metric] == ["1", "1", "0", "0", "0"]
    assert "Keine Fehler: 1 neue und 0 geänderte Zeilen können übernommen werden." in texts(at)
    preview = at.dataframe[0].value
    assert preview.iloc[0].tolist()[:3] == [2, "neu", "DM-05"]
    assert "15.000,00 €" in preview.iloc[0].tolist()
    assert [b.key for b in at.button] == ["daten_commit"]

    at.button(key="daten_commit").click().run()
    assert not at.exception
    assert "Import Nr. 1 übernommen" in texts(at)
    history = at.dataframe[-1].value
    assert history.iloc[0, :4].tolist() == [1, "Zahlungen", "zahlungen.csv", 1]
    assert [b.key for b in at.button] == ["daten_undo"]

    at.switch_page("pages/uebersicht.py").run()
    assert paid_metric(at) == "807.800 €"

    at.switch_page("pages/daten.py").run()
    # first it says what it removes (tests/test_daten_consequences.py)
    at.button(key="daten_undo").click().run()
    at.button(key="daten_undo_confirm").click().run()
    assert "Import Nr. 1 rückgängig gemacht" in texts(at)
    at.switch_page("pages/uebersicht.py").run()
    assert paid_metric(at) == "792.800 €"
    at.switch_page("pages/daten.py").run()
    history = at.dataframe[-1].value
    assert history.iloc[0].tolist()[8] == "rückgängig gemacht"
    assert not [b for b in at.button if b.key == "daten_undo"]


def test_templates_download_for_each_kind(app):
    at = app(role="admin", page="pages/daten.py")
    assert at.segmented_control(key="daten_kind").value == "payments"
    assert any("**Zahlungsdatum**" in m.value for m in at.markdown)
    at.segmented_control(key="daten_kind").set_value("reports").run()
    assert not at.exception
    assert any("Fortschritt (%)" in m.value for m in at.markdown)


@pytest.mark.parametrize("role", ["leitung", "jury", "analyse"])
def test_other_roles_do_not_get_the_page(app, role):
    assert "daten" not in {p.url_path for p in navigation.pages_for(role)}
    at = app(role=role)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/daten.py")


def test_upload_limit_and_types_agree_with_the_server_setting(app):
    with (ROOT / ".streamlit" / "config.toml").open("rb") as fh:
        assert tomllib.load(fh)["server"]["maxUploadSize"] == 10
    at = app(role="datenpflege", page="pages/daten.py")
    uploader = at.file_uploader(key="daten_upload_0")
    assert uploader.proto.max_upload_size_mb == 10               # Streamlit's "Limit 10MB per file"
    assert list(uploader.proto.type) == [".csv", ".tsv", ".txt", ".xlsx"]
    limits = next(c.value for c in at.caption if c.value.startswith("CSV (.csv, .txt, .tsv)"))
    assert limits.endswith("Höchstens 10 MB und 50.000 Zeilen.")


def test_english_labels(app):
    at = app(role="admin", page="pages/daten.py")
    at.segmented_control(key="lang").set_value("en").run()
    assert at.title[0].value == "Data"
    assert at.file_uploader(key="daten_upload_0").label == "Upload a file (CSV or Excel)"


def test_an_import_without_its_file_in_the_journal_is_pointed_out(app, fresh_db):
    from monitor import batches, journal
    from monitor.db import Database

    assert batches.commit(GOOD, "zahlungen.csv", "payments", who="datenpflege").batch_id == 1
    at = app(role="datenpflege", page="pages/daten.py")
    assert [w.value for w in at.warning] == []
    Database.close_all()
    shutil.rmtree(journal.directory(fresh_db))          # as for an import made before the journal existed
    at = app(role="datenpflege", page="pages/daten.py")
    assert [w.value for w in at.warning] == [
        "Import Nr. 1: Die Originaldatei ist nicht im Import-Journal (übernommen, bevor es das Journal gab) und ginge "
        "bei einem Neuaufbau der Datenbank verloren. Bitte den Import rückgängig machen und die Datei erneut "
        "importieren, dann ist sie gesichert."]
