# make run   — set up if needed, then start the counter app on its embedded defaults
#              (ARGS=--fullscreen for kiosk mode)
# make test  — set up if needed, then run the whole test suite
# make fuzz  — the fuzz suites with a budget of about a million inputs, and the full CLI walk
#              (every argument × every hostile value), at nice -n 19
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTAMP := $(VENV)/.system-packages
export KIOSK_DEV_HOME := $(CURDIR)/.kiosk-home

.PHONY: run test setup lint check bench clean fuzz

setup: $(STAMP)

$(SYSTAMP): scripts/system-packages.txt scripts/setup-system.sh
	./scripts/setup-system.sh
	@mkdir -p $(VENV) && touch $@

$(STAMP): pyproject.toml $(SYSTAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# make run ARGS=--fullscreen   — kiosk mode (no window frame, fills the screen)
run: $(STAMP)
	./scripts/run.sh $(ARGS)

# The official tus implementations (tus-js-client, @tus/server) for the interop tests.
TUS_NODE := tests/tus/node_modules/.package-lock.json
$(TUS_NODE): tests/tus/package.json tests/tus/package-lock.json
	npm ci --prefix tests/tus --no-audit --no-fund
	touch $@

# Two pytest-xdist workers: a test file stays on one worker, and the counter app's tests
# (tests/ui) all on one, so two X11 apps never run at once (tests/conftest.py,
# docs/DEVELOPING.md). TEST_ARGS= runs everything in one process.
TEST_ARGS ?= -n 2 --dist loadgroup
test: $(STAMP) $(TUS_NODE)
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=25 $(TEST_ARGS)

fuzz: $(STAMP)
	$(BIN)/python scripts/fuzz.py --walk

lint: $(STAMP)
	$(BIN)/ruff check kiosk central tests bench
	$(BIN)/mypy

check: lint test

clean:
	rm -rf $(VENV) .kiosk-home .run
