# publisher: `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench system clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

system:
	@bash scripts/system-deps.sh

demo: $(STAMP) system
	PUBLISHER_OUTPUT=$(CURDIR)/output $(BIN)/publisher demo --home var/demo

test: $(STAMP) system
	$(BIN)/python -m pytest -q

# make bench BENCH_ARGS="--scale 0.1 --runs 1" for a quick run; figures only, never a pass/fail on time
bench: $(STAMP) system
	$(BIN)/python -m publisher.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) output var
