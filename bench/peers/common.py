"""Shared timing for the peers of `make bench` (PyTorch, and Keras for model (a)): each peer prints one JSON object
with the same keys as `plexus-bench --model NAME`, so they are compared in one run on one machine. Nothing here
imports a framework, so a Keras peer runs where PyTorch is not installed."""
import json
import resource
import time


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


def images_per_second(predict, x, steps):
    """Images per second over `steps` calls of `predict` on the batch `x`, best of three after a warm-up."""
    for _ in range(3):
        predict(x)
    return steps * len(x) / min(timed(lambda: [predict(x) for _ in range(steps)]) for _ in range(3))


def inference_images_per_second(model, x, steps):
    """`images_per_second` of a PyTorch model in eval mode without gradients."""
    import torch
    model.eval()
    with torch.no_grad():
        return images_per_second(model, x, steps)


def torch_versions():
    """The PyTorch version and thread count, for a PyTorch peer's report."""
    import torch
    return {"torch": torch.__version__, "threads": torch.get_num_threads()}


def report(**values):
    """Prints the measurement as one JSON object, with the process's peak resident memory."""
    values["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(values))
