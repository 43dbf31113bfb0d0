"""PyTorch peer: the Keras mnist_convnet (28x28x1, batch 128, Adam 1e-3, cross-entropy), one epoch of 60,000
random images, and inference images/s in eval mode without gradients."""
import torch
from common import inference_images_per_second, report, torch_versions, train_epoch_seconds

torch.manual_seed(0)
batch, samples = 128, 60_000
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(1600, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
images, labels = torch.rand(samples, 1, 28, 28), torch.randint(0, 10, (samples,))
batches = list(zip(images.split(batch), labels.split(batch)))

seconds = train_epoch_seconds(model, optimizer, torch.nn.functional.cross_entropy, batches, passes=2)

report(**torch_versions(), seconds=seconds, samples_per_second=samples / seconds,
       inference_images_per_second=inference_images_per_second(model, batches[0][0], steps=50))
