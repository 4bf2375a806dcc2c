"""The dependency sets agree: pyproject.toml, requirements/*.txt and the lock (requirements.txt); a server installs
neither Playwright nor the GDAL bindings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(path: Path) -> list[str]:
    """Package names a requirements/*.txt file names itself (not its -r / -c lines)."""
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [_norm(line) for line in lines if line and not line.startswith("-")]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            assert _norm(name) not in pins, name
            pins[_norm(name)] = version
    return pins


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_pyproject_names_the_same_packages_as_the_requirement_files():
    project = _pyproject()
    req = ROOT / "requirements"
    assert [_norm(n) for n in project["dependencies"]] == _names(req / "runtime.txt")
    assert [_norm(n) for n in project["optional-dependencies"]["test"]] == _names(req / "test.txt")
    assert [_norm(n) for n in project["optional-dependencies"]["geo"]] == _names(req / "geo.txt")
    assert project["name"] == "modellkommunen-monitor"
    assert project["requires-python"] == ">=3.11"


def test_every_set_takes_its_versions_from_the_lock():
    lock = _lock()
    req = ROOT / "requirements"
    for name in ("runtime.txt", "test.txt", "geo.txt"):
        text = (req / name).read_text(encoding="utf-8")
        assert "-c ../requirements.txt" in text.splitlines(), name
        assert [n for n in _names(req / name) if n not in lock] == [], name
    assert "-r runtime.txt" in (req / "test.txt").read_text(encoding="utf-8").splitlines()
    assert "-r geo.txt" in (req / "test.txt").read_text(encoding="utf-8").splitlines()
    assert lock["psycopg"] == "3.3.9"
    assert lock["psycopg-binary"] == "3.3.9"


def test_the_runtime_set_leaves_out_browsers_tests_and_gdal():
    runtime = set(_names(ROOT / "requirements" / "runtime.txt"))
    assert runtime & {"playwright", "pytest", "geopandas", "pyogrio", "pyproj", "shapely", "ruff"} == set()
    assert {"streamlit", "duckdb", "psycopg", "psycopg-binary", "authlib"} <= runtime


def test_make_run_installs_the_runtime_set_and_make_test_everything():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rules = dict(re.findall(r"^([^\s:#][^:]*):(.*)$", makefile, flags=re.MULTILINE))
    assert rules["run"].split() == ["$(VENV)/.installed-runtime"]
    assert rules["db"].split() == ["$(VENV)/.installed-runtime"]
    assert rules["test"].split() == ["$(VENV)/.installed", "chromium", "postgres"]
    assert rules["$(VENV)/.installed-runtime"].split() == ["requirements.txt", "requirements/runtime.txt"]
    assert rules["$(VENV)/.installed"].split() == [
        "requirements.txt", "requirements/runtime.txt", "requirements/geo.txt", "requirements/test.txt",
    ]
    assert "$(PIP) -r requirements/runtime.txt" in makefile
    assert "$(PIP) -r requirements/test.txt" in makefile
