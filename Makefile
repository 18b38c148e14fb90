# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test lint catalog

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/circlekeeper run

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

# After adding or changing a message: refresh the template and merge it into every language's
# catalog (bot/locale/README.md), then write the new msgstr entries.
catalog: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k t -k translate -k tn:1,2 -k translate_plural:1,2 \
		--no-location -w 100 --project circlekeeper --version 0.1 -o bot/locale/circlekeeper.pot .
	$(BIN)/pybabel update -i bot/locale/circlekeeper.pot -d bot/locale -D circlekeeper -w 100 \
		--ignore-obsolete --no-fuzzy-matching
