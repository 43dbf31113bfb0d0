"""PyTorch peer: MLP 784-512-256-10 training steps (batch 128, Adam, cross-entropy), and GEMM GFLOP/s."""
import torch
from common import report, timed, torch_versions, train_epoch_seconds

torch.manual_seed(0)
gemm = {}
for n in (256, 512, 1024, 2048):
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    gemm[str(n)] = 2 * n ** 3 / min(timed(lambda: torch.mm(a, b)) for _ in range(5)) / 1e9

model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256), torch.nn.ReLU(),
                            torch.nn.Linear(256, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))
steps = 200
seconds = train_epoch_seconds(model, optimizer, torch.nn.functional.cross_entropy, [(x, y)] * steps)
report(**torch_versions(), seconds=seconds, samples_per_second=steps * 128 / seconds, gemm_gflops=gemm)
