# hw2 — `make help` lists the targets. Every target creates/refreshes .venv first when needed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.hw2-installed
PROFILE ?=
ONLY ?=
# data: ../shared/data beside the clone when present (hw2.config also looks there)
export HW2_DATA ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),)
export PYTHONHASHSEED := 0

.PHONY: help venv report quick-report test bench verify freeze-numbers lab train-photowct train-wct train-munit train-munit-pretrained train-munit-hypothesis bench-munit-analyses clean

help: ## show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  variables: PROFILE=full|quick (report: full by default; verify: quick by default),"
	@echo "             ONLY=<name> (report, bench, verify), HW2_DATA=<training data folder>"

$(STAMP): requirements.txt pyproject.toml
	@echo "[venv] creating/refreshing $(VENV) (first time: several minutes)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip "setuptools>=64"
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name hw2 --display-name "Python (hw2)" >/dev/null
	@touch $(STAMP)

venv: $(STAMP) ## create or refresh the virtual environment .venv (pinned requirements.txt)

report: $(STAMP) ## execute all notebooks and build report/index.html + report/report.pdf (PROFILE=full|quick)
	$(PY) -m hw2.report --profile $(or $(PROFILE),full) $(if $(ONLY),--only $(ONLY),)

quick-report: $(STAMP) ## the report in the quick profile (tiny sizes; minutes)
	$(PY) -m hw2.report --profile quick

test: $(STAMP) ## run the test suite (unit tests + every notebook in the quick profile)
	$(PY) -m pytest

bench: $(STAMP) ## run benchmarks into benchmarks/results.json (ONLY=name for one)
	$(PY) -m hw2.bench $(if $(ONLY),--only $(ONLY),)

verify: $(STAMP) ## re-execute the notebooks and compare every number with the committed ones (PROFILE=quick|full)
	$(PY) -m hw2.verify --profile $(or $(PROFILE),quick) $(if $(ONLY),--only $(ONLY),)

freeze-numbers: $(STAMP) ## copy the last report build's numbers (report/numbers) into the committed notebooks/numbers
	$(PY) -m hw2.verify --freeze

lab: $(STAMP) ## open the notebooks in JupyterLab
	$(VENV)/bin/jupyter lab notebooks/

train-photowct: $(STAMP) ## train the PhotoWCT unpooling decoders (resumable), then export them to hw2/weights
	$(PY) -m hw2.fastphotostyle.photowct.train --threads 2 --export

train-wct: $(STAMP) ## train our WCT upsampling decoders relu1_1-relu3_1 on trainB (resumable), then export them
	$(PY) -m hw2.fastphotostyle.photowct.train --decoder wct --threads 1 --export

train-munit: $(STAMP) ## train MUNIT: from scratch (plain, variant, stage 3), then on pretrained parts (fit, 40 min)
	$(PY) -m hw2.munit.train --config cpu cpu_encadv --minutes 60 --threads 1 --export
	$(PY) -m hw2.munit.train --config cpu_vgg --minutes 55 --threads 1 --export
	$(MAKE) train-munit-pretrained

train-munit-pretrained: $(STAMP) ## MUNIT on pretrained parts: Gaussian-fit baseline, then 40 min of training (resumable)
	$(PY) -m hw2.munit.pretrained_train --fit --threads 1 --export
	$(PY) -m hw2.munit.pretrained_train --minutes 40 --threads 1 --export

train-munit-hypothesis: $(STAMP) ## the seed's hypothesis at equal steps: 500 steps from the fit, plain then --encadv (resumable)
	$(PY) -m hw2.munit.pretrained_train --name pretrained_hyp_plain --max-steps 500 --minutes 200 --threads 1 --export
	$(PY) -m hw2.munit.pretrained_train --name pretrained_hyp_encadv --encadv --max-steps 500 --minutes 200 --threads 1 --export

bench-munit-analyses: $(STAMP) ## only the MUNIT benchmark's fig31_* and hypothesis_* keys, merged into results.json
	$(PY) -m hw2.bench.munit --analyses

clean: ## remove generated figures, build files and caches (keeps .venv and report/)
	rm -rf build .pytest_cache
	find figures -name '*.png' -delete
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
