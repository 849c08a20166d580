# Two commands for everything: `make run` and `make test`. Both set up .venv first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint clean bench lock

# constraints.txt is the lock file: the exact versions CI tested (`make lock` writes it anew).
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mentorbot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/mentorbot

# The suite runs twice: at today's date, and years away (a Thursday before Midsummer Eve), so a
# test that passes only on some dates cannot land. Each run uses both cores.
FAR_DATE ?= 2031-06-19T07:00

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2
	MENTORBOT_TEST_DATE=$(FAR_DATE) $(BIN)/pytest -n 2

# Write the lock file from what is installed now (after changing dependencies in pyproject.toml).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check > constraints.txt

# The benchmarks, one table (README "Benchmarks"); BENCH_ARGS=--quick for small sizes.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
