import CHDF5
import Foundation
import SupermaskCore

/// Writes a state dict in the layout of docs/hdf5-layout.md, as `supermask init` needs: float32 tensors in
/// `/state_dict` (creation order tracked) and scalar root attributes.
///
/// The file is what tools/pth2h5.py would write for the same tensors, so the importer and h5py read it alike.
public enum CheckpointWriter {
    /// One tensor of the state dict.
    public enum Tensor: Sendable {
        case float32(shape: [Int], values: [Float])
        /// An int64 tensor; shape `[]` is a 0-dim one such as `num_batches_tracked`.
        case int64(shape: [Int], values: [Int64])
    }

    /// Writes `attributes` on the root and `tensors` (in order) into `/state_dict` of a new file at `path`.
    public static func write(
        path: String, attributes: [(key: String, value: MetadataValue)], tensors: [(name: String, tensor: Tensor)]
    ) throws {
        try HDF5Library.withLock {
            H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
            let file = H5Fcreate(path, h5shim_acc_trunc(), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            guard file >= 0 else { throw SupermaskError(file: path, "cannot create the HDF5 file") }
            defer { H5Fclose(file) }
            for (key, value) in [("layout", MetadataValue.text("supermask-state-dict")), ("layout_version", .integer(1))] + attributes {
                try writeAttribute(key, value, on: file, path: path)
            }
            // A copy of the root group's creation properties: the class id H5P_GROUP_CREATE names is a
            // library global Swift 6 will not read, and the copy has the same defaults.
            let root = H5Gopen2(file, "/", hid_t(H5P_DEFAULT))
            let properties = H5Gget_create_plist(root)
            H5Gclose(root)
            guard properties >= 0 else { throw SupermaskError(file: path, "cannot create /state_dict") }
            defer { H5Pclose(properties) }
            H5Pset_link_creation_order(properties, UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED))
            let group = H5Gcreate2(file, "state_dict", hid_t(H5P_DEFAULT), properties, hid_t(H5P_DEFAULT))
            guard group >= 0 else { throw SupermaskError(file: path, "cannot create /state_dict") }
            defer { H5Gclose(group) }
            for (name, tensor) in tensors {
                try writeDataset(name, tensor, in: group, path: path)
            }
        }
    }

    private static func writeDataset(_ name: String, _ tensor: Tensor, in group: hid_t, path: String) throws {
        let space: hid_t
        let type: hid_t
        let shape: [Int]
        switch tensor {
        case .float32(let tensorShape, _):
            shape = tensorShape
            type = h5shim_native_float()
        case .int64(let tensorShape, _):
            shape = tensorShape
            type = h5shim_native_int64()
        }
        let dimensions = shape.map { hsize_t($0) }
        space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dimensions.count), dimensions, nil)
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(group, name, type, space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard dataset >= 0 else { throw SupermaskError(file: path, "cannot create dataset \(name)") }
        defer { H5Dclose(dataset) }
        let status: herr_t
        switch tensor {
        case .float32(_, let values):
            status = values.withUnsafeBytes { H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, hid_t(H5P_DEFAULT), $0.baseAddress) }
            try writeAttribute("torch_dtype", .text("float32"), on: dataset, path: path)
        case .int64(_, let values):
            status = values.withUnsafeBytes { H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, hid_t(H5P_DEFAULT), $0.baseAddress) }
            try writeAttribute("torch_dtype", .text("int64"), on: dataset, path: path)
        }
        guard status >= 0 else { throw SupermaskError(file: path, "cannot write dataset \(name) (disk full?)") }
    }

    /// A scalar attribute: int64, float64, or a fixed-length NUL-padded UTF-8 string (docs/hdf5-layout.md).
    private static func writeAttribute(_ name: String, _ value: MetadataValue, on object: hid_t, path: String) throws {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        var type: hid_t
        var ownsType = false
        switch value {
        case .integer: type = h5shim_native_int64()
        case .real: type = h5shim_native_double()
        case .text(let text):
            type = H5Tcopy(h5shim_c_s1())
            ownsType = true
            H5Tset_size(type, max(text.utf8.count, 1))
            H5Tset_strpad(type, H5T_STR_NULLPAD)
            H5Tset_cset(type, H5T_CSET_UTF8)
        }
        defer { if ownsType { H5Tclose(type) } }
        let attribute = H5Acreate2(object, name, type, space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard attribute >= 0 else { throw SupermaskError(file: path, "cannot create attribute \(name)") }
        defer { H5Aclose(attribute) }
        let status: herr_t
        switch value {
        case .integer(var integer): status = H5Awrite(attribute, type, &integer)
        case .real(var real): status = H5Awrite(attribute, type, &real)
        case .text(let text):
            var bytes = Array(text.utf8)
            if bytes.isEmpty { bytes = [0] }
            status = H5Awrite(attribute, type, bytes)
        }
        guard status >= 0 else { throw SupermaskError(file: path, "cannot write attribute \(name)") }
    }
}
