import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskHDF5
import SupermaskONNX

/// `supermask convert`: a model from one file format to another, losslessly.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a model between .smask and .h5 without losing a bit, or to ONNX.",
        discussion: """
            The format is chosen by OUT's extension. To .h5 (the layout of docs/hdf5-layout.md, readable with h5py): every
            weight, the masks as scores of 1 (kept) and 0 (dropped) that the original top-k rule selects again, the batch
            norms and the metadata. To .smask: the same as `supermask export` with --weights auto. To .onnx: the
            subnetwork as a dense ONNX model (opset 13; masked weights, BatchNormalization nodes) for ONNX Runtime,
            OpenVINO or DeepSparse, input `input` [N, C, H, W], output `logits` [N, classes].
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .shortAndLong, help: "The file to write: OUT.h5, OUT.smask or OUT.onnx.")
    var output: String

    func run() throws {
        if output.hasSuffix(".smask") {
            let overrides = (modelOptions.arch.map { ["--arch", $0] } ?? []) + (modelOptions.keep.map { ["--keep", "\($0)"] } ?? [])
            let export = try Export.parse([modelOptions.model] + overrides + ["--output", output])
            try export.run()
            return
        }
        try reportingErrors {
            let toONNX = output.hasSuffix(".onnx")
            guard toONNX || output.hasSuffix(".h5") || output.hasSuffix(".hdf5") else {
                throw SupermaskError(file: output, "unknown output format; name the file OUT.h5, OUT.smask or OUT.onnx")
            }
            let model = try modelOptions.load()
            if toONNX {
                let bytes = try ONNXExporter.serializedModel(model, producerVersion: Supermask.version)
                guard FileManager.default.createFile(atPath: output, contents: bytes) else {
                    throw SupermaskError(file: output, "cannot write the file")
                }
                print("wrote \(output): \(model.architecture.name) as a dense ONNX model (opset \(ONNXExporter.opsetVersion)), \(grouped(bytes.count)) bytes")
                return
            }
            do {
                try CheckpointWriter.write(model: model, path: output)
            } catch let error as SupermaskError {
                throw error.inFile(modelOptions.model)
            }
            let kept = model.architecture.convolutions.reduce(0) { $0 + model.parameters(of: $1).keptCount }
            let total = model.architecture.convolutions.reduce(0) { $0 + $1.weightCount }
            print("wrote \(output): \(model.architecture.name), \(grouped(kept)) of \(grouped(total)) weights kept, as .h5")
        }
    }
}
