# The two commands of the README: `make run` and `make test`. Both create .venv, install the
# project into it from the lock file and compile the translations first, so they work on a
# fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := locales
# Pinned, hashed dependencies: LOCK for the image (the bot, with the redis extra), DEV_LOCK
# for development (LOCK plus the dev extra). `make lock` writes both from pyproject.toml.
LOCK := requirements/lock.txt
DEV_LOCK := requirements/dev.txt
# The lock must not depend on this machine's pip configuration (local wheels, extra indexes).
PIP_COMPILE := PIP_CONFIG_FILE=/dev/null $(BIN)/pip-compile --quiet --resolver=backtracking \
	--generate-hashes --allow-unsafe --all-build-deps --strip-extras \
	--no-emit-index-url --no-emit-find-links

.PHONY: run chat test test-fast fuzz lint format migrate migration bench lock lock-upgrade \
        locales-extract locales-update locales-compile install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Exactly the locked versions (hashes checked), then the project itself without resolving
# anything; `pip check` then fails if pyproject.toml asks for something the lock lacks.
$(STAMP): $(DEV_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; \
		echo "$(DEV_LOCK) does not match pyproject.toml: run 'make lock'"; exit 1; }
	touch $(STAMP)

# After changing the dependencies in pyproject.toml: pin the new ones, keep the others.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4"
	mkdir -p requirements
	$(PIP_COMPILE) --extra redis -o $(LOCK) pyproject.toml
	$(PIP_COMPILE) --extra redis --extra dev -c $(LOCK) -o $(DEV_LOCK) pyproject.toml

# Every dependency to its newest allowed version (then run `make test`).
lock-upgrade: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4"
	mkdir -p requirements
	$(PIP_COMPILE) --upgrade --extra redis -o $(LOCK) pyproject.toml
	$(PIP_COMPILE) --upgrade --extra redis --extra dev -c $(LOCK) -o $(DEV_LOCK) pyproject.toml

install: $(STAMP) locales-compile

run: install
	$(BIN)/roadmap-bot run

chat: install
	$(BIN)/roadmap-bot chat

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -x -q --ignore=tests/e2e

# The property suite (tests/properties) with a hundred times the examples, random rather than
# derandomized, failures kept in .hypothesis/ to replay: for nights, not for every change.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/properties -q -p no:cacheprovider

# ruff, the types (mypy, configured in pyproject.toml) and the import contract (lint-imports).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

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
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/drawing.py
	$(BIN)/python bench/board.py
	$(BIN)/python bench/municipal.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/edits.py
	$(BIN)/python bench/ocr.py

locales-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k __ -k _:1,1t -k _:1,2,3t -k pgettext:1c,2 -k UserError -k AccessDenied -k NotFound -k N_ --no-location --sort-output --width=99 \
		-o $(LOCALES)/messages.pot .

locales-update: locales-extract
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages --no-fuzzy-matching --ignore-obsolete --width=99

locales-compile: $(STAMP)
	$(BIN)/pybabel compile -d $(LOCALES) -D messages --statistics 2>&1 | grep -v "^compiling" || true

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
