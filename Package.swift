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
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Tensors, bit-packed masks, the architecture catalogue, the model type, `.npy` I/O.
        .target(name: "SupermaskCore"),
        // libhdf5 (Debian: libhdf5-dev), with shims for the macros Swift cannot import.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // Reads the HDF5 layout written by tools/pth2h5.py into a `Model`.
        .target(name: "SupermaskHDF5", dependencies: ["SupermaskCore", "CHDF5"]),
        // The reference forward pass (the oracle for faster engines).
        .target(name: "SupermaskEngine", dependencies: ["SupermaskCore", "CSupermaskKernels"]),
        // MARK: format targets
        // zlib (Debian: zlib1g-dev): crc32 and Deflate for the .smask container.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The .smask container: sections with CRCs, mask coders, the seeded weight generator.
        .target(name: "SupermaskFormat", dependencies: ["SupermaskCore", "CZlib"]),

        // MARK: vision targets
        // libjpeg-turbo's libjpeg API (Debian: libjpeg62-turbo-dev), wrapped in C because it reports errors by longjmp.
        .target(name: "CTurboJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
        // libpng (Debian: libpng-dev), wrapped in C for the same reason; zlib to tell a short image stream from a cut one.
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png"), .linkedLibrary("z")]),
        // Pillow + torchvision-exact decoding and preprocessing, ImageNet datasets, the evaluation pipeline;
        // optimised in debug builds too, so that tests which resize images and digest model files stay fast.
        .target(
            name: "SupermaskVision", dependencies: ["SupermaskCore", "SupermaskEngine", "CTurboJPEG", "CPNG"],
            swiftSettings: [.unsafeFlags(["-O"])]
        ),

        // MARK: engine targets
        // The planned engine's kernels in C vector extensions, compiled for AVX-512 and for the baseline ISA from one
        // body; optimised even in debug builds so that tests of the fast path stay fast.
        .target(name: "CSupermaskKernels", cSettings: [.unsafeFlags(["-O3"])]),

        // A subnetwork as a dense ONNX model, through swift-protobuf's code for the part of onnx.proto it writes.
        .target(
            name: "SupermaskONNX",
            dependencies: ["SupermaskCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["onnx-subset.proto"]
        ),

        // MARK: zoo targets
        // The model zoo: the registry (models/zoo.json), resumable HTTP downloads, verification and conversion of releases.
        .target(name: "SupermaskZoo", dependencies: ["SupermaskCore", "SupermaskHDF5", "SupermaskFormat"]),

        // MARK: dataset targets
        // MNIST's IDX files, gunzipped through zlib, and torchvision's ToTensor + Normalize for them (supermask demo).
        .target(name: "SupermaskDatasets", dependencies: ["SupermaskCore", "CZlib"]),

        // The `supermask` command.
        .executableTarget(
            name: "SupermaskCLI",
            dependencies: [
                "SupermaskCore",
                "SupermaskHDF5",
                "SupermaskEngine",
                // MARK: CLI dependencies
                "SupermaskZoo",
                "SupermaskDatasets",
                "SupermaskVision",
                "SupermaskFormat",
                "SupermaskONNX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What several test targets share: the PyTorch-made fixtures of Tests/Fixtures.
        .target(name: "SupermaskTestSupport", dependencies: ["SupermaskCore", "SupermaskHDF5"], path: "Tests/SupermaskTestSupport"),
        .testTarget(name: "SupermaskCoreTests", dependencies: ["SupermaskCore"]),
        .testTarget(name: "SupermaskHDF5Tests", dependencies: ["SupermaskHDF5", "SupermaskCore", "CHDF5"]),
        .testTarget(
            name: "SupermaskEngineTests",
            dependencies: ["SupermaskEngine", "SupermaskHDF5", "SupermaskCore", "SupermaskTestSupport"]
        ),
        .testTarget(
            name: "SupermaskCLITests",
            dependencies: ["SupermaskCLI", "SupermaskTestSupport", "SupermaskFormat", "SupermaskHDF5", "SupermaskCore"],
            exclude: ["Golden"]
        ),
        // MARK: more test targets
        .testTarget(name: "SupermaskZooTests", dependencies: ["SupermaskZoo", "SupermaskCLI", "SupermaskCore", "SupermaskTestSupport"]),
        .testTarget(name: "SupermaskDatasetsTests", dependencies: ["SupermaskDatasets", "SupermaskCore"]),
        .testTarget(name: "SupermaskONNXTests", dependencies: ["SupermaskONNX", "SupermaskCore", "SupermaskTestSupport"]),
        // Optimised like SupermaskVision: the geometry grid draws and digests about 800 million pixels.
        .testTarget(
            name: "SupermaskVisionTests",
            dependencies: ["SupermaskVision", "SupermaskEngine", "SupermaskHDF5", "SupermaskCore"],
            swiftSettings: [.unsafeFlags(["-O"])]
        ),
        .testTarget(
            name: "SupermaskFormatTests",
            dependencies: ["SupermaskFormat", "SupermaskHDF5", "SupermaskEngine", "SupermaskCore", "SupermaskTestSupport"]
        ),
    ]
)
