"""Nothing injected: a payload corpus in every user-text column of every table, every page run for the admin, and
no payload becomes a link, image, heading, colour directive or Plotly tag anywhere."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from monitor import db, markup, navigation

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"

PAYLOADS = [
    "![p](http://evil.example/b.png)",
    "[x](javascript:alert(1))",
    "http://evil.example",
    "<img src=x onerror=alert(1)>",
    "<b>BOLD</b>",
    '<a href="http://evil.example/a">klick</a>',
    ":red[ALARM]",
    ":material/warning:",
    "# H",
    "Titel\n# H\n",
    "| a | b |\n|---|---|\n| c | d |",
    "<script>alert(1)</script>",
    "Z" * 5000,
]
# every column that holds text a person typed (titles, names, notes, labels, sources); ids and coded values not
TEXT_COLUMNS = {
    "programme": ["name_de", "name_en", "funder", "source"],
    "goal": ["label_de", "label_en", "source"],
    "region": ["name", "source"],
    "applicant": ["name", "source"],
    "applicant_member": ["source"],
    "application": ["title", "dropout_reason", "source"],
    "criterion": ["label_de", "label_en"],
    "juror": ["institution", "short_name", "source"],
    "project": ["title", "source"],
    "project_theme": ["theme", "source"],
    "payment": ["note"],
    "milestone": ["title", "source"],
    "progress_report": ["summary"],
    "indicator": ["label_de", "label_en", "unit_de", "unit_en"],
    "indicator_value": ["source"],
    "indicator_target": ["source"],
}
# markers of a payload that took effect in Markdown (an unescaped construct)
MARKDOWN_LEAKS = [re.compile(p, re.MULTILINE) for p in (
    r"(?<!\\)\]\(", r"(?<!\\)<img", r"(?<!\\)<a ", r"(?<!\\)<b>BOLD", r"(?<!\\):red\[ALARM",
    r"(?<!\\):material/warning:",
    r"^\s*#", r"(?<!\\)http://evil", r"^\|.*\|$", r"(?<!\\)<script",
)]
OWN_LINK = re.compile(r"\[(Profil|Profile)\]\(profil\?[A-Za-z0-9_.%=&+-]*\)")
# a payload that would be a tag in Plotly's text
PLOTLY_LEAKS = ["<img src=x", '<a href="http://evil', "<b>BOLD", "<script"]
MARKDOWN_ELEMENTS = ("markdown", "caption", "info", "warning", "success", "error", "subheader", "title", "header",
                     "exception")


def poisoned_sources(target: Path) -> int:
    """The demo CSVs with a payload in every text cell (row i gets payload i mod n); returns the cells written."""
    shutil.copytree(DEMO, target)
    written = 0
    for table, columns in TEXT_COLUMNS.items():
        path = target / f"{table}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in columns:
            # rows stay distinct (themes are part of a key): the payload plus the row number
            # an empty optional cell (a drop-out reason of a selected application) stays empty
            frame[column] = [f"{PAYLOADS[(i + columns.index(column)) % len(PAYLOADS)]} {i}" if old else ""
                             for i, old in enumerate(frame[column])]
            written += int((frame[column] != "").sum())
        frame.to_csv(path, index=False)
    return written


@pytest.fixture(scope="module")
def poisoned_db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("poisoned")
    poisoned_sources(root / "csv")
    path = root / "monitor.duckdb"
    db.build(path, root / "csv", replay=False)
    return path


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def markdown_values(at) -> list[str]:
    """Every text the page hands to Streamlit's Markdown: elements, metric labels and values, expander labels."""
    values = []
    for node in _nodes(at._tree):
        kind = getattr(node, "type", None)
        if kind in MARKDOWN_ELEMENTS:
            values.append(str(node.value))
        elif kind == "metric":
            values += [node.label, str(node.value), str(node.proto.delta)]
        elif kind == "expander":
            values.append(node.label)
        elif kind == "tab":
            values.append(node.label)
    return values


def figure_texts(at) -> list[str]:
    """What Plotly draws of each chart; the description in layout.meta is not drawn (monitor/a11y.py puts it into an
    element's textContent, where no tag takes effect) and is checked by test_chart_descriptions_are_plain_text."""
    specs = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        meta = spec.get("layout", {}).get("meta")
        if isinstance(meta, dict):
            meta.pop("description", None)
        specs.append(json.dumps(spec, ensure_ascii=False))
    return specs


def chart_descriptions(at) -> list[str]:
    descriptions = []
    for chart in at.get("plotly_chart"):
        meta = json.loads(chart.proto.spec).get("layout", {}).get("meta")
        if isinstance(meta, dict) and meta.get("description"):
            descriptions.append(meta["description"])
    return descriptions


PAGES = [page.file for page in navigation.PAGES]


@pytest.mark.parametrize("page", PAGES)
def test_no_payload_renders_on_any_page(app, poisoned_db, monkeypatch, page):
    monkeypatch.setenv("MONITOR_DB", str(poisoned_db))
    at = app(role="admin", page=page)
    assert not at.exception, [e.message for e in at.exception]
    values = markdown_values(at)
    assert values, "the page shows text"
    # the app's own links to a profile (label from the catalogue, address URL-encoded: monitor/profile.url) are the
    # only Markdown links a page may hold; any other "](" is a payload that took effect
    values = [OWN_LINK.sub("", v) for v in values]
    leaks = [(p.pattern, v[:200]) for v in values for p in MARKDOWN_LEAKS if p.search(v)]
    assert not leaks
    for spec in figure_texts(at):
        assert not [m for m in PLOTLY_LEAKS if m in spec], page


def test_the_corpus_reaches_every_text_column():
    # 13 payloads; the cells written are every row of the 37 text columns of data/demo (empty optional cells stay empty)
    assert len(PAYLOADS) == 13 and sum(len(c) for c in TEXT_COLUMNS.values()) == 34


def test_markup_text_escapes_every_payload():
    for payload in PAYLOADS:
        escaped = markup.text(payload)
        assert "\n" not in escaped
        assert not [p.pattern for p in MARKDOWN_LEAKS if p.search(escaped)], payload


def test_markup_plotly_escapes_tags_once():
    assert markup.plotly("<b>BOLD</b> & <a href='x'>") == "&lt;b&gt;BOLD&lt;/b&gt; &amp; &lt;a href='x'&gt;"
    assert markup.plotly(markup.plotly("A & B <i>")) == "A &amp; B &lt;i&gt;"
    assert markup.plotly(None) == ""




def test_briefing_pdf_prints_the_payloads_as_text(poisoned_db, monkeypatch):
    # fpdf2 reads markup only with markdown=True, which briefing.py never passes: the payloads are printed as
    # written (names in the attention list, milestone titles, indicator labels) and no link annotation exists
    import datetime as dt

    from monitor import briefing
    from tests.test_briefing import context, read

    monkeypatch.setenv("MONITOR_DB", str(poisoned_db))
    reader, text = read(briefing.pdf_bytes(context("2021-06-30"), dt.datetime(2026, 11, 28, 19, 33)))
    assert ("<img src=x onerror=alert(1)> 3: <img src=x onerror=alert(1)> 3 Zuwendung 85.000 € · ausgezahlt 17.000 € "
            "· gefährdet 17.000 € – Meilenstein „Titel # H 9“" in text
            and "30.09.2021 in 92 Tagen :red[ALARM] 6 :material/warning: 20" in text
            and "[x](javascript:alert(1)) 1 0 → 450" in text and "/Annots" not in reader.pages[0])


def test_markup_text_breaks_autolinks():
    # Streamlit's Markdown links a bare URL or e-mail address even when its punctuation is escaped: a word joiner
    # (U+2060, invisible) after "http", "https", "www" and "@" leaves no pattern to link
    assert markup.text("http://evil.example") == "http\u2060\\:\\/\\/evil\\.example"
    assert markup.text("HTTPS://x.de www.kiel.de a@b.de") == \
        "HTTPS\u2060\\:\\/\\/x\\.de www\u2060\\.kiel\\.de a\\@\u2060b\\.de"


def test_chart_descriptions_are_plain_text(app, poisoned_db, monkeypatch):
    # a description is read out by a screen reader as written: payloads stay as they are, never Markdown-escaped
    monkeypatch.setenv("MONITOR_DB", str(poisoned_db))
    descriptions = chart_descriptions(app(role="admin", page="pages/mittel.py"))
    assert descriptions and any("<script>alert(1)</script> 11" in d for d in descriptions)
    assert not [d for d in descriptions if "\\<" in d or "\\(" in d]
