import CHDF5
import Foundation
import SupermaskCore
@testable import SupermaskHDF5

/// A checkpoint the tests build in memory and write with the library's `CheckpointWriter`, so they can make
/// good and broken files at will.
struct TestCheckpoint {
    var attributes: [(key: String, value: MetadataValue)] = []
    var tensors: [(name: String, tensor: CheckpointWriter.Tensor)] = []
    /// Also write these string attributes as variable-length strings (h5py's default for `str`, which
    /// pth2h5.py avoids) so the importer is tested on both kinds.
    var variableLengthStrings: [(key: String, value: String)] = []

    /// A checkpoint of `architecture` with seeded signed-constant weights, uniform scores and BN statistics.
    init(architecture: Architecture, keep: Double? = nil, scores: Bool = true, affine: Bool = false) {
        var state: UInt64 = 0x5EED
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        func values(_ count: Int, _ make: () -> Float) -> [Float] { (0..<count).map { _ in make() } }
        attributes.append(("arch", .text(architecture.name)))
        if let keep { attributes.append(("keep", .real(keep))) }
        for convolution in architecture.convolutions {
            let scale = Float((2.0 / Double(convolution.fanIn)).squareRoot())
            let shape = convolution.weightShape
            tensors.append((convolution.name + ".weight", .float32(shape: shape, values: values(convolution.weightCount) { uniform() < 0 ? -scale : scale })))
            if scores {
                tensors.append((convolution.name + ".scores", .float32(shape: shape, values: values(convolution.weightCount, uniform))))
            }
        }
        for norm in architecture.batchNorms {
            let shape = [norm.channels]
            tensors.append((norm.name + ".running_mean", .float32(shape: shape, values: values(norm.channels) { uniform() * 0.1 })))
            tensors.append((norm.name + ".running_var", .float32(shape: shape, values: values(norm.channels) { 1 + uniform() * 0.5 })))
            tensors.append((norm.name + ".num_batches_tracked", .int64(shape: [], values: [4])))
            if affine {
                tensors.append((norm.name + ".weight", .float32(shape: shape, values: values(norm.channels) { 1 + uniform() * 0.2 })))
                tensors.append((norm.name + ".bias", .float32(shape: shape, values: values(norm.channels) { uniform() * 0.2 })))
            }
        }
    }

    /// Replaces the tensor called `name` (or adds it).
    mutating func set(_ name: String, _ tensor: CheckpointWriter.Tensor) {
        remove(name)
        tensors.append((name, tensor))
    }

    mutating func remove(_ name: String) {
        tensors.removeAll { $0.name == name }
    }

    func floats(_ name: String) -> [Float] {
        guard case .float32(_, let values) = tensors.first(where: { $0.name == name })?.tensor else { return [] }
        return values
    }

    /// Writes the file; with `stateDictGroup` other than "state_dict" the group is renamed afterwards.
    @discardableResult
    func write(to path: String, stateDictGroup: String = "state_dict") throws -> String {
        try CheckpointWriter.write(path: path, attributes: attributes, tensors: tensors)
        guard stateDictGroup != "state_dict" || !variableLengthStrings.isEmpty else { return path }
        HDF5Library.withLock {
            let file = H5Fopen(path, h5shim_acc_rdwr(), hid_t(H5P_DEFAULT))
            defer { H5Fclose(file) }
            if stateDictGroup != "state_dict" {
                H5Lmove(file, "state_dict", file, stateDictGroup, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            }
            for (key, value) in variableLengthStrings { writeVariableLengthString(key, value, on: file) }
        }
        return path
    }

    private func writeVariableLengthString(_ name: String, _ text: String, on location: hid_t) {
        let space = H5Screate(H5S_SCALAR)
        let type = H5Tcopy(h5shim_c_s1())
        H5Tset_size(type, h5shim_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        if H5Aexists(location, name) > 0 { H5Adelete(location, name) }
        let attribute = H5Acreate2(location, name, type, space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        text.withCString { pointer in
            var pointers: [UnsafePointer<CChar>?] = [pointer]
            _ = H5Awrite(attribute, type, &pointers)
        }
        H5Aclose(attribute)
        H5Tclose(type)
        H5Sclose(space)
    }
}

/// A fresh temporary path ending in `suffix`, removed by the caller.
func temporaryPath(_ suffix: String = ".h5") -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("supermask-test-\(UUID())\(suffix)").path
}
