#!/bin/sh
# Builds the anomaly pipeline's brain-MRI slice set into data/generated/anomaly/ from three T1-weighted brain
# volumes that ship in packages (see data/README.md): Colin27 as `ch2` (brain-extracted with mricron's own
# `ch2bet` mask) and `ch2better` from Debian's mricron-data, and the MNI152 2009a template from the PyPI wheel of
# nilearn. The NIfTI volumes are read, sliced, resampled and split by `anomaly prepare` (the pipeline's own NIfTI
# reader); the lesions in test/abnormal/ are SYNTHETIC, painted in with their masks, one of each kind per test slice.
#
#   data/generated/anomaly/train/             normal slices to learn from
#   data/generated/anomaly/val/               held-out normal slices that set the thresholds
#   data/generated/anomaly/test/normal/       normal test slices, and normal anatomy training never saw (other heights,
#                                             a simulated other subject)
#   data/generated/anomaly/test/abnormal/     the test slices with synthetic lesions: heterogeneous, mass-effect,
#                                             low-contrast, boundary
#   data/generated/anomaly/test/masks/        the lesions' masks
#   data/generated/anomaly/test/kinds.csv     the kind of every test scan (`anomaly score` reports metrics per kind)
#   data/generated/anomaly/kinds.png          a few test slices with every kind
#   data/generated/anomaly/slices.csv         one row per file: volume, height (mm), split, kind, lesion radius and contrast
#
# Usage: sh data/anomaly/build.sh [PATH_TO_ANOMALY_BINARY]   (default: builds it with `swift build -c release`)
# Idempotent: the downloads are kept, and the slices are rebuilt identically (the lesions are seeded).
set -eu

NILEARN=0.14.1
WHEEL=nilearn-$NILEARN-py3-none-any.whl
WHEEL_SHA256=725206484e9fb3f6691f9c2d20204a068759d5072f12055324702ee0cb2bbe8a
MNI_IN_WHEEL=nilearn/datasets/data/mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz
TEMPLATES=/usr/share/mricron/templates
OUT=data/generated/anomaly
. "$(dirname "$0")/../lib.sh"

apt_install_missing "anomaly data" mricron-data

mkdir -p "$OUT/sources"
MNI="$OUT/sources/mni152_2009a_t1.nii.gz"
if [ ! -s "$MNI" ]; then
    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT
    download_wheel "anomaly data" "$TMP" "$WHEEL" "$WHEEL_SHA256" --only-binary=:all: "nilearn==$NILEARN"
    python3 -c "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))" \
        "$TMP/$WHEEL" "$MNI_IN_WHEEL" > "$MNI.part"
    mv "$MNI.part" "$MNI"
fi

BIN=${1:-}
if [ -z "$BIN" ]; then
    swift build -c release --product anomaly
    BIN="$(swift build -c release --show-bin-path)/anomaly"
fi
"$BIN" prepare --out "$OUT" \
    --volume "ch2=$TEMPLATES/ch2.nii.gz" --brain-mask "ch2=$TEMPLATES/ch2bet.nii.gz" \
    --volume "ch2better=$TEMPLATES/ch2better.nii.gz" \
    --volume "mni152=$MNI"
