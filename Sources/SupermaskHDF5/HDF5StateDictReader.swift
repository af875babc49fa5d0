import CHDF5
import SupermaskCore

/// Reads a state-dict `.h5` file (docs/hdf5-layout.md) with libhdf5, checking its structure before trusting it.
///
/// In order: the file is a regular file and HDF5; the root's `layout` and `layout_version` attributes name a layout
/// this reader knows; the root attributes (bounded in count, name and string length); `/state_dict` is a group
/// reached by a hard link; every member is a hard link (soft, external and user-defined links are refused before
/// anything is followed) to a dataset with its own storage (no external files, no virtual layout, no filters), a
/// bounded shape, and stored bytes enough for that shape; all shapes together within `HDF5Limits` and within the
/// file's size. Only then are the floating-point datasets read, converted to float32 by libhdf5.
///
/// This is the code the child process runs (`HDF5ChildReader`); `read(path:)` runs it in the calling process.
public enum HDF5StateDictReader {
    /// The `layout` attribute's value this reader implements.
    public static let layoutName = "supermask-state-dict"
    /// The `layout_version` this reader implements.
    public static let layoutVersion: Int64 = 1
    static let stateDictName = "state_dict"

    /// Reads the file at `path` in this process, the way the child process does, and returns what it holds or
    /// throws a `SupermaskError` naming the file.
    ///
    /// libhdf5 runs in the calling process: a file crafted to crash libhdf5 crashes it. `CheckpointImporter` goes
    /// through `HDF5Isolation` instead; this entry is for the fuzzer and for isolation's in-process setting.
    public static func read(path: String) throws -> HDF5StateDict {
        var collector = StateDictCollector()
        try HDF5Library.withLock { try read(path: path, into: &collector) }
        return collector.stateDict
    }

    /// Reads the file at `path`, handing its attributes and then its tensors to `sink` one at a time.
    /// The caller holds `HDF5Library`'s lock (or is the child process, which has no other thread in libhdf5).
    static func read<Sink: StateDictSink>(path: String, into sink: inout Sink) throws {
        let file = try HDF5File(path: path)
        try checkLayout(of: file)
        for index in 0..<(try file.rootAttributeCount()) {
            let (name, value) = try file.rootAttribute(at: index)
            if let value { try sink.attribute(name, value) }
        }
        let group = try openStateDict(of: file)
        defer { H5Gclose(group) }
        let members = try inspectMembers(of: group, in: file)
        for member in members {
            var values: FloatValues?
            if case .float = member.elementType { values = FloatValues(count: member.elementCount, dataset: member.dataset) }
            try sink.tensor(member.name, shape: member.shape, elementType: member.elementType, values: values)
        }
    }

    /// Refuses a file whose `layout` or `layout_version` root attribute is missing or names another layout.
    private static func checkLayout(of file: HDF5File) throws {
        guard let layout = try file.rootAttribute(named: "layout") else {
            throw SupermaskError(file: file.path, "no layout attribute: not a checkpoint written by tools/pth2h5.py (docs/hdf5-layout.md)")
        }
        guard layout == .text(layoutName) else {
            let shown = layout.map { "'\($0.description.escapedForDisplay())'" } ?? "not a string"
            throw SupermaskError(file: file.path, "the layout attribute is \(shown), not '\(layoutName)'")
        }
        guard let version = try file.rootAttribute(named: "layout_version") else {
            throw SupermaskError(file: file.path, "no layout_version attribute (docs/hdf5-layout.md)")
        }
        guard version == .integer(layoutVersion) else {
            let shown = version.map { $0.description.escapedForDisplay() } ?? "not a number"
            throw SupermaskError(file: file.path, "layout_version \(shown) is not one this supermask reads (\(layoutVersion))")
        }
    }

    /// Opens `/state_dict`, which must be a group reached by a hard link.
    private static func openStateDict(of file: HDF5File) throws -> hid_t {
        guard H5Lexists(file.id, stateDictName, hid_t(H5P_DEFAULT)) > 0 else {
            throw SupermaskError(file: file.path, "no /state_dict group: not a checkpoint written by tools/pth2h5.py")
        }
        guard try file.hardLinkedObjectType(stateDictName, in: file.id, displayPath: "/state_dict") == H5O_TYPE_GROUP else {
            throw SupermaskError(file: file.path, "/state_dict is not a group")
        }
        let group = H5Gopen2(file.id, stateDictName, hid_t(H5P_DEFAULT))
        guard group >= 0 else { throw SupermaskError(file: file.path, "cannot open group /state_dict (corrupt file)") }
        return group
    }

    /// A member of `/state_dict`, open and checked, not yet read.
    private struct Member {
        var name: String
        var dataset: HDF5Dataset
        var shape: [Int]
        var elementType: HDF5ElementType
        var elementCount: Int
    }

    /// Opens and checks every member of `/state_dict`; their sizes together must fit `HDF5Limits` and the file.
    private static func inspectMembers(of group: hid_t, in file: HDF5File) throws -> [Member] {
        let links = try file.links(in: group, groupPath: "/state_dict")
        if let link = links.first(where: { HDF5File.refusal(ofLinkType: $0.type) != nil }),
            let refusal = HDF5File.refusal(ofLinkType: link.type) {
            throw SupermaskError(file: file.path, "/state_dict/\(link.name.escapedForDisplay()) \(refusal)")
        }
        var members: [Member] = []
        var names: Set<String> = []
        var totalElements = 0
        var totalBytes = 0
        for (name, _) in links {
            let displayName = "/state_dict/\(name)"
            guard names.insert(name).inserted else {
                throw SupermaskError(file: file.path, "two members named \(displayName.escapedForDisplay())")
            }
            guard try file.hardLinkedObjectType(name, in: group, displayPath: displayName) == H5O_TYPE_DATASET else {
                throw SupermaskError(file: file.path, "\(displayName.escapedForDisplay()) is not a dataset")
            }
            let dataset = try HDF5Dataset(name, in: group, file: file.path, displayName: displayName)
            try dataset.checkStorage()
            let shape = try dataset.shape()
            let elementType = try dataset.elementType()
            // Within HDF5Limits each product is below 2^26 · 64 and each sum below 2^44: nothing overflows.
            let elementCount = shape.reduce(1, *)
            let bytes = elementCount * elementType.bytes
            try dataset.checkStoredBytes(atLeast: bytes)
            totalElements += elementCount
            totalBytes += bytes
            guard totalElements <= HDF5Limits.maxTotalElements else {
                throw SupermaskError(file: file.path, "the tensors hold more than \(HDF5Limits.maxTotalElements) elements; refused")
            }
            guard totalBytes <= file.size else {
                throw SupermaskError(file: file.path, "the tensors' shapes need more bytes than the file holds (\(file.size)); refused")
            }
            members.append(Member(name: name, dataset: dataset, shape: shape, elementType: elementType, elementCount: elementCount))
        }
        return members
    }
}
