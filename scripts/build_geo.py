"""Derive data/geo/sh_kreise.geojson: the 15 Kreise and kreisfreie Städte of Schleswig-Holstein.

Source: BKG VG250 Kreis boundaries (© GeoBasis-DE / BKG, licence dl-de/by-2-0) in the
generalised copy that ships inside the PyPI package if-license-plates-could-talk==0.0.1
(file if_license_plates_could_talk/geo/shapefiles/VG250_KRS3/VG250_KRS.*, EPSG:4326).
Package registries are the only network access we have, so the package is fetched with
`pip download --no-deps` (never installed: its dependencies are heavy) and only the
shapefile is read from the archive.

Usage:  .venv/bin/python scripts/build_geo.py
Re-running yields a byte-identical file (features sorted by AGS, fixed rounding).
"""

from __future__ import annotations

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

OUT = Path(__file__).resolve().parent.parent / "data" / "geo" / "sh_kreise.geojson"

STATE_CODE = "01"  # SN_L of Schleswig-Holstein
LAND = 4  # GF 4 = land area; GF 2 rows are coastal and inland waters (Schlei, Förden, Elbe)
EXPECTED_AGS = [
    "01001", "01002", "01003", "01004", "01051", "01053", "01054", "01055",
    "01056", "01057", "01058", "01059", "01060", "01061", "01062",
]
KINDS = {"Kreis", "Kreisfreie Stadt"}

# This generalised copy has no GF 4 polygon for Helgoland (Kreis Pinneberg); the island only
# survives as a small GF 2 polygon far out in the North Sea. We keep that one polygon so that
# Pinneberg includes Helgoland, and nothing else from the GF 2 rows.
HELGOLAND_AGS = "01056"
HELGOLAND_AREA = box(7.8, 54.1, 8.0, 54.25)

# The source is already strongly generalised (~950 vertices for the whole Land, median vertex
# spacing ~3 km), so the output is ~20 KB unsimplified; 0.01° would save <1 KB while moving
# boundaries by up to ~0.7 km. 0 = off; set > 0 (degrees) for a more detailed source.
SIMPLIFY_TOLERANCE = 0.0
DECIMALS = 5  # ~1 m; far below the generalisation error of the source

ATTRIBUTION = (
    "© GeoBasis-DE / BKG (VG250, as shipped in if-license-plates-could-talk 0.0.1); "
    "filtered, dissolved and rounded"
)
LICENSE = "Datenlizenz Deutschland – Namensnennung – Version 2.0 (https://www.govdata.de/dl-de/by-2-0)"


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
    """Read VG250_KRS and return one valid (multi)polygon per Kreis of Schleswig-Holstein."""
    with warnings.catch_warnings():
        # GDAL fixes the shapefile's ring winding order itself; the warning is just noise.
        warnings.filterwarnings("ignore", message=".*invalid winding order.*")
        gdf = gpd.read_file(shp, encoding="UTF-8")
    gdf = gdf.to_crs(4326) if gdf.crs is not None else gdf.set_crs(4326)
    sh = gdf[gdf["SN_L"] == STATE_CODE]

    land = sh[sh["GF"] == LAND]
    water = sh[(sh["GF"] != LAND) & (sh["AGS"] == HELGOLAND_AGS)].explode(index_parts=False)
    helgoland = water[water.within(HELGOLAND_AREA)]
    if len(helgoland) != 1:
        raise SystemExit(f"expected exactly one Helgoland polygon, found {len(helgoland)}")

    sh = pd.concat([land, helgoland])
    # Some generalised rings self-intersect; dissolving invalid input would fail or drop area.
    sh = sh.set_geometry(sh.geometry.make_valid())
    kreise = sh.dissolve(by="AGS", aggfunc={"GEN": "first", "BEZ": "first"}).reset_index()
    kreise = kreise.rename(columns={"AGS": "ags", "GEN": "name", "BEZ": "kind"})
    return kreise[["ags", "name", "kind", "geometry"]].sort_values("ags", ignore_index=True)


def tidy_geometry(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Optionally simplify, snap to a fixed grid and orient rings as RFC 7946 asks."""
    values = geoms.values
    if SIMPLIFY_TOLERANCE > 0:
        # Coverage simplification keeps borders shared by neighbouring Kreise identical,
        # unlike per-geometry simplify(), which opens gaps and overlaps between them.
        values = shapely.coverage_simplify(values, SIMPLIFY_TOLERANCE)
    # set_precision (rather than rounding coordinates) keeps the result valid.
    values = shapely.set_precision(values, 10**-DECIMALS)
    values = shapely.orient_polygons(values, exterior_cw=False)
    return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs)


def check(kreise: gpd.GeoDataFrame) -> None:
    """Fail loudly if the result is not exactly the 15 expected, valid Kreise."""
    if kreise["ags"].tolist() != EXPECTED_AGS:
        raise SystemExit(f"unexpected AGS list: {kreise['ags'].tolist()}")
    if not set(kreise["kind"]) <= KINDS:
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
            "properties": {"ags": row.ags, "name": row.name, "kind": row.kind},
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


def main() -> None:
    """Download, extract, derive and write the GeoJSON, then print a short summary."""
    with tempfile.TemporaryDirectory(prefix="build_geo_") as tmp:
        tmp = Path(tmp)
        (tmp / "download").mkdir()
        (tmp / "shapefile").mkdir()
        archive = download_package(tmp / "download")
        kreise = load_kreise(extract_shapefile(archive, tmp / "shapefile"))

    kreise = kreise.set_geometry(tidy_geometry(kreise.geometry))
    check(kreise)
    write_geojson(kreise, OUT)

    vertices = int(shapely.get_num_coordinates(kreise.geometry.values).sum())
    print(f"wrote {OUT} from {archive.name}: {len(kreise)} features, {vertices} vertices, "
          f"{OUT.stat().st_size / 1024:.1f} KB")


if __name__ == "__main__":
    main()
