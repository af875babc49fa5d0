import CHDF5
import Foundation
import SupermaskCore

/// A read-only HDF5 file: the few operations the state-dict reader needs, each bounded by `HDF5Limits` and each
/// failure turned into a `SupermaskError`.
///
/// No link is followed before its type has been read: only hard links lead anywhere, so the reader never opens
/// another file through a soft, external or user-defined link. libhdf5's own diagnostics (the "HDF5-DIAG" stack it
/// prints on every failed call) are silenced; the caller reports one line instead.
final class HDF5File {
    let path: String
    let id: hid_t
    /// The file's size in bytes: every dataset's bytes are stored in it, so their total is at most this.
    let size: Int

    /// Opens `path` read-only; it must be a regular file (a FIFO or a device could block libhdf5 forever).
    init(path: String) throws {
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
        self.path = path
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw SupermaskError(file: path, errno == ENOENT ? "no such file" : "cannot read the file")
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw SupermaskError(file: path, "not a regular file") }
        size = Int(status.st_size)
        guard access(path, R_OK) == 0 else { throw SupermaskError(file: path, "cannot read the file") }
        guard H5Fis_hdf5(path) > 0 else {
            throw SupermaskError(file: path, "not an HDF5 file (convert a .pth checkpoint with tools/pth2h5.py first)")
        }
        let id = H5Fopen(path, h5shim_acc_rdonly(), hid_t(H5P_DEFAULT))
        guard id >= 0 else { throw SupermaskError(file: path, "cannot open the HDF5 file (truncated or corrupt)") }
        self.id = id
    }

    deinit { H5Fclose(id) }

    // MARK: Links

    /// The names and types of the links directly in `group` (whose path in the file is `groupPath`), in name order,
    /// read without following any of them.
    func links(in group: hid_t, groupPath: String) throws -> [(name: String, type: H5L_type_t)] {
        var info = H5G_info_t()
        guard H5Gget_info(group, &info) >= 0 else {
            throw SupermaskError(file: path, "cannot list group \(groupPath) (corrupt file)")
        }
        guard info.nlinks <= UInt64(HDF5Limits.maxTensors) else {
            throw SupermaskError(file: path, "group \(groupPath) has \(info.nlinks) members; at most \(HDF5Limits.maxTensors) are read")
        }
        let listing = LinkListing()
        var position: hsize_t = 0
        let status = H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &position, { _, name, info, context in
            guard let name, let info, let context else { return -1 }
            let listing = Unmanaged<LinkListing>.fromOpaque(context).takeUnretainedValue()
            return listing.add(name: name, type: info.pointee.type)
        }, Unmanaged.passUnretained(listing).toOpaque())
        if let problem = listing.problem { throw SupermaskError(file: path, "group \(groupPath): \(problem)") }
        guard status >= 0 else { throw SupermaskError(file: path, "cannot list group \(groupPath) (corrupt file)") }
        return listing.links
    }

    /// The type of the object the link `name` in `location` leads to, after checking that it is a hard link: the
    /// only kind that stays inside this file without naming a path. `displayPath` is the link's path, for messages.
    func hardLinkedObjectType(_ name: String, in location: hid_t, displayPath: String) throws -> H5O_type_t {
        guard !name.isEmpty, !name.contains("/"), name != "." else {
            throw SupermaskError(file: path, "link name '\(displayPath.escapedForDisplay())' is not a plain name")
        }
        var link = H5L_info_t()
        guard H5Lget_info(location, name, &link, hid_t(H5P_DEFAULT)) >= 0 else {
            throw SupermaskError(file: path, "cannot read the link \(displayPath.escapedForDisplay()) (corrupt file)")
        }
        if let refusal = Self.refusal(ofLinkType: link.type) {
            throw SupermaskError(file: path, "\(displayPath.escapedForDisplay()) \(refusal)")
        }
        var object = H5O_info_t()
        guard H5Oget_info_by_name2(location, name, &object, UInt32(H5O_INFO_BASIC), hid_t(H5P_DEFAULT)) >= 0 else {
            throw SupermaskError(file: path, "cannot read the object \(displayPath.escapedForDisplay()) (corrupt file)")
        }
        return object.type
    }

    /// Why a link of `type` is refused, or `nil` for a hard link.
    static func refusal(ofLinkType type: H5L_type_t) -> String? {
        switch type {
        case H5L_TYPE_HARD: return nil
        case H5L_TYPE_SOFT: return "is a soft link; refused"
        case H5L_TYPE_EXTERNAL: return "is an external link to another file; refused"
        default: return "is a user-defined link; refused"
        }
    }

    // MARK: Root attributes

    /// The number of attributes on the root group, within `HDF5Limits.maxRootAttributes`.
    func rootAttributeCount() throws -> Int {
        var info = H5O_info_t()
        guard H5Oget_info2(id, &info, UInt32(H5O_INFO_NUM_ATTRS)) >= 0 else {
            throw SupermaskError(file: path, "cannot read the root group (corrupt file)")
        }
        guard info.num_attrs <= UInt64(HDF5Limits.maxRootAttributes) else {
            throw SupermaskError(file: path, "the root group has \(info.num_attrs) attributes; at most \(HDF5Limits.maxRootAttributes) are read")
        }
        return Int(info.num_attrs)
    }

    /// The root attribute `name` if there is one: its value, or `nil` inside when it is not a scalar number or string.
    func rootAttribute(named name: String) throws -> MetadataValue?? {
        guard H5Aexists(id, name) > 0 else { return .none }
        let attribute = H5Aopen(id, name, hid_t(H5P_DEFAULT))
        guard attribute >= 0 else { throw SupermaskError(file: path, "cannot open the attribute \(name) (corrupt file)") }
        defer { H5Aclose(attribute) }
        return .some(try HDF5AttributeReader(file: path, attribute: attribute, name: name).scalarValue())
    }

    /// The root attribute at `index` in name order: its name, and its value unless it is not a scalar number or string.
    func rootAttribute(at index: Int) throws -> (name: String, value: MetadataValue?) {
        let attribute = H5Aopen_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard attribute >= 0 else { throw SupermaskError(file: path, "cannot read the root attributes (corrupt file)") }
        defer { H5Aclose(attribute) }
        let name = try HDF5Name.read(file: path, what: "an attribute name") { H5Aget_name(attribute, $1, $0) }
        return (name, try HDF5AttributeReader(file: path, attribute: attribute, name: name).scalarValue())
    }
}

/// Collects the links `H5Literate` reports, stopping at the first name over `HDF5Limits.maxNameBytes` or past
/// `HDF5Limits.maxTensors` links (a count `H5Gget_info` reported wrongly).
private final class LinkListing {
    var links: [(name: String, type: H5L_type_t)] = []
    var problem: String?

    func add(name: UnsafePointer<CChar>, type: H5L_type_t) -> herr_t {
        let length = strnlen(name, HDF5Limits.maxNameBytes + 1)
        let bytes = UnsafeRawBufferPointer(start: name, count: length)
        guard length <= HDF5Limits.maxNameBytes, let decoded = HDF5Limits.text(bytes, limit: HDF5Limits.maxNameBytes) else {
            problem = "a member's name is longer than \(HDF5Limits.maxNameBytes) bytes"
            return -1
        }
        guard links.count < HDF5Limits.maxTensors else {
            problem = "more than \(HDF5Limits.maxTensors) members"
            return -1
        }
        links.append((decoded, type))
        return 0
    }
}

/// Names read with libhdf5's "get name" calls, bounded.
enum HDF5Name {
    /// Calls an HDF5 "get name" function twice: once for the length, which must be within
    /// `HDF5Limits.maxNameBytes`, then into a buffer of that size.
    static func read(file: String, what: String, _ get: (UnsafeMutablePointer<CChar>?, Int) -> Int) throws -> String {
        let length = get(nil, 0)
        guard length >= 0 else { throw SupermaskError(file: file, "cannot read \(what) (corrupt file)") }
        guard length <= HDF5Limits.maxNameBytes else {
            throw SupermaskError(file: file, "\(what) is \(length) bytes long; at most \(HDF5Limits.maxNameBytes) are read")
        }
        var buffer = [CChar](repeating: 0, count: length + 1)
        let written = buffer.withUnsafeMutableBufferPointer { get($0.baseAddress, length + 1) }
        guard written == length else { throw SupermaskError(file: file, "cannot read \(what) (corrupt file)") }
        guard let name = buffer.withUnsafeBytes({ HDF5Limits.text($0.prefix(length), limit: HDF5Limits.maxNameBytes) }) else {
            throw SupermaskError(file: file, "\(what) is longer than \(HDF5Limits.maxNameBytes) bytes")
        }
        return name
    }
}
