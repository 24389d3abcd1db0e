# The two commands of the README: `make demo` and `make test`. `make check` is the full gate.
PY := .venv/bin/python
# Tests that train a real (tiny) model run in their own processes; two at a time suits a 2-core box.
PYTEST_ARGS ?=

.PHONY: setup setup-dev demo test lint typecheck imports check bench clean

setup:
	scripts/setup.sh

setup-dev:
	scripts/setup.sh dev

demo: setup
	.venv/bin/alice-tui train --config configs/demo.yaml

test: setup-dev
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check alice_tui trainer datasets_build tests benchmarks

typecheck:
	.venv/bin/mypy alice_tui trainer datasets_build

imports:
	.venv/bin/lint-imports

check: setup-dev lint typecheck imports
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: setup-dev
	$(PY) benchmarks/bench_train.py
	$(PY) benchmarks/bench_data.py
	$(PY) benchmarks/bench_tui.py

clean:
	rm -rf outputs/* .pytest_cache .mypy_cache .ruff_cache
