#!/usr/bin/env bash
# Regenerates Sources/SupermaskONNX/Generated/onnx-subset.pb.swift from onnx-subset.proto (developers only; the
# generated file is committed so that building supermask needs neither protoc nor the plugin).
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift of the swift-protobuf version Package.swift names:
#   git clone https://github.com/apple/swift-protobuf -b 1.39.0 && swift build -c release --product protoc-gen-swift
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${PROTOC_GEN_SWIFT:?set PROTOC_GEN_SWIFT to the protoc-gen-swift executable}
mkdir -p Sources/SupermaskONNX/Generated
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Public \
    --proto_path=Sources/SupermaskONNX --swift_out=Sources/SupermaskONNX/Generated onnx-subset.proto
