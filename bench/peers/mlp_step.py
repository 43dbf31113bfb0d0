"""PyTorch CPU peer for `make bench`: the same MLP training step and GEMMs as plexus-bench.

Prints one JSON object: {"gemm": {size: gflops}, "mlp_step_ms": ms}. Run by plexus-bench when torch imports.
"""
import json
import sys
import time

import torch

def best_of(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)

def main():
    sizes = [int(s) for s in sys.argv[1].split(",")]
    batch, hidden, steps = int(sys.argv[2]), [int(h) for h in sys.argv[3].split(",")], int(sys.argv[4])
    torch.manual_seed(0)
    gemm = {}
    for n in sizes:
        a, b = torch.randn(n, n), torch.randn(n, n)
        seconds = best_of(lambda: torch.mm(a, b), 5 if n < 2048 else 3)
        gemm[n] = 2 * n ** 3 / seconds / 1e9

    layers = []
    for i in range(len(hidden) - 1):
        layers.append(torch.nn.Linear(hidden[i], hidden[i + 1]))
        if i < len(hidden) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, hidden[0])
    y = torch.randint(0, hidden[-1], (batch,))

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()

    def run():
        for _ in range(steps):
            step()
    seconds = best_of(run, 3)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "gemm": gemm,
                      "mlp_step_ms": seconds / steps * 1000}))

if __name__ == "__main__":
    main()
