# Forecasts the days after a price CSV's last row with an exported forecast model; preprocessing from metadata_props.
import csv, json, math, sys
import numpy as np, onnxruntime as ort
session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
meta = {k: json.loads(v) for k, v in session.get_modelmeta().custom_metadata_map.items()}
window, scaler = meta["preprocessing.window"], meta["preprocessing.scaler"]
prices = [float(row[sys.argv[3]]) for row in csv.DictReader(open(sys.argv[2]))][-(window + 1):]
values = [math.log(b / a) for a, b in zip(prices, prices[1:])] if scaler["target"] == "returns" else prices[1:]
x = np.array([(v - scaler["mean"]) / scaler["std"] for v in values], np.float32).reshape(1, window, 1)
(y,) = session.run(None, {"input": x})
price = prices[-1]
for step, value in enumerate(y[0] * scaler["std"] + scaler["mean"], 1):
    price = price * math.exp(value) if scaler["target"] == "returns" else value
    print(f"day +{step}: {price:.2f}")
