# Two commands for a fresh machine (see README): `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test db bench chromium

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

## run: start the dashboard on the demo data (the database is built on first start)
run: $(VENV)/.installed
	$(PY) -m streamlit run dashboard.py --server.port $(PORT)

## test: all tests, the browser tests in Debian's Chromium included
test: $(VENV)/.installed chromium
	$(PY) -m pytest

## db: rebuild data/monitor.duckdb from data/demo/ (replaces imported data!)
db: $(VENV)/.installed
	$(PY) -m monitor.db --rebuild

## bench: speed and memory on a generated large programme
bench: $(VENV)/.installed
	$(PY) -m bench

chromium:
	@sh scripts/ensure_chromium.sh
