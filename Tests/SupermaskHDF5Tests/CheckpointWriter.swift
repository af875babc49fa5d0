import CHDF5
import Foundation
import SupermaskCore
@testable import SupermaskHDF5

/// Writes checkpoints in the layout of docs/hdf5-layout.md, so tests can make good and broken files at will.
struct CheckpointWriter {
    enum Values {
        case float32([Float])
        case int64([Int64])
    }

    var attributes: [(String, MetadataValue)] = []
    /// Write string attributes as variable-length strings (h5py's default for `str`) instead of fixed-length.
    var variableLengthStrings = false
    var tensors: [(name: String, shape: [Int], values: Values)] = []

    /// A checkpoint of `architecture` with seeded signed-constant weights, uniform scores and BN statistics.
    init(architecture: Architecture, keep: Double? = nil, scores: Bool = true, affine: Bool = false) {
        var state: UInt64 = 0x5EED
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        attributes.append(("arch", .text(architecture.name)))
        if let keep { attributes.append(("keep", .real(keep))) }
        for convolution in architecture.convolutions {
            let scale = Float((2.0 / Double(convolution.fanIn)).squareRoot())
            tensors.append((convolution.name + ".weight", convolution.weightShape,
                            .float32((0..<convolution.weightCount).map { _ in uniform() < 0 ? -scale : scale })))
            if scores {
                tensors.append((convolution.name + ".scores", convolution.weightShape,
                                .float32((0..<convolution.weightCount).map { _ in uniform() })))
            }
        }
        for norm in architecture.batchNorms {
            let channels = norm.channels
            tensors.append((norm.name + ".running_mean", [channels], .float32((0..<channels).map { _ in uniform() * 0.1 })))
            tensors.append((norm.name + ".running_var", [channels], .float32((0..<channels).map { _ in 1 + uniform() * 0.5 })))
            tensors.append((norm.name + ".num_batches_tracked", [], .int64([4])))
            if affine {
                tensors.append((norm.name + ".weight", [channels], .float32((0..<channels).map { _ in 1 + uniform() * 0.2 })))
                tensors.append((norm.name + ".bias", [channels], .float32((0..<channels).map { _ in uniform() * 0.2 })))
            }
        }
    }

    /// Replaces the tensor called `name` (or adds it).
    mutating func set(_ name: String, shape: [Int], _ values: Values) {
        tensors.removeAll { $0.name == name }
        tensors.append((name, shape, values))
    }

    mutating func remove(_ name: String) {
        tensors.removeAll { $0.name == name }
    }

    func floats(_ name: String) -> [Float] {
        guard case .float32(let values) = tensors.first(where: { $0.name == name })?.values else { return [] }
        return values
    }

    /// Writes the file; returns its path.
    @discardableResult
    func write(to path: String, stateDictGroup: String = "state_dict") -> String {
        HDF5Library.withLock { writeUnlocked(to: path, stateDictGroup: stateDictGroup) }
    }

    private func writeUnlocked(to path: String, stateDictGroup: String) -> String {
        let file = H5Fcreate(path, h5shim_acc_trunc(), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        precondition(file >= 0, "cannot create \(path)")
        defer { H5Fclose(file) }
        for (name, value) in attributes { writeAttribute(file, name, value) }
        let group = H5Gcreate2(file, stateDictGroup, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        defer { H5Gclose(group) }
        for tensor in tensors {
            let dimensions = tensor.shape.map { hsize_t($0) }
            let space = tensor.shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dimensions.count), dimensions, nil)
            defer { H5Sclose(space) }
            switch tensor.values {
            case .float32(let values):
                let dataset = H5Dcreate2(group, tensor.name, h5shim_native_float(), space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
                values.withUnsafeBytes { _ = H5Dwrite(dataset, h5shim_native_float(), H5S_ALL, H5S_ALL, hid_t(H5P_DEFAULT), $0.baseAddress) }
                H5Dclose(dataset)
            case .int64(let values):
                let dataset = H5Dcreate2(group, tensor.name, h5shim_native_int64(), space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
                values.withUnsafeBytes { _ = H5Dwrite(dataset, h5shim_native_int64(), H5S_ALL, H5S_ALL, hid_t(H5P_DEFAULT), $0.baseAddress) }
                H5Dclose(dataset)
            }
        }
        return path
    }

    private func writeAttribute(_ location: hid_t, _ name: String, _ value: MetadataValue) {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        switch value {
        case .integer(var integer):
            let attribute = H5Acreate2(location, name, h5shim_native_int64(), space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            H5Awrite(attribute, h5shim_native_int64(), &integer)
            H5Aclose(attribute)
        case .real(var real):
            let attribute = H5Acreate2(location, name, h5shim_native_double(), space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            H5Awrite(attribute, h5shim_native_double(), &real)
            H5Aclose(attribute)
        case .text(let text):
            // Fixed-length UTF-8, as pth2h5.py writes; `variableLengthStrings` writes h5py's default kind instead.
            let type = H5Tcopy(h5shim_c_s1())
            H5Tset_cset(type, H5T_CSET_UTF8)
            if variableLengthStrings {
                H5Tset_size(type, h5shim_variable())
            } else {
                H5Tset_size(type, max(1, text.utf8.count))
                H5Tset_strpad(type, H5T_STR_NULLPAD)
            }
            let attribute = H5Acreate2(location, name, type, space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            text.withCString { pointer in
                if variableLengthStrings {
                    var pointers: [UnsafePointer<CChar>?] = [pointer]
                    _ = H5Awrite(attribute, type, &pointers)
                } else {
                    _ = H5Awrite(attribute, type, pointer)
                }
            }
            H5Aclose(attribute)
            H5Tclose(type)
        }
    }
}

/// A fresh temporary path ending in `suffix`, removed by the caller.
func temporaryPath(_ suffix: String = ".h5") -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("supermask-test-\(UUID())\(suffix)").path
}
