#!/bin/sh
# Builds the fuzz targets' seed corpora under .build/fuzz-corpus/<target>/ (what `make fuzz` starts from and what
# `make test` replays): PNGs from PyPI's pypng sdist (its PngSuite copy, and every colour type, bit depth and
# interlace mode written by its encoder) plus broken ones, CSV quirk cases, price files, event logs, NIfTI,
# safetensors and model cards written by tools/fuzz_corpus.py, and the pipeline files of Pipelines/.
# Usage: sh tools/make-fuzz-corpus.sh [PYTHON]   (PYTHON: an interpreter with pip; default python3)
set -eu
cd "$(dirname "$0")/.."
python=${1:-python3}
out=.build/fuzz-corpus
pypng=pypng-0.20220715.0
stamp="$out/.made-by-$pypng-$(cksum tools/fuzz_corpus.py tools/make-fuzz-corpus.sh | cksum | cut -d' ' -f1)"
[ -f "$stamp" ] && exit 0
rm -rf "$out" && mkdir -p "$out/sources"
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: pypng==0.20220715.0 -d "$out/sources"
tar -xzf "$out/sources/$pypng.tar.gz" -C "$out/sources" "$pypng/code/png.py" "$pypng/code/pngsuite.py"
"$python" tools/fuzz_corpus.py "$out" "$out/sources/$pypng/code"
mkdir -p "$out/pipeline" && cp Pipelines/*.yml "$out/pipeline/"
touch "$stamp"
for target in "$out"/*/; do [ "$target" = "$out/sources/" ] || echo "$(ls "$target" | wc -l) seeds in $target"; done
