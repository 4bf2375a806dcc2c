"""The Daten page shows what an import does: whom each row concerns, paid and planned money and the light afterwards
(project_state_on with the rows staged), rows after the Stichtag, German dates and the person in the history, and an
undo that says what it removes before it does it.

Worked out from data/demo on the Stichtag 31.10.2021:
- DM-05 Digitale Agenda Flensburg (grant 100.000 €): paid 30.000 € (20.01.2021); planned 40.000 € on 15.11.2020 and
  40.000 € on 30.09.2021, so 80.000 € planned by 31.10.2021, all of it due (grace 30 days: due by 01.10.2021).
  Lag (80.000 − 30.000) / 100.000 = 50 % -> red. With 20.000 € paid on 15.10.2021: 50.000 € paid, lag 30 % -> amber
  (the last report, 29.07.2021, is amber too).
- DM-04 Offene Daten für Kiel (grant 85.000 €): 17.000 € paid (10.02.2021); planned 34.000 € on 15.11.2020 and
  34.000 € on 15.09.2021. A payment of 10.000 € on 15.11.2021 lies after the Stichtag: it shows from its date, when
  27.000 € are paid and 68.000 € planned: lag 48,2 % -> red before and after.
"""

from monitor import consequences

FILE = ("Projekt-ID;Zahlungsdatum;Betrag (EUR);Art;Bemerkung\r\n"
        "DM-05;15.10.2021;20.000,00;Abschlag;\r\n"
        "DM-04;15.11.2021;10.000,00;Abschlag;\r\n").encode("cp1252")

FLENSBURG = ("Zeile 2, DM-05 Stadt Flensburg: danach 50.000,00 € von 100.000 € ausgezahlt, 80.000 € bis dahin "
             "geplant; Ampel wird gelb (bisher rot)")
KIEL = ("Zeile 3, DM-04 Landeshauptstadt Kiel: ab 15.11.2021 27.000,00 € von 85.000 € ausgezahlt, 68.000 € bis dahin "
        "geplant; Ampel bleibt rot")


def texts(at) -> list[str]:
    """What the page says; Markdown escapes (of the data inside our sentences) taken out, as a reader sees it."""
    return [e.value.replace("\\", "") for e in (*at.markdown, *at.success, *at.info, *at.warning, *at.error,
                                                *at.caption)]


def upload(at, data: bytes = FILE, name: str = "zahlungen.csv"):
    at.file_uploader(key="daten_upload_0").set_value((name, data, "text/csv"))
    return at.run()


def test_preview_names_the_recipient_and_the_effect_on_paid_planned_and_light(app, fresh_db):
    at = upload(app(role="datenpflege", page="pages/daten.py", stichtag="2021-10-31"))
    assert not at.exception
    assert "**Wirkung am Stichtag 31.10.2021**" in texts(at)
    assert f"- {FLENSBURG}\n- {KIEL}" in texts(at)
    preview = at.dataframe[0].value
    assert preview.columns.tolist()[:4] == ["Zeile", "Änderung", "Projekt-ID", "Zuwendungsempfänger"]
    assert preview["Zuwendungsempfänger"].tolist() == ["Stadt Flensburg", "Landeshauptstadt Kiel"]
    assert preview["Wirkung"].tolist() == [FLENSBURG.split(": ", 1)[1], KIEL.split(": ", 1)[1]]


def test_rows_after_the_stichtag_are_named_before_and_after_the_commit(app, fresh_db):
    at = upload(app(role="datenpflege", page="pages/daten.py", stichtag="2021-10-31"))
    assert ("1 Zeile liegt nach dem Stichtag 31.10.2021 und erscheint erst ab ihrem Datum (für sie einen späteren "
            "Stichtag wählen).") in texts(at)
    at.button(key="daten_commit").click().run()
    assert not at.exception
    assert at.success[0].value == ("Import Nr. 1 übernommen: 2 Zeilen. Am Stichtag 31.10.2021 zeigen die Seiten 1 "
                                   "davon; 1 liegen danach und erscheinen erst ab ihrem Datum.")
    assert not any("Alle Seiten zeigen ab sofort" in text for text in texts(at))


def test_no_after_note_when_every_row_lies_up_to_the_stichtag(app, fresh_db):
    at = upload(app(role="datenpflege", page="pages/daten.py", stichtag="2021-11-30"))
    assert not [text for text in texts(at) if "nach dem Stichtag" in text]
    # on 30.11.2021 both rows count: Kiel 27.000 € paid, 68.000 € planned by then, red by its lag and milestone
    assert ("- Zeile 2, DM-05 Stadt Flensburg: danach 50.000,00 € von 100.000 € ausgezahlt, 80.000 € bis dahin "
            "geplant; Ampel wird gelb (bisher rot)\n- Zeile 3, DM-04 Landeshauptstadt Kiel: danach 27.000,00 € von "
            "85.000 € ausgezahlt, 68.000 € bis dahin geplant; Ampel bleibt rot") in texts(at)


def test_history_names_the_local_role_and_formats_dates_in_german(app, fresh_db):
    at = upload(app(role="datenpflege", page="pages/daten.py", stichtag="2021-10-31"))
    at.button(key="daten_commit").click().run()
    history = at.dataframe[-1]
    assert history.value["Importiert von"].tolist() == ["datenpflege (lokal)"]
    config = history.proto.columns
    assert '"Importiert am"' in config and '"DD.MM.YYYY HH:mm"' in config
    option = at.selectbox(key="daten_undo_batch")
    assert option.options[0].startswith("Nr. 1: zahlungen.csv (Zahlungen, 2 Zeilen, ")
    assert option.options[0].endswith(", datenpflege (lokal))")


def test_undo_asks_first_and_says_what_it_removes(app, fresh_db):
    at = upload(app(role="datenpflege", page="pages/daten.py", stichtag="2021-10-31"))
    at.button(key="daten_commit").click().run()
    at.run()   # (AppTest drops the next click after a run that ended in st.rerun; a browser does not)
    at.button(key="daten_undo").click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Import Nr. 1 rückgängig machen: entfernt 2 Zeilen aus Zahlungen (30.000 €). Alle Seiten zeigen danach den "
        "Stand ohne diesen Import; die Datei bleibt im Journal und kann erneut importiert werden."]
    assert at.dataframe[-1].value["Stand"].tolist() == ["aktiv"]        # nothing undone yet
    at.button(key="daten_undo_cancel").click().run()
    at.run()
    assert [w.value for w in at.warning] == []
    assert at.dataframe[-1].value["Stand"].tolist() == ["aktiv"]
    at.button(key="daten_undo").click().run()
    at.button(key="daten_undo_confirm").click().run()
    assert at.success[0].value == "Import Nr. 1 rückgängig gemacht: 2 Zeilen zurückgesetzt."
    assert at.dataframe[-1].value["Stand"].tolist() == ["rückgängig gemacht"]
    assert at.dataframe[-1].value["Rückgängig von"].tolist() == ["datenpflege (lokal)"]


def test_a_signed_in_person_is_named_by_name_and_subject():
    from monitor.auth import Identity

    assert consequences.person(Identity("admin", "login", subject="u-17", name="Erika Muster")) == \
        "Erika Muster (u-17)"
    assert consequences.person(Identity("admin", "default")) == "admin (lokal)"
    assert consequences.person(Identity("datenpflege", "MONITOR_ROLE")) == "datenpflege (lokal)"


def test_the_uploader_hint_is_german_and_names_what_the_reader_accepts(app):
    at = app(role="datenpflege", page="pages/daten.py")
    assert ("Datei in das Feld ziehen oder mit „Upload“ auswählen · höchstens 10 MB je Datei · CSV, TSV, TXT, XLSX"
            in texts(at))
    assert ".xlsm" not in list(at.file_uploader(key="daten_upload_0").proto.type)
