# Two commands for a fresh machine (see README): `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test db bench bench-quick chromium postgres

# `make run` installs the runtime set only (requirements/runtime.txt: no Playwright, no GDAL bindings); `make test`
# the runtime, test and geo sets. Every version comes from the lock, requirements.txt.
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check

$(VENV)/.installed-runtime: requirements.txt requirements/runtime.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements/runtime.txt
	touch $@

$(VENV)/.installed: requirements.txt requirements/runtime.txt requirements/geo.txt requirements/test.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements/test.txt
	touch $@

## run: start the dashboard on the demo data (the database is built on first start); without login on 127.0.0.1 only
run: $(VENV)/.installed-runtime
	$(PY) -m monitor.serve --server.port $(PORT)

## test: all tests, the browser tests in Debian's Chromium and the server-mode tests on a real PostgreSQL included;
## then the page and query tests once more on what an app process reads in server mode (a snapshot of PostgreSQL)
test: $(VENV)/.installed chromium postgres
	$(PY) -m pytest
	MONITOR_TEST_STORE=postgres $(PY) -m pytest -q $(SERVER_MODE_AGAIN)

# the tests that read the database through pages and queries; the others do not depend on where the data lives
SERVER_MODE_AGAIN := --ignore=tests/e2e --ignore=tests/test_store.py --ignore=tests/test_deploy.py \
	--ignore=tests/test_packaging.py --ignore=tests/test_scale.py --ignore=tests/test_bench_refresh.py

## db: rebuild data/monitor.duckdb from the base CSVs plus every import in data/monitor.journal/ (nothing lost)
db: $(VENV)/.installed-runtime
	$(PY) -m monitor.db --rebuild

## bench: every page at 1x-10,000x the demo, P3 against pandas, 20 browser sessions (long; see bench/README.md)
bench: $(VENV)/.installed chromium
	$(PY) -m bench

## bench-quick: the same at 1x and 100x, P3 at 1 M rows, P5 at demo size (a few minutes)
bench-quick: $(VENV)/.installed chromium
	$(PY) -m bench --quick

chromium:
	@sh scripts/ensure_package.sh chromium /usr/bin/chromium

postgres:
	@sh scripts/ensure_package.sh postgresql '/usr/lib/postgresql/*/bin/initdb'
