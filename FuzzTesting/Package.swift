// swift-tools-version:5.3
import PackageDescription

/// libFuzzer targets over Plexus's readers, kept in their own package (as swift-protobuf's FuzzTesting does) so that
/// the normal build never compiles them. Each target is one `LLVMFuzzerTestOneInput` calling the entry function of
/// the main package's FuzzEntries target, which `make test` also feeds the regression inputs and seed corpora.
/// Tools version 5.3, like swift-protobuf's: from 5.5 on, SwiftPM links executables against a renamed `main` that a
/// `-parse-as-library` build without one lacks; here libFuzzer brings `main`.
///
///     make fuzz TARGET=png SECONDS=600
///     swift build -c release --package-path FuzzTesting --scratch-path .build-fuzz \
///         -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product fuzz-png
let names = ["png", "csv", "prices", "events", "nifti", "safetensors", "pipeline", "modelcard"]

let package = Package(
    name: "PlexusFuzzTesting",
    dependencies: [.package(name: "Plexus", path: "..")],
    targets: names.map { name in
        .target(name: "fuzz-\(name)", dependencies: [.product(name: "PlexusFuzzEntries", package: "Plexus")],
                path: "Sources/fuzz-\(name)")
    }
)
