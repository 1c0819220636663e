# The two set-up commands: `make run` and `make test`. Each builds .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Telegram's telegram-web-app.js for the browser tests, from the npm registry, never committed
TWA_JS := tests/.cache/telegram-web-app.js
TWA_SDK_VERSION := 8.0.2
# The "Handwritten" font, Caveat (SIL OFL 1.1, webapp_api/static/fonts/OFL.txt), Latin and
# Cyrillic subsets from Fontsource's npm package; committed, so `make fonts` only refreshes them
FONTS := webapp_api/static/fonts
CAVEAT_VERSION := 5.3.0

.PHONY: run test lint typecheck check bench clean fonts

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/confessions serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

$(TWA_JS):
	mkdir -p tests/.cache/npm
	npm install --silent --no-save --no-audit --no-fund --prefix tests/.cache/npm @twa-dev/sdk@$(TWA_SDK_VERSION)
	cp tests/.cache/npm/node_modules/@twa-dev/sdk/src/telegram-web-apps.js $(TWA_JS)

fonts:
	mkdir -p tests/.cache/npm
	npm install --silent --no-save --no-audit --no-fund --prefix tests/.cache/npm @fontsource/caveat@$(CAVEAT_VERSION)
	cp tests/.cache/npm/node_modules/@fontsource/caveat/files/caveat-latin-400-normal.woff2 $(FONTS)/
	cp tests/.cache/npm/node_modules/@fontsource/caveat/files/caveat-cyrillic-400-normal.woff2 $(FONTS)/
	cp tests/.cache/npm/node_modules/@fontsource/caveat/LICENSE $(FONTS)/OFL.txt

# Most tests wait on a server, a browser or the database, so four workers keep two cores busy.
TEST_WORKERS ?= 4

# Bytecode is written even where the environment says PYTHONDONTWRITEBYTECODE (some
# containers do): otherwise every worker compiles every module and rewrites every test file
# again (10 s of CPU to collect the tests instead of 6), and so does every `confessions serve`
# process a test starts.
test: export PYTHONDONTWRITEBYTECODE :=
test: $(STAMP) $(TWA_JS)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

check: lint typecheck test

# The README's performance table: 12 to 20 minutes on a quiet 2-core machine, PostgreSQL on
# 127.0.0.1:5432; BENCH_ARGS="--only peer --rounds 1" runs one part, short
bench: $(STAMP)
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(BIN)/python scripts/bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
