"""PyTorch peer: a small ResNet for 32x32x3 images (ResNet-20's layout, one torchvision BasicBlock per stage):
conv3x3(16) + BN + ReLU, blocks of 16, 32 (stride 2) and 64 (stride 2) channels, global average pooling,
Linear(64, 10). 1,024 random images an epoch in batches of 64, SGD momentum 0.9, cross-entropy; then inference
images/s in eval mode without gradients."""
import torch
from common import report, timed, train_epoch_seconds

nn = torch.nn


class BasicBlock(nn.Module):
    """torchvision.models.resnet.BasicBlock, without the torchvision dependency."""

    def __init__(self, in_channels, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_channels != planes:
            self.downsample = nn.Sequential(nn.Conv2d(in_channels, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


torch.manual_seed(0)
batch, samples = 64, 1024
model = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
    BasicBlock(16, 16), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
images, labels = torch.rand(samples, 3, 32, 32), torch.randint(0, 10, (samples,))
batches = list(zip(images.split(batch), labels.split(batch)))

seconds = min(train_epoch_seconds(model, optimizer, torch.nn.functional.cross_entropy, batches) for _ in range(3))

model.eval()
with torch.no_grad():
    x = batches[0][0]
    for _ in range(3):
        model(x)
    steps = 20
    inference = min(timed(lambda: [model(x) for _ in range(steps)]) for _ in range(3))
report(seconds=seconds, samples_per_second=samples / seconds, inference_images_per_second=steps * batch / inference)
