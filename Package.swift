// swift-tools-version: 6.0
import PackageDescription

// Targets depend one way: the CLI on everything; importers, format and engine on the core; the core on nothing.
let package = Package(
    name: "supermask",
    products: [
        .executable(name: "supermask", targets: ["SupermaskCLI"]),
        .library(name: "SupermaskCore", targets: ["SupermaskCore"]),
        .library(name: "SupermaskHDF5", targets: ["SupermaskHDF5"]),
        .library(name: "SupermaskEngine", targets: ["SupermaskEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Tensors, bit-packed masks, the architecture catalogue, the model type, `.npy` I/O.
        .target(name: "SupermaskCore"),
        // libhdf5 (Debian: libhdf5-dev), with shims for the macros Swift cannot import.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // Reads the HDF5 layout written by tools/pth2h5.py into a `Model`.
        .target(name: "SupermaskHDF5", dependencies: ["SupermaskCore", "CHDF5"]),
        // The reference forward pass (the oracle for faster engines).
        .target(name: "SupermaskEngine", dependencies: ["SupermaskCore"]),
        // MARK: format targets

        // MARK: vision targets

        // MARK: engine targets

        // The `supermask` command.
        .executableTarget(
            name: "SupermaskCLI",
            dependencies: [
                "SupermaskCore",
                "SupermaskHDF5",
                "SupermaskEngine",
                // MARK: CLI dependencies
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SupermaskCoreTests", dependencies: ["SupermaskCore"]),
        .testTarget(name: "SupermaskHDF5Tests", dependencies: ["SupermaskHDF5", "SupermaskCore", "CHDF5"]),
        .testTarget(
            name: "SupermaskEngineTests",
            dependencies: ["SupermaskEngine", "SupermaskHDF5", "SupermaskCore"]
        ),
        .testTarget(name: "SupermaskCLITests", dependencies: ["SupermaskCLI"]),
        // MARK: more test targets
    ]
)
