"""PyTorch peer: a convolutional autoencoder on 64x64x1 images (batch 32, 2,000 random images an epoch, Adam 1e-3,
MSE against the input): three stride-2 convolutions down, three stride-2 transposed convolutions up."""
import torch
from common import report, torch_versions, train_epoch_seconds

torch.manual_seed(0)
batch, samples = 32, 2_000
nn = torch.nn
up = dict(kernel_size=3, stride=2, padding=1, output_padding=1)
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
    nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
    nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
    nn.ConvTranspose2d(64, 32, **up), nn.ReLU(),
    nn.ConvTranspose2d(32, 16, **up), nn.ReLU(),
    nn.ConvTranspose2d(16, 1, **up), nn.Sigmoid())
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
images = torch.rand(samples, 1, 64, 64)
batches = [(x, x) for x in images.split(batch)]

seconds = train_epoch_seconds(model, optimizer, torch.nn.functional.mse_loss, batches)
report(**torch_versions(), seconds=seconds, samples_per_second=samples / seconds)
