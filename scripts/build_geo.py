"""Derive data/geo/: Kreis boundaries of Germany, the region list and the postcode table.

Writes three files, all deterministic (re-running gives byte-identical output):

- de_kreise.geojson: the 400 Kreise and kreisfreie Städte of Germany (land areas, one
  (multi)polygon per AGS, coverage-simplified so shared borders stay shared).
- regions_de.csv: the 16 Länder and the 400 Kreise with the columns of the `region` table.
- postcodes_de.csv: postcode, place, Kreis AGS and coordinates from GeoNames.

Boundaries: BKG VG250 Kreise (© GeoBasis-DE / BKG, licence dl-de/by-2-0) in the generalised
copy that ships inside the PyPI package if-license-plates-could-talk==0.0.1 (file
if_license_plates_could_talk/geo/shapefiles/VG250_KRS3/VG250_KRS.*, EPSG:4326). Package
registries are the only network access we have, so the package is fetched with
`pip download --no-deps` (never installed: its dependencies are heavy) and only the
shapefile is read from the archive.

Postcodes: GeoNames postal codes for Germany (CC BY 4.0) from ../shared/data/geonames-postal-codes-de/.

Usage:  .venv/bin/python scripts/build_geo.py
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tarfile
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import box, mapping

PACKAGE = "if-license-plates-could-talk==0.0.1"
SHAPEFILE = "if_license_plates_could_talk/geo/shapefiles/VG250_KRS3/VG250_KRS"
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj")

ROOT = Path(__file__).resolve().parent.parent
GEO = ROOT / "data" / "geo"
OUT_GEOJSON = GEO / "de_kreise.geojson"
OUT_REGIONS = GEO / "regions_de.csv"
OUT_POSTCODES = GEO / "postcodes_de.csv"
GEONAMES_CSV = ROOT.parent / "shared" / "data" / "geonames-postal-codes-de" / "zipcodes.de.csv"

LAND = 4  # GF 4 = land area; GF 2 rows are coastal and inland waters (Schlei, Förden, Elbe, Bodensee)
LAENDER = {
    "01": "Schleswig-Holstein", "02": "Hamburg", "03": "Niedersachsen", "04": "Bremen",
    "05": "Nordrhein-Westfalen", "06": "Hessen", "07": "Rheinland-Pfalz", "08": "Baden-Württemberg",
    "09": "Bayern", "10": "Saarland", "11": "Berlin", "12": "Brandenburg",
    "13": "Mecklenburg-Vorpommern", "14": "Sachsen", "15": "Sachsen-Anhalt", "16": "Thüringen",
}
# Kreise per Land after the last Kreis reform (Eisenach joined the Wartburgkreis on 1 July 2021)
EXPECTED_COUNTS = {
    "01": 15, "02": 1, "03": 45, "04": 2, "05": 53, "06": 26, "07": 36, "08": 44,
    "09": 96, "10": 6, "11": 1, "12": 18, "13": 8, "14": 13, "15": 14, "16": 22,
}
# BEZ of VG250 -> kind of the region table
REGION_KIND = {"Kreisfreie Stadt": "kreisfreie_stadt", "Stadtkreis": "kreisfreie_stadt",
               "Kreis": "kreis", "Landkreis": "kreis"}

# The source predates 1 July 2021, when the kreisfreie Stadt Eisenach (16056) joined the
# Wartburgkreis (16063). GeoNames already uses 16063 for Eisenach, so the boundaries follow.
MERGED_KREISE = {"16056": "16063"}

# This generalised copy has no GF 4 polygon for Helgoland (Kreis Pinneberg); the island only
# survives as a small GF 2 polygon far out in the North Sea. We keep that one polygon so that
# Pinneberg includes Helgoland, and nothing else from the GF 2 rows.
HELGOLAND_AGS = "01056"
HELGOLAND_AREA = box(7.8, 54.1, 8.0, 54.25)

# The source is already strongly generalised (~20,000 vertices for Germany, median vertex
# spacing ~3 km). 0.005° (~0.5 km) removes nearly collinear vertices at little visible cost;
# coverage simplification keeps every border shared by two Kreise identical on both sides.
SIMPLIFY_TOLERANCE = 0.005
DECIMALS = 5  # ~1 m; far below the generalisation error of the source

ATTRIBUTION = (
    "© GeoBasis-DE / BKG (VG250, as shipped in if-license-plates-could-talk 0.0.1); "
    "filtered, dissolved, simplified and rounded; Eisenach merged into the Wartburgkreis (2021)"
)
LICENSE = "Datenlizenz Deutschland – Namensnennung – Version 2.0 (https://www.govdata.de/dl-de/by-2-0)"
REGION_SOURCE = "© GeoBasis-DE / BKG, VG250 (dl-de/by-2-0); Gebietsstand 01.07.2021"

# GeoNames: the file starts with 6,819 rows of "Großkundenpostleitzahlen" (postcodes of one
# company or authority: place = "Deutsche Post AG …", "Finanzamt Kiel"), sorted by state with
# English state names; their Kreis key is often the organisation's head office (60647 Frankfurt
# listed under Berlin). The place rows follow, starting with 01945 Guteborn.
GEONAMES_PLACE_ROWS_START = 6819
GEONAMES_FIRST_PLACE = ("01945", "Guteborn")
# Jungholz (87491) is an Austrian municipality reachable only through Germany, with a German
# postcode but no Kreis: it is not in Germany and is dropped.
GEONAMES_DROP = {("87491", "Jungholz")}
# A few rows naming a kreisfreie Stadt (or one of its districts, "Hamburg Billstedt") carry the
# key of the neighbouring Kreis that shares the postcode (24109 Kiel -> 01058, 22113 Hamburg ->
# 01062). Such a row is given the city's key when its point lies inside the city's boundary.


def download_package(dest: Path) -> Path:
    """Download the package archive (wheel preferred, sdist as fallback) into dest."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
         "--quiet", "-d", str(dest), PACKAGE],
        check=True,
    )
    archives = sorted(dest.glob("*.whl")) or sorted(dest.glob("*.tar.gz"))
    if not archives:
        raise SystemExit(f"pip download produced no wheel or sdist for {PACKAGE}")
    return archives[0]


def extract_shapefile(archive: Path, dest: Path) -> Path:
    """Extract the VG250_KRS shapefile parts from a wheel or sdist; return the .shp path."""
    wanted = tuple(SHAPEFILE + ext for ext in SHAPEFILE_PARTS)
    found: dict[str, bytes] = {}
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if name.endswith(wanted):
                    found[Path(name).name] = zf.read(name)
    else:
        # sdist members carry a "<project>-<version>/" prefix, hence endswith().
        with tarfile.open(archive, "r:gz") as tf:
            for member in tf.getmembers():
                if member.isfile() and member.name.endswith(wanted):
                    found[Path(member.name).name] = tf.extractfile(member).read()
    missing = {Path(w).name for w in wanted} - found.keys()
    if missing:
        raise SystemExit(f"{archive.name} lacks {sorted(missing)}")
    # Write by bare file name only, so archive paths cannot escape dest.
    for name, data in found.items():
        (dest / name).write_bytes(data)
    return dest / (Path(SHAPEFILE).name + ".shp")


def load_kreise(shp: Path) -> gpd.GeoDataFrame:
    """Read VG250_KRS and return one valid (multi)polygon per Kreis of Germany."""
    with warnings.catch_warnings():
        # GDAL fixes the shapefile's ring winding order itself; the warning is just noise.
        warnings.filterwarnings("ignore", message=".*invalid winding order.*")
        gdf = gpd.read_file(shp, encoding="UTF-8")
    gdf = gdf.to_crs(4326) if gdf.crs is not None else gdf.set_crs(4326)

    land = gdf[gdf["GF"] == LAND]
    water = gdf[(gdf["GF"] != LAND) & (gdf["AGS"] == HELGOLAND_AGS)].explode(index_parts=False)
    helgoland = water[water.within(HELGOLAND_AREA)]
    if len(helgoland) != 1:
        raise SystemExit(f"expected exactly one Helgoland polygon, found {len(helgoland)}")

    attributes = land.set_index("AGS")[["GEN", "BEZ", "NUTS"]]
    parts = pd.concat([land, helgoland])
    parts = parts.assign(AGS=parts["AGS"].replace(MERGED_KREISE))
    # Some generalised rings self-intersect; dissolving invalid input would fail or drop area.
    parts = parts.set_geometry(parts.geometry.make_valid())
    kreise = parts[["AGS", "geometry"]].dissolve(by="AGS").join(attributes).reset_index()
    kreise = kreise.rename(columns={"AGS": "ags", "GEN": "name", "BEZ": "kind", "NUTS": "nuts3"})
    kreise["land"] = kreise["ags"].str[:2]
    cols = ["ags", "name", "kind", "land", "nuts3", "geometry"]
    return kreise[cols].sort_values("ags", ignore_index=True)


def tidy_geometry(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Coverage-simplify, snap to a fixed grid and orient rings as RFC 7946 asks."""
    values = geoms.values
    if SIMPLIFY_TOLERANCE > 0:
        # Coverage simplification keeps borders shared by neighbouring Kreise identical,
        # unlike per-geometry simplify(), which opens gaps and overlaps between them.
        values = shapely.coverage_simplify(values, SIMPLIFY_TOLERANCE)
    # set_precision (rather than rounding coordinates) keeps the result valid.
    values = shapely.set_precision(values, 10**-DECIMALS)
    values = shapely.orient_polygons(values, exterior_cw=False)
    return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs)


def check_kreise(kreise: gpd.GeoDataFrame) -> None:
    """Fail loudly unless every Land has its expected number of valid Kreise."""
    counts = kreise.groupby("land").size().to_dict()
    if counts != EXPECTED_COUNTS:
        raise SystemExit(f"unexpected Kreise per Land: {counts}")
    if not set(kreise["kind"]) <= REGION_KIND.keys():
        raise SystemExit(f"unexpected BEZ values: {sorted(set(kreise['kind']))}")
    if not kreise.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        raise SystemExit("non-polygonal geometry after make_valid/dissolve")
    if not kreise.geometry.is_valid.all():
        raise SystemExit(f"invalid geometries: {kreise.loc[~kreise.is_valid, 'ags'].tolist()}")


def rounded(coords):
    """Round nested coordinate sequences; set_precision leaves float noise such as 9.100000001."""
    if isinstance(coords, (float, int)):
        return round(coords, DECIMALS)
    return [rounded(c) for c in coords]


def write_geojson(kreise: gpd.GeoDataFrame, path: Path) -> None:
    """Write a FeatureCollection with feature id = AGS, one feature per line for readable diffs."""
    features = []
    for row in kreise.itertuples(index=False):
        geometry = mapping(row.geometry)
        feature = {
            "type": "Feature",
            "id": row.ags,  # lets plotly match on the id as well as featureidkey="properties.ags"
            "properties": {"ags": row.ags, "name": row.name, "kind": row.kind, "land": row.land},
            "geometry": {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"])},
        }
        features.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    header = json.dumps(
        {"type": "FeatureCollection", "attribution": ATTRIBUTION, "license": LICENSE},
        ensure_ascii=False, separators=(",", ":"),
    )
    text = header[:-1] + ',"features":[\n' + ",\n".join(features) + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def inner_point(geometry) -> tuple[float, float]:
    """A point inside the area (lat, lon), rounded to 4 decimals (~10 m)."""
    point = geometry.representative_point()
    return round(point.y, 4), round(point.x, 4)


def region_rows(kreise: gpd.GeoDataFrame) -> pd.DataFrame:
    """The 16 Länder and every Kreis, with the columns of the region table."""
    rows = []
    laender = kreise.dissolve(by="land")
    for land_id, name in LAENDER.items():
        lat, lon = inner_point(laender.loc[land_id, "geometry"])
        rows.append((land_id, name, "land", "", lat, lon))
    for row in kreise.itertuples(index=False):
        lat, lon = inner_point(row.geometry)
        rows.append((row.ags, row.name, REGION_KIND[row.kind], row.nuts3, lat, lon))
    frame = pd.DataFrame(rows, columns=["region_id", "name", "kind", "nuts3", "lat", "lon"])
    frame = frame.assign(kreis_id="", area_km2="", population="", population_date="",
                         is_illustrative="false", source=REGION_SOURCE)
    order = ["region_id", "name", "kind", "kreis_id", "nuts3", "area_km2", "population", "population_date",
             "lat", "lon", "is_illustrative", "source"]
    return frame[order].sort_values("region_id", ignore_index=True)


def postcode_rows(kreise: gpd.GeoDataFrame) -> pd.DataFrame:
    """GeoNames place rows: postcode, place, Kreis AGS and coordinates, checked against the Kreise."""
    raw = pd.read_csv(GEONAMES_CSV, dtype=str, keep_default_na=False)
    if tuple(raw.loc[GEONAMES_PLACE_ROWS_START, ["zipcode", "place"]]) != GEONAMES_FIRST_PLACE:
        raise SystemExit("the GeoNames file changed: the place rows no longer start where expected")
    rows = raw.iloc[GEONAMES_PLACE_ROWS_START:]
    rows = rows[[(z, p) not in GEONAMES_DROP for z, p in zip(rows["zipcode"], rows["place"])]]
    rows = rows.rename(columns={"zipcode": "postcode", "community_code": "kreis_id"})
    rows = rows.assign(lat=rows["latitude"].astype(float), lon=rows["longitude"].astype(float))
    rows = rows[["postcode", "place", "kreis_id", "lat", "lon"]]
    rows = rows.assign(kreis_id=rows["kreis_id"].replace(MERGED_KREISE))

    cities = kreise[kreise["kind"].isin(["Kreisfreie Stadt", "Stadtkreis"])].set_index("ags")
    for ags, city in cities.iterrows():
        named = (rows["place"] == city["name"]) | rows["place"].str.startswith(city["name"] + " ")
        wrong = named & (rows["kreis_id"] != ags)
        inside = gpd.points_from_xy(rows.loc[wrong, "lon"], rows.loc[wrong, "lat"]).within(city.geometry)
        rows.loc[rows.loc[wrong].index[inside], "kreis_id"] = ags

    if not rows["postcode"].str.fullmatch(r"\d{5}").all():
        raise SystemExit("a postcode is not five digits")
    unknown = sorted(set(rows["kreis_id"]) - set(kreise["ags"]))
    if unknown:
        raise SystemExit(f"GeoNames Kreis keys missing from the boundaries: {unknown}")
    rows = rows.drop_duplicates(["postcode", "place", "kreis_id"])
    return rows.sort_values(["postcode", "place", "kreis_id"], ignore_index=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Comma-separated UTF-8 with Unix line ends; floats as written (already rounded)."""
    frame.to_csv(path, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def main() -> None:
    """Download, extract, derive and write the three files, then print a short summary."""
    with tempfile.TemporaryDirectory(prefix="build_geo_") as tmp:
        tmp = Path(tmp)
        (tmp / "download").mkdir()
        (tmp / "shapefile").mkdir()
        archive = download_package(tmp / "download")
        kreise = load_kreise(extract_shapefile(archive, tmp / "shapefile"))

    # regions and postcodes use the unsimplified boundaries (points inside, city check)
    regions = region_rows(kreise)
    postcodes = postcode_rows(kreise)
    simplified = kreise.set_geometry(tidy_geometry(kreise.geometry))
    check_kreise(simplified)
    write_geojson(simplified, OUT_GEOJSON)
    write_csv(regions, OUT_REGIONS)
    write_csv(postcodes, OUT_POSTCODES)

    vertices = int(shapely.get_num_coordinates(simplified.geometry.values).sum())
    print(f"wrote {OUT_GEOJSON.name} from {archive.name}: {len(simplified)} features, {vertices} vertices, "
          f"{OUT_GEOJSON.stat().st_size / 1024:.1f} KB")
    print(f"wrote {OUT_REGIONS.name}: {len(regions)} rows; {OUT_POSTCODES.name}: {len(postcodes)} rows, "
          f"{postcodes['postcode'].nunique()} postcodes, {OUT_POSTCODES.stat().st_size / 1024:.1f} KB")


if __name__ == "__main__":
    main()
