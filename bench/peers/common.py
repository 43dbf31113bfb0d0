"""Shared timing for the PyTorch peers of `make bench`: each peer prints one JSON object with the same keys
as `plexus-bench --model NAME`, so the two are compared in one run on one machine."""
import json
import resource
import time

import torch


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def train_epoch_seconds(model, optimizer, loss_fn, batches, passes=5, warmup=3):
    """Seconds for one pass over `batches` (a list of (x, y)), the best of `passes` passes after a few warm-up steps."""
    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    model.train()
    for x, y in batches[:warmup]:
        step(x, y)
    return min(timed(lambda: [step(x, y) for x, y in batches]) for _ in range(passes))


def inference_images_per_second(model, x, steps):
    """Images per second over `steps` forward passes of the batch `x` in eval mode without gradients, best of three
    after a warm-up."""
    model.eval()
    with torch.no_grad():
        for _ in range(3):
            model(x)
        seconds = min(timed(lambda: [model(x) for _ in range(steps)]) for _ in range(3))
    return steps * len(x) / seconds


def report(**values):
    values["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    values["torch"] = torch.__version__
    values["threads"] = torch.get_num_threads()
    print(json.dumps(values))
