"""The code and its catalogues agree: named queries exist and are used, texts exist in both languages."""

import re
from pathlib import Path

from monitor import i18n, queries
from tests.conftest import ROOT

APP_CODE = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "monitor").glob("*.py"))]
# a named query is used when run, or offered whole as a download (monitor/downloads.py)
RUN_CALL = re.compile(r"""\b(?:(?:q|queries)\.run(?:_uncached)?|downloads\.buttons)\(\s*["']([a-z0-9_]+)["']""")
TEXT_CALL = re.compile(r"""\bt\(\s*["']([A-Za-z0-9_.]+)["']""")


def source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def named_queries() -> dict[str, list[str]]:
    used: dict[str, list[str]] = {}
    for path in APP_CODE:
        for name in RUN_CALL.findall(source(path)):
            used.setdefault(name, []).append(path.name)
    return used


def test_every_query_a_page_names_exists():
    missing = {name: files for name, files in named_queries().items() if name not in queries.names()}
    assert missing == {}


def test_every_query_file_is_used():
    unused = set(queries.names()) - set(named_queries())
    assert unused == set()


def test_pages_contain_no_sql():
    sql = re.compile(r"""["']\s*(select|insert|update|delete|create|with)\s""", re.IGNORECASE)
    offenders = [p.name for p in (ROOT / "pages").glob("*.py") if sql.search(source(p))]
    assert offenders == []


def test_queries_bind_parameters_never_format_them():
    for name in queries.names():
        text = queries.sql_text(name)
        assert "{" not in text.replace("{'", "").replace("'}", ""), f"{name}: placeholder braces in SQL"


def test_every_text_key_used_in_code_exists():
    catalogue = i18n.catalogue()
    missing = sorted({(p.name, key) for p in APP_CODE for key in TEXT_CALL.findall(source(p)) if key not in catalogue})
    assert missing == []


def test_catalogue_has_german_and_english_for_every_key():
    for key, entry in i18n.catalogue().items():
        assert entry["de"].strip() and entry["en"].strip(), key


def test_placeholders_agree_between_languages():
    field = re.compile(r"{(\w+)}")
    for key, entry in i18n.catalogue().items():
        assert set(field.findall(entry["de"])) == set(field.findall(entry["en"])), key
