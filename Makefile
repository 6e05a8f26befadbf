# fam-mm: the two commands of the README are `make demo` and `make test`.
# Both create the virtual environment .venv (known-good stack from
# requirements/stack.txt + `pip install -e .`) when it is missing.
# `make test` runs `make lint` (ruff + mypy, configured in pyproject.toml)
# first and stops if it fails.
# `make setup-det` adds full mmcv (CPU ops built once from the sdist, the
# wheel cached outside the repo) and mmdet for projects/fam_pseudo_det;
# `make demo-det` runs that project end to end.
# `make web` starts the web demo (demo/web_demo.py, a local Gradio app;
# options in WEB_ARGS), installing requirements/web.txt first when Gradio is
# missing (`make web-deps`). `make browser` installs Debian's chromium for
# the real-browser test of tests/test_web (skipped without it).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.fam_mm_installed
PYTEST_ARGS ?=
WEB_ARGS ?=

.PHONY: setup setup-det lint test demo demo-det web web-deps browser clean-venv

setup: $(STAMP)

$(STAMP): setup.py requirements/runtime.txt requirements/stack.txt requirements/stack_mmcv.txt requirements/tests.txt requirements/mim.txt
	@echo ">>> setting up $(VENV) with $(PYTHON)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/stack.txt -r requirements/tests.txt
	@# openmim without its dependencies (see requirements/mim.txt)
	$(PY) -m pip install --quiet --no-deps -r requirements/mim.txt
	@# mmcv-lite and full mmcv are both `import mmcv`: keep a full mmcv
	@# (make setup-det) rather than writing mmcv-lite over it
	@if $(PY) -c "import mmcv._ext" 2>/dev/null; then \
		echo ">>> full mmcv with compiled ops found: mmcv-lite not installed"; \
	else \
		$(PY) -m pip install --quiet -r requirements/stack_mmcv.txt; \
	fi
	$(PY) -m pip install --quiet -e .
	@touch $(STAMP)
	@echo ">>> $(VENV) ready"

setup-det: setup
	bash tools/setup_det.sh

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy

test: lint
	$(PY) -m pytest tests $(PYTEST_ARGS)

demo: setup
	$(PY) tools/demo.py

demo-det: setup-det
	$(PY) projects/fam_pseudo_det/run_synthetic.py

web: setup
	@$(PY) -c "import gradio" 2>/dev/null || $(MAKE) --no-print-directory web-deps
	$(PY) demo/web_demo.py $(WEB_ARGS)

web-deps: setup
	$(PY) -m pip install --quiet -r requirements/web.txt

# Debian's chromium for tests/test_web's browser test (Playwright drives it;
# its own browser download is not used). apt-get needs root.
browser:
	@if command -v chromium >/dev/null 2>&1; then \
		echo ">>> chromium found: $$(command -v chromium)"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo ">>> make browser: installing chromium needs root: run" \
			"'sudo apt-get install -y chromium' (Debian/Ubuntu); without" \
			"it the browser test of tests/test_web skips"; \
		exit 1; \
	else \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

clean-venv:
	rm -rf $(VENV)
