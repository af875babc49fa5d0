import CHDF5
import Foundation
import SupermaskCore

/// A read-only HDF5 file: the few operations the importer needs, each failure turned into a `SupermaskError`.
///
/// libhdf5's own diagnostics (the "HDF5-DIAG" stack it prints on every failed call) are silenced; the
/// caller reports one line instead.
final class HDF5File {
    let path: String
    private let id: hid_t

    /// Opens `path` read-only.
    init(path: String) throws {
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
        self.path = path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw SupermaskError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        guard H5Fis_hdf5(path) > 0 else {
            throw SupermaskError(file: path, "not an HDF5 file (convert a .pth checkpoint with tools/pth2h5.py first)")
        }
        let id = H5Fopen(path, h5shim_acc_rdonly(), hid_t(H5P_DEFAULT))
        guard id >= 0 else { throw SupermaskError(file: path, "cannot open the HDF5 file (truncated or corrupt)") }
        self.id = id
    }

    deinit { H5Fclose(id) }

    /// Whether a link (group or dataset) exists at the absolute `path` inside the file.
    func exists(_ path: String) -> Bool {
        H5Lexists(id, path, hid_t(H5P_DEFAULT)) > 0
    }

    /// The scalar attributes of the root group: integers, reals and strings; others are skipped.
    func rootAttributes() throws -> [(key: String, value: MetadataValue)] {
        var result: [(key: String, value: MetadataValue)] = []
        var index: hsize_t = 0
        while true {
            let attribute = H5Aopen_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            guard attribute >= 0 else { break }
            defer { H5Aclose(attribute) }
            index += 1
            let name = readName { H5Aget_name(attribute, $1, $0) }
            if let value = try readScalarAttribute(attribute, name: name) { result.append((name, value)) }
        }
        return result
    }

    /// The names of the links directly inside the group at `path`, in name order.
    func memberNames(ofGroup path: String) throws -> [String] {
        let group = H5Gopen2(id, path, hid_t(H5P_DEFAULT))
        guard group >= 0 else { throw SupermaskError(file: self.path, "cannot open group \(path)") }
        defer { H5Gclose(group) }
        var info = H5G_info_t()
        guard H5Gget_info(group, &info) >= 0 else { throw SupermaskError(file: self.path, "cannot list group \(path) (corrupt file)") }
        return (0..<info.nlinks).map { position in
            readName { H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, position, $0, $1, hid_t(H5P_DEFAULT)) }
        }
    }

    /// A dataset's shape and element type, without reading its data.
    func datasetInfo(_ path: String) throws -> DatasetInfo {
        try withDataset(path) { dataset in
            let space = H5Dget_space(dataset)
            guard space >= 0 else { throw SupermaskError(file: self.path, "cannot read the shape of \(path) (corrupt file)") }
            defer { H5Sclose(space) }
            let rank = Int(H5Sget_simple_extent_ndims(space))
            guard rank >= 0 else { throw SupermaskError(file: self.path, "cannot read the shape of \(path) (corrupt file)") }
            var dimensions = [hsize_t](repeating: 0, count: rank)
            H5Sget_simple_extent_dims(space, &dimensions, nil)
            let type = H5Dget_type(dataset)
            guard type >= 0 else { throw SupermaskError(file: self.path, "cannot read the type of \(path) (corrupt file)") }
            defer { H5Tclose(type) }
            return DatasetInfo(
                shape: dimensions.map { Int($0) }, elementClass: H5Tget_class(type), elementSize: H5Tget_size(type))
        }
    }

    /// A floating-point dataset's elements, converted to float32 by libhdf5.
    func readFloats(_ path: String, count: Int) throws -> [Float] {
        try withDataset(path) { dataset in
            var values = [Float](repeating: 0, count: count)
            let status = values.withUnsafeMutableBytes {
                H5Dread(dataset, h5shim_native_float(), H5S_ALL, H5S_ALL, hid_t(H5P_DEFAULT), $0.baseAddress)
            }
            guard status >= 0 else {
                throw SupermaskError(file: self.path, "cannot read dataset \(path) (truncated or corrupt file)")
            }
            return values
        }
    }

    private func withDataset<Result>(_ path: String, _ body: (hid_t) throws -> Result) throws -> Result {
        let dataset = H5Dopen2(id, path, hid_t(H5P_DEFAULT))
        guard dataset >= 0 else { throw SupermaskError(file: self.path, "cannot open dataset \(path) (corrupt file)") }
        defer { H5Dclose(dataset) }
        return try body(dataset)
    }

    /// Calls an HDF5 "get name" function twice: once for the length, once into a buffer.
    private func readName(_ get: (UnsafeMutablePointer<CChar>?, Int) -> Int) -> String {
        let length = get(nil, 0)
        guard length > 0 else { return "" }
        var buffer = [CChar](repeating: 0, count: length + 1)
        _ = buffer.withUnsafeMutableBufferPointer { get($0.baseAddress, length + 1) }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    private func readScalarAttribute(_ attribute: hid_t, name: String) throws -> MetadataValue? {
        let space = H5Aget_space(attribute)
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_npoints(space) == 1 else { return nil }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        switch H5Tget_class(type) {
        case H5T_INTEGER:
            var value: Int64 = 0
            guard H5Aread(attribute, h5shim_native_int64(), &value) >= 0 else { return nil }
            return .integer(value)
        case H5T_FLOAT:
            var value: Double = 0
            guard H5Aread(attribute, h5shim_native_double(), &value) >= 0 else { return nil }
            return .real(value)
        case H5T_STRING:
            return readStringAttribute(attribute, fileType: type).map(MetadataValue.text)
        default:
            return nil
        }
    }

    /// Reads a string attribute of either kind h5py writes: variable-length (Python `str`) or fixed-length.
    private func readStringAttribute(_ attribute: hid_t, fileType: hid_t) -> String? {
        if H5Tis_variable_str(fileType) > 0 {
            let memoryType = H5Tcopy(h5shim_c_s1())
            defer { H5Tclose(memoryType) }
            H5Tset_size(memoryType, h5shim_variable())
            H5Tset_cset(memoryType, H5Tget_cset(fileType))
            var pointer: UnsafeMutablePointer<CChar>? = nil
            guard H5Aread(attribute, memoryType, &pointer) >= 0, let pointer else { return nil }
            defer { H5free_memory(pointer) }
            return String(cString: pointer)
        }
        let size = H5Tget_size(fileType)
        var buffer = [UInt8](repeating: 0, count: size)
        guard H5Aread(attribute, fileType, &buffer) >= 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// The shape and element type of a dataset.
struct DatasetInfo {
    var shape: [Int]
    var elementClass: H5T_class_t
    var elementSize: Int

    var elementCount: Int { shape.reduce(1, *) }

    /// The element type in NumPy's words (`float32`, `int64`, …), for error messages.
    var typeDescription: String {
        switch elementClass {
        case H5T_FLOAT: return "float\(elementSize * 8)"
        case H5T_INTEGER: return "int\(elementSize * 8)"
        case H5T_STRING: return "string"
        default: return "a non-numeric type"
        }
    }
}
