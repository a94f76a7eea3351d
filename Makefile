# OpsDesk: `make run` starts a demo on SQLite, `make test` runs the whole test suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test lint format messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test
	scripts/install-test-deps.sh

# The demo writes outgoing mail to files under var/mail/ instead of sending it; set EMAIL_BACKEND
# (and EMAIL_HOST...) in the environment to use a real mail server.
run: export EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
run: install
	$(BIN)/python manage.py opsdesk_setup --demo
	@echo ""
	@echo "OpsDesk: http://127.0.0.1:8000/"
	$(BIN)/python manage.py serve --bind 127.0.0.1:8000

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install-test
	$(BIN)/python manage.py makemessages -l ja --no-obsolete --ignore '.venv/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages -l ja --ignore '.venv/*'

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
