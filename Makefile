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

# The clock-sensitive tests run again (on SQLite, to stay quick) as if it were a Saturday
# afternoon, a Sunday at 23:30 in London (the night summer time began: 22:30 UTC) and New Year's
# Eve at 23:30, so a test that passes only on some days fails here whatever day `make test` runs:
# the browser tests marked `clock`, the searches that default to "today", and the holiday task
# (next year's holidays), the demo's activity and the CLI's tasks.
CLOCK_INSTANTS := 2026-11-28T15:00:00Z 2026-03-29T22:30:00Z 2026-12-31T23:30:00Z
CLOCK_TESTS := tests/integration/audit/test_sql_store.py tests/integration/audit/test_isolation.py \
	tests/integration/api/test_audit_log.py tests/integration/api/test_call_logs.py \
	tests/integration/tasks tests/integration/test_demo_activity.py \
	tests/integration/test_cli_tasks_partner.py
# Every browser test is under tests/browser (collection refuses one elsewhere: tests/browser_dir.py),
# so the browser runs collect only that folder, not the whole suite in each of their processes.
BROWSER_TESTS := tests/browser

# Browser tests run in a pytest process of their own: Playwright's sync API keeps an event loop
# running in its thread, which would break the asyncio tests sharing a worker with it.
test: lint
	$(BIN)/pytest -n 2 -m "not browser" $(PYTEST_ARGS)
	$(BIN)/pytest -n 2 -m browser $(PYTEST_ARGS) $(BROWSER_TESTS)
	for at in $(CLOCK_INSTANTS); do \
	  $(BIN)/pytest -q -n 2 -m "not browser and not postgres" --fake-now=$$at $(CLOCK_TESTS) && \
	  $(BIN)/pytest -q -m "clock and browser" --fake-now=$$at $(BROWSER_TESTS) || exit 1; \
	done

bench: $(STAMP)
	$(BIN)/python -m benchmarks

bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
