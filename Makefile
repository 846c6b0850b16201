# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PY ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PYTHON := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench bench-tools worker beat migrate demo

$(UV):
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The virtualenv is made from the lock file and made again only when the lock file changes. Its
# packages are compiled to bytecode once, there: every command (a worker, load_cclf) starts in
# half the time where nothing may write bytecode at run time (PYTHONDONTWRITEBYTECODE).
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --python $(PY)
	touch $@

run: $(VENV)/.synced
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py load_demo
	@echo "Open http://$(HOST):$(PORT)/ and sign in with one of the demo users above."
	$(PYTHON) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.synced
	scripts/test $(PYTEST_ARGS)

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports  # the layers of the apps (.importlinter)

format: $(VENV)/.synced
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The load tool bench/api drives, from Debian (bench/dashboard has its own Python load loop).
# BENCH_SIZE=small make bench runs every bench at the size the test suite runs it.
bench-tools:
	@command -v wrk >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

bench: $(VENV)/.synced bench-tools
	@for b in bench/*/run; do echo "== $$b"; $(PYTHON) $$b || exit 1; done

worker: $(VENV)/.synced
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

beat: $(VENV)/.synced
	$(VENV)/bin/celery -A config beat --loglevel=INFO
