# Plexus: the two commands a new user runs on a fresh Debian 12 machine are `make demo` and `make test`.
# Both install the Debian packages Plexus links against when they are missing.

DEB_PACKAGES := libdnnl-dev libgcc-12-dev libpng-dev libsqlite3-dev sqlite3 zlib1g-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core fonts-wqy-microhei libssl-dev libnifti2-dev python3-venv libopenmpi-dev openmpi-bin iproute2 chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift
RELEASE_BIN = $(shell $(SWIFT) build -c release --show-bin-path)
# `make install` copies these into $(PREFIX)/bin.
COMMANDS := plexus forecast classify cluster anomaly
PREFIX ?= /usr/local

# The Python the tests call (ONNX export checked by ONNX Runtime): a venv with the pins of tools/requirements-test.txt.
TEST_VENV := .build/venv
# The Python of the benchmarks' PyTorch peers and of `make fixtures`: a venv with tools/requirements-bench.txt.
BENCH_VENV := .build/bench-venv

.PHONY: demo test bench deps build builtin-pipelines install uninstall fixtures clean test-venv bench-venv bench-dist bench-kmeans bench-memory fuzz fuzz-corpus

## Install the missing Debian packages (oneDNN, libpng, SQLite, cairo and pango with the DejaVu and WenQuanYi (CJK) fonts, libcrypto, nifticlib, Open MPI,
## iproute2 for the two-host test).
deps:
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6 is required (https://www.swift.org/install/linux/): swift not found on PATH" >&2; exit 1; }
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

## Release build of every executable, with the current Pipelines/*.yml compiled in.
build: deps builtin-pipelines
	$(SWIFT) build -c release

## Regenerate Sources/PlexusKit/BuiltinPipelines.swift from Pipelines/*.yml (commit it with them; a test checks).
builtin-pipelines:
	sh tools/builtin-pipelines.sh

## Install the release executables into $(PREFIX)/bin (PREFIX=/usr/local by default). They carry their pipeline
## files, so they run from any folder; they load the Swift runtime from the toolchain that built them.
install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(addprefix $(RELEASE_BIN)/,$(COMMANDS)) $(DESTDIR)$(PREFIX)/bin/

## Remove what `make install` installed.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(COMMANDS))

## Build in release mode and run the demo on built-in data; results go to ./plexus.db (or $$PLEXUS_DB).
demo: build
	$(RELEASE_BIN)/plexus demo
	sh data/forecast/build.sh && $(RELEASE_BIN)/forecast data/generated/forecast/sp500.csv --epochs 3
	sh data/cluster/build.sh && $(RELEASE_BIN)/cluster data/generated/cluster/cdnow_events.csv
	sh data/classify/build.sh && $(RELEASE_BIN)/classify train data/generated/classify/fashion-mnist/train --test data/generated/classify/fashion-mnist/test --epochs 1 --max-per-class 1000
	sh data/anomaly/build.sh $(RELEASE_BIN)/anomaly && $(RELEASE_BIN)/anomaly train data/generated/anomaly/train --val-dir data/generated/anomaly/val && $(RELEASE_BIN)/anomaly score --run last data/generated/anomaly/test --quiet
	@echo
	sqlite3 $${PLEXUS_DB:-plexus.db} 'select id, pipeline, status from runs order by id desc limit 5'

## The test suite (golden PyTorch fixtures, finite differences, store, formats, pipelines end to end, ONNX export
## against ONNX Runtime).
test: deps test-venv fuzz-corpus
	$(SWIFT) build --build-tests
	PLEXUS_PYTHON=$(CURDIR)/$(TEST_VENV)/bin/python $(SWIFT) test --skip-build

## The tests' Python packages from PyPI, pinned; reinstalled only when tools/requirements-test.txt changes.
test-venv: $(TEST_VENV)/installed.txt

$(TEST_VENV)/installed.txt: tools/requirements-test.txt
	python3 -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements-test.txt
	cp tools/requirements-test.txt $@

## The fuzz targets' seed corpora in .build/fuzz-corpus/ (PngSuite and PNGs from PyPI's pypng sdist, CSV quirks,
## price files, event logs, NIfTI, safetensors, model cards, Pipelines/); `make test` replays them.
fuzz-corpus: test-venv
	sh tools/make-fuzz-corpus.sh $(TEST_VENV)/bin/python

## One libFuzzer campaign: `make fuzz TARGET=png SECONDS=1800 RUNS=1000000` stops at whichever comes first (targets: png csv prices events nifti safetensors
## pipeline modelcard). New inputs go to .fuzz/corpus/TARGET, crashes to .fuzz/artifacts/TARGET/ (outside the build folder,
## which SwiftPM tidies while another build runs: an artifacts folder vanished mid-campaign); commit a
## crash's input under Tests/FuzzReplayTests/FuzzRegressions/TARGET/ once fixed.
TARGET ?= png
SECONDS ?= 60
RUNS ?= -1
FUZZ_BUILD = $(SWIFT) build -c release --package-path FuzzTesting --scratch-path $(CURDIR)/.build-fuzz \
	-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
FUZZ_DICT = $(firstword $(wildcard FuzzTesting/Dictionaries/$(TARGET).dict) $(if $(filter prices events,$(TARGET)),FuzzTesting/Dictionaries/csv.dict))
fuzz: deps fuzz-corpus
	$(FUZZ_BUILD) --product fuzz-$(TARGET)
	mkdir -p .fuzz/corpus/$(TARGET) .fuzz/artifacts/$(TARGET)
	SWIFT_BACKTRACE=enable=no $$($(FUZZ_BUILD) --show-bin-path)/fuzz-$(TARGET) -max_total_time=$(SECONDS) -runs=$(RUNS) -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 $(if $(FUZZ_DICT),-dict=$(FUZZ_DICT)) -artifact_prefix=.fuzz/artifacts/$(TARGET)/ \
		.fuzz/corpus/$(TARGET) .build/fuzz-corpus/$(TARGET)

## Benchmarks: GEMM throughput and training steps, against PyTorch CPU in the same run; then k-means against
## scikit-learn (bench-kmeans).
bench: build bench-venv
	sh data/classify/build.sh
	PLEXUS_PYTHON=$(CURDIR)/$(BENCH_VENV)/bin/python $(RELEASE_BIN)/plexus-bench
	$(MAKE) bench-kmeans

## k-means against scikit-learn: Fashion-MNIST, CDNOW's user features, 1,000,000 x 16 blobs (bench/kmeans-results.csv).
bench-kmeans: build bench-venv
	sh data/classify/build.sh && sh data/cluster/build.sh
	PLEXUS_PYTHON=$(CURDIR)/$(BENCH_VENV)/bin/python $(RELEASE_BIN)/plexus-bench --kmeans-table

## Streaming a folder larger than memory: 200,000 PNGs of 64x64 RGB (9.8 GB as Float32), classify train --epochs 1 and
## classify predict, peak RSS of each (bench/memory-results.csv). Not part of `make bench` or `make test`: it writes
## 2.5 GB of images once and takes minutes. COUNT=20000 for a quicker look.
bench-memory: build
	$(RELEASE_BIN)/plexus-bench --memory-table $(or $(COUNT),200000)

## Data-parallel training: samples/s of 1 process x 2 threads against mpirun -np 2 x 1 thread, all-reduce time per
## step, beside PyTorch DistributedDataParallel (gloo) on the same workloads.
bench-dist: build bench-venv
	PLEXUS_PYTHON=$(CURDIR)/$(BENCH_VENV)/bin/python $(RELEASE_BIN)/plexus-bench --distributed-table

## PyTorch CPU for the peers, pinned; reinstalled only when tools/requirements-bench.txt changes. One retry: where
## PyTorch's wheel index cannot be reached, pip goes on to PyPI and pip.conf's find-links at once, not after five
## backed-off retries for each of the ~60 packages.
bench-venv: $(BENCH_VENV)/installed.txt

$(BENCH_VENV)/installed.txt: tools/requirements-bench.txt
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check --retries 1 -r tools/requirements-bench.txt
	cp tools/requirements-bench.txt $@

## Regenerate the PyTorch golden fixtures (CI never does this).
fixtures: bench-venv
	$(BENCH_VENV)/bin/python tools/make_golden.py

clean:
	rm -rf .build
