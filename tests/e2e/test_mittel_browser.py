"""Mittel je Kommune in a real browser: the map and the bars are drawn, hover is German, nothing leaves localhost."""

# the plotly graph divs of the page, what plotly holds for them, and what the map library actually drew
DRAWN = """() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')].map(gd => {
  const out = {types: gd._fullData.map(t => t.type)};
  const sub = gd._fullLayout.map && gd._fullLayout.map._subplot;
  if (sub) {
    const map = sub.map;
    const ids = suffix => map.getStyle().layers.filter(l => l.id.endsWith(suffix)).map(l => l.id);
    const rendered = layer => map.queryRenderedFeatures({layers: [layer]});
    out.kreise = [...new Set(ids('-fill').flatMap(rendered).map(f => f.id))].length;
    out.markers = ids('-circle').map(layer => rendered(layer).length);
    out.style = map.getStyle().layers.map(l => l.type);
    const canvas = gd.querySelector('canvas.maplibregl-canvas');
    out.canvas = canvas ? [canvas.width, canvas.height] : null;
  } else {
    out.bars = gd.querySelectorAll('.barlayer .point path').length;
    out.labels = [...gd.querySelectorAll('.yaxislayer-above .ytick text')].map(t => t.textContent);
  }
  return out;
})"""

KIRCHBARKAU = (10.1424, 54.2115)


def test_map_and_bars_are_drawn_offline(app_page):
    page = app_page.open("mittel?stichtag=2021-06-30")
    assert app_page.exceptions() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Mittel je Kommune" in text
    # the page's own figures below the map, none repeating the Übersicht's totals
    assert "in 8 von 15 Kreisen · ohne Mittel: 7" in text and "von 85.000 € bis 100.000 €" in text
    assert "1,11 € je Einwohner" in text                # Flensburg, most per inhabitant
    assert "GeoBasis-DE / BKG" in text                  # the boundaries' attribution
    page.wait_for_selector("canvas.maplibregl-canvas", timeout=30_000)
    page.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot');"
        " return gd && gd._fullLayout.map && gd._fullLayout.map._subplot.map.loaded(); }", timeout=30_000)
    map_chart, bar_chart = page.evaluate(DRAWN)

    assert map_chart["types"] == ["choroplethmap", "scattermap", "scattermap"]
    assert map_chart["kreise"] == 15                    # every Kreis drawn, those without grants too
    assert map_chart["markers"] == [9, 18]              # recipients, members and partners of cooperations
    assert "raster" not in map_chart["style"]           # no tiles
    assert map_chart["canvas"][0] > 300 and map_chart["canvas"][1] > 300

    assert bar_chart["types"] == ["bar", "bar", "bar"]
    assert bar_chart["bars"] == 27                      # granted, planned, paid for 9 recipients
    assert "Gemeinde Kirchbarkau" in bar_chart["labels"]

    # the app scrolls inside its main block: a tall viewport gets the whole page into the picture
    page.set_viewport_size({"width": 1366, "height": 4000})
    app_page.settle()
    app_page.screenshot("mittel")
    assert app_page.external == []


def test_hover_on_a_recipient_shows_german_figures(app_page):
    page = app_page.open("mittel?stichtag=2021-06-30")
    page.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot');"
        " return gd && gd._fullLayout.map && gd._fullLayout.map._subplot.map.loaded(); }", timeout=30_000)
    graph = page.locator(".js-plotly-plot").first
    graph.scroll_into_view_if_needed()
    # where Kirchbarkau's marker sits on screen, from the map's own projection
    x, y = page.evaluate(
        """([lon, lat]) => { const gd = document.querySelector('.js-plotly-plot');
             const map = gd._fullLayout.map._subplot.map; const p = map.project([lon, lat]);
             const box = map.getCanvas().getBoundingClientRect(); return [box.left + p.x, box.top + p.y]; }""",
        list(KIRCHBARKAU))
    page.mouse.move(x, y)
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
    hover = page.locator(".hoverlayer .hovertext").first.text_content()
    assert "Gemeinde Kirchbarkau" in hover
    assert "Bewilligt: 99.800 €" in hover
    assert "Ausgezahlt: 39.920 € (40 %)" in hover
    assert app_page.external == []


def test_switches_redraw_map_and_bars(app_page):
    page = app_page.open("mittel?stichtag=2023-03-31")
    page.locator("button", has=page.get_by_text("Bewilligt je Einwohner", exact=True)).first.click()
    app_page.settle()
    page.locator("button", has=page.get_by_text("Euro je Einwohner", exact=True)).first.click()
    app_page.settle()
    assert app_page.exceptions() == 0
    titles = page.locator(".js-plotly-plot .gtitle").all_text_contents()
    assert titles[0] == "Bewilligt je Einwohner je Kreis am 31.03.2023"
    bar_texts = page.locator(".js-plotly-plot").nth(1).locator(".barlayer text").all_text_contents()
    assert "127,62 €" in bar_texts                      # Kirchbarkau: 99.800 € for 782 inhabitants
    assert app_page.external == []


def test_a_recipients_label_on_the_map_opens_its_profile(app_page):
    # issue 16: the recipients' labels are links (monitor/maps.py) to the profile on the same programme, Stichtag and
    # language, opened in the same tab
    page = app_page.open("mittel?stichtag=2021-06-30")
    assert app_page.exceptions() == 0
    page.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot');"
        " return gd && gd._fullLayout.map && gd._fullLayout.map._subplot.map.loaded(); }", timeout=30_000)
    label = page.locator(".js-plotly-plot .annotation-text a", has_text="Landeshauptstadt Kiel").first
    assert label.get_attribute("target") == "_self"
    label.scroll_into_view_if_needed()
    pages_before = len(page.context.pages)
    # a click where the reader sees the name (Plotly makes the label's whole box a link to the same address)
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/profil?*", timeout=30_000)
    app_page.settle()
    assert len(page.context.pages) == pages_before      # the same tab, no new one
    for part in ("empfaenger=kiel", "programm=dmk-sh", "stichtag=2021-06-30", "lang=de"):
        assert part in page.url, page.url
    # the profile's title, then the recipient's name as its first heading
    assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "Profil"
    assert page.locator('[data-testid="stMain"] h2').first.inner_text() == "Landeshauptstadt Kiel"
    assert "85.000 €" in page.locator('[data-testid="stMain"]').inner_text()      # DM-04's grant
    assert app_page.exceptions() == 0
    assert app_page.external == []
