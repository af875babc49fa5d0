import CHDF5
import SupermaskCore

/// One open dataset of the state dict, inspected before any of its data is read.
///
/// `checkStorage()` refuses every way a dataset can make libhdf5 read something other than this file's own bytes:
/// external raw storage (a list of other files, `/etc/passwd` or `/dev/stdin` as well as any), virtual datasets
/// (mappings onto other files) and filters (decompression bombs, and plugins libhdf5 would load to decode them).
final class HDF5Dataset {
    let id: hid_t
    /// The file's path and the dataset's path in it, for messages.
    private let file: String
    private let displayName: String

    /// Opens the dataset `name` in `group`; the caller has checked that the link is a hard one to a dataset.
    init(_ name: String, in group: hid_t, file: String, displayName: String) throws {
        self.file = file
        self.displayName = displayName.escapedForDisplay()
        let id = H5Dopen2(group, name, hid_t(H5P_DEFAULT))
        guard id >= 0 else { throw SupermaskError(file: file, "cannot open dataset \(self.displayName) (corrupt file)") }
        self.id = id
    }

    deinit { H5Dclose(id) }

    /// Refuses external storage, virtual and unknown layouts, and filters.
    func checkStorage() throws {
        let properties = H5Dget_create_plist(id)
        guard properties >= 0 else { throw corrupt("storage properties") }
        defer { H5Pclose(properties) }
        let externalFiles = H5Pget_external_count(properties)
        guard externalFiles >= 0 else { throw corrupt("storage properties") }
        guard externalFiles == 0 else {
            throw SupermaskError(file: file, "dataset \(displayName) stores its data in external files; refused")
        }
        switch H5Pget_layout(properties) {
        case H5D_CONTIGUOUS, H5D_CHUNKED, H5D_COMPACT:
            break
        case H5D_VIRTUAL:
            throw SupermaskError(file: file, "dataset \(displayName) is a virtual dataset (its data lives in other files); refused")
        default:
            throw SupermaskError(file: file, "dataset \(displayName) has an unknown storage layout; refused")
        }
        let filters = H5Pget_nfilters(properties)
        guard filters >= 0 else { throw corrupt("storage properties") }
        guard filters == 0 else {
            throw SupermaskError(file: file, "dataset \(displayName) is compressed or filtered; the layout stores tensors unfiltered (docs/hdf5-layout.md)")
        }
    }

    /// The dimensions, each and their product within `HDF5Limits`; `[]` for a scalar dataspace.
    func shape() throws -> [Int] {
        let space = H5Dget_space(id)
        guard space >= 0 else { throw corrupt("shape") }
        defer { H5Sclose(space) }
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return []
        case H5S_SIMPLE: break
        default: throw SupermaskError(file: file, "dataset \(displayName) has no dataspace (an empty dataset); refused")
        }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw corrupt("shape") }
        guard rank <= HDF5Limits.maxRank else {
            throw SupermaskError(file: file, "dataset \(displayName) has \(rank) dimensions; at most \(HDF5Limits.maxRank) are read")
        }
        var dimensions = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dimensions, nil) == rank else { throw corrupt("shape") }
        let shape = dimensions.map { Int(exactly: $0) ?? -1 }
        guard HDF5Limits.elementCount(of: shape) != nil else {
            let shown = dimensions.map { String($0) }.joined(separator: ", ")
            throw SupermaskError(file: file, "dataset \(displayName) has shape [\(shown)]: more than \(HDF5Limits.maxTensorElements) elements; refused")
        }
        return shape
    }

    /// The element type as stored.
    func elementType() throws -> HDF5ElementType {
        let type = H5Dget_type(id)
        guard type >= 0 else { throw corrupt("element type") }
        defer { H5Tclose(type) }
        let bytes = H5Tget_size(type)
        guard bytes > 0 else { throw corrupt("element type") }
        guard bytes <= HDF5Limits.maxElementBytes else {
            throw SupermaskError(file: file, "dataset \(displayName) has \(bytes)-byte elements; at most \(HDF5Limits.maxElementBytes) are read")
        }
        switch H5Tget_class(type) {
        case H5T_FLOAT: return .float(bytes: bytes)
        case H5T_INTEGER: return .integer(bytes: bytes)
        case H5T_STRING: return .string(bytes: bytes)
        default: return .other(bytes: bytes)
        }
    }

    /// Refuses a dataset whose stored bytes cannot hold `bytes`: storage never written (libhdf5 would return fill
    /// values, so a tiny file could claim gigabytes) or cut short.
    func checkStoredBytes(atLeast bytes: Int) throws {
        guard bytes > 0 else { return }
        guard H5Dget_storage_size(id) >= UInt64(bytes) else {
            throw SupermaskError(file: file, "dataset \(displayName) stores fewer bytes than its shape needs (\(bytes)); refused")
        }
    }

    /// Reads the elements, converted to float32 by libhdf5, into `buffer`, which holds exactly as many.
    func readFloats(into buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let start = buffer.baseAddress else { return }
        guard H5Dread(id, h5shim_native_float(), H5S_ALL, H5S_ALL, hid_t(H5P_DEFAULT), start) >= 0 else {
            throw SupermaskError(file: file, "cannot read dataset \(displayName) (truncated or corrupt file)")
        }
    }

    private func corrupt(_ what: String) -> SupermaskError {
        SupermaskError(file: file, "cannot read the \(what) of dataset \(displayName) (corrupt file)")
    }
}
