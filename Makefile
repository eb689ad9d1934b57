# The user's interface. Every target installs first when needed, so each is one command on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
TORCH_VERSION := 2.13.0
# pip's configured find-links folder (where this machine keeps the CPU torch wheel); uv ignores pip's config.
FIND_LINKS := $(sort $(PIP_FIND_LINKS) $(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null))
UV_FLAGS := $(foreach d,$(FIND_LINKS),--find-links $(d))
# Set TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu for a small CPU-only install on a machine without a wheel folder.
TORCH_FLAGS := $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL))
SPEC ?= specs/fraud.yaml

.PHONY: install lock test test-unit lint up demo demo-shadow demo-local down bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip install -q --python $(BIN)/python $(UV_FLAGS) -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python $(UV_FLAGS) $(TORCH_FLAGS) torch==$(TORCH_VERSION)
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps --config-settings editable_mode=compat -e .
	touch $@

# Re-resolve the one lock (torch is installed separately: CPU or CUDA build).
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev $(UV_FLAGS) --python-version 3.11 --no-emit-package torch -o requirements.lock

test: install
	$(BIN)/python -m pytest

test-unit: install
	$(BIN)/python -m pytest -m unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy pipelines model_registry serving shadowloop

# Start MLflow (5000) and Airflow (8080) on 127.0.0.1; dev secrets are generated once into .env.
up: install
	$(BIN)/shadowloop stack up

# The whole loop through the real stack: train through Airflow, register in MLflow, serve and call the champion.
# Cron schedules stay off here so that only the demo's run (and drift events) train; `make up` keeps them on.
demo: install
	SHADOWLOOP_AIRFLOW_USE_SCHEDULES=false $(BIN)/shadowloop stack demo

# The shadow loop: a second model trained on drifted data runs in shadow, gets live traffic and feedback, and the
# shadow_review DAG promotes or rejects it (report in MLflow, experiment fraud-shadow-review).
demo-shadow: install
	SHADOWLOOP_AIRFLOW_USE_SCHEDULES=false $(BIN)/shadowloop shadow demo

# The loop's steps in one process, no services: ingest, validate, features, train, evaluate.
demo-local: install
	test -f data/demo/fraud.csv || $(BIN)/shadowloop generate-data --out data/demo/fraud.csv
	$(BIN)/shadowloop run $(SPEC)

bench: install
	$(BIN)/python -m bench

down:
	@if [ -x $(BIN)/shadowloop ]; then $(BIN)/shadowloop stack down; else echo "nothing installed, nothing running"; fi

clean:
	rm -rf $(VENV) .lake .pytest_cache .mypy_cache .ruff_cache
