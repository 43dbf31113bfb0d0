// swift-tools-version: 6.0
import PackageDescription

/// Release builds drop exclusivity checks on hot loops; debug builds keep them. `-fno-math-errno` lets
/// `Float.squareRoot()` (a C `sqrtf` on Linux) compile to a vector square root instead of a call that may set
/// errno, so loops such as Adam's vectorise. (-Ounchecked is avoided: Swift 6.3 miscompiled the engine with it.)
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked", "-Xcc", "-fno-math-errno"], .when(configuration: .release)),
]

let package = Package(
    name: "Plexus",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Plexus", targets: ["Plexus"]),
        .library(name: "PlexusStore", targets: ["PlexusStore"]),
        .library(name: "PlexusFormats", targets: ["PlexusFormats"]),
        .library(name: "PlexusKit", targets: ["PlexusKit"]),
        .library(name: "PlexusCharts", targets: ["PlexusCharts"]),
        .library(name: "PlexusONNX", targets: ["PlexusONNX"]),
        .executable(name: "plexus", targets: ["plexus"]),
        .executable(name: "plexus-bench", targets: ["plexus-bench"]),
        .executable(name: "forecast", targets: ["forecast"]),
        .executable(name: "classify", targets: ["classify"]),
        .executable(name: "cluster", targets: ["cluster"]),
        .executable(name: "anomaly", targets: ["anomaly"]),
        // The readers' fuzz entry points, for the fuzz targets of FuzzTesting/Package.swift (`make fuzz`).
        .library(name: "PlexusFuzzEntries", targets: ["FuzzEntries"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // C shims over Debian's system libraries.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CCairo", path: "Sources/CCairo", pkgConfig: "pangocairo"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto"),
        // nifticlib needs a C target: its header includes <znzlib.h>, which this target's include folder forwards.
        .target(name: "CNIfTI", path: "Sources/CNIfTI"),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c"),

        // The engine: tensors, autograd, layers, losses, optimizers, training loop. No file or database I/O.
        .target(name: "Plexus", dependencies: ["CDNNL"], swiftSettings: fastMath),
        // SQLite store shared by every pipeline.
        .target(name: "PlexusStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // File formats: CSV, PNG (libpng), NIfTI (nifticlib), safetensors, YAML pipeline files; SHA-256 (libcrypto).
        .target(name: "PlexusFormats", dependencies: ["CPNG", "CZlib", "CCrypto", "CNIfTI", "Yams"], swiftSettings: fastMath),
        // Processes started by mpirun: rank, size and the collectives of data-parallel training (Open MPI). The engine
        // stays free of MPI; PlexusKit uses this to train and score across processes.
        .target(name: "PlexusDistributed", dependencies: ["CMPI"]),
        // Charts and pictures on cairo, text by pango: drawn once, written as PNG or SVG.
        .target(name: "PlexusCharts", dependencies: ["CCairo", "PlexusFormats"]),
        // Glue used by the executables: models from YAML specs, built-in pipeline files, checkpoints, runs recorded in
        // the store, one-line errors.
        .target(name: "PlexusKit", dependencies: [
            "Plexus", "PlexusStore", "PlexusFormats", "PlexusCharts", "PlexusDistributed", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // ONNX export of any run's model, from its model card; the protobuf types are generated from onnx.proto
        // (tools/generate-onnx-proto.sh) and committed under Generated/.
        .target(name: "PlexusONNX", dependencies: [
            "PlexusKit", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // `plexus ui`: the web pages over a database, on Hummingbird; only `plexus` links it.
        .target(name: "PlexusUI", dependencies: ["PlexusKit", "PlexusCharts", "AnomalyPipeline", .product(name: "Hummingbird", package: "hummingbird")]),

        .executableTarget(name: "plexus", dependencies: [
            "PlexusKit", "PlexusONNX", "PlexusUI", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "plexus-bench", dependencies: ["PlexusKit", "ClusterPipeline"], swiftSettings: fastMath),

        // One library per pipeline (the logic, testable) and one thin executable each.
        .target(name: "ForecastPipeline", dependencies: ["PlexusKit", "PlexusCharts"]),
        .target(name: "ClassifyPipeline", dependencies: ["PlexusKit", "PlexusCharts"]),
        .target(name: "ClusterPipeline", dependencies: ["PlexusKit", "PlexusCharts"]),
        .target(name: "AnomalyPipeline", dependencies: ["PlexusKit", "PlexusCharts"]),
        // `anomaly prepare`: the slice set and its evaluation lesions. A target of its own that AnomalyPipeline cannot
        // import (it depends on it), so no detector's training can ever use the generator of the evaluation kinds.
        .target(name: "AnomalyData", dependencies: ["AnomalyPipeline", "PlexusCharts"]),
        .executableTarget(name: "forecast", dependencies: ["ForecastPipeline", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "classify", dependencies: ["ClassifyPipeline", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "anomaly", dependencies: ["AnomalyPipeline", "AnomalyData", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "cluster", dependencies: ["ClusterPipeline", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Runs the executables as a user does, for the pipelines' test targets (not a product).
        .target(name: "CommandTesting", dependencies: ["PlexusKit", .product(name: "GRDB", package: "GRDB.swift")], path: "Tests/CommandTesting"),
        // What each libFuzzer target calls (FuzzTesting/), and the replay of the regression inputs and seed corpora.
        .target(name: "FuzzEntries", dependencies: ["PlexusKit", "ForecastPipeline", "ClusterPipeline"], path: "Tests/FuzzEntries"),
        .testTarget(name: "FuzzReplayTests", dependencies: ["FuzzEntries"], exclude: ["FuzzRegressions"]),
        .testTarget(name: "PlexusTests", dependencies: ["Plexus"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PlexusStoreTests", dependencies: ["PlexusStore", .product(name: "GRDB", package: "GRDB.swift")], exclude: ["Fixtures"]),
        .testTarget(name: "PlexusFormatsTests", dependencies: ["PlexusFormats"]),
        .testTarget(name: "PlexusChartsTests", dependencies: ["PlexusCharts", "PlexusFormats"]),
        .testTarget(name: "PlexusKitTests", dependencies: ["PlexusKit", "CommandTesting", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "PlexusONNXTests", dependencies: [
            "PlexusONNX", "ForecastPipeline", "ClassifyPipeline", "ClusterPipeline", "AnomalyPipeline", "CommandTesting",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        // Fixtures read through #filePath (the GARCH fits of tools/make_garch_fixture.py), not bundled.
        .testTarget(name: "ForecastPipelineTests", dependencies: ["ForecastPipeline", "CommandTesting", .product(name: "GRDB", package: "GRDB.swift")],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ClassifyPipelineTests", dependencies: ["ClassifyPipeline", "CommandTesting", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "AnomalyPipelineTests", dependencies: ["AnomalyPipeline", "AnomalyData", "CommandTesting", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "PlexusUITests", dependencies: [
            "PlexusUI", "CommandTesting", "ClassifyPipeline", "ForecastPipeline", "ClusterPipeline", "AnomalyPipeline",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        // Read through #filePath by the k-means tests, not bundled.
        .testTarget(name: "ClusterPipelineTests", dependencies: ["ClusterPipeline", "CommandTesting", .product(name: "GRDB", package: "GRDB.swift")], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
