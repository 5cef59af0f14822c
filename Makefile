# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean-index

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU build from the local wheel, never the CUDA one
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test]"
	# htmx and the API docs' Swagger UI from their registry packages, served by the app
	# (web/static/vendor/ is git-ignored; nothing is loaded from a CDN)
	npm install --prefix build/npm htmx.org@2 swagger-ui-dist@5 --no-audit --no-fund --silent
	mkdir -p web/static/vendor
	cp build/npm/node_modules/htmx.org/dist/htmx.min.js web/static/vendor/htmx.min.js
	cp build/npm/node_modules/swagger-ui-dist/swagger-ui-bundle.js web/static/vendor/swagger-ui-bundle.js
	cp build/npm/node_modules/swagger-ui-dist/swagger-ui.css web/static/vendor/swagger-ui.css
	cp build/npm/node_modules/swagger-ui-dist/favicon-32x32.png web/static/vendor/favicon-32x32.png
	# the statistics chart: Observable Plot on d3 (neither needs eval, so the strict policy holds)
	npm install --prefix build/npm @observablehq/plot@0.6 d3@7 --no-audit --no-fund --silent
	cp build/npm/node_modules/d3/dist/d3.min.js build/npm/node_modules/@observablehq/plot/dist/plot.umd.min.js web/static/vendor/
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kb init
	$(BIN)/kb demo --if-empty
	$(BIN)/kb serve --demo --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check kb ingest index web cli fixtures tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/retrieval.py ../shared/data/beir/cranfield
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/consent_cost.py

clean-index:
	rm -rf data/index
