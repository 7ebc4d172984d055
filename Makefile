# hallq — the two commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HALLQ_DATABASE_URL ?= sqlite:///var/hallq.db

.PHONY: install run test lint typecheck bench clean

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

run: $(STAMP)  ## migrate, seed the demo hall, print URLs and credentials, serve on :8000
	$(COMPILE)
	$(BIN)/hallq demo
	$(BIN)/hallq serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check server kiosk display counter_client tests bench migrations
	$(BIN)/ruff format --check server kiosk display counter_client tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP)  ## the whole suite (SQLite; PostgreSQL and Redis too when reachable, always in CI)
	$(BIN)/ruff check server kiosk display counter_client tests bench migrations
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

bench: $(STAMP)  ## benchmarks; prints numbers and writes docs/benchmarks.md
	$(COMPILE)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
