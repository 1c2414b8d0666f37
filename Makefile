# Two set-up commands (README): `make demo` and `make test`. Both create the
# virtualenv and install everything on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
OUT ?= out/jiangdong

.PHONY: demo test test-fast lint docs venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/staffline validate instances/jiangdong
	$(BIN)/staffline roster instances/jiangdong --out $(OUT) --time-limit 60 --workers 2 --simulate 200
	$(BIN)/staffline report $(OUT)
	@echo "outputs: $(OUT)/ (report.html, roster.xlsx, calendars/, roster.csv, roster_wide.csv, coverage.csv, simulation.csv, kpis.json, forecast.csv, requirements.csv)"
	@echo "workbench: $(BIN)/staffline serve instances/  then open http://127.0.0.1:8000/ (plan, look, publish in a browser)"

# The whole suite on TEST_WORKERS processes (pytest-xdist; 2 = the CI machine's cores): 18 min on one, 11 on two.
TEST_WORKERS ?= 2
test: lint docs
	$(BIN)/python -m pytest --slow -q --durations=20 -n $(TEST_WORKERS) --dist worksteal

# Lint, format, the import-layering contract and the type check (pyproject.toml): seconds, so they run first.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

# The documentation site (mkdocs.yml); --strict turns a broken link or reference into a failure.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) out site .pytest_cache .hypothesis .mypy_cache
