# Every target builds .venv itself from the machine's python3 (3.11 or newer): a clean clone
# needs nothing else. Debian's chromium and postgresql are installed on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.lotus-installed
export DJANGO_SETTINGS_MODULE := lotus.settings
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install compile-messages demo test test-postgres chromium bench lint format messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Lotus needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstalled whenever pyproject.toml changes; every dependency there is pinned.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The .mo files are committed too, so a machine without GNU gettext still has them.
compile-messages: $(STAMP)
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(BIN)/python manage.py compilemessages --ignore=$(VENV) --ignore=staticfiles -v 0; \
	else \
		echo "msgfmt (GNU gettext) not found: using the committed .mo files"; \
	fi

install: $(STAMP) compile-messages

demo: install
	$(BIN)/python manage.py run_demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

chromium:
	scripts/ensure-chromium

test: lint chromium
	$(BIN)/pytest

test-postgres: install chromium
	scripts/with-postgres $(BIN)/pytest

# The linkage on Spark: pyspark (the `spark` extra, kept out of the main install), Java 17,
# and the tests marked `spark`, which the default run leaves out.
.PHONY: test-spark
test-spark: install
	@command -v java >/dev/null 2>&1 || { apt-get update -qq \
		&& apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	LOTUS_TEST_SPARK=1 LOTUS_LINKAGE_BACKEND=spark $(BIN)/pytest -m spark lotus/linkage

bench: install
	$(BIN)/python bench/run_all.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	scripts/make-messages

clean:
	rm -rf $(VENV) lotus.sqlite3 lotus.sqlite3-wal lotus.sqlite3-shm staticfiles
