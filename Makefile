# fam-mm: the two commands of the README are `make demo` and `make test`.
# Both create the virtual environment .venv (known-good stack from
# requirements/stack.txt + `pip install -e .`) when it is missing.
# `make test` runs `make lint` (ruff + mypy, configured in pyproject.toml)
# first and stops if it fails.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.fam_mm_installed
PYTEST_ARGS ?=

.PHONY: setup lint test demo clean-venv

setup: $(STAMP)

$(STAMP): setup.py requirements/runtime.txt requirements/stack.txt requirements/tests.txt
	@echo ">>> setting up $(VENV) with $(PYTHON)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/stack.txt -r requirements/tests.txt
	$(PY) -m pip install --quiet -e .
	@touch $(STAMP)
	@echo ">>> $(VENV) ready"

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy

test: lint
	$(PY) -m pytest tests $(PYTEST_ARGS)

demo: setup
	$(PY) tools/demo.py

clean-venv:
	rm -rf $(VENV)
