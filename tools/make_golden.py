#!/usr/bin/env python3
"""Generate PyTorch golden fixtures for the Plexus correctness tests.

What it generates (all under Tests/PlexusTests/Fixtures/):
  ops.json         elementwise / matmul / activation / softmax / reduction /
                   shape ops: inputs, output, upstream gradient and autograd
                   input gradients.
  losses.json      mse, l1, huber, cross_entropy, bce_with_logits (mean reduction).
  layers.json      layers computed through torch.nn.functional (linear so far).
  optimizers.json  5 steps of SGD / Adam / AdamW on a small least-squares
                   problem, a clip_grad_norm_ step, and lr schedules.

How to rerun (CI never runs this; only the JSON output is committed):
  pip install torch==2.13.0+cpu   # +cpu: the plain PyPI wheel needs CUDA libs to import
  python3 tools/make_golden.py

Generated with torch 2.13.0+cpu (also recorded as "torch_version" at the top of
every JSON file). Output is deterministic: each case seeds torch.manual_seed
with a CRC32 of its name, so adding a case does not change the others.

Case schema (ops / losses / layers):
  {"name", "op", "attrs", "inputs": [{"shape", "data"}...], "output",
   "upstream", "grads": [{"shape", "data"} | null ...]}
  grads[i] = d(sum(output * upstream)) / d(inputs[i]) computed by autograd;
  null for non-differentiable inputs. Scalar outputs have shape [] and
  upstream {"shape": [], "data": [1.0]}. Data is flat, row-major, float32,
  written as the shortest decimal that round-trips to the same float32.

Adding a case: in the relevant build_* function call
  f.case(name, op, fn, [input specs], attrs)
where fn(*tensors, **attrs) computes the output with torch and the input specs
are normal(...), uniform(...), away(...), distinct(...), mask(...), until(...),
const(...) or any
callable taking the list of already-built inputs and returning a tensor.
"""

from __future__ import annotations

import json
import math
import importlib
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F

EXPECTED_TORCH = "2.13.0+cpu"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "Tests", "PlexusTests", "Fixtures")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
torch.set_default_dtype(torch.float32)


# --------------------------------------------------------------------------
# Serialisation
# --------------------------------------------------------------------------

def f32(v) -> float:
    """Shortest decimal that round-trips to the same float32 (<= 9 digits)."""
    s = str(np.float32(v))
    out = float(s)
    if not math.isfinite(out):
        raise ValueError(f"non-finite value {v}")
    return out


def tensor_json(t: torch.Tensor) -> dict:
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [f32(v) for v in t.reshape(-1).tolist()]}


def compact(x) -> str:
    return json.dumps(x, separators=(",", ":"), allow_nan=False)


def write_json(filename: str, top: dict) -> str:
    """Compact JSON with one list element (case / schedule) per line, for readable diffs."""
    parts = []
    for k, v in top.items():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            body = ",\n".join(compact(item) for item in v)
            parts.append(f"{compact(k)}:[\n{body}\n]")
        else:
            parts.append(f"{compact(k)}:{compact(v)}")
    text = "{" + ",\n".join(parts) + "}\n"
    json.loads(text)  # sanity: must be valid JSON
    path = os.path.join(OUT_DIR, filename)
    with open(path, "w") as fh:
        fh.write(text)
    return path


def seed_for(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


# --------------------------------------------------------------------------
# Input specs: callables (prev_inputs) -> tensor, evaluated after seeding.
# --------------------------------------------------------------------------

def normal(*shape, scale=1.0):
    return lambda prev: torch.randn(shape) * scale


def uniform(lo, hi, *shape):
    return lambda prev: torch.rand(shape) * (hi - lo) + lo


def signed_uniform(lo, hi, *shape):
    """|x| uniform in [lo, hi] with a random sign (e.g. safe divisors)."""
    def make(prev):
        mag = torch.rand(shape) * (hi - lo) + lo
        sign = torch.where(torch.rand(shape) < 0.5, -1.0, 1.0)
        return mag * sign
    return make


def away(*shape, kinks=(0.0,), margin=1e-2, scale=1.0):
    """Random normal, resampled wherever |x - k| < margin for any kink k."""
    def make(prev):
        x = torch.randn(shape) * scale
        for _ in range(1000):
            bad = torch.zeros(x.shape, dtype=torch.bool)
            for k in kinks:
                bad |= (x - k).abs() < margin
            if not bad.any():
                return x
            x = torch.where(bad, torch.randn(shape) * scale, x)
        raise RuntimeError("could not sample away from kinks")
    return make


def distinct(*shape, min_gap=1e-3):
    """Random normal with all values pairwise at least min_gap apart (no ties)."""
    def make(prev):
        for _ in range(1000):
            x = torch.randn(shape)
            s = x.reshape(-1).sort().values
            if s.numel() < 2 or (s[1:] - s[:-1]).min() >= min_gap:
                return x
        raise RuntimeError("could not sample distinct values")
    return make


def until(spec, pred, tries=1000):
    """Resample spec until pred(tensor) holds (e.g. a mask with both values present)."""
    def make(prev):
        for _ in range(tries):
            x = spec(prev)
            if pred(x):
                return x
        raise RuntimeError("could not satisfy input predicate")
    return make


def mask(*shape):
    """0/1 float tensor containing both values (a `where` condition)."""
    return until(lambda prev: (torch.rand(shape) < 0.5).float(),
                 lambda x: bool((x == 0).any() and (x == 1).any()))


def const(data):
    return lambda prev: torch.tensor(data, dtype=torch.float32)


def offset_from(index, spec):
    """prev[index] + spec: e.g. a target whose difference from the prediction avoids kinks."""
    return lambda prev: prev[index].detach() + spec(prev)


# --------------------------------------------------------------------------
# Case builder
# --------------------------------------------------------------------------

class FixtureFile:
    def __init__(self, filename: str):
        self.filename = filename
        self.cases: list[dict] = []
        self.names: set[str] = set()

    def case(self, name, op, fn, inputs, attrs=None, nondiff=()):
        """Run fn(*inputs, **attrs) under autograd and append the case.

        inputs: input specs (callables taking the already-built inputs) or tensors.
        nondiff: indices of inputs that get no gradient (grads[i] = null).
        """
        if name in self.names:
            raise ValueError(f"duplicate case name {name}")
        self.names.add(name)
        attrs = dict(attrs or {})
        torch.manual_seed(seed_for(name))
        tensors = []
        for spec in inputs:
            t = spec(tensors) if callable(spec) else torch.as_tensor(spec, dtype=torch.float32)
            # Round-trip through the serialised float32 values so Swift sees exactly these inputs.
            t = torch.tensor(tensor_json(t)["data"], dtype=torch.float32).reshape(t.shape)
            tensors.append(t)
        for i, t in enumerate(tensors):
            t.requires_grad_(i not in nondiff)

        out = fn(*tensors, **attrs)
        if out.dtype != torch.float32:
            raise TypeError(f"{name}: output dtype {out.dtype}")
        if out.dim() == 0:
            upstream = torch.ones(())
        else:
            upstream = torch.randn(out.shape)
            upstream = torch.tensor(tensor_json(upstream)["data"]).reshape(out.shape)
        diff = [t for i, t in enumerate(tensors) if i not in nondiff]
        raw = torch.autograd.grad((out * upstream).sum(), diff, allow_unused=True)
        grads, it = [], iter(raw)
        for i, t in enumerate(tensors):
            if i in nondiff:
                grads.append(None)
            else:
                g = next(it)
                grads.append(tensor_json(torch.zeros_like(t) if g is None else g))

        self.cases.append({
            "name": name,
            "op": op,
            "attrs": attrs,
            "inputs": [tensor_json(t) for t in tensors],
            "output": tensor_json(out),
            "upstream": tensor_json(upstream),
            "grads": grads,
        })

    def write(self, extra=None):
        top = {"torch_version": str(torch.__version__), "cases": self.cases}
        top.update(extra or {})
        return write_json(self.filename, top)


# --------------------------------------------------------------------------
# Op implementations: fn(*tensors, **attrs)
# --------------------------------------------------------------------------

def _dims(x, axes):
    return list(range(x.dim())) if axes is None else list(axes)


def reduce_sum(x, axes, keepdims):
    return torch.sum(x, dim=_dims(x, axes), keepdim=keepdims)


def reduce_mean(x, axes, keepdims):
    return torch.mean(x, dim=_dims(x, axes), keepdim=keepdims)


def reduce_max(x, axes, keepdims):
    return torch.amax(x, dim=_dims(x, axes), keepdim=keepdims)


def reduce_min(x, axes, keepdims):
    return torch.amin(x, dim=_dims(x, axes), keepdim=keepdims)


def reduce_var(x, axes, keepdims, correction):
    return torch.var(x, dim=_dims(x, axes), correction=correction, keepdim=keepdims)


def op_slice(x, axis, start, end, step):
    idx = [slice(None)] * x.dim()
    idx[axis] = slice(start, end, step)
    return x[tuple(idx)]


def op_where(cond, a, b):
    return torch.where(cond > 0.5, a, b)


def op_cross_entropy(logits, targets, weight, label_smoothing, reduction):
    return F.cross_entropy(
        logits, torch.tensor(targets, dtype=torch.long),
        weight=None if weight is None else torch.tensor(weight, dtype=torch.float32),
        label_smoothing=label_smoothing, reduction=reduction)


def op_bce_with_logits(logits, targets, pos_weight, reduction):
    return F.binary_cross_entropy_with_logits(
        logits, targets,
        pos_weight=None if pos_weight is None else torch.tensor(pos_weight, dtype=torch.float32),
        reduction=reduction)


# --------------------------------------------------------------------------
# ops.json
# --------------------------------------------------------------------------

def build_ops() -> FixtureFile:
    f = FixtureFile("ops.json")

    # Binary arithmetic with broadcasting.
    binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
    for op, fn in binary.items():
        rhs = (lambda *s: signed_uniform(0.5, 2.0, *s)) if op == "div" else normal
        f.case(f"{op}_same_shape", op, fn, [normal(2, 3), rhs(2, 3)])
        f.case(f"{op}_broadcast_row", op, fn, [normal(2, 3), rhs(3)])
        f.case(f"{op}_broadcast_3d", op, fn, [normal(2, 1, 4), rhs(3, 1)])
        f.case(f"{op}_scalar_rhs", op, fn, [normal(2, 3), rhs()])
        f.case(f"{op}_scalar_lhs", op, fn, [normal(), rhs(2, 3)])

    # Matmul.
    f.case("matmul_2d", "matmul", torch.matmul, [normal(3, 4), normal(4, 5)])
    f.case("matmul_batched", "matmul", torch.matmul, [normal(2, 3, 4), normal(2, 4, 5)])
    f.case("matmul_broadcast_batch", "matmul", torch.matmul, [normal(2, 3, 4), normal(4, 5)])

    # Unary elementwise.
    f.case("neg", "neg", torch.neg, [normal(2, 3)])
    f.case("exp", "exp", torch.exp, [normal(2, 3)])
    f.case("log", "log", torch.log, [uniform(0.5, 2.0, 2, 3)])
    f.case("sqrt", "sqrt", torch.sqrt, [uniform(0.5, 2.0, 2, 3)])
    f.case("abs", "abs", torch.abs, [away(2, 3)])
    pow_fn = lambda x, exponent: torch.pow(x, exponent)
    f.case("pow_2", "pow", pow_fn, [normal(2, 3)], {"exponent": 2.0})
    f.case("pow_0_5", "pow", pow_fn, [uniform(0.5, 2.0, 2, 3)], {"exponent": 0.5})
    f.case("pow_neg_1_5", "pow", pow_fn, [uniform(0.5, 2.0, 2, 3)], {"exponent": -1.5})
    f.case("clamp", "clamp", lambda x, min, max: torch.clamp(x, min=min, max=max),
           [away(3, 4, kinks=(-0.5, 0.5))], {"min": -0.5, "max": 0.5})

    # Activations.
    f.case("relu", "relu", F.relu, [away(3, 4)])
    f.case("leaky_relu", "leaky_relu", lambda x, negative_slope: F.leaky_relu(x, negative_slope),
           [away(3, 4)], {"negative_slope": 0.1})
    f.case("elu", "elu", lambda x, alpha: F.elu(x, alpha), [away(3, 4)], {"alpha": 1.0})
    f.case("gelu", "gelu", lambda x: F.gelu(x, approximate="none"), [normal(3, 4)])
    f.case("sigmoid", "sigmoid", torch.sigmoid, [normal(3, 4, scale=2.0)])
    f.case("tanh", "tanh", torch.tanh, [normal(3, 4)])
    softplus_fn = lambda x, beta, threshold: F.softplus(x, beta=beta, threshold=threshold)
    f.case("softplus", "softplus", softplus_fn, [normal(3, 4)], {"beta": 1.0, "threshold": 20.0})
    # Wide range: exercises the linear region (beta*x > threshold) and large negative inputs.
    f.case("softplus_wide", "softplus", softplus_fn,
           [until(away(3, 4, kinks=(-20.0, 20.0), margin=0.5, scale=15.0),
                  lambda x: int((x > 20).sum()) >= 2 and int((x < -20).sum()) >= 2)],
           {"beta": 1.0, "threshold": 20.0})

    # Softmax family.
    softmax_fn = lambda x, axis: torch.softmax(x, dim=axis)
    log_softmax_fn = lambda x, axis: torch.log_softmax(x, dim=axis)
    f.case("softmax_last", "softmax", softmax_fn, [normal(3, 5, scale=2.0)], {"axis": -1})
    f.case("softmax_axis0", "softmax", softmax_fn, [normal(3, 5, scale=2.0)], {"axis": 0})
    f.case("log_softmax_last", "log_softmax", log_softmax_fn, [normal(3, 5, scale=2.0)], {"axis": -1})
    f.case("log_softmax_axis1_3d", "log_softmax", log_softmax_fn, [normal(2, 3, 4, scale=2.0)], {"axis": 1})

    # Reductions on a [2,3,4] input.
    reduce_variants = [
        ("axis1", {"axes": [1], "keepdims": False}),
        ("axes02_keepdims", {"axes": [0, 2], "keepdims": True}),
        ("all", {"axes": None, "keepdims": False}),
    ]
    for op, fn in [("sum", reduce_sum), ("mean", reduce_mean), ("max", reduce_max), ("min", reduce_min)]:
        spec = distinct if op in ("max", "min") else normal
        for suffix, attrs in reduce_variants:
            f.case(f"{op}_{suffix}", op, fn, [spec(2, 3, 4)], attrs)
    for correction in (1, 0):
        for suffix, attrs in reduce_variants:
            f.case(f"variance_{suffix}_correction{correction}", "variance", reduce_var,
                   [normal(2, 3, 4)], {**attrs, "correction": correction})

    # Shape ops.
    f.case("reshape", "reshape", lambda x, shape: torch.reshape(x, shape),
           [normal(2, 3, 4)], {"shape": [6, -1]})
    f.case("transpose", "transpose", lambda x, dim0, dim1: torch.transpose(x, dim0, dim1),
           [normal(2, 3, 4)], {"dim0": 0, "dim1": 2})
    f.case("permute", "permute", lambda x, dims: x.permute(*dims),
           [normal(2, 3, 4)], {"dims": [2, 0, 1]})
    f.case("slice", "slice", op_slice, [normal(3, 6)], {"axis": 1, "start": 1, "end": 4, "step": 2})
    f.case("slice_3d", "slice", op_slice, [normal(2, 5, 3)], {"axis": 1, "start": 1, "end": 4, "step": 2})
    f.case("concat", "concat", lambda *xs, axis: torch.cat(xs, dim=axis),
           [normal(2, 1, 3), normal(2, 3, 3), normal(2, 2, 3)], {"axis": 1})
    stack_fn = lambda *xs, axis: torch.stack(xs, dim=axis)
    f.case("stack_axis0", "stack", stack_fn, [normal(2, 3), normal(2, 3), normal(2, 3)], {"axis": 0})
    f.case("stack_axis2", "stack", stack_fn, [normal(2, 3), normal(2, 3), normal(2, 3)], {"axis": 2})
    f.case("index_select", "index_select",
           lambda x, axis, indices: torch.index_select(x, axis, torch.tensor(indices, dtype=torch.long)),
           [normal(3, 4)], {"axis": 0, "indices": [2, 0, 2]})
    f.case("gather", "gather",
           lambda x, axis, indices: torch.gather(x, axis, torch.tensor(indices, dtype=torch.long)),
           [normal(3, 4)], {"axis": 1, "indices": [[0, 2], [1, 1], [2, 0]]})
    f.case("where_same_shape", "where", op_where, [mask(2, 3), normal(2, 3), normal(2, 3)], nondiff=(0,))
    f.case("where_broadcast", "where", op_where, [mask(2, 1), normal(2, 3), normal(3)], nondiff=(0,))
    return f


# --------------------------------------------------------------------------
# losses.json
# --------------------------------------------------------------------------

def build_losses() -> FixtureFile:
    f = FixtureFile("losses.json")
    mean = {"reduction": "mean"}

    f.case("mse_loss", "mse_loss", lambda p, t, reduction: F.mse_loss(p, t, reduction=reduction),
           [normal(4, 3), normal(4, 3)], mean)
    f.case("l1_loss", "l1_loss", lambda p, t, reduction: F.l1_loss(p, t, reduction=reduction),
           [normal(4, 3), offset_from(0, away(4, 3))], mean)
    huber = lambda p, t, delta, reduction: F.huber_loss(p, t, delta=delta, reduction=reduction)
    for delta, suffix in [(1.0, "delta1"), (0.5, "delta0_5")]:
        f.case(f"huber_loss_{suffix}", "huber_loss", huber,
               [normal(4, 3), offset_from(0, away(4, 3, kinks=(-delta, delta), scale=1.5))],
               {"delta": delta, **mean})

    targets = [1, 0, 3, 3, 2]
    weight = [0.5, 1.0, 2.0, 1.5]
    for name, smoothing, w in [
        ("cross_entropy", 0.0, None),
        ("cross_entropy_label_smoothing", 0.1, None),
        ("cross_entropy_weight", 0.0, weight),
        ("cross_entropy_weight_label_smoothing", 0.1, weight),
    ]:
        f.case(name, "cross_entropy", op_cross_entropy, [normal(5, 4, scale=2.0)],
               {"targets": targets, "weight": w, "label_smoothing": smoothing, **mean})

    for name, pw in [("bce_with_logits", None), ("bce_with_logits_pos_weight", [0.5, 2.0, 3.0])]:
        f.case(name, "bce_with_logits", op_bce_with_logits,
               [normal(4, 3, scale=2.0), uniform(0.0, 1.0, 4, 3)],
               {"pos_weight": pw, **mean}, nondiff=(1,))
    return f


# --------------------------------------------------------------------------
# layers.json
# --------------------------------------------------------------------------

def build_layers() -> FixtureFile:
    f = FixtureFile("layers.json")
    f.case("linear", "linear",
           lambda x, w, b, in_features, out_features, bias: F.linear(x, w, b),
           [normal(5, 4), normal(3, 4, scale=0.5), normal(3, scale=0.5)],
           {"in_features": 4, "out_features": 3, "bias": True})
    return f


# --------------------------------------------------------------------------
# optimizers.json
# --------------------------------------------------------------------------

def _problem():
    torch.manual_seed(seed_for("optimizer_problem"))
    W0 = torch.randn(3, 4)
    x = torch.randn(4, 5)
    y = torch.randn(3, 5)
    # Exact float32 values as serialised.
    return [torch.tensor(tensor_json(t)["data"]).reshape(t.shape) for t in (W0, x, y)]


def _optimizer(kind, params, attrs):
    kw = {k: v for k, v in attrs.items() if k != "clip_norm"}
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]
    return cls(params, foreach=False, **kw)


def optimizer_case(name, kind, attrs, steps=5):
    W0, x, y = _problem()
    W = W0.clone().requires_grad_(True)
    opt = _optimizer(kind, [W], attrs)
    weights, losses, norms = [], [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((W @ x - y) ** 2).mean()
        loss.backward()
        losses.append(float(loss.detach()))
        if "clip_norm" in attrs:
            total = torch.nn.utils.clip_grad_norm_([W], max_norm=attrs["clip_norm"])
            norms.append(float(total))
        opt.step()
        weights.append(tensor_json(W))
    case = {
        "name": name,
        "optimizer": kind,
        "attrs": attrs,
        "W0": tensor_json(W0),
        "x": tensor_json(x),
        "y": tensor_json(y),
        "steps": weights,
        "losses": [f32(v) for v in losses],  # loss before each step (informational)
    }
    if norms:
        case["grad_norms"] = [f32(v) for v in norms]  # pre-clip total norm (informational)
    return case


def build_optimizers() -> dict:
    sgd = lambda **kw: {"lr": 0.1, "momentum": 0.0, "dampening": 0.0, "nesterov": False,
                        "weight_decay": 0.0, **kw}
    adam = lambda **kw: {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0,
                         "amsgrad": False, **kw}
    cases = [
        optimizer_case("sgd", "sgd", sgd()),
        optimizer_case("sgd_momentum", "sgd", sgd(momentum=0.9)),
        optimizer_case("sgd_nesterov", "sgd", sgd(momentum=0.9, nesterov=True)),
        optimizer_case("sgd_momentum_weight_decay", "sgd", sgd(momentum=0.9, weight_decay=0.01)),
        optimizer_case("adam", "adam", adam()),
        optimizer_case("adam_weight_decay", "adam", adam(weight_decay=0.01)),
        optimizer_case("adamw", "adamw", adam(weight_decay=0.1)),
        optimizer_case("clip_grad_norm", "sgd", sgd(clip_norm=0.5), steps=1),
    ]
    clip = cases[-1]
    assert clip["grad_norms"][0] > 0.5, "clip_grad_norm case must actually clip"

    schedules = []
    # StepLR / CosineAnnealingLR: lr in effect during epochs 0..9 (read, then scheduler.step()).
    for name, make, attrs in [
        ("step", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
         {"lr": 0.1, "step_size": 3, "gamma": 0.5}),
        ("cosine", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
         {"lr": 0.1, "T_max": 10, "eta_min": 0.001}),
    ]:
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=attrs["lr"])
        sched = make(opt)
        lrs = []
        for _ in range(10):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        schedules.append({"name": name, "attrs": attrs, "lrs": lrs})

    # ReduceLROnPlateau: lr after each scheduler.step(metric).
    attrs = {"lr": 0.1, "mode": "min", "factor": 0.5, "patience": 2, "threshold": 1e-4,
             "threshold_mode": "rel", "cooldown": 0, "min_lr": 0.0, "eps": 1e-8,
             "metrics": [1.0, 0.9, 0.95, 0.96, 0.97, 0.8, 0.85, 0.86, 0.87, 0.88]}
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=attrs["lr"])
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode=attrs["mode"], factor=attrs["factor"], patience=attrs["patience"],
        threshold=attrs["threshold"], threshold_mode=attrs["threshold_mode"],
        cooldown=attrs["cooldown"], min_lr=attrs["min_lr"], eps=attrs["eps"])
    lrs = []
    for m in attrs["metrics"]:
        opt.step()
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    schedules.append({"name": "plateau", "attrs": attrs, "lrs": lrs})

    return {"torch_version": str(torch.__version__), "cases": cases, "schedules": schedules}


# --------------------------------------------------------------------------

def main() -> int:
    if str(torch.__version__) != EXPECTED_TORCH:
        print(f"warning: fixtures were generated with torch {EXPECTED_TORCH}, "
              f"running {torch.__version__}", file=sys.stderr)
    os.makedirs(OUT_DIR, exist_ok=True)
    written = []
    # Layer families keep their cases in tools/golden_<family>.py, each with a build() -> FixtureFile
    # writing <family>.json, so adding a family never edits this file.
    families = [importlib.import_module(os.path.splitext(name)[0])
                for name in sorted(os.listdir(os.path.dirname(os.path.abspath(__file__))))
                if name.startswith("golden_") and name.endswith(".py")]
    for build in [build_ops, build_losses, build_layers] + [family.build for family in families]:
        fx = build()
        written.append((fx.write(), len(fx.cases)))
    opt = build_optimizers()
    written.append((write_json("optimizers.json", opt), len(opt["cases"])))
    for path, n in written:
        print(f"{os.path.relpath(path, ROOT)}: {n} cases, {os.path.getsize(path)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
