"""Checks ONNX files exported by Plexus against Plexus's own outputs (the ONNX export tests call it).

    check-onnx.py CASE_DIR...

Each CASE_DIR holds model.onnx, input.npy and expected.npy (Plexus's output for that input). For each case:
onnx.checker.check_model(full_check=True), then ONNX Runtime's CPU provider on the input, compared with the expected
output within rtol 1e-4, atol 1e-5. Prints one JSON line per case (case, checker, max_abs_diff, within_tolerance,
error) and exits 1 when any case fails.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime

RTOL, ATOL = 1e-4, 1e-5


def check(case):
    result = {"case": os.path.basename(case.rstrip("/")), "checker": "not run", "max_abs_diff": None,
              "within_tolerance": False, "error": None}
    try:
        path = os.path.join(case, "model.onnx")
        onnx.checker.check_model(onnx.load(path), full_check=True)
        result["checker"] = "ok"
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        inputs = np.load(os.path.join(case, "input.npy"))
        expected = np.load(os.path.join(case, "expected.npy"))
        (actual,) = session.run(None, {session.get_inputs()[0].name: inputs})
        if actual.shape != expected.shape:
            raise ValueError(f"output shape {list(actual.shape)}, Plexus's {list(expected.shape)}")
        result["max_abs_diff"] = float(np.max(np.abs(actual - expected))) if actual.size else 0.0
        result["within_tolerance"] = bool(np.allclose(actual, expected, rtol=RTOL, atol=ATOL))
    except Exception as error:  # one line per case, whatever failed
        result["error"] = f"{type(error).__name__}: {error}".replace("\n", " ")
    return result


def main(cases):
    if not cases:
        sys.exit("usage: check-onnx.py CASE_DIR...")
    results = [check(case) for case in cases]
    for result in results:
        print(json.dumps(result), flush=True)
    sys.exit(0 if all(r["within_tolerance"] for r in results) else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
