# The two commands a fresh machine needs: `make run` and `make test`.
.PHONY: run test setup check lint bench

HOST ?= 127.0.0.1
PORT ?= 8080

setup:
	@scripts/setup

run: setup
	@echo "voicebot: starting with the demo council; open http://$(HOST):$(PORT)/phone to talk to it"
	@.venv/bin/voicebot serve --host $(HOST) --port $(PORT)

test:
	@scripts/setup --browser
	@.venv/bin/ruff check voicebot telephony tests bench
	@.venv/bin/mypy
	@.venv/bin/lint-imports
	@.venv/bin/python scripts/deps.py audit
	@.venv/bin/pytest -q

lint:
	@.venv/bin/ruff check voicebot telephony tests bench
	@.venv/bin/ruff format --check voicebot telephony tests bench
	@.venv/bin/mypy
	@.venv/bin/lint-imports
