import Foundation
import SupermaskCore

/// Reads a `.smask` container (docs/format.md) into a `Model`, checking every CRC and every length first, then
/// what the bytes mean (docs/format.md §8): the architecture as soon as it is read, the whole model at the end.
///
/// Any damage gives a `SupermaskError` that names the section and, where there is one, the layer.
public enum ContainerReader {
    /// Whether `prefix` (the first bytes of a file) starts with the container's magic number.
    public static func hasMagic(_ prefix: [UInt8]) -> Bool {
        prefix.count >= ContainerLayout.magic.count && Array(prefix.prefix(ContainerLayout.magic.count)) == ContainerLayout.magic
    }

    /// The model in `bytes`, the weight mode its layers use, and what each layer costs; a model beyond `limits` is
    /// refused before its weights are read or generated.
    public static func decode(
        _ bytes: [UInt8], limits: ModelLimits = .standard
    ) throws -> (model: Model, statistics: ContainerStatistics) {
        let sectionCount = try readHeader(bytes)
        var reader = ByteReader(bytes[ContainerLayout.headerSize...])
        var state = DecodingState(sectionCount: sectionCount, limits: limits)
        for index in 0..<sectionCount {
            let name = state.expectedSectionName(index)
            do {
                try readSection(&reader, index: index, state: &state)
            } catch let error as SupermaskError {
                throw SupermaskError("section \(index) (\(name)): \(error.message)")
            }
        }
        try reader.expectEnd("the end section")
        return try state.model(fileBytes: bytes.count)
    }

    private static func readHeader(_ bytes: [UInt8]) throws -> Int {
        guard hasMagic(bytes) else { throw SupermaskError("not a .smask container (wrong magic number)") }
        guard bytes.count >= ContainerLayout.headerSize else {
            throw SupermaskError("truncated: \(bytes.count) bytes, shorter than the \(ContainerLayout.headerSize)-byte header")
        }
        var reader = ByteReader(bytes[8..<ContainerLayout.headerSize])
        let major = try reader.read(UInt16.self, "the header")
        let minor = try reader.read(UInt16.self, "the header")
        let sectionCount = try reader.read(UInt32.self, "the header")
        let length = try reader.read(UInt64.self, "the header")
        let storedCRC = try reader.read(UInt32.self, "the header")
        let computedCRC = Zlib.crc32(bytes[0..<ContainerLayout.headerSize - 4])
        guard storedCRC == computedCRC else {
            throw SupermaskError("header: CRC-32 mismatch (stored \(hex(storedCRC)), computed \(hex(computedCRC))); the file is corrupt")
        }
        guard major == ContainerLayout.majorVersion else {
            throw SupermaskError("container version \(major).\(minor) is not supported; this supermask reads version \(ContainerLayout.majorVersion).x")
        }
        guard length == UInt64(bytes.count) else {
            let problem = length > UInt64(bytes.count) ? "truncated" : "has trailing bytes"
            throw SupermaskError("\(problem): the header says \(length) bytes, the file has \(bytes.count)")
        }
        // ARCH, META, at least the END section; more sections than 16-byte headers fit is a lie.
        guard sectionCount >= 3, Int(sectionCount) <= bytes.count / ContainerLayout.sectionHeaderSize else {
            throw SupermaskError("header: implausible section count \(sectionCount)")
        }
        return Int(sectionCount)
    }

    private static func readSection(_ reader: inout ByteReader, index: Int, state: inout DecodingState) throws {
        let start = reader.position
        let kindValue = try reader.read(UInt32.self, "the section header")
        let storedIndex = try reader.read(UInt32.self, "the section header")
        let payload = try reader.readBlock("the payload")
        let covered = reader.position - start
        let storedCRC = try reader.read(UInt32.self, "the section's CRC-32")
        let computedCRC = Zlib.crc32(reader.consumed(from: start, count: covered))
        guard storedCRC == computedCRC else {
            throw SupermaskError("CRC-32 mismatch (stored \(hex(storedCRC)), computed \(hex(computedCRC))); the file is corrupt")
        }
        guard storedIndex == index else { throw SupermaskError("the section says it is number \(storedIndex)") }
        guard let kind = ContainerLayout.SectionKind(rawValue: kindValue) else {
            throw SupermaskError("unknown section kind \(hex(kindValue))")
        }
        try state.consume(kind, payload: payload)
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}

extension ContainerReader {
    /// Reads the container at `path` within `limits`; errors name the file.
    public static func load(
        path: String, limits: ModelLimits = .standard
    ) throws -> (model: Model, statistics: ContainerStatistics) {
        // Four bytes per weight the limits allow is more than any container of them takes (masks, statistics
        // and headers included), so a larger file is refused before it is read.
        let largest = limits.weights.multipliedReportingOverflow(by: 4)
        let bytes = try RegularFile.read(path, limit: largest.overflow ? Int.max : largest.partialValue + (64 << 20), what: "a container within the weight limit")
        do {
            return try decode(bytes, limits: limits)
        } catch let error as SupermaskError {
            throw error.inFile(path)
        }
    }
}

extension ContainerReader {
    /// Whether the file at `path` starts with the container's magic number (whatever its extension).
    /// A file that cannot be read is not a container; the importer that gets it reports why.
    public static func isContainer(path: String) -> Bool {
        guard let prefix = RegularFile.prefix(path, count: ContainerLayout.magic.count) else { return false }
        return hasMagic(prefix)
    }
}
