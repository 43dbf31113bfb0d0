#!/bin/sh
# Trains every detector of `anomaly` on data/generated/anomaly (built by data/anomaly/build.sh) with all, 50 and 25
# of the training slices, scores the test set with each, and prints the metrics per kind: the numbers of
# notebooks-md/anomaly.md, "Every detector side by side" and "How many normal scans".
#
# Usage: sh data/anomaly/compare.sh [PATH_TO_ANOMALY_BINARY] [DATABASE]   (default: release build, compare.db)
# Measured on two idle cores, with scoring: the autoencoder about 1.5 minutes, draem 6.0 with all slices and 2.4
# with 50; nine runs in all.
set -eu
BIN=${1:-$(swift build -c release --show-bin-path)/anomaly}
DB=${2:-compare.db}
DATA=data/generated/anomaly
for detector in autoencoder draem patchcore; do
    for scans in all 50 25; do
        limit=""
        [ "$scans" = all ] || limit="--train-scans $scans"
        # shellcheck disable=SC2086
        "$BIN" train "$DATA/train" --val-dir "$DATA/val" --detector "$detector" $limit --db "$DB" --out "runs-compare/$detector-$scans" | tail -3
        echo "== $detector, $scans training slices"
        "$BIN" score --run last "$DATA/test" --quiet --db "$DB" --out "runs-compare/$detector-$scans-score"
    done
done
