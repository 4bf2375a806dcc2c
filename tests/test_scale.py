"""Every page renders whole at 100× the demo (one programme, bench/generate.py), as admin, with its title.

The speed at that size is measured by `make bench`, never asserted here.
"""

import traceback

import pytest
from streamlit.testing.v1 import AppTest

from bench.generate import generate
from monitor import navigation
from monitor.i18n import t
from tests.conftest import ROOT

SCALE = 100
# mid-term: most projects running, the attention list at its longest; and the default (the last data date)
STICHTAGE = ["2021-12-31", None]


def logged_error(caplog) -> str:
    """The exception Streamlit logged for the run: type, message and the app's innermost frame."""
    for record in caplog.records:
        if record.exc_info:
            exc, frames = record.exc_info[1], traceback.extract_tb(record.exc_info[2])
            app_frames = [f for f in frames if str(ROOT) in f.filename and ".venv" not in f.filename]
            last = app_frames[-1] if app_frames else None
            where = f"{last.filename.removeprefix(str(ROOT) + '/')}:{last.lineno}" if last else ""
            return f"{type(exc).__name__}: {str(exc)[:300]} at {where}"
    return "no exception logged"


@pytest.fixture(scope="module")
def scaled_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "monitor.duckdb"
    counts = generate(path, SCALE)
    assert counts["project"] == 900 and counts["application"] == 4200 and counts["score"] == 105_000
    return path


@pytest.mark.parametrize("stichtag", STICHTAGE, ids=["mid-term", "default"])
@pytest.mark.parametrize("page", navigation.PAGES, ids=[p.url_path for p in navigation.PAGES])
def test_page_renders_at_100x(scaled_db, monkeypatch, caplog, page, stichtag):
    monkeypatch.setenv("MONITOR_DB", str(scaled_db))
    monkeypatch.setenv("MONITOR_ROLE", "admin")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    if stichtag:
        at.query_params["stichtag"] = stichtag
    # before the first run a page is found by its file name (= its url_path), so only this page runs
    at.switch_page(page.file).run()
    # the app hides error details from users (.streamlit/config.toml); Streamlit logs them
    assert not at.exception, [logged_error(caplog)] + [e.message for e in at.exception]
    assert [title.value for title in at.title][:1] == [t(page.title_key, lang="de")]
