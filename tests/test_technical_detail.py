"""Technical detail where it belongs: query names ("Quelle: Abfrage `…`"), Parquet and SQL for analyse and admin;
the Leitung (and the jury) download the data as Excel and CSV and see no query names."""

import pytest

# the pages every role shares, with a profile to show (the Barrierefreiheit statement lists the formats in general)
PAGES = ["pages/uebersicht.py", "pages/mittel.py", "pages/ziele.py", "pages/fortschritt.py", "pages/netzwerk.py",
         "pages/profil.py"]


def seen(at) -> tuple[str, set[str]]:
    """All text on the page (markdown, captions, notices) and the labels of its download buttons."""
    text = "\n".join(e.value for e in (*at.markdown, *at.caption, *at.info, *at.warning, *at.success))
    labels = {b.proto.label for b in at.get("download_button")}
    return text, labels


@pytest.mark.parametrize("page", PAGES)
def test_leitung_sees_excel_and_csv_but_no_query_names_or_parquet(app, page):
    at = app(role="leitung", page=page, stichtag="2021-06-30", empfaenger="kiel")
    assert not at.exception
    text, labels = seen(at)
    assert "Abfrage" not in text and "Parquet" not in text
    assert {"CSV herunterladen", "Excel herunterladen"} <= labels
    assert not [label for label in labels if "Parquet" in label]


@pytest.mark.parametrize("page", PAGES)
def test_analyse_sees_query_names_and_parquet(app, page):
    at = app(role="analyse", page=page, stichtag="2021-06-30", empfaenger="kiel")
    assert not at.exception
    text, labels = seen(at)
    assert "Quelle: Abfrage `" in text
    assert "Parquet herunterladen" in labels


@pytest.mark.parametrize("page", [*PAGES, "pages/daten.py", "pages/protokoll.py", "pages/explorer.py"])
def test_a_download_click_does_not_rerun_the_page(app, page):
    # a rerun on click would replace the button's deferred file while the browser fetches it: no download
    at = app(role="admin", page=page, stichtag="2021-06-30", empfaenger="kiel")
    buttons = at.get("download_button")
    assert buttons and [b.proto.label for b in buttons if not b.proto.ignore_rerun] == []


def test_the_overview_names_its_queries_for_analysts_only(app):
    analyse, _ = seen(app(role="analyse", page="pages/uebersicht.py", stichtag="2021-06-30"))
    assert "Quelle: Abfrage `project_status`" in analyse
    leitung, _ = seen(app(role="leitung", page="pages/uebersicht.py", stichtag="2021-06-30"))
    assert "project_status" not in leitung


def test_jury_gets_the_whole_application_list_as_csv_without_parquet(app):
    at = app(role="jury", page="pages/bewerbungen.py", stichtag="2021-06-30")
    assert not at.exception
    text, labels = seen(at)
    assert "Abfrage" not in text
    assert not [label for label in labels if "Parquet" in label]
    admin = app(role="admin", page="pages/bewerbungen.py", stichtag="2021-06-30")
    _, admin_labels = seen(admin)
    assert [label for label in admin_labels if "Parquet" in label]
