# The two commands of the README:
#   make run    install what is needed and start the blog with its worker and scheduler
#   make test   install what the tests need and run the whole suite
# Both create a virtual environment in .venv from the locked requirements
# (requirements.txt, requirements-dev.txt: every package pinned, with hashes).
# And the habits (CONTRIBUTING.md):
#   make lint   ruff check, ruff format --check, mypy blog
#   make audit  pip-audit over both lock files (offline-safe)
#   make lock   recompile the lock files from requirements.in and requirements-dev.in

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUN_ARGS ?=
PYTEST_ARGS ?=
# Extra pip-compile flags for `make lock`, e.g. LOCK_ARGS="--upgrade-package flask".
LOCK_ARGS ?=
PIP_INSTALL := $(PY) -m pip install --quiet --require-hashes
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

.PHONY: run test install install-dev lint audit lock

run: $(VENV)/.installed
	$(PY) manage.py run $(RUN_ARGS)

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy blog

audit: $(VENV)/.installed-dev
	$(PY) .ci/audit.py

# requirements-dev.in reads requirements.txt as constraints, so the runtime file goes first.
lock: $(VENV)/.installed-dev
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@
