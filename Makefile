# Every target builds .venv itself from the machine's python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := lotus.settings

.PHONY: install demo test test-postgres bench lint format messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python manage.py run_demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	scripts/ensure-chromium
	$(BIN)/pytest

test-postgres: $(STAMP)
	scripts/with-postgres $(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

messages: $(STAMP)
	cd lotus && ../$(BIN)/django-admin makemessages -l vi -l en --ignore=tests
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) lotus.sqlite3
