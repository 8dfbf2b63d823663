# The two commands: `make demo` (set up, run the demo) and `make test` (set up, run every test).
# Each creates or updates what it needs: the project's own virtual environment in .venv from
# requirements.lock, the widget's node packages from widget/package-lock.json, Debian's
# Chromium for the browser tests, and Debian's nginx (with openssl) for the deployment tests.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := widget/node_modules/.package-lock.json
CHROMIUM ?= /usr/bin/chromium
NGINX ?= /usr/sbin/nginx

.PHONY: demo test setup browser nginx lint typecheck widget bench lock clean

demo: setup
	$(BIN)/python -m demo_app

test: setup browser nginx
	$(BIN)/ruff check server sdk demo_app tests bench
	$(BIN)/mypy
	$(BIN)/mypy --config-file sdk/pyproject.toml
	$(BIN)/pytest

setup: $(STAMP) $(NODE_STAMP)

# Reinstalls only when the lock or the project metadata changed.
$(STAMP): requirements.lock pyproject.toml sdk/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . -e ./sdk
	@touch $(STAMP)

# npm writes node_modules/.package-lock.json on every install: newer than the lockfile = up to date.
$(NODE_STAMP): widget/package-lock.json
	npm ci --prefix widget --no-audit --no-fund --loglevel=error

# Playwright cannot download its own browsers here; the tests launch Debian's Chromium.
browser:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# tests/deploy/ and bench/load_balancer.py put Debian's nginx in front of Shirube instances; they
# run it from a temporary directory of their own on free ports, never as the system's service
# (on a machine with systemd, installing the package also starts that service on port 80).
nginx:
	@test -x $(NGINX) && command -v openssl >/dev/null || { \
	  echo "Installing Debian's nginx (and openssl) for the deployment tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx openssl; }

# Rebuild the widget bundle the server serves, with its .gz and .br copies and its chunks
# (committed, so the server and its wheel work without node),
# after writing the identifier patterns it shares with the server into its source.
widget: $(NODE_STAMP) $(STAMP)
	$(BIN)/python -m shirube.identifiers
	npm run build --prefix widget

bench: setup browser nginx
	$(BIN)/python bench/widget_session.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/ingest_loaded.py
	$(BIN)/python bench/sdk_track.py
	$(BIN)/python bench/widget_size.py
	$(BIN)/python bench/widget_first_tooltip.py
	$(BIN)/python bench/widget_idle.py
	$(BIN)/python bench/load_balancer.py
	$(BIN)/python bench/console_editor.py

# Re-resolve every dependency to its newest allowed version and rewrite the lock.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet hatchling -e ".[dev]"
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^shirube' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) widget/node_modules .mypy_cache .ruff_cache .pytest_cache
