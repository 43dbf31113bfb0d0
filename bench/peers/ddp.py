"""PyTorch peer of `make bench-dist`: the same three workloads as `plexus-bench --distributed` (Keras mnist_convnet on
12,800 images, batch 128; LSTM(64) on 5,000 windows of 60x1, batch 64; conv autoencoder on 2,000 64x64 images,
batch 32; Adam 1e-3), trained as one process with 1 thread pinned to one core, as one process with 2 threads, then
as DistributedDataParallel over the gloo backend with 2 processes of 1 thread each, each pinned to its own core as
`mpirun --bind-to core` pins Plexus's.
Like Plexus, the global batch stays the same: each rank takes half of every batch, and DDP averages the gradients.

Prints one JSON object: `NAME.one_thread_samples_per_second`, `NAME.two_threads_samples_per_second` and
`NAME.two_processes_samples_per_second` for each workload (the best of 3 epochs, as `plexus-bench` measures), with
the torch version. The two ranks are started by `torchrun --standalone --nproc_per_node 2` on this same script,
which sees torchrun's LOCAL_RANK and prints rank 0's rates."""
import json
import os
import subprocess
import sys
import time

import torch
import torch.distributed as dist
from torch import nn

EPOCHS = 3


class LastStep(nn.Module):
    """LSTM(64) over (B, 60, 1) windows, a Linear head on the last hidden state: (B, 1)."""
    def __init__(self):
        super().__init__()
        self.lstm, self.head = nn.LSTM(1, 64, batch_first=True), nn.Linear(64, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def convnet():
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    x = torch.rand(12_800, 1, 28, 28)
    return model, x, torch.randint(0, 10, (len(x),)), 128, nn.functional.cross_entropy


def lstm():
    x = torch.randn(5_000, 60, 1)
    return LastStep(), x, torch.randn(len(x), 1), 64, nn.functional.mse_loss


def autoencoder():
    up = dict(kernel_size=3, stride=2, padding=1, output_padding=1)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(), nn.ConvTranspose2d(64, 32, **up), nn.ReLU(),
        nn.ConvTranspose2d(32, 16, **up), nn.ReLU(), nn.ConvTranspose2d(16, 1, **up), nn.Sigmoid())
    x = torch.rand(2_000, 1, 64, 64)
    return model, x, x, 32, nn.functional.mse_loss


WORKLOADS = {"convnet": convnet, "lstm": lstm, "autoencoder": autoencoder}


def best_epoch_samples_per_second(name, rank=0, world=1):
    """Trains EPOCHS epochs of a shuffled permutation; this rank takes its 1/world of every global batch. The
    samples/s of the fastest epoch over the whole data set (every rank waits for the slowest at the barrier)."""
    torch.manual_seed(0)
    model, x, y, batch, loss_fn = WORKLOADS[name]()
    if world > 1:
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    share = batch // world
    best = float("inf")
    for epoch in range(EPOCHS):
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(epoch))
        if world > 1:
            dist.barrier()
        start = time.perf_counter()
        for first in range(0, len(x) - batch + 1, batch):
            rows = order[first + rank * share:first + (rank + 1) * share]
            optimizer.zero_grad()
            loss_fn(model(x[rows]), y[rows]).backward()
            optimizer.step()
        if world > 1:
            dist.barrier()
        best = min(best, time.perf_counter() - start)
    return (len(x) // batch) * batch / best


def ranks_main():
    """One rank of `torchrun --nproc_per_node 2`, pinned to its own core with one thread."""
    rank = int(os.environ["LOCAL_RANK"])
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[rank % len(os.sched_getaffinity(0))]})
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rates = {f"{name}.two_processes_samples_per_second": best_epoch_samples_per_second(name, rank, 2) for name in WORKLOADS}
    dist.destroy_process_group()
    if rank == 0:
        print(json.dumps(rates))


def main():
    report = {"torch": torch.__version__}
    cores = os.sched_getaffinity(0)
    for threads, label in [(1, "one_thread"), (2, "two_threads")]:
        os.sched_setaffinity(0, set(sorted(cores)[:threads]))
        torch.set_num_threads(threads)
        for name in WORKLOADS:
            report[f"{name}.{label}_samples_per_second"] = best_epoch_samples_per_second(name)
    os.sched_setaffinity(0, cores)
    torchrun = os.path.join(os.path.dirname(sys.executable), "torchrun")
    ranks = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2", __file__],
                           check=True, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    report.update(json.loads(ranks.stdout.strip().splitlines()[-1]))
    print(json.dumps(report))


if __name__ == "__main__":
    ranks_main() if "LOCAL_RANK" in os.environ else main()
