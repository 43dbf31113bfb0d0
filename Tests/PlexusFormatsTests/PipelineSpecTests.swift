import XCTest
@testable import PlexusFormats

final class PipelineSpecTests: XCTestCase {
    private let example = """
    name: demo-mlp            # optional
    model:
      input: [2]              # per-sample input shape
      layers:
        - linear: {units: 16}
        - relu
        - dropout: {rate: 0.1}
        - linear: {units: 1}
    training:
      epochs: 50
      batch_size: 32
      optimizer: sgd
      learning_rate: 1e-3
      weight_decay: 0.0
      momentum: 0.9
      nesterov: false
      schedule: {type: cosine}
      clip_norm: 1.0
      early_stopping: {patience: 10, min_delta: 0.0}
      validation_split: 0.2
      loss: mse
    """

    private func parse(_ yaml: String) throws -> PipelineSpec { try PipelineSpec.parse(yaml: yaml, file: "demo.yml") }

    /// A pipeline whose model has the given layer lines (starting on line 4) and an optional training section.
    private func pipeline(layers: String, training: String = "") -> String {
        "model:\n  input: 3\n  layers:\n" + layers + (training.isEmpty ? "" : "\ntraining:\n" + training)
    }

    func testExampleParses() throws {
        let spec = try parse(example)
        XCTAssertEqual(spec.name, "demo-mlp")
        XCTAssertEqual(spec.file, "demo.yml")
        XCTAssertEqual(spec.model.input, [2])
        XCTAssertEqual(spec.model.layers.map(\.type), ["linear", "relu", "dropout", "linear"])
        XCTAssertEqual(spec.model.layers.map(\.line), [5, 6, 7, 8])
        XCTAssertEqual(try spec.model.layers[0].int("units"), 16)
        XCTAssertEqual(try spec.model.layers[2].double("rate"), 0.1)
        XCTAssertEqual(spec.model.layers[1].options, [:])

        var training = TrainingSpec()
        training.epochs = 50
        training.batchSize = 32
        training.optimizer = .sgd
        training.learningRate = 0.001
        training.weightDecay = 0
        training.momentum = 0.9
        training.nesterov = false
        training.schedule = .cosine(minLR: 0)
        training.clipNorm = 1
        training.earlyStopping = .init(patience: 10, minDelta: 0)
        training.validationSplit = 0.2
        training.loss = .mse
        XCTAssertEqual(spec.training, training)
    }

    func testMinimalFileHasNoTrainingSettings() throws {
        let spec = try parse(pipeline(layers: "    - flatten:\n    - linear: {units: 2, bias: false}"))
        XCTAssertNil(spec.name)
        XCTAssertEqual(spec.model.input, [3])  // a single int is a one-dimensional shape
        XCTAssertEqual(spec.training, TrainingSpec())
        XCTAssertEqual(spec.model.layers[0].options, [:])
        XCTAssertFalse(try spec.model.layers[1].bool("bias", default: true))
    }

    func testLayerAccessors() throws {
        let layer = try parse(pipeline(layers: """
                - conv2d:
                    filters: "16"
                    kernel: 3
                    stride: [2, 1]
                    padding: same
                    unit: 4
            """)).model.layers[0]
        XCTAssertEqual(try layer.ints("kernel"), [3])
        XCTAssertEqual(try layer.ints("stride"), [2, 1])
        XCTAssertEqual(try layer.string("padding"), "same")
        XCTAssertEqual(try layer.int("dilation", default: 1), 1)
        XCTAssertEqual(try layer.double("kernel"), 3)
        XCTAssertFormatError(try layer.int("filters"), #"demo.yml:5: layer 'conv2d': key 'filters': expected an integer, found "16""#)
        XCTAssertFormatError(try layer.int("groups"), "demo.yml:4: layer 'conv2d': missing required key 'groups'")
        XCTAssertFormatError(try layer.bool("padding"), #"demo.yml:8: layer 'conv2d': key 'padding': expected true or false, found "same""#)
        XCTAssertFormatError(try layer.string("stride"), "demo.yml:7: layer 'conv2d': key 'stride': expected a string, found a list")
        XCTAssertFormatError(try layer.ints("padding"),
                             #"demo.yml:8: layer 'conv2d': key 'padding': expected an integer or a list of integers, found "same""#)
        XCTAssertFormatError(try layer.rejectUnknownKeys(allowed: ["filters", "kernel", "stride", "padding"]),
                             "demo.yml:9: layer 'conv2d': unknown key 'unit' (expected one of: filters, kernel, padding, stride)")
        XCTAssertNoThrow(try layer.rejectUnknownKeys(allowed: ["filters", "kernel", "stride", "padding", "unit"]))
    }

    func testRejectUnknownKeysMessage() throws {
        let spec = try parse("""
        model:
          input: [2]
          layers:
            - relu
            - linear:
                units: 16
                unit: 3
        """)
        XCTAssertFormatError(try spec.model.layers[1].rejectUnknownKeys(allowed: ["units", "bias"]),
                             "demo.yml:7: layer 'linear': unknown key 'unit' (expected one of: bias, units)")
        XCTAssertFormatError(try parse(pipeline(layers: "    - relu: {inplace: true}")).model.layers[0].rejectUnknownKeys(allowed: []),
                             "demo.yml:4: layer 'relu': unknown key 'inplace' (it takes no options)")
    }

    func testTypoedKeysNameTheirLine() {
        XCTAssertFormatError(try parse("name: x\nmodle:\n  input: [2]\n"),
                             "demo.yml:2: pipeline: unknown key 'modle' (expected one of: detector, inputs, model, name, quantiles, target, training)")
        XCTAssertFormatError(try parse(pipeline(layers: "    - relu", training: "  epochs: 3\n  learning_rat: 0.1")),
                             "demo.yml:7: training: unknown key 'learning_rat' (expected one of: batch_size, clip_norm, "
                             + "early_stopping, epochs, learning_rate, loss, momentum, nesterov, optimizer, schedule, "
                             + "validation_split, weight_decay)")
        XCTAssertFormatError(try parse("model:\n  input: [2]\n  layer:\n    - relu\n"),
                             "demo.yml:3: model: unknown key 'layer' (expected one of: input, layers)")
        XCTAssertFormatError(try parse(pipeline(layers: "    - relu", training: "  schedule:\n    type: step\n    step_size: 5\n    gama: 0.5")),
                             "demo.yml:9: training: schedule 'step': unknown key 'gama' (expected one of: gamma, step_size, type)")
    }

    func testWrongValueTypesAndRanges() {
        let cases: [(String, String)] = [
            ("  epochs: ten", #"demo.yml:6: training: key 'epochs': expected an integer, found "ten""#),
            ("  epochs: 0", "demo.yml:6: training: key 'epochs': must be at least 1, found 0"),
            // YAML 1.1 sexagesimal, which Yams reads as 60 * 200000000000000000 and traps on (found by fuzz-pipeline).
            ("  epochs: 200000000000000000:0", #"demo.yml:6: training: key 'epochs': expected an integer, found "200000000000000000:0""#),
            ("  epochs: 1:30", #"demo.yml:6: training: key 'epochs': expected an integer, found "1:30""#),
            ("  batch_size: 2.5", "demo.yml:6: training: key 'batch_size': expected an integer, found 2.5"),
            ("  learning_rate: -0.1", "demo.yml:6: training: key 'learning_rate': must be greater than 0, found -0.1"),
            ("  learning_rate: [1]", "demo.yml:6: training: key 'learning_rate': expected a number, found a list"),
            ("  learning_rate: 1e300", "demo.yml:6: training: key 'learning_rate': expected a number within ±3.4e38 (32-bit floats), found 1e+300"),
            ("  optimizer: adm", #"demo.yml:6: training: key 'optimizer': expected one of sgd, adam, adamw, found "adm""#),
            ("  loss: hinge", #"demo.yml:6: training: key 'loss': expected one of mse, l1, huber, cross_entropy, bce_with_logits, found "hinge""#),
            ("  nesterov: 1", "demo.yml:6: training: key 'nesterov': expected true or false, found 1"),
            ("  validation_split: 1.0", "demo.yml:6: training: key 'validation_split': must be at least 0 and below 1, found 1.0"),
            ("  weight_decay:", "demo.yml:6: training: key 'weight_decay': expected a number, found nothing"),
            ("  optimizer: adam\n  momentum: 0.9", "demo.yml:7: training: key 'momentum' applies to optimizer sgd only, not adam"),
            ("  schedule: linear", #"demo.yml:6: training: key 'schedule': expected a type of none, step, cosine or plateau, found "linear""#),
            ("  schedule: step", "demo.yml:6: training: schedule 'step': missing required key 'step_size'"),
            ("  schedule: {step_size: 3}", "demo.yml:6: training: schedule: missing required key 'type'"),
            ("  schedule: {type: plateau, factor: 2}", "demo.yml:6: training: schedule 'plateau': key 'factor': must be between 0 and 1 (exclusive), found 2"),
            ("  early_stopping: 5", "demo.yml:6: training: key 'early_stopping': expected a map, found 5"),
            ("  - epochs", "demo.yml:5: pipeline: key 'training': expected a map, found a list"),
        ]
        for (training, message) in cases {
            XCTAssertFormatError(try parse(pipeline(layers: "    - relu", training: training)), message)
        }
    }

    func testSchedulesAndEarlyStoppingDefaults() throws {
        func training(_ text: String) throws -> TrainingSpec {
            try parse(pipeline(layers: "    - relu", training: text)).training
        }
        XCTAssertEqual(try training("  schedule: none").schedule, .constant)
        XCTAssertEqual(try training("  schedule: {type: step, step_size: 5}").schedule, .step(stepSize: 5, gamma: 0.1))
        XCTAssertEqual(try training("  schedule: {type: plateau, patience: 3}").schedule, .plateau(factor: 0.1, patience: 3))
        XCTAssertEqual(try training("  schedule: {type: cosine, min_lr: 1e-5}").schedule, .cosine(minLR: 1e-5))
        XCTAssertEqual(try training("  early_stopping: {}").earlyStopping, .init(patience: 10, minDelta: 0))
        XCTAssertEqual(try training("  optimizer: adamw\n  loss: bce_with_logits").loss, .bceWithLogits)
    }

    func testMalformedLayerLists() {
        // Options at the name's indentation make a two-key map.
        XCTAssertFormatError(try parse(pipeline(layers: "    - linear:\n      units: 16")),
                             "demo.yml:4: a layer is a name or a one-key map such as 'linear: {units: 16}', "
                             + "found keys 'linear', 'units' (indent options under the layer name)")
        XCTAssertFormatError(try parse(pipeline(layers: "    - dropout: 0.1")),
                             "demo.yml:4: layer 'dropout': options must be a map such as {key: value}, found 0.1")
        XCTAssertFormatError(try parse(pipeline(layers: "    - [relu]")),
                             "demo.yml:4: a layer is a name or a one-key map such as 'linear: {units: 16}', found a list")
        XCTAssertFormatError(try parse("model:\n  input: [2]\n  layers: []\n"), "demo.yml:3: model: 'layers' is empty")
        XCTAssertFormatError(try parse("model:\n  input: [2]\n  layers: relu\n"),
                             #"demo.yml:3: model: key 'layers': expected a list, found "relu""#)
        XCTAssertFormatError(try parse("model:\n  input: [2, 0]\n  layers: [relu]\n"),
                             "demo.yml:2: model: key 'input': expected positive sizes, found [2, 0]")
        XCTAssertFormatError(try parse("model:\n  layers: [relu]\n"), "demo.yml:1: model: missing required key 'input'")
    }

    func testDocumentLevelErrors() {
        XCTAssertFormatError(try parse(""), "demo.yml: file is empty (expected a map with a 'model' key)")
        XCTAssertFormatError(try parse("# only a comment\n"), "demo.yml: file is empty (expected a map with a 'model' key)")
        XCTAssertFormatError(try parse("- model\n"), "demo.yml:1: pipeline file: expected a map, found a list")
        XCTAssertFormatError(try parse("name: x\n"), "demo.yml:1: pipeline: missing required key 'model'")
        XCTAssertFormatError(try parse("name: a\nname: b\n"), "demo.yml:2: duplicate key 'name'")
        XCTAssertFormatError(try parse("model:\n  input: [2\n  layers: []\n"), startsWith: "demo.yml:3:")
        XCTAssertFormatError(try parse("model: {input: [2]}\n  bad: indentation\n"), startsWith: "demo.yml:2:")
        // Deep nesting overflowed Yams's recursive parser (fuzz-pipeline, FuzzRegressions/pipeline/nested-brackets.yml).
        let deep = "demo.yml:2: nested more than 256 levels deep (indentation and brackets); a pipeline file needs only a few"
        XCTAssertFormatError(try parse("name: x\nmodel: " + String(repeating: "{a: [", count: 200) + "\n"), deep)
        XCTAssertFormatError(try parse("name: x\n" + String(repeating: " ", count: 257) + "model: 1\n"), deep)
    }

    func testLoadFromDisk() throws {
        let url = try temporaryDirectory(for: self).appendingPathComponent("demo.yml")
        try Data(example.utf8).write(to: url)
        let spec = try PipelineSpec.load(path: url.path)
        XCTAssertEqual(spec.file, url.path)
        XCTAssertEqual(spec.model.layers.count, 4)
        XCTAssertFormatError(try PipelineSpec.load(path: "/nonexistent/p.yml"), "/nonexistent/p.yml: file not found")
    }
}
