#!/bin/sh
# Fashion-MNIST as folders of PNGs for `classify` (see fashion_mnist_to_png.py). Installs Debian's
# dataset-fashion-mnist when it is missing; idempotent: a second run only checks and skips.
set -eu
cd "$(dirname "$0")/../.."
if ! dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    echo "Installing Debian package dataset-fashion-mnist"
    $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist
fi
python3 data/classify/fashion_mnist_to_png.py data/generated/classify/fashion-mnist
