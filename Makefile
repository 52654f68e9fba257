# Two commands for a new user:  make site  (build)  ·  make test  (all tests)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
WHEELS := .cache/wheels
PY_SOURCES := ogpsite tests benchmarks build.py tools
UV_VERSION := 0.13.9
LOCK := uv pip compile --quiet --universal --python-version 3.11 --generate-hashes

.PHONY: site serve test lint check bench bench-search bench-safety clean messages vendor lock help

help:
	@echo "make site    build the site from content/ into site/"
	@echo "make serve   build, serve on http://127.0.0.1:8000/ and rebuild on every change"
	@echo "make check   check the content without building (what a pull request runs)"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff (lint and format check) and mypy"
	@echo "make bench   run the benchmarks (figures, not pass/fail)"
	@echo "make bench-search   only the search benchmark (index size, build and browser times at 1,000 and 10,000 records)"
	@echo "make bench-safety   how long hostile input (20 MB files, YAML bombs, Markdown at the size limit) holds a build up"
	@echo "make vendor  refresh ogpsite/vendor/ (lunr.js, lunr-languages, Snowball stemmers) from npm and PyPI"
	@echo "make lock    refresh the locked dependencies (requirements/*.txt) after changing pyproject.toml"
	@echo "make clean   remove site/, caches and installed dependencies"

# Dependencies come from the lock (requirements/*.txt: every transitive package pinned, with
# hashes); ogpsite itself is installed on top without dependencies. `make lock` refreshes the lock
# after pyproject.toml changes.
$(VENV)/.runtime: requirements/runtime.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r requirements/runtime.txt
	$(PIP) install --quiet --no-deps -e .
	touch $@

$(VENV)/.test: requirements/test.txt $(VENV)/.runtime
	$(PIP) install --quiet --require-hashes -r requirements/test.txt
	touch $@

# Wheels of the locked runtime and build dependencies, for tests/test_wheel.py, which installs
# ogpsite's own wheel into a fresh virtual environment without the network.
$(WHEELS)/.complete: requirements/runtime.txt requirements/build.txt $(VENV)/.runtime
	$(PIP) wheel --quiet --require-hashes -r requirements/runtime.txt -w $(WHEELS)
	$(PIP) wheel --quiet --require-hashes -r requirements/build.txt -w $(WHEELS)
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

# What a pull request that changes only content runs (the content job of
# .github/workflows/pull-request.yml): runtime dependencies only, no browser, no Java. The check
# (CHECK_FORMAT=github: annotations on the lines), a build that starts from the last one in site/
# and .cache/ and writes what it changed to SUMMARY (Markdown), then the built site's links.
.PHONY: content-check
CHECK_FORMAT ?= human
SUMMARY ?= build-summary.md
content-check: $(VENV)/.runtime
	$(PY) build.py check --format $(CHECK_FORMAT)
	$(PY) build.py build --summary $(SUMMARY)
	$(PY) build.py check --links

# Type check and format check first: they take seconds, the suite minutes.
test: $(VENV)/.test node_modules/.installed $(WHEELS)/.complete
	$(VENV)/bin/mypy
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/mypy

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

# Re-run after changing a dependency in pyproject.toml (or to take new releases of the unpinned
# transitive ones); commit requirements/*.txt with it.
lock:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet uv==$(UV_VERSION)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(LOCK) pyproject.toml -o requirements/runtime.txt
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(LOCK) --extra test pyproject.toml -o requirements/test.txt
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(LOCK) requirements/build.in -o requirements/build.txt

clean:
	rm -rf site .site.* .cache $(VENV) node_modules .pytest_cache
