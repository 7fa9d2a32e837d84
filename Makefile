# The two commands of the README: `make run` and `make test`. Both create .venv, install the
# project into it and compile the translations first, so they work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := locales

.PHONY: run chat test test-fast lint format migrate migration bench \
        locales-extract locales-update locales-compile install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) locales-compile

run: install
	$(BIN)/roadmap-bot run

chat: install
	$(BIN)/roadmap-bot chat

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -x -q --ignore=tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	$(BIN)/roadmap-bot migrate

# make migration m="add something"
migration: install
	mkdir -p data
	$(BIN)/alembic -c alembic.ini revision --autogenerate -m "$(m)"

# Benchmarks print figures (never pass/fail); PostgreSQL cases run when TEST_DATABASE_URL is set.
bench: install
	$(BIN)/python bench/import.py
	$(BIN)/python bench/reading.py
	$(BIN)/python bench/queries.py
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/summaries.py

locales-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k __ -k _:1,1t -k _:1,2,3t -k UserError -k AccessDenied -k NotFound -k N_ --no-location --sort-output \
		-o $(LOCALES)/messages.pot .

locales-update: locales-extract
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages --no-fuzzy-matching

locales-compile: $(STAMP)
	$(BIN)/pybabel compile -d $(LOCALES) -D messages --statistics 2>&1 | grep -v "^compiling" || true

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
