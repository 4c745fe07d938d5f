# The two commands of the README. Both create the virtualenv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test e2e browser screenshots install lint format demo clean bench audit-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py setup_roles
	$(BIN)/python manage.py seed_demo

run: export DJANGO_DEBUG ?= 1
run: demo
	$(BIN)/python manage.py ensure_admin --url http://$(HOST):$(PORT)/admin/
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

# The record lists, the report, the export centre and 20 staff at once (gunicorn),
# at full size (PostgreSQL; fill the database once with `manage.py generate_data`).
# Then the spreadsheet paths beside COPY: import 100,000 households, recipients and
# cases (new, unchanged, a tenth edited), export 1,000,000 as CSV and XLSX
# (benchmarks/spreadsheets.py).
# `make test` runs both at a small size (tests/test_benchmarks.py).
bench: install
	$(BIN)/python benchmarks/changelists.py
	$(BIN)/python benchmarks/spreadsheets.py
# The system's Chromium, its Chinese interface (a file field's 选择文件) and the CJK
# fonts the browser tests and screenshots need; installed with apt when missing (as
# root, e.g. in CI).
CHROMIUM ?= /usr/bin/chromium
BROWSER_PACKAGES := chromium chromium-l10n fonts-noto-cjk poppler-utils
browser:
	@if [ ! -x "$(CHROMIUM)" ] || [ ! -e /usr/lib/chromium/locales/zh-CN.pak ] || ! fc-list :lang=zh | grep -q .; then \
	  if [ "$$(id -u)" != 0 ]; then echo "Chromium, its Chinese locale or fonts-noto-cjk are missing: run make e2e as root, or: sudo apt-get install -y $(BROWSER_PACKAGES)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	fi

# Browser tests (tests/e2e): each a clerk's task, in Chromium at 1366×768 and 390 px.
e2e: install browser
	$(BIN)/pytest -m e2e tests/e2e

# The README's and the guide's screenshots, from the demo data (docs/screenshots/).
screenshots: install browser
	$(BIN)/python docs/take_screenshots.py

# The installed packages against the known vulnerabilities PyPI publishes (OSV data);
# --strict fails on any package it could not look up as well as on any vulnerability.
# When PyPI cannot answer for the installed versions (no network, or a mirror's builds
# PyPI does not know), the scan cannot run: it says so loudly and exits 0, so that an
# offline build still runs its tests. Probed with Django's own entry.
AUDIT_PROBE := import django, urllib.request; urllib.request.urlopen(f"https://pypi.org/pypi/django/{django.__version__}/json", timeout=10)
audit-deps: install
	@if $(BIN)/python -c '$(AUDIT_PROBE)' 2>/dev/null; then \
	  $(BIN)/pip-audit --vulnerability-service pypi --strict --skip-editable --progress-spinner off; \
	else \
	  echo "WARNING: PyPI cannot answer for the installed versions (offline, or a mirror's builds): the dependency vulnerability scan (pip-audit) did NOT run." >&2; \
	fi

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 .admin-password staticfiles
