# Two entry points, each from nothing on a fresh machine:
#   make run   builds the sample index and serves the chat UI at http://127.0.0.1:7860
#   make test  installs everything and runs the test suite
# (make ask   answers one question in the terminal)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# A native llama.cpp build segfaults on the first decode on some CPUs; these explicit ones do not.
# AVX-512 (with VNNI and BF16) reads prompts 2x faster than AVX2 where the CPU has it
# (benchmarks/llama_build.py: 1.5B 82 -> 162 tokens/s); other CPUs get the portable AVX2 build.
# --no-cache-dir: pip would otherwise reuse a llama.cpp wheel built earlier with other flags.
# LLAVA_BUILD=OFF: llama-cpp-python also builds the image/audio library (mtmd) by default; nothing here loads it.
LLAMA_PORTABLE := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_OPENMP=OFF -DLLAVA_BUILD=OFF
LLAMA_AVX512   := $(LLAMA_PORTABLE) -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON
# AMX int8 tiles (Xeon Sapphire Rapids and later) read prompts 1.8x (1.5B) to 2.7x (0.5B) faster again with the
# q8_0 copies llm.weights = auto then makes (benchmarks/llama_build.py). GCC 12 at -O3 drops the stores that fill
# llama.cpp's AMX tile configuration (it is built on the stack and only read by ldtilecfg), which then faults with
# SIGILL on the first prompt; -fno-dse keeps them (llama.cpp PR #26954 moves the configuration out of the stack).
LLAMA_AMX      := $(LLAMA_AVX512) -DGGML_AMX_TILE=ON -DGGML_AMX_INT8=ON -DGGML_AMX_BF16=ON \
                  -DCMAKE_CXX_FLAGS='-fno-dse -fno-tree-dse'
HAS_AVX512     := $(shell grep -qw avx512_bf16 /proc/cpuinfo 2>/dev/null && grep -qw avx512_vnni /proc/cpuinfo && echo yes)
HAS_AMX        := $(shell grep -qw amx_int8 /proc/cpuinfo 2>/dev/null && grep -qw amx_tile /proc/cpuinfo && echo yes)
LLAMA_CMAKE_ARGS ?= $(if $(HAS_AVX512),$(if $(HAS_AMX),$(LLAMA_AMX),$(LLAMA_AVX512)),$(LLAMA_PORTABLE))
QUESTION ?= Where does Polestar plan to build the Polestar 7?

.PHONY: run ask test install install-test sample-index clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned: any other spec pulls a multi-GB CUDA build.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet torch==2.13.0
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --no-cache-dir -e ".[all]"
	touch $@

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
$(VENV)/.installed-test: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet -e ".[all,test]"
	[ -x /usr/bin/chromium ] || { apt-get update -qq && apt-get install -y -qq chromium; } \
		|| { echo "install Debian's chromium package (apt-get install chromium) for the browser tests"; exit 1; }
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

sample-index: install
	$(BIN)/newsrag ingest data/sample

run: sample-index
	$(BIN)/newsrag serve

ask: sample-index
	$(BIN)/newsrag ask "$(QUESTION)"

test: install-test
	$(BIN)/python -m pytest -v

clean:
	rm -rf $(VENV) .newsrag
