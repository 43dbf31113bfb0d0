# Classifies PNG files with an exported classify model; preprocessing from its metadata_props only.
import json, sys, time
import numpy as np, onnxruntime as ort
from PIL import Image
session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
meta = {k: json.loads(v) for k, v in session.get_modelmeta().custom_metadata_map.items()}
size, mode = (meta["preprocessing.image_width"], meta["preprocessing.image_height"]), {"gray": "L", "rgb": "RGB"}[meta["preprocessing.color"]]
def pixels(path):  # channels, resize, [0, 1]; CHW
    image = np.asarray(Image.open(path).convert(mode).resize(size, Image.BILINEAR), np.float32) / 255
    return image[None] if image.ndim == 2 else image.transpose(2, 0, 1)
batch = np.stack([pixels(path) for path in sys.argv[2:]])
start = time.perf_counter(); (logits,) = session.run(None, {"input": batch}); seconds = time.perf_counter() - start
for path, scores in zip(sys.argv[2:], logits): print(path, meta["preprocessing.classes"][int(scores.argmax())])
print(f"{len(batch)} images in {seconds * 1000:.1f} ms: {seconds / len(batch) * 1e6:.0f} µs per image", file=sys.stderr)
