"""Profil in a real browser: the link in Mittel's table of recipients opens the recipient's profile, whose address
keeps recipient, programme and Stichtag, so the same link in a fresh tab shows the same figures; nothing leaves
localhost.

Kiel on 30.06.2021 (data/demo/*.csv): 85.000 € granted (DM-04), 17.000 € paid (Z-0007), 34.000 € planned by then;
red, since the milestone "Anforderungsanalyse Datenplattform" planned 31.03.2021 is 91 days overdue (limit 90).
"""

from tests.e2e.conftest import AppPage

PROFILE = "profil?empfaenger=kiel&programm=dmk-sh&stichtag=2021-06-30&lang=de"
FIGURES = ("Landeshauptstadt Kiel", "85.000 €", "17.000 €", "34.000 €", "■ rot",
           "Meilenstein „Anforderungsanalyse Datenplattform“ seit 91 Tagen überfällig")
# the style of every element inside a table: the data grid sets the cursor to a pointer over a link
CURSORS = "g => [...g.querySelectorAll('*')].map(e => e.style.cursor).join(',')"
ROW_PX = 35   # the grid's header and row height (monitor/tables.py)

# the map: plotly's data and what the map library drew (no tile or raster layer)
MAP = """() => { const gd = [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')]
  .find(g => g._fullLayout.map);
  const map = gd._fullLayout.map._subplot.map;
  return {types: gd._fullData.map(t => t.type), layers: map.getStyle().layers.map(l => l.type),
          loaded: map.loaded()}; }"""


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _check_profile(app_page: AppPage) -> None:
    page = app_page.page
    assert app_page.exceptions() == 0
    text = _main_text(page)
    for figure in FIGURES:
        assert figure in text, figure
    assert "Bewertung der Jury (vertraulich)" in text        # local mode is admin
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(g => g._fullLayout.map"
        " && g._fullLayout.map._subplot.map.loaded())", timeout=30_000)
    drawn = page.evaluate(MAP)
    assert drawn["types"] == ["choroplethmap", "scattermap"]   # Kiel has no members: its Kreise and itself
    assert "raster" not in drawn["layers"]


def test_the_link_in_mittel_opens_the_profile(app_page, tab, server):
    page = app_page.open("mittel?stichtag=2021-06-30")
    assert app_page.exceptions() == 0
    grid = page.locator('[data-testid="stDataFrame"]', has=page.locator("th", has_text="Profil")).first
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    row = grid.locator("tr", has=page.locator("td", has_text="Landeshauptstadt Kiel"))
    # the grid's accessible copy holds each link's address
    assert row.locator('td[aria-colindex="2"]').inner_text() == PROFILE

    # the grid draws on a canvas: move along Kiel's row until the pointer shows the link, then click it
    canvas = grid.locator("canvas").first.bounding_box()
    y = canvas["y"] + ROW_PX * (int(row.get_attribute("aria-rowindex")) - 1) + ROW_PX / 2
    link_x = None
    for x in range(int(canvas["x"]) + 4, int(canvas["x"] + canvas["width"]), 8):
        page.mouse.move(x, y)
        page.wait_for_timeout(40)
        if "pointer" in grid.evaluate(CURSORS):
            link_x = x + 4
            break
    assert link_x is not None, "no link in Kiel's row"
    with page.context.expect_page(timeout=20_000) as opened:
        page.mouse.click(link_x, y)
    profile = AppPage(opened.value, server)
    profile.settle()
    url = profile.page.url
    assert url.startswith(f"{server}/profil?")
    for part in ("empfaenger=kiel", "programm=dmk-sh", "stichtag=2021-06-30", "lang=de"):
        assert part in url, url
    _check_profile(profile)
    profile.page.set_viewport_size({"width": 1366, "height": 5200})
    profile.settle()
    profile.screenshot("profil_kiel")

    # the address is the view: a fresh tab on it shows the same profile
    shared = tab(server)
    shared.open(url.removeprefix(f"{server}/"))
    _check_profile(shared)
    assert app_page.external == [] and profile.external == [] and shared.external == []
