# README's two commands: `make run` (set up everything, start the examiner app) and `make test`.
HOST ?= 127.0.0.1
PORT ?= 5006
# e5 (default) or gemma: EmbeddingGemma-300M, more accurate, ~5x slower to encode, Gemma Terms of Use
ENCODER ?= e5

.PHONY: setup run test evaluate bench

setup:
	bash scripts/setup.sh --encoder $(ENCODER)

# a form message is a few KB: 1 MiB caps what one browser can make the server parse (Bokeh's default is 20 MiB)
WS_MAX_BYTES ?= 1048576

# LOGIN=1: users log in with a password (argon2id hashes in WORKBENCH_USERS_FILE, default data/users.json, made with
# `workbench users add NAME --role examiner|admin`); needs PANEL_COOKIE_SECRET. Without it the app says login is off.
LOGIN ?=
# more `panel serve` options, e.g. behind a TLS proxy: SERVE_ARGS="--allow-websocket-origin wb.example.kr --use-xheaders"
SERVE_ARGS ?=

run: setup
	WORKBENCH_ENCODER=$(ENCODER) .venv/bin/panel serve apps/examiner.py --address $(HOST) --port $(PORT) --num-procs 1 --warm \
		--websocket-max-message-size $(WS_MAX_BYTES) $(if $(LOGIN),--auth-module apps/auth.py) $(SERVE_ARGS)

# the gemma folder too: its encoder tests need the real model (trained models in tests use e5)
test:
	bash scripts/setup.sh --no-train --browser --encoder gemma
	.venv/bin/ruff check .
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 .venv/bin/python -m pytest -q --durations=10

evaluate: setup
	.venv/bin/workbench evaluate --encoder $(ENCODER)

bench: setup
	.venv/bin/workbench bench --encoder $(ENCODER)
