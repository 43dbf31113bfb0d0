import Plexus
import PlexusFormats
import XCTest
@testable import PlexusKit

/// The sequence layer types of pipeline files (lstm, gru, embedding): shape inference over [T, F], PyTorch
/// names, and errors that name the line.
final class RecurrentBuilderTests: XCTestCase, LayerTypeTesting {
    let defaultInput = "[60, 1]"

    func testForecasterShapesAndNames() throws {
        let (model, output) = try build("""
                - lstm: {units: 8, layers: 2, return_sequences: true, dropout: 0.1}
                - gru: {units: 5, bias: false}
                - linear: {units: 1}

            """)
        XCTAssertEqual(output, [1])
        XCTAssertEqual(model.stateDict().map(\.name), [
            "0.weight_ih_l0", "0.weight_hh_l0", "0.bias_ih_l0", "0.bias_hh_l0", "0.weight_ih_l1", "0.weight_hh_l1", "0.bias_ih_l1",
            "0.bias_hh_l1", "1.weight_ih_l0", "1.weight_hh_l0", "2.weight", "2.bias",
        ])
        XCTAssertEqual(model.stateDict().map(\.tensor.shape), [
            [32, 1], [32, 8], [32], [32], [32, 8], [32, 8], [32], [32], [15, 8], [15, 5], [1, 5], [1],
        ])
        XCTAssertEqual(model(Tensor.zeros([3, 60, 1])).shape, [3, 1])
    }

    func testEmbeddingFeedsARecurrentLayer() throws {
        let (model, output) = try build("""
                - embedding: {num_embeddings: 10, dim: 4, padding_idx: 0}
                - lstm: {units: 6, return_sequences: true}

            """, input: "[7]")
        XCTAssertEqual(output, [7, 6])
        XCTAssertEqual(model.stateDict().first?.tensor.shape, [10, 4])
        XCTAssertEqual(model(Tensor.zeros([2, 7])).shape, [2, 7, 6])
    }

    func testErrorsNameTheLineAndWhatWasExpected() {
        assertBuildError("    - lstm: {units: 4}\n", input: "[60]",
                         "m.yml:4: layer 'lstm': needs sequences of shape [steps, features] per sample, got shape [60]")
        assertBuildError("    - gru: {units: 0}\n", "m.yml:4: layer 'gru': key 'units' must be a positive integer, found 0")
        assertBuildError("    - lstm: {units: 4, layers: 0}\n", "m.yml:4: layer 'lstm': key 'layers' must be a positive integer, found 0")
        assertBuildError("    - lstm: {units: 4, dropout: 1}\n", "m.yml:4: layer 'lstm': key 'dropout' must be in [0, 1), found 1.0")
        assertBuildError("    - lstm: {units: 4, return_sequence: true}\n",
                         "m.yml:4: layer 'lstm': unknown key 'return_sequence' (expected one of: bias, dropout, layers, return_sequences, units)")
        assertBuildError("    - embedding: {num_embeddings: 5, dim: 3, padding_idx: 5}\n", input: "[7]",
                         "m.yml:4: layer 'embedding': key 'padding_idx' must be in 0..<5 (num_embeddings), found 5")
        assertBuildError("    - embedding: {dim: 3}\n", input: "[7]", "m.yml:4: layer 'embedding': missing required key 'num_embeddings'")
    }
}
