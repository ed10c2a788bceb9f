# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app portal

.PHONY: run test test-sqlite test-postgres install install-test translations messages bench fuzz clean

$(BIN)/flask: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip >$(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; false)
	$(BIN)/pip install --quiet -e . >>$(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; false)
	touch $(BIN)/flask

$(VENV)/.test-installed: $(BIN)/flask
	$(BIN)/pip install --quiet -e '.[test]' >>$(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; false)
	touch $@

install: $(BIN)/flask translations

install-test: $(VENV)/.test-installed translations

translations: $(BIN)/flask
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations -f >/dev/null

## Extract the texts from code and templates and merge them into the catalogues.
messages: $(BIN)/flask
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching --ignore-obsolete

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-if-empty
	@echo "The portal is at http://127.0.0.1:$(PORT)/"
	$(FLASK) run --port $(PORT)

## The whole suite on SQLite, then on a throwaway PostgreSQL.
test: install-test
	$(BIN)/python -m pytest -q
	bash .ci/with-postgres $(BIN)/python -m pytest -q

## Schemathesis against /api/v1/openapi.json with many more examples than the suite's
## (FUZZ_EXAMPLES per operation, role and mode; the suite uses 8), and the import
## parsers' property tests IMPORT_FUZZ_SCALE times longer. SQLite unless
## DATABASE_URL is set, e.g. `bash .ci/with-postgres make fuzz`.
FUZZ_EXAMPLES ?= 70
IMPORT_FUZZ_SCALE ?= 20
fuzz: install-test
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -s tests/api/test_fuzz.py
	IMPORT_FUZZ_SCALE=$(IMPORT_FUZZ_SCALE) $(BIN)/python -m pytest -q tests/org/test_import_properties.py tests/competence/test_import_properties.py

## Every benchmark in bench/ (each builds its own demo in a temporary database, or uses DATABASE_URL:
## `bash .ci/with-postgres make bench`), then their figures into docs/benchmarks.md. Needs wrk.
bench: install
	$(BIN)/python bench/all.py

clean:
	rm -rf $(VENV) instance
