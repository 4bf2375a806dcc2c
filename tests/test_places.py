"""Placing a postcode and/or place name in its Kreis (monitor/places.py), all of Germany, values checked by hand
against data/geo/postcodes_de.csv and regions_de.csv."""

import pytest

from monitor import places
from monitor.places import locate


@pytest.mark.parametrize("location, postcode, place, kreis_id, how", [
    ("24103 Kiel", None, None, "01002", "postcode"),
    ("D-24103 Kiel", None, None, "01002", "postcode"),
    ("24103", None, None, "01002", "postcode"),
    ("Kiel 24103", None, None, "01002", "postcode"),
    (None, 1067, None, "14612", "postcode"),            # Dresden 01067, the leading zero lost as a number
    (None, 1067.0, "Dresden", "14612", "postcode"),     # as Excel hands it over
    (None, "01067", "Dresden", "14612", "postcode"),
    (None, "21465", "Reinbek", "01062", "postcode+place"),
    (None, "21465", "Wentorf bei Hamburg", "01053", "postcode+place"),
    ("21465 Wentorf", None, None, "01053", "postcode+place"),
    ("24109 Kiel", None, None, "01002", "postcode+place"),   # GeoNames had 01058; re-keyed by build_geo.py
    ("99817 Eisenach", None, None, "16063", "postcode"),      # Eisenach is in the Wartburgkreis since 2021
    ("Kiel", None, None, "01002", "place"),
    ("Landeshauptstadt Kiel", None, None, "01002", "place"),
    ("Kiel, Landeshauptstadt", None, None, "01002", "place"),
    ("Hansestadt Lübeck", None, None, "01003", "place"),
    ("Lübeck, Hansestadt", None, None, "01003", "place"),
    ("Luebeck", None, None, "01003", "place"),
    ("LÜBECK", None, None, "01003", "place"),
    (None, None, "  lübeck  ", "01003", "place"),
    ("Frankfurt am Main", None, None, "06412", "place"),
    ("Frankfurt a. M.", None, None, "06412", "place"),
    ("Frankfurt a.M.", None, None, "06412", "place"),
    ("Frankfurt (Oder)", None, None, "12053", "place"),
    ("Halle (Saale)", None, None, "15002", "place"),
    ("St. Peter-Ording", None, None, "01054", "place"),
    ("Sankt Peter-Ording", None, None, "01054", "place"),
    ("  sankt   PETER-ording ", None, None, "01054", "place"),
    ("München", None, None, "09162", "place"),
    ("Freie und Hansestadt Hamburg", None, None, "02000", "place"),
    ("Berlin", None, None, "11000", "place"),
    ("Göttingen", None, None, "03159", "place"),
    ("Neustadt a. d. Weinstraße", None, None, "07316", "place"),
    ("99999 Kiel", None, None, "01002", "place"),        # unknown postcode: the place decides
    ("Kreis Dithmarschen", None, None, "01051", "kreis"),
    ("Landkreis Göttingen", None, None, "03159", "kreis"),
    ("Rendsburg-Eckernförde", None, None, "01058", "kreis"),
    ("Landkreis München", None, None, "09184", "kreis"),
    ("Unstrut-Hainich-Kreis", None, None, "16064", "kreis"),
    ("Region Hannover", None, None, "03241", "kreis"),
])
def test_placed(location, postcode, place, kreis_id, how):
    placed = locate(location, postcode=postcode, place=place)
    assert (placed.kreis_id, placed.land_id, placed.how, placed.reason) == (kreis_id, kreis_id[:2], how, None)
    assert placed.placed and 47 < placed.lat < 56 and 5 < placed.lon < 16


def test_coordinates_of_a_postcode_and_of_a_place():
    # 24103 has one row (Kiel 54.3205, 10.1327); 21465 Reinbek one row (53.517, 10.2488)
    assert (locate("24103 Kiel").lat, locate("24103 Kiel").lon) == (54.3205, 10.1327)
    reinbek = locate(postcode="21465", place="Reinbek")
    assert (reinbek.lat, reinbek.lon, reinbek.postcode, reinbek.place) == (53.517, 10.2488, "21465", "Reinbek")


@pytest.mark.parametrize("location, candidates", [
    ("21465", ("01053", "01062")),                              # the postcode spans two Kreise, no place
    ("Mühlhausen", ("08117", "08226", "08335", "09373", "09572", "16064")),
    ("Frankfurt", ("06412", "12053")),
    ("Halle", ("03255", "03456", "05754", "15002")),
])
def test_ambiguous(location, candidates):
    placed = locate(location)
    assert (placed.kreis_id, placed.reason, placed.candidates) == (None, "ambiguous", candidates)


def test_neustadt_is_ambiguous_across_germany():
    placed = locate(place="Neustadt")
    assert placed.reason == "ambiguous" and placed.kreis_id is None
    # among them Neustadt in Holstein, an der Weinstraße, am Rübenberge, an der Orla
    assert {"01055", "07316", "03241", "16075"} <= set(placed.candidates)
    assert len(placed.candidates) == 19


@pytest.mark.parametrize("kwargs, reason", [
    ({"location": "Blablabla"}, "unknown"),
    ({"postcode": "99999"}, "unknown"),
    ({"location": ""}, "empty"),
    ({}, "empty"),
    ({"postcode": float("nan"), "place": None}, "empty"),
    ({"location": "Wien", "country": "AT"}, "abroad"),
    ({"location": "1010 Wien", "country": "Österreich"}, "abroad"),
    ({"location": "A-1010 Wien"}, "abroad"),
])
def test_not_placed(kwargs, reason):
    placed = locate(**kwargs)
    assert (placed.kreis_id, placed.land_id, placed.how, placed.reason) == (None, None, None, reason)


def test_germany_as_country_changes_nothing():
    assert locate("Kiel", country="Deutschland").kreis_id == "01002"
    assert locate("24103 Kiel", country="DE").kreis_id == "01002"


def test_region_rows_match_the_region_table():
    regions = places.region_rows()
    assert list(regions.columns) == ["region_id", "name", "kind", "kreis_id", "nuts3", "area_km2", "population",
                                     "population_date", "lat", "lon", "is_illustrative", "source"]
    assert len(regions) == 416
    assert regions["kind"].value_counts().to_dict() == {"kreis": 294, "kreisfreie_stadt": 106, "land": 16}
    kiel = regions.set_index("region_id").loc["01002"]
    assert (kiel["name"], kiel["kind"], kiel["nuts3"], kiel["is_illustrative"]) == ("Kiel", "kreisfreie_stadt",
                                                                                    "DEF02", False)
    assert regions["lat"].between(47, 56).all() and regions["lon"].between(5, 16).all()


def test_kreis_name():
    assert places.kreis_name("01058") == "Rendsburg-Eckernförde"
    assert places.kreis_name("09") == "Bayern"
    assert places.kreis_name("16056") is None     # Eisenach is no longer a Kreis
    assert places.kreis_name(None) is None
