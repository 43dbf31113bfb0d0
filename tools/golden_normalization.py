"""Golden fixtures for the normalisation family: batch norm, layer norm, upsample, the ResNet basic block.

Writes Tests/PlexusTests/Fixtures/normalization.json (run `python3 tools/make_golden.py`). Case schema as in
make_golden.py, plus:
  batch_norm   inputs [x, weight, bias, running_mean, running_var] (the running statistics get no gradient);
               attrs {training, momentum, eps}; training cases add "running_mean_after" and "running_var_after",
               the buffers after the step (PyTorch updates them in place).
  layer_norm   inputs [x, weight, bias]; attrs {normalized_shape, eps}.
  upsample     inputs [x]; attrs {mode, size | scale_factor} as F.interpolate (align_corners=False).
  basic_block  inputs [x, then one tensor per attrs["names"] entry] loaded into torchvision's BasicBlock by
               state_dict name; attrs {in_channels, planes, stride, training}. Eval cases also pass the running
               statistics (no gradient); training cases leave them at their defaults.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from basic_block import BasicBlock
from make_golden import FixtureFile, normal, tensor_json, uniform


def scaled_normal(scale, shift, *shape):
    """Inputs whose mean and variance are far from 0 and 1, so normalisation has something to do."""
    return lambda prev: torch.randn(shape) * scale + shift


# --------------------------------------------------------------------------
# Batch norm
# --------------------------------------------------------------------------

def batch_norm_case(f, name, shape, training, momentum=0.1, eps=1e-5):
    channels = shape[1]
    after = {}

    def run(x, weight, bias, running_mean, running_var, training, momentum, eps):
        # Clones: F.batch_norm updates the buffers in place, and the case must record them as they were.
        mean, var = running_mean.clone(), running_var.clone()
        out = F.batch_norm(x, mean, var, weight, bias, training=training, momentum=momentum, eps=eps)
        after.update(mean=mean, var=var)
        return out

    f.case(name, "batch_norm", run,
           [scaled_normal(2.0, 0.5, *shape), uniform(0.5, 1.5, channels), normal(channels, scale=0.5),
            normal(channels, scale=0.5), uniform(0.5, 2.0, channels)],
           {"training": training, "momentum": momentum, "eps": eps}, nondiff=(3, 4))
    if training:
        f.cases[-1]["running_mean_after"] = tensor_json(after["mean"])
        f.cases[-1]["running_var_after"] = tensor_json(after["var"])


# --------------------------------------------------------------------------
# Residual block
# --------------------------------------------------------------------------

def block_case(f, name, shape, planes, stride, training):
    in_channels = shape[1]
    block = BasicBlock(in_channels, planes, stride)
    state = block.state_dict()
    names = [n for n in state if not n.endswith("num_batches_tracked")
             and (not training or not n.endswith(("running_mean", "running_var")))]
    specs = [scaled_normal(1.0, 0.2, *shape)]
    nondiff = []
    for index, n in enumerate(names, start=1):
        size = tuple(state[n].shape)
        if n.endswith("running_var"):
            specs.append(uniform(0.5, 2.0, *size))
        elif n.endswith(("bn1.weight", "bn2.weight", "downsample.1.weight")):
            specs.append(uniform(0.5, 1.5, *size))
        else:
            specs.append(normal(*size, scale=0.3))
        if n.endswith(("running_mean", "running_var")):
            nondiff.append(index)

    def run(x, *tensors, in_channels, planes, stride, training, names):
        block.train(training)
        return torch.func.functional_call(block, dict(zip(names, tensors)), (x,))

    f.case(name, "basic_block", run, specs,
           {"in_channels": in_channels, "planes": planes, "stride": stride, "training": training, "names": names},
           nondiff=tuple(nondiff))


# --------------------------------------------------------------------------

def build() -> FixtureFile:
    f = FixtureFile("normalization.json")

    batch_norm_case(f, "batch_norm1d_train_nc", (7, 5), training=True)
    batch_norm_case(f, "batch_norm1d_train_ncl", (4, 3, 9), training=True)
    batch_norm_case(f, "batch_norm2d_train", (3, 5, 7, 6), training=True)
    batch_norm_case(f, "batch_norm2d_train_momentum_eps", (2, 3, 5, 5), training=True, momentum=0.3, eps=1e-3)
    batch_norm_case(f, "batch_norm1d_eval_nc", (6, 4), training=False)
    batch_norm_case(f, "batch_norm2d_eval", (3, 4, 5, 3), training=False)

    layer_norm = lambda x, w, b, normalized_shape, eps: F.layer_norm(x, normalized_shape, w, b, eps)
    for name, shape, normalized, eps in [
        ("layer_norm_2d", (5, 7), [7], 1e-5),
        ("layer_norm_3d", (2, 3, 10), [10], 1e-5),
        ("layer_norm_last_two", (2, 3, 4, 5), [4, 5], 1e-5),
        ("layer_norm_eps", (3, 6), [6], 1e-3),
    ]:
        f.case(name, "layer_norm", layer_norm,
               [scaled_normal(2.0, 0.5, *shape), uniform(0.5, 1.5, *normalized), normal(*normalized, scale=0.5)],
               {"normalized_shape": normalized, "eps": eps})

    def upsample(x, mode, size=None, scale_factor=None):
        extra = {} if mode == "nearest" else {"align_corners": False}
        return F.interpolate(x, size=size, scale_factor=scale_factor, mode=mode, **extra)

    for mode in ("nearest", "bilinear"):
        for suffix, shape, target in [
            ("factor2", (2, 3, 5, 4), {"scale_factor": [2.0, 2.0]}),
            ("size_7x9", (1, 2, 5, 4), {"size": [7, 9]}),
            # 5·1.5 = 7.5 → 7 rows sampled with step 1/1.5, not 5/7; 3·1.7 = 5.1 → 5 columns.
            ("factor_1_5x1_7", (1, 2, 5, 3), {"scale_factor": [1.5, 1.7]}),
            # 5·1.1 = 5.5 → 5: the size does not change, and PyTorch copies rather than resample at step 1/1.1.
            ("factor_1_1", (1, 1, 5, 5), {"scale_factor": [1.1, 1.1]}),
            ("size_down_3x4", (1, 2, 5, 7), {"size": [3, 4]}),
        ]:
            f.case(f"upsample_{mode}_{suffix}", "upsample", upsample, [normal(*shape)], {"mode": mode, **target})

    block_case(f, "basic_block_identity_train", (2, 4, 5, 5), planes=4, stride=1, training=True)
    block_case(f, "basic_block_downsample_train", (2, 3, 7, 7), planes=6, stride=2, training=True)
    block_case(f, "basic_block_downsample_eval", (2, 3, 7, 7), planes=6, stride=2, training=False)
    return f
