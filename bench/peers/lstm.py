"""PyTorch peer: LSTM(64) over windows of 60 steps of one feature (batch-first), Linear(64 -> 1) on the last hidden
state; 5,000 random windows an epoch in batches of 64, Adam, MSE. PyTorch runs its own oneDNN LSTM on CPU."""
import torch
from common import report, torch_versions, train_epoch_seconds

WINDOWS, STEPS, BATCH = 5000, 60, 64


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(1, 64, batch_first=True)
        self.head = torch.nn.Linear(64, 1)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


torch.manual_seed(0)
model = Model()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x, y = torch.randn(WINDOWS, STEPS, 1), torch.randn(WINDOWS, 1)
batches = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, WINDOWS, BATCH)]
seconds = train_epoch_seconds(model, optimizer, torch.nn.functional.mse_loss, batches)
report(**torch_versions(), seconds=seconds, samples_per_second=WINDOWS / seconds)
