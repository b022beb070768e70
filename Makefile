# The front door. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run dev test setup setup-dev assets static fonts browser lint typecheck checks contracts pytest bench demo clean

# Installs Debian packages when missing and when this user may (root with apt-get);
# otherwise says what is missing and goes on.
define apt_ensure
	@test -e $(1) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(2) with apt-get"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2)) >/dev/null; \
	  else echo "$(2) missing and cannot be installed here: $(3)"; fi; }
endef

## run: set everything up and serve the demo county on http://$(HOST):$(PORT) (gunicorn, DEBUG off)
# The demo mode unless the caller chose another (`make run JINGXI_ENV=production`
# serves production without loading the demo county).
run: export JINGXI_ENV := $(or $(JINGXI_ENV),demo)
run: setup assets fonts static
	$(PY) manage.py migrate --noinput
	@if [ "$$JINGXI_ENV" != production ]; then $(PY) manage.py demo_load; fi
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

## dev: the same with DEBUG and Django's development server, reloading on code changes
dev: export JINGXI_ENV := development
dev: setup assets fonts
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_load
	$(PY) manage.py serve --dev --host $(HOST) --port $(PORT)

## test: set up and run lint, typing, Django checks, import contracts and the whole suite (SQLite, then PostgreSQL if set)
test: setup-dev assets fonts static browser lint typecheck checks contracts pytest

$(VENV)/.run-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.run-installed $@

setup: $(VENV)/.run-installed
setup-dev: $(VENV)/.dev-installed

## assets: fetch front-end libraries from package registries into static/vendor (once)
assets: static/vendor/.fetched
static/vendor/.fetched: scripts/fetch_assets.py $(VENV)/.run-installed
	$(PY) scripts/fetch_assets.py
	touch $@

## static: collect the static files into staticfiles/ for whitenoise (again only when one changed)
static: staticfiles/staticfiles.json
STATIC_SOURCES := $(shell find jingxi -path '*/static/*' -type f 2>/dev/null)
staticfiles/staticfiles.json: $(STATIC_SOURCES) static/vendor/.fetched $(VENV)/.run-installed
	JINGXI_ENV=demo $(PY) manage.py collectstatic --noinput --clear --verbosity 0

## fonts: a CJK TrueType font that PDFs (notices, supervision orders) embed
fonts:
	$(call apt_ensure,/usr/share/fonts/truetype/wqy/wqy-microhei.ttc,fonts-wqy-microhei,PDFs fall back to a non-embedded font)

## browser: make sure Debian's Chromium is there for the browser tests
browser:
	$(call apt_ensure,/usr/bin/chromium,chromium,browser tests will be skipped)

lint: setup-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: setup-dev
	$(BIN)/mypy config jingxi bench scripts conftest.py

checks: setup-dev
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

## contracts: the import contracts of .importlinter (apps depend downwards only)
contracts: setup-dev
	$(BIN)/lint-imports

pytest: setup-dev
	$(BIN)/pytest
	@if [ -n "$$JINGXI_TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL: $$JINGXI_TEST_DATABASE_URL"; \
	  JINGXI_DATABASE_URL="$$JINGXI_TEST_DATABASE_URL" $(BIN)/pytest; \
	fi

## bench: print the benchmark figures
bench: setup-dev
	$(PY) bench/responsibility.py
	$(PY) bench/intake.py
	$(PY) bench/masking.py

## demo: (re)load the demo county into the configured database
demo: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_load

clean:
	rm -rf $(VENV) static/vendor staticfiles var
