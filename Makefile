# Two entry points, each from nothing on a fresh machine:
#   make run   builds the sample index and answers a question with citations
#   make test  installs everything and runs the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# A native llama.cpp build segfaults on the first decode on some CPUs; this portable one does not.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_OPENMP=OFF
QUESTION ?= Where will Jaguar Land Rover manufacture its electric drive units?

.PHONY: run test install install-test sample-index clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned: any other spec pulls a multi-GB CUDA build.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet torch==2.13.0
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet -e ".[all]"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet -e ".[all,test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

sample-index: install
	$(BIN)/newsrag ingest data/sample

run: sample-index
	$(BIN)/newsrag ask "$(QUESTION)"

test: install-test
	$(BIN)/python -m pytest -v

clean:
	rm -rf $(VENV) .newsrag
