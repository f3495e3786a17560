# The two commands a newcomer needs: `make run` and `make test`. `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test bench bench-short load load-short worker beat lint audit format check messages lock clean

help: ## List the targets with a line each
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock changes.
$(VENV)/.installed: requirements/dev.txt requirements/base.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

run: $(VENV)/.installed ## Install, migrate, load demo content and serve http://$(HOST):$(PORT)/ (SQLite, eager Celery)
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo_content
	$(MANAGE) ensure_dev_superuser
	$(MANAGE) ensure_dev_keyring
	$(MANAGE) runserver $(HOST):$(PORT)

test: $(VENV)/.installed ## Run the whole test suite (integration tests too when REDIS_URL is set)
	$(BIN)/pytest $(PYTEST_ARGS)

# wrk is a Debian package (the load generator of bench/run.py).
WRK_INSTALL = command -v wrk >/dev/null || { if [ "$$(id -u)" -eq 0 ]; then apt-get install -y -qq wrk; else sudo apt-get install -y -qq wrk; fi; }

bench: $(VENV)/.installed ## Measure the performance budgets at scale and write docs/performance.md (~40 min the first time)
	@$(WRK_INSTALL)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-short: $(VENV)/.installed ## A quick bench on small data that fails when a query-count bound is broken
	@$(WRK_INSTALL)
	$(BIN)/python bench/run.py --short $(BENCH_ARGS)

load: $(VENV)/.installed ## Mixed load for 5 min (browse, report with a photo, status lookups); writes its section of docs/performance.md
	$(BIN)/python bench/load.py $(LOAD_ARGS)

load-short: $(VENV)/.installed ## The mixed load for 15 s on small data; fails on any error or any report not found
	$(BIN)/python bench/load.py --short $(LOAD_ARGS)

worker: $(VENV)/.installed ## Run a Celery worker (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "REDIS_URL is not set: without it tasks already run in-process."; exit 1; }
	$(BIN)/celery -A portal worker --loglevel=INFO

beat: $(VENV)/.installed ## Run Celery beat, the periodic scheduler (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "REDIS_URL is not set: without it there is no broker for beat."; exit 1; }
	$(BIN)/celery -A portal beat --loglevel=INFO --schedule var/celerybeat-schedule

lint: $(VENV)/.installed ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

audit: $(VENV)/.installed ## Security checks: bandit on the code, pip-audit on the lock (allow-list: requirements/audit-allowlist.txt)
	.ci/audit

format: $(VENV)/.installed ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(VENV)/.installed ## Django system checks and missing migrations
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

messages: $(VENV)/.installed ## Extract UI strings into locale/ and compile the catalogues (needs GNU gettext)
	$(MANAGE) makemessages --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(MANAGE) compilemessages --ignore '.venv/*'

lock: ## Re-resolve requirements/*.in into exact pins in requirements/*.txt
	rm -rf var/lockvenv && $(PYTHON) -m venv var/lockvenv
	var/lockvenv/bin/pip install --quiet -r requirements/base.in
	{ echo "# Resolved from requirements/base.in by \`make lock\`; every package pinned exactly."; \
	  var/lockvenv/bin/pip freeze --all --exclude pip --exclude setuptools --exclude wheel; } > requirements/base.txt
	var/lockvenv/bin/pip install --quiet -r requirements/dev.in
	{ echo "# Resolved from requirements/dev.in by \`make lock\`; every package pinned exactly."; \
	  var/lockvenv/bin/pip freeze --all --exclude pip --exclude setuptools --exclude wheel; } > requirements/dev.txt
	rm -rf var/lockvenv

clean: ## Remove the virtualenv and local state (database, media, keyring)
	rm -rf $(VENV) var artifacts
