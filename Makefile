# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PY ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PYTHON := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
ADT_PORT ?= 2575

.PHONY: run test test-fast test-explore lint format bench bench-tools worker beat adt-listener migrate demo

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
	@echo "ADT listener (MLLP) on 127.0.0.1:$(ADT_PORT); try: $(PYTHON) manage.py send_adt --entity A9901 --discharge --port $(ADT_PORT)"
	$(PYTHON) manage.py adt_listener --port $(ADT_PORT) & listener=$$!; \
	trap 'kill $$listener 2>/dev/null' EXIT INT TERM; \
	$(PYTHON) manage.py runserver $(HOST):$(PORT)

# The suite runs in TEST_WORKERS pytest-xdist processes, each on a test database of its own
# (test_<db>_gw0, _gw1, ...), a test file at a time (a file's module-scoped data is built once),
# in collection order: tests/conftest.py puts the longest files first.
TEST_WORKERS ?= 2
XDIST = -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
# What the fast lane leaves out: browser tests, tests that start a Celery worker or kill one (or a
# loader), schema fuzzing with the heavier property-based tests, the demo loads and the benches'
# small runs (markers in pyproject.toml).
SLOW_LANES = browser or worker or kill or fuzz or demo or bench

test: $(VENV)/.synced
	scripts/test $(XDIST) $(PYTEST_ARGS)

test-fast: $(VENV)/.synced
	scripts/test $(XDIST) -m "not ($(SLOW_LANES))" $(PYTEST_ARGS)

# Property-based and schema-fuzzing tests with fresh random examples (`make test` runs them
# derandomized, so that a green run is repeatable). A failure prints the example and a blob to
# reproduce it; it becomes an @example or a test of its own before the fix.
test-explore: $(VENV)/.synced
	HYPOTHESIS_PROFILE=explore scripts/test $(XDIST) -m "hypothesis or fuzz" $(PYTEST_ARGS)

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

# The MLLP listener for hospital ADT feeds on its own (docs/adt.md); `make run` starts one too.
adt-listener: $(VENV)/.synced
	$(PYTHON) manage.py adt_listener --port $(ADT_PORT)
