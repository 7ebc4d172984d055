# hallq — the two commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HALLQ_DATABASE_URL ?= sqlite:///var/hallq.db
PORT ?= 8000

.PHONY: install run test test-unit lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create or update .venv
	$(COMPILE)

# Byte-compile the project's own modules (an editable install does not, and with
# PYTHONDONTWRITEBYTECODE set nothing else will): ~0.3 s of every server start. Incremental.
COMPILE = $(BIN)/python -m compileall -q server kiosk display counter_client migrations bench

# The printed URLs follow PORT, or HALLQ_PUBLIC_BASE_URL when set (environment or .env).
run: $(STAMP)  ## migrate, seed the demo hall and its history, print URLs and credentials, serve on :$(PORT)
	$(COMPILE)
	$(BIN)/hallq demo --port $(PORT)
	$(BIN)/hallq serve --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check server kiosk display counter_client tests bench migrations
	$(BIN)/ruff format --check server kiosk display counter_client tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The suite runs as two pytest sessions side by side, one per core: the live-server and browser
# tests (markers e2e, browser) mostly wait, for servers, the pages' timers and audio, while the
# others mostly compute. One session after the other took ~5 min, side by side ~3½. The live
# half's output follows the other's; either failing fails the target.
# The tests' files (databases, logs, browser profiles) go to /dev/shm when it is there: memory,
# where SQLite's fsync of every commit returns at once; the durability tests kill processes,
# never the machine.
# Each half is stopped after 50 minutes (a test that hangs fails after 300 s: pyproject.toml),
# so that CI reports a failure with the output so far rather than its own 90-minute timeout.
HALF_BOUND := timeout --kill-after=30 3000
TEST_TMP := $(shell test -d /dev/shm -a -w /dev/shm && echo /dev/shm || echo $${TMPDIR:-/tmp})

test: $(STAMP)  ## the whole suite (SQLite; PostgreSQL and Redis too when reachable, always in CI)
	$(BIN)/ruff check server kiosk display counter_client tests bench migrations
	$(BIN)/mypy
	@export TMPDIR=$(TEST_TMP); live=$$(mktemp); \
	$(HALF_BOUND) $(BIN)/python -m pytest -q -m "e2e or browser" >$$live 2>&1 & pid=$$!; \
	$(HALF_BOUND) $(BIN)/python -m pytest -q -m "not e2e and not browser"; rc=$$?; \
	wait $$pid; live_rc=$$?; \
	echo "--- the live-server and browser tests, run alongside ---"; cat $$live; rm -f $$live; \
	[ $$rc -eq 0 ] && [ $$live_rc -eq 0 ]

test-unit: $(STAMP)  ## the unit layer alone: no database, no network, seconds
	$(BIN)/python -m pytest -q -m unit

bench: $(STAMP)  ## benchmarks; prints numbers and writes docs/benchmarks.md
	$(COMPILE)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
