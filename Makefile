# Alliance: `make run` brings the whole system up; `make test` runs the whole suite.
# Both install the dev stack (the `local` extra) with the dev tools; production has neither.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The browser tests drive Debian's Chromium (Playwright cannot download its own here).
CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test lint bench-bookings bench-notifications clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[local,dev]'
	touch $(STAMP)

$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests"
	@DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get update -qq >/dev/null
	@DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

install: $(STAMP) $(CHROMIUM)

run: install
	$(BIN)/alliance up

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench-bookings: install
	$(BIN)/python bench/bookings.py

bench-notifications: install
	$(BIN)/python bench/notifications.py

clean:
	rm -rf var .pytest_cache
