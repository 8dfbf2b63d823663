# The two commands: `make demo` (set up, run the demo) and `make test` (set up, run every test).
# Each creates or updates the project's own virtual environment in .venv from requirements.lock.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup lint typecheck bench lock clean

demo: setup
	$(BIN)/shirube demo

test: setup
	$(BIN)/ruff check server tests bench
	$(BIN)/mypy
	$(BIN)/pytest

setup: $(STAMP)

# Reinstalls only when the lock or the project metadata changed.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

bench: setup
	$(BIN)/python bench/widget_session.py
	$(BIN)/python bench/ingest.py

# Re-resolve every dependency to its newest allowed version and rewrite the lock.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet hatchling -e ".[dev]"
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^shirube' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
