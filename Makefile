# The two commands of the README. Both create the virtualenv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The port `make up` serves on: `make up PORT=5001` (or OVERSIGHT_PORT=5001); 5000 when unset.
PORT ?=

.PHONY: up test lint bench catalogs fonts

CATALOGS := $(patsubst %.po,%.mo,$(wildcard web/translations/*/LC_MESSAGES/messages.po))

up: $(VENV)/.installed catalogs fonts
	$(BIN)/oversight up $(if $(PORT),--port $(PORT))

test: $(VENV)/.installed-test catalogs fonts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadscope

lint: $(VENV)/.installed-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(VENV)/.installed-test
	$(BIN)/python bench/door.py

# a CJK serif for the official documents, without root: the system's Noto Serif CJK if present,
# else Noto Serif SC fetched once from npm into ~/.local/share/oversight/fonts (cases/documents/fonts.py)
fonts: $(VENV)/.installed
	$(BIN)/python -m cases.documents.fonts

# the UI's English (web/i18n.py), compiled from the catalog kept in git
catalogs: $(CATALOGS)

web/translations/%/LC_MESSAGES/messages.mo: web/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -f -i $< -o $@

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed
