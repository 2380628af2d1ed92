# Two commands: `make run` and `make test`. Everything else here is what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test setup chromium lint bench clean

setup: $(STAMP)

# CPU torch is pinned FIRST: any later package that depends on torch with an open range then
# finds it satisfied instead of pulling a multi-GB CUDA build.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[test]"
	# MovieLens 100k ships inside recbole; its own dependencies (ray, tensorboard...) are not needed to read it
	$(BIN)/python -m pip install -q --no-deps "recbole==1.2.1"
	$(BIN)/embedlab warmup
	$(BIN)/embedlab fetch-corpus || echo "warning: the FOLDOC corpus could not be fetched; the search lab will say how to get it"
	touch $(STAMP)

run: setup
	$(BIN)/embedlab serve --port $(PORT)

chromium:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: setup chromium
	$(BIN)/python -m pytest -q --durations=15

lint: setup
	$(BIN)/ruff check core dashboard tests bench

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .embedlab-cache tests/artifacts
