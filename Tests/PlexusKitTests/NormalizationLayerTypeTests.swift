import Foundation
import Plexus
import PlexusFormats
import XCTest
@testable import PlexusKit

/// The `batch_norm`, `layer_norm`, `upsample` and `residual` layer types of pipeline files.
final class NormalizationLayerTypeTests: XCTestCase, LayerTypeTesting {
    let defaultInput = "[3, 8, 8]"

    func testShapeInferenceAndPyTorchNames() throws {
        let (model, output) = try build("""
                - batch_norm
                - residual: {filters: 8, stride: 2}
                - upsample: {scale_factor: 1.5, mode: bilinear}
                - layer_norm: {dims: 2}
                - upsample: {size: [4, 6]}
                - flatten
                - batch_norm: {momentum: 0.2, eps: 0.001}
            """, input: "[3, 9, 9]")
        // 9 → residual stride 2 → 5 → ×1.5 → 7; the second upsample sets 4×6.
        XCTAssertEqual(output, [8 * 4 * 6])
        XCTAssertEqual(model.trace(Tensor.zeros([2, 3, 9, 9])).map(\.outputShape),
                       [[2, 3, 9, 9], [2, 8, 5, 5], [2, 8, 7, 7], [2, 8, 7, 7], [2, 8, 4, 6], [2, 192], [2, 192]])
        let names = model.stateDict().map(\.name)
        let batchNorm = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
        XCTAssertEqual(names, batchNorm.map { "0." + $0 }
            + ["1.conv1.weight"] + batchNorm.map { "1.bn1." + $0 } + ["1.conv2.weight"] + batchNorm.map { "1.bn2." + $0 }
            + ["1.downsample.0.weight"] + batchNorm.map { "1.downsample.1." + $0 }
            + ["3.weight", "3.bias"] + batchNorm.map { "6." + $0 })
        XCTAssertEqual(model.stateDict().first { $0.name == "3.weight" }!.tensor.shape, [7, 7])
        let last = model.layers[6] as! BatchNorm
        XCTAssertEqual(last.config.momentum, 0.2)
        XCTAssertEqual(last.config.epsilon, 0.001)
    }

    func testIdentityShortcutAndOneDimensionalBatchNorm() throws {
        let (model, output) = try build("    - residual: {filters: 4}\n    - flatten\n    - batch_norm\n", input: "[4, 5, 5]")
        XCTAssertEqual(output, [100])
        XCTAssertNil((model.layers[0] as! ResidualBlock).downsample)
        XCTAssertEqual(model(Tensor.ones([3, 4, 5, 5])).shape, [3, 100])
    }

    /// A checkpoint of batch norms, a residual block with a projection shortcut, an upsampling and a layer norm loads
    /// into the same PyTorch modules with `strict=True` (every state_dict key and shape matches) and gives the same output.
    func testPyTorchLoadsTheCheckpointAndAgrees() throws {
        try skipUnlessPyTorchIsInstalled()

        let (model, _) = try build("""
                - batch_norm
                - residual: {filters: 4, stride: 2}
                - upsample: {scale_factor: 1.5, mode: bilinear}
                - layer_norm: {dims: 2}
            """, input: "[3, 7, 7]")
        var rng = RandomGenerator(seed: 5)
        let input = Tensor.normal([2, 3, 7, 7], mean: 1, std: 2, using: &rng)
        Autograd.withoutGradient { _ = model(input) }  // a training-mode pass moves the running statistics off 0 and 1
        model.eval()
        let expected = Autograd.withoutGradient { model(input) }.scalars
        let directory = temporaryDirectory()
        try Data(try Checkpoint.encode(model)).write(to: URL(fileURLWithPath: directory + "/model.safetensors"))
        try Data(input.scalars.map { "\($0)" }.joined(separator: " ").utf8).write(to: URL(fileURLWithPath: directory + "/input.txt"))

        let script = """
        import json, sys, torch
        from safetensors.torch import load_file
        nn = torch.nn
        class BasicBlock(nn.Module):  # torchvision.models.resnet.BasicBlock with a downsample branch
            def __init__(self, inplanes, planes, stride):
                super().__init__()
                self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(planes)
                self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
                self.bn2 = nn.BatchNorm2d(planes)
                self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
            def forward(self, x):
                out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
                return torch.relu(out + self.downsample(x))
        model = nn.Sequential(nn.BatchNorm2d(3), BasicBlock(3, 4, 2), nn.Upsample(scale_factor=1.5, mode="bilinear"), nn.LayerNorm([6, 6]))
        model.load_state_dict(load_file(sys.argv[1] + "/model.safetensors"), strict=True)
        model.eval()
        x = torch.tensor([float(v) for v in open(sys.argv[1] + "/input.txt").read().split()]).reshape(2, 3, 7, 7)
        with torch.no_grad():
            print(json.dumps(model(x).flatten().tolist()))
        """
        let actual = try pythonOutput(script, argument: directory)
        XCTAssertEqual(actual.count, expected.count)
        for (a, e) in zip(actual, expected) { XCTAssertEqual(a, e, accuracy: 1e-4) }
    }

    func testErrorsNameTheLineAndTheProblem() {
        assertBuildError("    - batch_norm: {momentum: 2}\n", "m.yml:4: layer 'batch_norm': key 'momentum' must be in [0, 1], found 2.0")
        assertBuildError("    - batch_norm: {eps: 0}\n", "m.yml:4: layer 'batch_norm': key 'eps' must be greater than 0, found 0.0")
        assertBuildError("    - layer_norm: {dims: 4}\n",
                         "m.yml:4: layer 'layer_norm': key 'dims' must be between 1 and 3 (the input's axes, shape [3, 8, 8]), found 4")
        assertBuildError("    - upsample: {scale_factor: 2, size: 16}\n", "m.yml:4: layer 'upsample': give exactly one of 'scale_factor' and 'size'")
        assertBuildError("    - upsample\n", "m.yml:4: layer 'upsample': give exactly one of 'scale_factor' and 'size'")
        assertBuildError("    - upsample: {scale_factor: 2, mode: bicubic}\n",
                         "m.yml:4: layer 'upsample': key 'mode': unknown value 'bicubic' (expected one of: nearest, bilinear)")
        assertBuildError("    - upsample: {scale_factor: 0.1}\n", "m.yml:4: layer 'upsample': output size 0×0 for input [3, 8, 8] is empty")
        assertBuildError("    - upsample: {size: [4, 4, 4]}\n",
                         "m.yml:4: layer 'upsample': key 'size' must be a positive integer or [height, width], found [4, 4, 4]")
        assertBuildError("    - upsample: {scale_factor: 2}\n", input: "[8]",
                         "m.yml:4: layer 'upsample': needs images of shape [channels, height, width] per sample, got shape [8]")
        assertBuildError("    - residual: {filters: 8, stride: 0}\n", "m.yml:4: layer 'residual': key 'stride' must be a positive integer, found 0")
        assertBuildError("    - residual: {stride: 2}\n", "m.yml:4: layer 'residual': missing required key 'filters'")
    }
}
