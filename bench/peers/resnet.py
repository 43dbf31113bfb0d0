"""PyTorch peer: a small ResNet for 32x32x3 images (ResNet-20's layout, one torchvision BasicBlock per stage):
conv3x3(16) + BN + ReLU, blocks of 16, 32 (stride 2) and 64 (stride 2) channels, global average pooling,
Linear(64, 10). 1,024 random images an epoch in batches of 64, SGD momentum 0.9, cross-entropy; then inference
images/s in eval mode without gradients."""
import os
import sys

import torch
from common import inference_images_per_second, report, torch_versions, train_epoch_seconds

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from basic_block import BasicBlock  # noqa: E402

nn = torch.nn

torch.manual_seed(0)
batch, samples = 64, 1024
model = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
    BasicBlock(16, 16), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
images, labels = torch.rand(samples, 3, 32, 32), torch.randint(0, 10, (samples,))
batches = list(zip(images.split(batch), labels.split(batch)))

seconds = train_epoch_seconds(model, optimizer, torch.nn.functional.cross_entropy, batches)

report(**torch_versions(), seconds=seconds, samples_per_second=samples / seconds,
       inference_images_per_second=inference_images_per_second(model, batches[0][0], steps=20))
