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
        .library(name: "SupermaskTorchInit", targets: ["SupermaskTorchInit"]),
        // The readers of the other formats, for the fuzz targets of Fuzz/Package.swift.
        .library(name: "SupermaskFormat", targets: ["SupermaskFormat"]),
        .library(name: "SupermaskVision", targets: ["SupermaskVision"]),
        .library(name: "SupermaskDatasets", targets: ["SupermaskDatasets"]),
        .library(name: "SupermaskZoo", targets: ["SupermaskZoo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Tensors, bit-packed masks, the architecture catalogue, the model type, `.npy` I/O.
        // Optimised in debug builds too: SHA-256 digests and top-k masks run over tens of millions of values in tests.
        .target(name: "SupermaskCore", swiftSettings: [.unsafeFlags(["-O"])]),
        // libhdf5 (Debian: libhdf5-dev), with shims for the macros Swift cannot import.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // Reads the HDF5 layout written by tools/pth2h5.py into a `Model`.
        .target(name: "SupermaskHDF5", dependencies: ["SupermaskCore", "CHDF5"]),
        // The reference forward pass (the oracle for faster engines).
        .target(name: "SupermaskEngine", dependencies: ["SupermaskCore", "CSupermaskKernels"]),
        // zlib (Debian: zlib1g-dev): crc32 and Deflate for the .smask container.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The .smask container: sections with CRCs, mask coders, the seeded weight generator, torch-seed weights.
        // Optimised in debug builds too: tests code masks of hundreds of thousands of bits under several contexts.
        .target(
            name: "SupermaskFormat", dependencies: ["SupermaskCore", "SupermaskTorchInit", "CZlib"],
            swiftSettings: [.unsafeFlags(["-O"])]),

        // PyTorch's CPU generator (MT19937, uniform_, normal_) and hidden-networks' draw order: the released models'
        // initial weights and scores from a torch seed, bit for bit (docs/torch-init.md); optimised in debug builds
        // too, since tests and loads regenerate tens of millions of numbers.
        .target(
            name: "SupermaskTorchInit", dependencies: ["SupermaskCore", "CSupermaskTorchKernels"],
            swiftSettings: [.unsafeFlags(["-O"])]),
        // Its fused multiply-adds in AVX2 + FMA, chosen at run time (the Swift code is the reference and the fallback).
        .target(name: "CSupermaskTorchKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        // The seed search's brute-force kernels in C vector extensions, compiled for AVX2 and for the baseline ISA
        // from one body; optimised even in debug builds so that tests over seed ranges stay fast.
        .target(name: "CSeedSearch", cSettings: [.unsafeFlags(["-O3"])]),
        // Finds the torch seed of a model from its weights alone, and checks it against every weight.
        .target(
            name: "SupermaskSeedSearch",
            dependencies: ["SupermaskCore", "SupermaskTorchInit", "SupermaskFormat", "CSeedSearch"],
            swiftSettings: [.unsafeFlags(["-O"])]
        ),

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

        // The planned engine's kernels in C vector extensions: one file per kind with a scalar reference beside it,
        // compiled into tables for AVX-512, AVX2 and the baseline ISA; optimised even in debug builds so that tests
        // of the fast path stay fast.
        .target(name: "CSupermaskKernels", cSettings: [.unsafeFlags(["-O3"])]),

        // A subnetwork as a dense ONNX model, through swift-protobuf's code for the part of onnx.proto it writes.
        .target(
            name: "SupermaskONNX",
            dependencies: ["SupermaskCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["onnx-subset.proto"]
        ),

        // libcurl's easy interface (Debian: libcurl4-openssl-dev), wrapped in C because its options are variadic.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // The model zoo: the registry (models/zoo.json), resumable HTTP downloads, verification and conversion of releases.
        .target(
            name: "SupermaskZoo",
            dependencies: ["SupermaskCore", "SupermaskHDF5", "SupermaskFormat", "SupermaskTorchInit", "CCurl"]
        ),

        // MNIST's IDX files, gunzipped through zlib, and torchvision's ToTensor + Normalize for them (supermask demo).
        .target(name: "SupermaskDatasets", dependencies: ["SupermaskCore", "CZlib"]),

        // The `supermask` command.
        .executableTarget(
            name: "SupermaskCLI",
            dependencies: [
                "SupermaskCore",
                "SupermaskHDF5",
                "SupermaskEngine",
                "SupermaskZoo",
                "SupermaskDatasets",
                "SupermaskVision",
                "SupermaskFormat",
                "SupermaskSeedSearch",
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
        // Optimised: the tests compare and digest whole regenerated models (a cResNet18 is 22 M numbers).
        .testTarget(
            name: "SupermaskTorchInitTests", dependencies: ["SupermaskTorchInit", "SupermaskCore"],
            swiftSettings: [.unsafeFlags(["-O"])]),
        .testTarget(
            name: "SupermaskSeedSearchTests",
            dependencies: [
                "SupermaskSeedSearch", "SupermaskTorchInit", "SupermaskCore", "SupermaskHDF5", "SupermaskTestSupport",
                "SupermaskCLI",
            ]
        ),
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
            dependencies: [
                "SupermaskFormat", "SupermaskHDF5", "SupermaskEngine", "SupermaskCore", "SupermaskTestSupport",
                "SupermaskTorchInit",
            ]
        ),
    ]
)
