"""Does an exported classify model predict what `classify predict` predicted, file for file?

    compare-onnx-classify.py MODEL.onnx PREDICTIONS.csv

PREDICTIONS.csv is `classify predict --run ID FOLDER --csv PREDICTIONS.csv`'s output. Every listed PNG is read again,
prepared from the ONNX file's metadata_props alone (colour mode, image size, pixels divided by their maximum), run
through ONNX Runtime's CPU provider in batches of 256, and its class (the largest output) compared with the CSV's
`predicted`. Prints the counts (and up to ten differing files); exits 1 when any file differs.
tools/check-onnx-classify.sh runs it on the demo's Fashion-MNIST test folder.
"""
import csv
import json
import sys

import numpy as np
import onnxruntime
from PIL import Image


def main(model_path, predictions_path):
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    meta = {key: json.loads(value) for key, value in session.get_modelmeta().custom_metadata_map.items()}
    classes = meta["preprocessing.classes"]
    size = (meta["preprocessing.image_width"], meta["preprocessing.image_height"])
    mode = {"gray": "L", "rgb": "RGB"}[meta["preprocessing.color"]]
    with open(predictions_path, newline="") as file:
        rows = list(csv.DictReader(file))
    different = []
    for start in range(0, len(rows), 256):
        batch = rows[start:start + 256]
        images = []
        for row in batch:
            image = Image.open(row["path"]).convert(mode)
            if image.size != size:
                image = image.resize(size, Image.BILINEAR)
            pixels = np.asarray(image, dtype=np.float32) / 255.0
            images.append(pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1))
        (logits,) = session.run(None, {"input": np.stack(images)})
        for row, scores in zip(batch, logits):
            if classes[int(np.argmax(scores))] != row["predicted"]:
                different.append(row["path"])
    print(f"files: {len(rows)}, same class as classify predict: {len(rows) - len(different)}, different: {len(different)}")
    for path in different[:10]:
        print(f"  differs: {path}")
    sys.exit(1 if different or not rows else 0)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: compare-onnx-classify.py MODEL.onnx PREDICTIONS.csv")
    main(sys.argv[1], sys.argv[2])
