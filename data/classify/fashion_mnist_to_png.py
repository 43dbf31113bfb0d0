#!/usr/bin/env python3
"""Turns Debian's dataset-fashion-mnist IDX files into folders of PNGs, one subfolder per class:

    data/generated/classify/fashion-mnist/train/<class>/<index>.png   (60,000 images)
    data/generated/classify/fashion-mnist/test/<class>/<index>.png    (10,000 images)

the layout `classify train DIR --test DIR` (and Keras's image_dataset_from_directory, torchvision's
ImageFolder) reads. `<index>` is the image's position in the IDX file, zero-padded, so a PNG can be traced back
to the original data set. Standard library only: the PNGs are 8-bit grayscale, written with zlib and struct.

Idempotent: a split whose folder already holds its `.complete` marker is skipped; a split is built in a
temporary folder and renamed into place, so an interrupted build never looks finished.
"""
import gzip
import os
import shutil
import struct
import sys
import zlib

SOURCE = "/usr/share/datasets/fashion-mnist"
# Label order of the IDX files (zalandoresearch/fashion-mnist README); '/' and '-' become '_' in folder names.
CLASSES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"]
SPLITS = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60000),
          "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000)}


def read_idx(path, magic):
    """The payload of a gzipped IDX file and its dimensions, after checking the magic number."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    found, = struct.unpack(">I", data[:4])
    if found != magic:
        sys.exit(f"{path}: expected IDX magic number {magic:#x}, found {found:#x}")
    rank = magic & 0xFF
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return data[4 + 4 * rank:], dims


def png_gray(width, height, pixels):
    """An 8-bit grayscale PNG (colour type 0) of `pixels`, rows top to bottom, filter type 0 on every row."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def build_split(root, split):
    images_file, labels_file, expected = SPLITS[split]
    target = os.path.join(root, split)
    if os.path.exists(os.path.join(target, ".complete")):
        print(f"{target}: already built ({expected} images), skipping")
        return
    images, (count, height, width) = read_idx(os.path.join(SOURCE, images_file), 0x00000803)
    labels, (label_count,) = read_idx(os.path.join(SOURCE, labels_file), 0x00000801)
    if count != expected or label_count != expected:
        sys.exit(f"{SOURCE}: expected {expected} {split} images and labels, found {count} and {label_count}")

    staging = target + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    for name in CLASSES:
        os.makedirs(os.path.join(staging, name))
    size = width * height
    for index in range(count):
        pixels = images[index * size:(index + 1) * size]
        path = os.path.join(staging, CLASSES[labels[index]], f"{index:05d}.png")
        with open(path, "wb") as handle:
            handle.write(png_gray(width, height, pixels))
    open(os.path.join(staging, ".complete"), "w").close()
    shutil.rmtree(target, ignore_errors=True)
    os.rename(staging, target)
    print(f"{target}: wrote {count} PNGs of {width}x{height} in {len(CLASSES)} class folders")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "data/generated/classify/fashion-mnist"
    for split in SPLITS:
        build_split(root, split)


if __name__ == "__main__":
    main()
