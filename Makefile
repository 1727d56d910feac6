# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-quick install clean demo-reset

# The audit engine is its own distribution (packages/asgi-audit); Call Manager depends on it.
$(STAMP): pyproject.toml constraints.txt packages/asgi-audit/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e "packages/asgi-audit[postgresql,test]" -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/callmanager db upgrade
	$(BIN)/callmanager demo seed
	$(BIN)/callmanager serve

demo-reset: $(STAMP)
	$(BIN)/callmanager demo seed --reset

lint: $(STAMP)
	$(BIN)/ruff format --check src tests packages $(wildcard benchmarks)
	$(BIN)/ruff check src tests packages $(wildcard benchmarks)
	$(BIN)/mypy
	$(BIN)/lint-imports

# Browser tests run in a pytest process of their own: Playwright's sync API keeps an event loop
# running in its thread, which would break the asyncio tests sharing a worker with it.
test: lint
	$(BIN)/pytest -n 2 -m "not browser" $(PYTEST_ARGS)
	$(BIN)/pytest -n 2 -m browser $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
