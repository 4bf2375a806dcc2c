"""Accessibility without a browser: the colours the app sets pass WCAG 2.1 AA, chart text is made readable, and the
accessibility statement is a page for every role with one h1 and h2 sections (the browser test: tests/e2e)."""

import tomllib
from pathlib import Path

import plotly.graph_objects as go
import pytest

from monitor import a11y, charts, navigation
from monitor.auth import ROLES

ROOT = Path(__file__).resolve().parents[1]


def test_contrast_is_computed_as_wcag_defines_it():
    assert round(charts.contrast("#000000", "#ffffff"), 2) == 21.0
    assert round(charts.contrast("#767676", "#ffffff"), 2) == 4.54   # the usual AA threshold grey
    assert round(charts.contrast("#0072B2", "#ffffff"), 2) == 5.19


@pytest.mark.parametrize("colour, minimum", [
    (a11y.CAPTION_COLOUR, 4.5), (a11y.CODE_COLOUR, 4.5), (charts.TEXT_COLOUR, 4.5), (a11y.FOCUS_COLOUR, 3.0),
])
def test_text_and_focus_colours_pass_on_white_and_on_the_sidebar(colour, minimum):
    for background in ("#ffffff", "#f0f2f6", "#f8f8f7"):
        assert charts.contrast(colour, background) >= minimum, (colour, background)


def test_the_theme_accent_passes_on_white_and_on_its_own_tint():
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    accent = theme["primaryColor"]
    assert accent == "#00609A"
    assert round(charts.contrast(accent, "#ffffff"), 2) == 6.69
    # a selected option: the accent on white with 12.5 % of the accent laid over it (#dfebf2)
    assert round(charts.contrast(accent, "#dfebf2"), 2) == 5.51
    assert theme["headingFontSizes"][1] == "1.75rem"   # h2 as large as Streamlit's h3 was


def test_every_palette_colour_carries_a_label_that_passes():
    for colour in [*charts.PALETTE, *charts.LIGHT_COLOURS.values()]:
        label = charts.label_colour(colour)
        assert charts.contrast(label, colour) >= 4.5, (colour, label)
    assert charts.label_colour("#0072B2") == "#ffffff"
    assert charts.label_colour("#E69F00") == "#000000"
    assert charts.label_colour("rgba(0,0,0,0.5)") is None


def test_readable_darkens_chart_text_and_picks_label_colours_without_touching_the_original():
    fig = go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h", text=["1", "2"],
                           marker_color=["#009E73", "#0072B2"]))
    fig.add_trace(go.Heatmap(z=[[1, 2]], colorbar={"title": {"text": "€"}}))
    shown = charts.readable(fig)
    assert shown.data[0].insidetextfont.color == ("#000000", "#ffffff")
    assert shown.layout.xaxis.tickfont.color == charts.TEXT_COLOUR
    assert shown.layout.legend.font.color == charts.TEXT_COLOUR
    assert shown.data[1].colorbar.tickfont.color == charts.TEXT_COLOUR
    assert fig.data[0].insidetextfont.color is None   # cached figures are shared: the original stays as it was


def test_the_statement_is_registered_for_every_role():
    for role in ROLES:
        assert "barrierefreiheit" in [spec.url_path for spec in navigation.pages_for(role)], role


@pytest.mark.parametrize("lang, title, first_section", [
    ("de", "Erklärung zur Barrierefreiheit", "Stand der Vereinbarkeit"),
    ("en", "Accessibility statement", "Compliance status"),
])
def test_the_statement_page_has_one_title_and_sections(app, lang, title, first_section):
    at = app(role="leitung", page="pages/barrierefreiheit.py", lang=lang)
    assert not at.exception
    assert [h.value for h in at.title] == [title]
    assert [h.value for h in at.header][0] == first_section
    assert len(at.header) == 6
    text = " ".join(m.value for m in at.markdown)
    assert "fpdf2 2.8" in text          # the briefing PDF is not tagged, and the statement says so
    assert ("teilweise barrierefrei" if lang == "de" else "partially accessible") in text


def test_every_chart_colour_passes_three_to_one_on_white_and_stays_apart():
    # WCAG 1.4.11: graphical objects 3:1; Okabe-Ito's orange (2.25:1), sky blue (2.31:1), yellow (1.32:1) and
    # the grey #999999 (2.85:1) do not, their darker variants do
    for colour in [*charts.PALETTE, *charts.LIGHT_COLOURS.values(), charts.GREY]:
        assert charts.contrast(colour, "#ffffff") >= 3.0, colour
    assert charts.PALETTE[1:7:3] == ["#B87F00", "#1C93D7"]
    assert charts.PALETTE[6] == "#978E0C"
    assert charts.LIGHT_COLOURS["not_started"] == "#767676"
    assert len(set(charts.PALETTE)) == 8


def test_a_description_rides_on_the_drawn_copy_only():
    fig = go.Figure(go.Bar(x=[1], y=["a"]))
    described = charts.describe(fig, "Kiel erhielt am meisten.")
    assert charts.description(described) == "Kiel erhielt am meisten."
    assert charts.description(fig) is None


def _descriptions(at) -> list[str]:
    import json

    metas = [json.loads(chart.proto.spec).get("layout", {}).get("meta") for chart in at.get("plotly_chart")]
    return [meta["description"] for meta in metas if isinstance(meta, dict) and meta.get("description")]


def test_the_overview_and_profile_charts_say_their_message(app):
    # data/demo on 30.06.2021: 35 % of the term, 397.920 of 872.300 € planned, 330.920 € paid, 7 of 30 milestones
    assert _descriptions(app(role="leitung", page="pages/uebersicht.py", stichtag="2021-06-30")) == [
        "Nach 35 % der Laufzeit sind 46 % der Mittel bis zum Stichtag geplant, 38 % ausgezahlt und 23 % der "
        "Meilensteine erledigt."]
    assert _descriptions(app(role="leitung", page="pages/profil.py", empfaenger="kiel", stichtag="2021-06-30")) == [
        "Die Ampel an jedem Monatsende bis zum 30.06.2021, eine Zeile je Projekt von Landeshauptstadt Kiel; die "
        "Tabelle darunter nennt jede.",
        "Geplant und ausgezahlt über die Laufzeit: Landeshauptstadt Kiel hat bis zum 30.06.2021 17.000 € von "
        "85.000 € erhalten."]
