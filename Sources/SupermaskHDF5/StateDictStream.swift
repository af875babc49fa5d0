import SupermaskCore

/// The stream in which the child process hands a state dict to its parent (specified in docs/security.md, "HDF5
/// files"), and the parent's parser of it.
///
/// Integers are in the machine's byte order: the same executable on the same machine writes and reads the stream.
/// The parser trusts nothing in it: every count and length is checked against `HDF5Limits` before anything is
/// allocated, the tensors' sizes must add up to no more than the input file holds, and any byte after the last
/// record makes the stream malformed.
enum StateDictStream {
    static let magic = Array("SMH5".utf8)
    static let version: UInt32 = 1

    /// The first byte of each record.
    enum Tag: UInt8 {
        case attribute = 0x41  // "A"
        case tensor = 0x54  // "T"
        case refusal = 0x52  // "R"
        case end = 0x45  // "E"
    }

    /// The kind of an attribute's value.
    enum ValueKind: UInt8 {
        case integer = 0x69  // "i": int64
        case real = 0x72  // "r": float64's bits as a u64
        case text = 0x73  // "s": u32 length and UTF-8 bytes
    }

    /// The class of a tensor's elements.
    enum ElementClass: UInt8 {
        case float = 0x66  // "f": the values follow as float32
        case integer = 0x69  // "i"
        case string = 0x73  // "s"
        case other = 0x6F  // "o"

        init(_ type: HDF5ElementType) {
            switch type {
            case .float: self = .float
            case .integer: self = .integer
            case .string: self = .string
            case .other: self = .other
            }
        }

        func elementType(bytes: Int) -> HDF5ElementType {
            switch self {
            case .float: return .float(bytes: bytes)
            case .integer: return .integer(bytes: bytes)
            case .string: return .string(bytes: bytes)
            case .other: return .other(bytes: bytes)
            }
        }
    }

    /// What a complete stream says.
    enum Outcome {
        case stateDict(HDF5StateDict)
        /// The child found the file wrong and said why.
        case refused(String)
    }

    /// Parses a whole stream from `input`; `fileSize` is the size of the file the child read.
    static func parse(_ input: ChildOutput, fileSize: Int) throws -> Outcome {
        var header = [UInt8](repeating: 0, count: magic.count)
        try header.withUnsafeMutableBytes { try input.read(into: $0) }
        guard header == magic, try input.read(UInt32.self) == version else { throw ChildOutput.Failure.malformed }
        var tally = Tally(fileSize: fileSize)
        var stateDict = HDF5StateDict()
        while true {
            switch Tag(rawValue: try input.read(UInt8.self)) {
            case .attribute:
                guard stateDict.attributes.count < HDF5Limits.maxRootAttributes else { throw ChildOutput.Failure.malformed }
                let name = try text(from: input, limit: HDF5Limits.maxNameBytes)
                stateDict.attributes.append((name, try value(from: input)))
            case .tensor:
                guard stateDict.tensors.count < HDF5Limits.maxTensors else { throw ChildOutput.Failure.malformed }
                let name = try text(from: input, limit: HDF5Limits.maxNameBytes)
                guard stateDict.tensors[name] == nil else { throw ChildOutput.Failure.malformed }
                stateDict.tensors[name] = try tensor(from: input, tally: &tally)
            case .refusal:
                let message = try text(from: input, limit: HDF5Limits.maxMessageBytes)
                guard try input.isAtEnd() else { throw ChildOutput.Failure.malformed }
                return .refused(message)
            case .end:
                let attributes = try input.read(UInt32.self)
                let tensors = try input.read(UInt32.self)
                guard attributes == stateDict.attributes.count, tensors == stateDict.tensors.count, try input.isAtEnd() else {
                    throw ChildOutput.Failure.malformed
                }
                return .stateDict(stateDict)
            case nil:
                throw ChildOutput.Failure.malformed
            }
        }
    }

    /// The running totals that bound all tensors together.
    private struct Tally {
        let fileSize: Int
        var elements = 0
        var bytes = 0

        /// Adds a tensor; false once the totals pass `HDF5Limits.maxTotalElements` or the file's size.
        mutating func add(elements count: Int, bytesEach: Int) -> Bool {
            elements += count
            bytes += count * bytesEach
            return elements <= HDF5Limits.maxTotalElements && bytes <= fileSize
        }
    }

    private static func tensor(from input: ChildOutput, tally: inout Tally) throws -> HDF5Tensor {
        guard let elementClass = ElementClass(rawValue: try input.read(UInt8.self)) else { throw ChildOutput.Failure.malformed }
        let elementBytes = Int(try input.read(UInt32.self))
        guard (1...HDF5Limits.maxElementBytes).contains(elementBytes) else { throw ChildOutput.Failure.malformed }
        let rank = Int(try input.read(UInt32.self))
        guard rank <= HDF5Limits.maxRank else { throw ChildOutput.Failure.malformed }
        var shape: [Int] = []
        for _ in 0..<rank {
            shape.append(Int(exactly: try input.read(UInt64.self)) ?? -1)
        }
        guard let count = HDF5Limits.elementCount(of: shape), tally.add(elements: count, bytesEach: elementBytes) else {
            throw ChildOutput.Failure.malformed
        }
        let elementType = elementClass.elementType(bytes: elementBytes)
        guard elementClass == .float else { return HDF5Tensor(shape: shape, elementType: elementType) }
        var failure: (any Error)?
        let floats = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            do {
                try input.read(into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
            }
            // Whatever arrived, every element is a plain Float; on failure the array is dropped below.
            initialized = count
        }
        if let failure { throw failure }
        return HDF5Tensor(shape: shape, elementType: elementType, floats: floats)
    }

    private static func value(from input: ChildOutput) throws -> MetadataValue {
        switch ValueKind(rawValue: try input.read(UInt8.self)) {
        case .integer: return .integer(try input.read(Int64.self))
        case .real: return .real(Double(bitPattern: try input.read(UInt64.self)))
        case .text: return .text(try text(from: input, limit: HDF5Limits.maxTextBytes))
        case nil: throw ChildOutput.Failure.malformed
        }
    }

    /// A u32 length, at most `limit`, and that many bytes decoded as UTF-8.
    private static func text(from input: ChildOutput, limit: Int) throws -> String {
        let length = Int(try input.read(UInt32.self))
        guard length <= limit else { throw ChildOutput.Failure.malformed }
        var bytes = [UInt8](repeating: 0, count: length)
        try bytes.withUnsafeMutableBytes { try input.read(into: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
