"""Where a recipient is: a postcode and/or place name, as written in a published list, placed in its Kreis (AGS).

Covers all of Germany with data/geo/postcodes_de.csv (Postleitzahlen: GeoNames, CC BY 4.0) and
data/geo/regions_de.csv (Länder and Kreise, © GeoBasis-DE / BKG, VG250); see data/geo/README.md.
The tables are read once per process; a lookup is a few dictionary accesses, and repeated inputs are cached.

Rules, in order:

1. A country other than Germany (the `country` argument, or a prefix such as "A-1010") → not placed, "abroad".
2. A postcode in one Kreis → that Kreis ("postcode"). A postcode spanning several Kreise is decided by the
   place name ("postcode+place": 21465 Reinbek → 01062, 21465 Wentorf bei Hamburg → 01053); without a place
   that decides, not placed, "ambiguous", with the postcode's Kreise as candidates. An unknown postcode falls
   back to the place name.
3. A place name alone ("place"): a kreisfreie Stadt of that name wins (Kiel → 01002, even though small places
   elsewhere share the name, e.g. Münster, Hamm, Fürth); otherwise the GeoNames places of that name and those
   that qualify it ("Neustadt" also means "Neustadt an der Weinstraße", "Neustadt in Holstein" …): one Kreis
   → placed, several → "ambiguous" with candidates.
4. A name that is a Kreis ("Kreis Dithmarschen", "Landkreis Göttingen", "Rendsburg-Eckernförde") → that Kreis
   ("kreis").
5. Otherwise not placed, "unknown".

Names are compared after normalisation: case, umlauts (Lübeck = Luebeck), ß, punctuation and spaces,
"St." = "Sankt", "a. M." = "am Main", "a. d." = "an der", and designations such as "Landeshauptstadt",
"Hansestadt", "Stadt", "Landkreis", "Kreis" before or after the name ("Kiel, Landeshauptstadt").
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd

GEO_DIR = Path(__file__).resolve().parent.parent / "data" / "geo"
POSTCODES_FILE = GEO_DIR / "postcodes_de.csv"
REGIONS_FILE = GEO_DIR / "regions_de.csv"
ATTRIBUTION = "Postleitzahlen: GeoNames (CC BY 4.0); Kreise: © GeoBasis-DE / BKG (VG250)"

GERMANY = {"d", "de", "deu", "deutschland", "germany", "bundesrepublik deutschland", "brd",
           "federal republic of germany", "allemagne"}
# designations written before or after a name; longest first so "freie und hansestadt" goes before "stadt"
CITY_WORDS = sorted([
    "landeshauptstadt", "hansestadt", "freie und hansestadt", "freie hansestadt", "hanse und universitaetsstadt",
    "kreisfreie stadt", "stadt", "universitaetsstadt", "grosse kreisstadt", "kreisstadt", "stadtkreis",
    "wissenschaftsstadt", "gemeinde", "markt", "flecken",
], key=lambda w: -len(w))
KREIS_WORDS = sorted(["landkreis", "kreis", "lk", "lkr", "kreisverwaltung", "landkreisverwaltung"],
                     key=lambda w: -len(w))
ABBREVIATIONS = {"st": "sankt", "a": "am", "i": "in", "b": "bei", "d": "der", "v": "vor"}
PAIRS = {("a", "m"): "am main", ("a", "d"): "an der", ("i", "d"): "in der", ("v", "d"): "vor der"}


@dataclass(frozen=True)
class Placed:
    """The result of locate(): the Kreis, or why there is none.

    kreis_id: 5-digit AGS of the Kreis, None when not placed.
    land_id: 2-digit AGS of the Land, None when not placed.
    lat, lon: a point for the map (the postcode's or place's coordinates, else a point inside the Kreis).
    how: "postcode", "postcode+place", "place" or "kreis" when placed, else None.
    reason: None when placed, else "empty" (nothing given), "unknown", "ambiguous" or "abroad".
    candidates: the Kreise (AGS, sorted) an "ambiguous" input could mean.
    postcode, place: what was read from the input (postcode 5 digits), for messages.
    """

    kreis_id: str | None
    land_id: str | None
    lat: float | None
    lon: float | None
    how: str | None
    reason: str | None = None
    candidates: tuple[str, ...] = ()
    postcode: str | None = None
    place: str | None = None

    @property
    def placed(self) -> bool:
        """True when the input has a Kreis."""
        return self.kreis_id is not None


def normalise(text: str) -> str:
    """A place name reduced for comparison: lower case, umlauts spelled out, abbreviations expanded, words only."""
    text = unicodedata.normalize("NFC", str(text)).casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    tokens = re.findall(r"[a-z0-9]+\.?", text)
    words, i = [], 0
    while i < len(tokens):
        word, dotted = tokens[i].rstrip("."), tokens[i].endswith(".")
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if dotted and nxt.endswith(".") and (word, nxt.rstrip(".")) in PAIRS:
            words.append(PAIRS[(word, nxt.rstrip("."))])
            i += 2
            continue
        words.append(ABBREVIATIONS.get(word, word) if dotted or word == "st" else word)
        i += 1
    return " ".join(words)


def _strip(name: str, designations: list[str]) -> str:
    """The name without the given designations at its start or end ("" when it was only a designation)."""
    changed = True
    while changed and name:
        changed = False
        for word in designations:
            if name == word:
                return ""
            if name.startswith(word + " "):
                name, changed = name[len(word) + 1:], True
            elif name.endswith(" " + word):
                name, changed = name[: -len(word) - 1], True
    return name


def _variants(name: str) -> list[tuple[str, str | None]]:
    """The name as written, then without designations, each with a hint: "kreis", "city" or None."""
    variants = [(name, None)]
    without_kreis = _strip(name, KREIS_WORDS)
    if without_kreis and without_kreis != name:
        variants.append((without_kreis, "kreis"))
    without_city = _strip(name, CITY_WORDS)
    if without_city and without_city != name:
        variants.append((without_city, "city"))
    return variants


@dataclass(frozen=True)
class _Index:
    by_postcode: dict      # postcode -> [(normalised place, kreis_id, lat, lon)]
    by_place: dict         # normalised place -> [(kreis_id, lat, lon)]
    by_prefix: dict        # leading words of a longer place name -> [(kreis_id, lat, lon)]
    kreis_by_name: dict    # normalised Kreis name -> [(kreis_id, kind)]
    regions: dict          # region_id -> (name, kind, lat, lon)


@lru_cache(maxsize=1)
def _index() -> _Index:
    postcodes = pd.read_csv(POSTCODES_FILE, dtype={"postcode": str, "place": str, "kreis_id": str})
    by_postcode, by_place, by_prefix = {}, {}, {}
    for row in postcodes.itertuples(index=False):
        name = normalise(row.place)
        by_postcode.setdefault(row.postcode, []).append((name, row.kreis_id, row.lat, row.lon))
        by_place.setdefault(name, []).append((row.kreis_id, row.lat, row.lon))
        words = name.split()
        for n in range(1, len(words)):
            by_prefix.setdefault(" ".join(words[:n]), []).append((row.kreis_id, row.lat, row.lon))
    regions = region_rows()
    kreis_by_name = {}
    for row in regions[regions["kind"] != "land"].itertuples(index=False):
        kreis_by_name.setdefault(normalise(row.name), []).append((row.region_id, row.kind))
    return _Index(by_postcode, by_place, by_prefix, kreis_by_name,
                  {r.region_id: (r.name, r.kind, r.lat, r.lon) for r in regions.itertuples(index=False)})


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    return pd.read_csv(REGIONS_FILE, dtype={"region_id": str, "name": str, "kind": str, "kreis_id": str,
                                            "nuts3": str, "population_date": str, "source": str},
                       keep_default_na=False, na_values={"area_km2": [""], "population": [""], "lat": [""],
                                                         "lon": [""]})


def places_of(postcode: str) -> list[tuple[str, str]]:
    """The places a postcode covers, as (normalised place name, Kreis AGS): for deciding an ambiguous postcode by
    other words of the row (a beneficiary "Hochschule Flensburg" at 24943)."""
    return [(name, kreis_id) for name, kreis_id, _, _ in _index().by_postcode.get(str(postcode), [])]


def region_rows() -> pd.DataFrame:
    """The 16 Länder and 400 Kreise of Germany with the columns of the region table (a copy; ids as text).

    Empty text cells (kreis_id, nuts3 of a Land, population_date) are None; is_illustrative is a bool.
    """
    frame = _regions().copy()
    for column in ("kreis_id", "nuts3", "population_date"):
        frame[column] = frame[column].where(frame[column] != "", None).astype(object)
    frame["is_illustrative"] = frame["is_illustrative"].eq("true")
    return frame


def kreis_name(ags: str | None) -> str | None:
    """The name of a Kreis or Land by its AGS ("01058" → "Rendsburg-Eckernförde"), None if unknown."""
    region = _index().regions.get(ags) if isinstance(ags, str) else None
    return region[0] if region else None


def _mean(points) -> tuple[float, float]:
    return (round(sum(p[-2] for p in points) / len(points), 4), round(sum(p[-1] for p in points) / len(points), 4))


def _result(kreis_id: str, how: str, points, postcode, place) -> Placed:
    """A placed result at the mean of the points in that Kreis, else at the Kreis's own point."""
    inside = [p for p in points if p[-3] == kreis_id]
    if inside:
        lat, lon = _mean(inside)
    else:
        _, _, lat, lon = _index().regions[kreis_id]
    return Placed(kreis_id, kreis_id[:2], lat, lon, how, None, (), postcode, place)


def _not_placed(reason: str, candidates=(), postcode=None, place=None) -> Placed:
    return Placed(None, None, None, None, None, reason, tuple(sorted(set(candidates))), postcode, place)


def _by_name(name: str, hint: str | None):
    """(kreis_ids, how, points) for one normalised name: kreisfreie Stadt, then places, then Kreis names."""
    index = _index()
    named = index.kreis_by_name.get(name, [])
    if hint == "kreis":
        kreise = [k for k, kind in named if kind == "kreis"] or [k for k, _ in named]
        return kreise, "kreis", []
    cities = [k for k, kind in named if kind == "kreisfreie_stadt"]
    places = index.by_place.get(name, [])
    if len(cities) == 1:
        return cities, "place", places
    points = places + index.by_prefix.get(name, [])
    kreise = sorted({p[0] for p in points})
    if kreise:
        return kreise, "place", points
    return [k for k, _ in named], "kreis", []


def _locate_place(name: str, postcode=None, within: set | None = None) -> Placed:
    """Place a name (already normalised), optionally only among the Kreise `within` (a postcode's)."""
    ambiguous: list[str] = []
    for variant, hint in _variants(name):
        kreise, how, points = _by_name(variant, hint)
        if within is not None:
            kreise = [k for k in kreise if k in within]
        if len(kreise) == 1:
            return _result(kreise[0], how, points, postcode, name)
        ambiguous = ambiguous or kreise
    if ambiguous:
        return _not_placed("ambiguous", ambiguous, postcode, name)
    return _not_placed("unknown", postcode=postcode, place=name)


def _locate_postcode(postcode: str, name: str | None) -> Placed | None:
    """Place by postcode, the place name deciding between its Kreise; None when the postcode is unknown."""
    rows = _index().by_postcode.get(postcode)
    if not rows:
        return None
    kreise = {r[1] for r in rows}
    if len(kreise) == 1:
        (kreis_id,) = kreise
        matching = [r for r in rows if name and r[0] == name]
        return _result(kreis_id, "postcode", matching or rows, postcode, name)
    if name:
        for variant, _ in _variants(name):
            matching = [r for r in rows if r[0] == variant or r[0].startswith(variant + " ")]
            if len({r[1] for r in matching}) == 1:
                return _result(matching[0][1], "postcode+place", matching, postcode, name)
        placed = _locate_place(name, postcode, within=kreise)
        if placed.placed:
            return Placed(placed.kreis_id, placed.land_id, placed.lat, placed.lon, "postcode+place", None, (),
                          postcode, name)
    return _not_placed("ambiguous", kreise, postcode, name)


def _clean(value) -> str | None:
    """A cell as text, None when empty or NaN; whole floats lose their ".0" (Excel turns 1067 into 1067.0)."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    return text or None


def _postcode(value: str | None) -> tuple[str | None, bool]:
    """(5-digit postcode, is_german) from "24103", "D-24103", "1067"; (None, True) when it is no postcode."""
    if value is None:
        return None, True
    match = re.fullmatch(r"(?:([A-Za-z]{1,3})\s*-\s*)?(\d{4,5})", value)
    if not match:
        return None, True
    country, digits = match.groups()
    if country and country.casefold() not in GERMANY:
        return None, False
    return digits.zfill(5), True


def _split_location(text: str) -> tuple[str | None, str | None, bool]:
    """(postcode text, place, is_german) from one cell: "24103 Kiel", "D-24103 Kiel", "Kiel 24103", "Kiel"."""
    match = re.match(r"^((?:[A-Za-z]{1,3}\s*-\s*)?\d{4,5})\b[\s,]*(.*)$", text)
    if match:
        code, german = _postcode(match.group(1))
        return code, match.group(2).strip() or None, german
    match = re.match(r"^(.*?)[\s,]+(\d{5})$", text)
    if match:
        return match.group(2), match.group(1).strip() or None, True
    return None, text, True


def locate(location: str | None = None, postcode: str | int | None = None, place: str | None = None,
           country: str | None = None) -> Placed:
    """Place a recipient in its Kreis from a location cell ("24103 Kiel") and/or separate postcode and place cells.

    `postcode` may be text or a number (1067 → "01067"); explicit `postcode` and `place` take precedence over
    what `location` holds. `country` (e.g. "DE", "Deutschland", "AT") only matters when given: anything but
    Germany gives reason "abroad". See the module docstring for the rules.
    """
    return _locate(_clean(location), _clean(postcode), _clean(place), _clean(country))


@lru_cache(maxsize=65536)
def _locate(location: str | None, postcode: str | None, place: str | None, country: str | None) -> Placed:
    placed = _locate_parsed(location, postcode, place, country)
    return placed if placed.place is None else replace(placed, place=place or _split_location(location)[1])


def _locate_parsed(location: str | None, postcode: str | None, place: str | None, country: str | None) -> Placed:
    code, german = _postcode(postcode)
    if location:
        loc_code, loc_place, loc_german = _split_location(location)
        code, place, german = code or loc_code, place or loc_place, german and loc_german
    if country and normalise(country) not in GERMANY:
        german = False
    if not german:
        return _not_placed("abroad", postcode=code, place=place)
    if not code and not place:
        return _not_placed("empty")
    name = normalise(place) if place else None
    if code:
        placed = _locate_postcode(code, name)
        if placed is not None:
            return placed
    if not name:
        return _not_placed("unknown", postcode=code)
    return _locate_place(name, code)
