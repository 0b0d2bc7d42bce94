# README's two commands: `make run` (set up everything, start the examiner app) and `make test`.
HOST ?= 127.0.0.1
PORT ?= 5006

.PHONY: setup run test evaluate bench

setup:
	bash scripts/setup.sh

run: setup
	.venv/bin/panel serve apps/examiner.py --address $(HOST) --port $(PORT) --num-procs 1 --warm

test:
	bash scripts/setup.sh --no-train --browser
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m pytest -q

evaluate: setup
	.venv/bin/workbench evaluate

bench: setup
	.venv/bin/workbench bench
