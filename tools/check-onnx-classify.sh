#!/bin/sh
# The ONNX export's end-to-end check: trains the demo's classify CNN in a scratch folder (as `make demo` does), exports
# it with `plexus export`, and checks that ONNX Runtime predicts the class `classify predict` predicts for every file of
# the Fashion-MNIST test folder. Needs `make build`, `sh data/classify/build.sh` and `make test-venv` first.
#   sh tools/check-onnx-classify.sh [SCRATCH_DIR]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$root" && swift build -c release --show-bin-path)
data="$root/data/generated/classify/fashion-mnist"
scratch=${1:-$(mktemp -d)}
mkdir -p "$scratch" && cd "$scratch"
export PLEXUS_DB="$scratch/onnx-check.db"
"$bin/classify" train "$data/train" --test "$data/test" --epochs 1 --max-per-class 1000 >train.log
run=$(sqlite3 "$PLEXUS_DB" "select max(id) from runs where pipeline = 'classify' and status = 'completed'")
"$bin/plexus" export --run "$run" -o cnn.onnx
"$bin/classify" predict --run "$run" "$data/test" --csv predictions.csv >predict.log
"$root/.build/venv/bin/python" "$root/tools/compare-onnx-classify.py" cnn.onnx predictions.csv
