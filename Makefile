# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app portal

.PHONY: run test test-sqlite test-postgres install install-test translations messages bench clean

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

## Every benchmark in bench/ (each builds its own 50,000-employee demo in a temporary database).
bench: install
	for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance
