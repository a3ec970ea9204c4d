# make dev  - set up .venv and run Temporal dev server (Web UI :8233), the worker and Django admin (:8000)
# make test - set up .venv with dev extras, lint, run the suite on SQLite, then its DB tests on PostgreSQL
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: dev demo test lint install install-dev clean

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

dev: install
	$(PY) -m poradnia.dev

demo: install
	$(PY) -m poradnia.dev --demo

lint: install-dev
	$(VENV)/bin/ruff check .

test: install-dev lint
	$(PY) -m pytest
	$(PY) -m poradnia.pgcluster run -- $(PY) -m pytest -m django_db

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
