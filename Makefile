# Two commands for a new user:  make site  (build)  ·  make test  (all tests)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: site serve test lint check bench bench-search bench-safety clean messages vendor help

help:
	@echo "make site    build the site from content/ into site/"
	@echo "make serve   build, serve on http://127.0.0.1:8000/ and rebuild on every change"
	@echo "make check   check the content without building (what a pull request runs)"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff"
	@echo "make bench   run the benchmarks (figures, not pass/fail)"
	@echo "make bench-search   only the search benchmark (index size, build and browser times at 1,000 and 5,000 records)"
	@echo "make bench-safety   how long hostile input (20 MB files, YAML bombs, Markdown at the size limit) holds a build up"
	@echo "make vendor  refresh ogpsite/vendor/ (lunr.js, lunr-languages, Snowball stemmers) from npm and PyPI"
	@echo "make clean   remove site/, caches and installed dependencies"

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.runtime
	$(PIP) install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Building needs no Node: the browser libraries are vendored in ogpsite/vendor/. Node and
# node_modules are only for the tests that run lunr.js under Node.
site: $(VENV)/.runtime
	$(PY) build.py build

# make serve SERVE_ARGS="--port 8001"
serve: $(VENV)/.runtime
	$(PY) build.py serve $(SERVE_ARGS)

check: $(VENV)/.runtime
	$(PY) build.py check

test: $(VENV)/.test node_modules/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test
	$(VENV)/bin/ruff check ogpsite tests benchmarks build.py

bench: $(VENV)/.test node_modules/.installed bench-search bench-safety
	$(PY) -m benchmarks

bench-search: $(VENV)/.test node_modules/.installed
	$(PY) -m benchmarks.search_bench --json benchmarks/out/search.json

bench-safety: $(VENV)/.test node_modules/.installed
	$(PY) -m benchmarks.safety_bench --out benchmarks/out

messages: $(VENV)/.runtime
	$(VENV)/bin/pybabel extract -F babel.cfg -k translate:2 -o templates/locale/messages.pot --no-location --omit-header .
	$(VENV)/bin/pybabel update -i templates/locale/messages.pot -d templates/locale --no-fuzzy-matching --omit-header

# The versions: package-lock.json (npm) and ogpsite/vendor/manifest.json (Sphinx, which ships the
# Snowball JavaScript); tests/test_vendor.py checks the result.
vendor: $(VENV)/.runtime
	$(PY) tools/vendor.py

clean:
	rm -rf site .site.* .cache $(VENV) node_modules .pytest_cache
