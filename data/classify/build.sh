#!/bin/sh
# Fashion-MNIST as folders of PNGs for `classify` (see fashion_mnist_to_png.py). Installs Debian's
# dataset-fashion-mnist when it is missing; idempotent: a second run only checks and skips.
set -eu
cd "$(dirname "$0")/../.."
. data/lib.sh
apt_install_missing "classify data" dataset-fashion-mnist
python3 data/classify/fashion_mnist_to_png.py data/generated/classify/fashion-mnist
