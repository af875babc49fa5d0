import CHDF5
import Foundation
import SupermaskCore

/// Reads one open attribute as a metadata value: a scalar integer, real or string; anything else is skipped.
///
/// Variable-length strings live in the file's global heap, which libhdf5 1.10 reads without checking the stored
/// length: a corrupted one can crash it. That is one reason libhdf5 runs in a child process (docs/security.md).
struct HDF5AttributeReader {
    let file: String
    let attribute: hid_t
    let name: String

    /// The value, or `nil` for an attribute that is not one number or one string.
    func scalarValue() throws -> MetadataValue? {
        let space = H5Aget_space(attribute)
        guard space >= 0 else { throw corrupt() }
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_npoints(space) == 1 else { return nil }
        let type = H5Aget_type(attribute)
        guard type >= 0 else { throw corrupt() }
        defer { H5Tclose(type) }
        switch H5Tget_class(type) {
        case H5T_INTEGER:
            var value: Int64 = 0
            guard H5Aread(attribute, h5shim_native_int64(), &value) >= 0 else { throw corrupt() }
            return .integer(value)
        case H5T_FLOAT:
            var value: Double = 0
            guard H5Aread(attribute, h5shim_native_double(), &value) >= 0 else { throw corrupt() }
            return .real(value)
        case H5T_STRING:
            return .text(try H5Tis_variable_str(type) > 0 ? variableLengthString(fileType: type) : fixedLengthString(fileType: type))
        default:
            return nil
        }
    }

    /// A fixed-length string (what pth2h5.py writes): `H5Tget_size` bytes, cut at the first NUL.
    private func fixedLengthString(fileType: hid_t) throws -> String {
        let size = H5Tget_size(fileType)
        guard size > 0 else { throw corrupt() }
        guard size <= HDF5Limits.maxTextBytes else { throw tooLong() }
        var buffer = [UInt8](repeating: 0, count: size)
        guard H5Aread(attribute, fileType, &buffer) >= 0 else { throw corrupt() }
        guard let text = HDF5Limits.text(buffer.prefix { $0 != 0 }, limit: HDF5Limits.maxTextBytes) else { throw tooLong() }
        return text
    }

    /// A variable-length string (h5py's default for `str`), which libhdf5 allocates and this frees.
    private func variableLengthString(fileType: hid_t) throws -> String {
        let memoryType = H5Tcopy(h5shim_c_s1())
        guard memoryType >= 0 else { throw corrupt() }
        defer { H5Tclose(memoryType) }
        H5Tset_size(memoryType, h5shim_variable())
        H5Tset_cset(memoryType, H5Tget_cset(fileType))
        var pointer: UnsafeMutablePointer<CChar>? = nil
        guard H5Aread(attribute, memoryType, &pointer) >= 0 else { throw corrupt() }
        guard let pointer else { return "" }
        defer { H5free_memory(pointer) }
        let length = strnlen(pointer, HDF5Limits.maxTextBytes + 1)
        guard length <= HDF5Limits.maxTextBytes else { throw tooLong() }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        guard let text = HDF5Limits.text(bytes, limit: HDF5Limits.maxTextBytes) else { throw tooLong() }
        return text
    }

    private func corrupt() -> SupermaskError {
        SupermaskError(file: file, "cannot read the attribute \(name.escapedForDisplay()) (corrupt file)")
    }

    private func tooLong() -> SupermaskError {
        SupermaskError(file: file, "the attribute \(name.escapedForDisplay()) is longer than \(HDF5Limits.maxTextBytes) bytes")
    }
}
