// swift-tools-version: 6.0
import Foundation
import PackageDescription

// libFuzzer targets for every reader of untrusted files (docs/security.md, "Fuzzing"). Build and run them with
// tools/fuzz.sh, which passes the sanitizer flags: SwiftPM's `--sanitize=fuzzer --sanitize=address` alone
// instruments nothing for coverage (the driver keeps only the last -sanitize), so the script adds
// `-Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address`.
//
// This folder is its own package so that the main package's `swift build` and `swift test` never see these
// executables, which link only with libFuzzer's main. It depends on the main package by path; SwiftPM names a
// path dependency after its directory, so the identity is computed from where this manifest lives.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

func product(_ name: String) -> Target.Dependency { .product(name: name, package: mainPackage) }

let package = Package(
    name: "SupermaskFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        // What every fuzz target shares: the input as bytes, and scratch files for readers that take a path.
        .target(name: "FuzzSupport"),
        // The .smask reader, then one bounded inference with the reference and the planned engine.
        .executableTarget(
            name: "FuzzSmask",
            dependencies: ["FuzzSupport", product("SupermaskFormat"), product("SupermaskEngine"), product("SupermaskCore")]
        ),
        // The .npy reader.
        .executableTarget(name: "FuzzNPY", dependencies: ["FuzzSupport", product("SupermaskCore")]),
        // The HDF5 checkpoint reader, in process (libhdf5 itself is not instrumented).
        .executableTarget(name: "FuzzHDF5", dependencies: ["FuzzSupport", product("SupermaskHDF5")]),
        // JPEG and PNG decoding and the ImageNet preprocessing.
        .executableTarget(name: "FuzzImage", dependencies: ["FuzzSupport", product("SupermaskVision")]),
        // MNIST's IDX files, gzip-compressed or not, and their normalisation.
        .executableTarget(
            name: "FuzzIDX", dependencies: ["FuzzSupport", product("SupermaskDatasets"), product("SupermaskCore")]
        ),
        // The zoo registry (models/zoo.json).
        .executableTarget(name: "FuzzZooRegistry", dependencies: ["FuzzSupport", product("SupermaskZoo")]),
        // A demo bundle's manifest.json.
        .executableTarget(name: "FuzzBundleManifest", dependencies: ["FuzzSupport", product("SupermaskZoo")]),
    ]
)
