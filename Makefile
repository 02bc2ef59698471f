# Zorgverlenersportaal — `make help` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PORTAL := $(VENV)/bin/portal
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PATIENTS ?= 2000
# `make run HAP=1`: this machine's browser counts as a huisartsenpost (the noodprocedure);
# development only (PORTAL_DEV_HAP, refused in production).
HAP ?=
export PORTAL_ENV ?= development

.DEFAULT_GOAL := help
.PHONY: help install node-deps system-deps migrate demo run test test-fast lint screenshots scan bench bench-quick clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# setuptools notes every editable install ("Editable installation ... folders with the same
# name"): information, not a problem of this project, and noise at the first `make run`.
$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet -e '.[test]'
	touch $@

# npm packages of the test suite from the committed lock files: axe-core (root package.json,
# browser accessibility checks) and the test FHIR server (Medplum, tests/fhir_server/).
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else echo "npm not found: the accessibility checks will skip (make system-deps installs Node.js)"; fi

FHIR_SERVER := tests/fhir_server
$(FHIR_SERVER)/node_modules/.package-lock.json: $(FHIR_SERVER)/package.json $(FHIR_SERVER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd $(FHIR_SERVER) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else echo "npm not found: the FHIR connector tests will skip (make system-deps installs Node.js)"; fi

node-deps: node_modules/.package-lock.json $(FHIR_SERVER)/node_modules/.package-lock.json ## Install the test suite's npm packages (npm ci)

install: $(VENV)/.installed node-deps ## Create the virtualenv and install the portal with its test tools

system-deps: ## Install the Debian packages the tests use (softhsm2, chromium, nodejs) when root
	@bash scripts/install-system-deps.sh

migrate: install ## Bring the database (DATABASE_URL, default SQLite in instance/) to the latest migration
	$(PORTAL) db upgrade

demo: migrate ## Generate the demo EPDs and demo accounts for every demo tenant
	@bash scripts/load-demo.sh $(PORTAL) $(DEMO_PATIENTS)

run: demo ## Serve both portals on http://zgt.localhost:8000 and http://mst.localhost:8000 (HAP=1: as a huisartsenpost)
	@echo "Open http://zgt.localhost:$(PORT) and http://mst.localhost:$(PORT)"
	@if [ "$(HAP)" = 1 ]; then echo "HAP=1: this browser counts as a huisartsenpost (noodprocedure available)"; fi
	PORTAL_DEV_HAP=$(HAP) $(PORTAL) run --host $(HOST) --port $(PORT)

test: system-deps install lint ## Run the linters, then the whole test suite (DATABASE_URL=postgresql://... runs it on PostgreSQL)
	PORTAL_ENV=testing $(PY) -m pytest

lint: install ## ruff (style, imports) and mypy (types) over the whole tree
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

screenshots: system-deps install ## Refresh docs/screenshots (the README's pictures) from the browser tests
	PORTAL_ENV=testing PORTAL_SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -q tests/e2e/test_browser_pages.py tests/e2e/test_browser_patient_bar.py \
		tests/e2e/test_browser_documents.py tests/e2e/test_browser_widths.py tests/e2e/test_browser_lab_views.py

scan: install ## sqlmap and wapiti against the portal on loopback, logged in (slow; installs them when root)
	@bash scripts/install-system-deps.sh --scan
	PORTAL_ENV=testing PORTAL_SCAN=1 $(PY) -m pytest -m scan -v tests/security/test_scan.py

test-fast: install ## Run the suite without installing system packages
	PORTAL_ENV=testing $(PY) -m pytest -x -q

clean: ## Remove the virtualenv and the instance folder (local database, demo EPDs)
	rm -rf $(VENV) instance

bench: install ## Benchmark GP sessions under gunicorn on PostgreSQL and SQLite (10k/100k/1M patients; not part of make test)
	$(PY) bench/portal_bench.py $(BENCH_ARGS)

bench-quick: install ## make bench, quick: PostgreSQL, 10k patients, short phases (about ten minutes)
	$(PY) bench/portal_bench.py --quick $(BENCH_ARGS)
