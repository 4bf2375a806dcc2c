"""Kreis maps for any Land (monitor/maps.py) and the geodata behind them (data/geo/)."""

import json

import pandas as pd
import pytest

from monitor import maps
from monitor.i18n import t

GEO = maps.GEOJSON_FILE.parent


@pytest.mark.parametrize("land_id, count", [
    ("01", 15), ("02", 1), ("03", 45), ("04", 2), ("05", 53), ("06", 26), ("07", 36), ("08", 44),
    ("09", 96), ("10", 6), ("11", 1), ("12", 18), ("13", 8), ("14", 13), ("15", 14), ("16", 22), (None, 400),
])
def test_kreise_per_land(land_id, count):
    features = maps.kreise_geojson(land_id)["features"]
    assert len(features) == count
    assert all(f["id"] == f["properties"]["ags"] for f in features)
    if land_id:
        assert {f["properties"]["land"] for f in features} == {land_id}


def test_land_id_as_stored():
    # a programme row may hold the Land as text, a number, None or NaN (federal)
    assert maps.kreise_geojson(1) is maps.kreise_geojson("01")
    assert maps.kreise_geojson(float("nan")) is maps.kreise_geojson(None)
    assert maps.kreis_ids("16")[:3] == ["16051", "16052", "16053"] and "16056" not in maps.kreis_ids("16")


def test_attribution_in_the_geojson_and_the_readmes():
    geojson = json.loads(maps.GEOJSON_FILE.read_text(encoding="utf-8"))
    assert geojson["attribution"].startswith("© GeoBasis-DE / BKG (VG250")
    assert "dl-de/by-2-0" in geojson["license"]
    for readme in (GEO / "README.md", GEO.parent / "README.md"):
        text = readme.read_text(encoding="utf-8")
        assert "GeoNames (CC BY 4.0)" in text and "© GeoBasis-DE / BKG" in text
    assert t("places.attribution") == ("Kreisgrenzen: © GeoBasis-DE / BKG (VG250, dl-de/by-2-0) · "
                                       "Postleitzahlen: GeoNames (CC BY 4.0)")


def test_every_postcode_kreis_and_region_is_on_the_map():
    ags = set(maps.kreis_ids())
    postcodes = pd.read_csv(GEO / "postcodes_de.csv", dtype=str)
    assert set(postcodes["kreis_id"]) == ags
    assert len(postcodes) == 16_477 and postcodes["postcode"].nunique() == 8_309
    assert postcodes["postcode"].str.fullmatch(r"\d{5}").all()
    regions = pd.read_csv(GEO / "regions_de.csv", dtype=str)
    assert set(regions.loc[regions["kind"] != "land", "region_id"]) == ags


def test_geojson_is_small():
    assert maps.GEOJSON_FILE.stat().st_size < 1_500_000


def test_view_fits_the_land():
    # Schleswig-Holstein: 7.88391–11.31266 °E, 53.36393–55.03569 °N (Helgoland to Fehmarn, Elbe to Flensburg)
    assert maps.bounds("01") == (7.88391, 53.36393, 11.31266, 55.03569)
    assert maps.view("01") == {"center": {"lat": 54.2083, "lon": 9.5983}, "zoom": 6.87}
    assert maps.view("09") == {"center": {"lat": 48.9443, "lon": 11.407}, "zoom": 6.09}
    assert maps.view(None) == {"center": {"lat": 51.317, "lon": 10.4583}, "zoom": 4.79}


def test_outside_land():
    ids = ["01002", "02000", None, "01058", "09162", "02000"]
    assert maps.outside_land(ids, "01") == ["02000", None, "09162", "02000"]
    assert maps.outside_land(ids, None) == [None]


def test_kreis_layer_draws_the_whole_land_and_only_the_land():
    layer = maps.kreis_layer(["01002", "02000"], [100.0, 50.0], ["Kiel", "Hamburg"], "Bewilligt", ",.0f", "01")
    assert len(layer.locations) == 15 and "02000" not in layer.locations
    assert (layer.locations[0], layer.z[0], layer.zmax) == ("01002", 100.0, 100.0)
    assert dict(zip(layer.locations, layer.text))["01058"] == "<b>Rendsburg-Eckernförde</b>"
    assert len(layer.geojson["features"]) == 15


def test_land_map_has_no_tiles_and_the_lands_view():
    fig = maps.land_map([maps.kreis_layer([], [], [], "", ",.0f", "09")], "Bayern", "de", land_id="09")
    assert fig.layout.map.style == "white-bg"
    assert (fig.layout.map.center.lat, fig.layout.map.center.lon, fig.layout.map.zoom) == (48.9443, 11.407, 6.09)
    assert len(fig.data[0].locations) == 96


def test_every_map_names_the_licences_of_its_data():
    fig = maps.land_map([], "Titel", "de", land_id="01")
    assert [a.text for a in fig.layout.annotations] == [
        "Kreisgrenzen: © GeoBasis-DE / BKG (VG250, dl-de/by-2-0) · Postleitzahlen: GeoNames (CC BY 4.0)"]
