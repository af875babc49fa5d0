import SupermaskCore

/// What a state-dict `.h5` file (docs/hdf5-layout.md) holds once its structure has been checked: the root
/// attributes and the datasets of `/state_dict`, floating-point ones with their values as float32.
///
/// Only the file's structure is checked at this point (links, storage, shapes within `HDF5Limits`); whether the
/// tensors make a model is `CheckpointImporter`'s business.
public struct HDF5StateDict: Sendable {
    /// The root group's scalar attributes (integers, reals, strings) in name order.
    public var attributes: [(key: String, value: MetadataValue)]
    /// The datasets of `/state_dict` by name.
    public var tensors: [String: HDF5Tensor]

    /// A state dict of these attributes and tensors.
    public init(attributes: [(key: String, value: MetadataValue)] = [], tensors: [String: HDF5Tensor] = [:]) {
        self.attributes = attributes
        self.tensors = tensors
    }
}

/// One dataset of `/state_dict`.
public struct HDF5Tensor: Sendable, Equatable {
    /// The dimensions, C order; `[]` for a scalar dataspace.
    public var shape: [Int]
    /// The element type as stored.
    public var elementType: HDF5ElementType
    /// The elements converted to float32 (by libhdf5), for a floating-point dataset; `nil` for any other type.
    public var floats: [Float]?

    /// A tensor of this shape and type, with its values for a floating-point type.
    public init(shape: [Int], elementType: HDF5ElementType, floats: [Float]? = nil) {
        self.shape = shape
        self.elementType = elementType
        self.floats = floats
    }

    /// The number of elements (the shape's product, which the readers have checked against `HDF5Limits`).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// The element type of a dataset, as far as the importer cares.
public enum HDF5ElementType: Sendable, Equatable, CustomStringConvertible {
    case float(bytes: Int)
    case integer(bytes: Int)
    case string(bytes: Int)
    case other(bytes: Int)

    /// Bytes per element as stored in the file.
    public var bytes: Int {
        switch self {
        case .float(let bytes), .integer(let bytes), .string(let bytes), .other(let bytes): return bytes
        }
    }

    /// The type in NumPy's words (`float32`, `int64`, …), for error messages.
    public var description: String {
        switch self {
        case .float(let bytes): return "float\(bytes * 8)"
        case .integer(let bytes): return "int\(bytes * 8)"
        case .string: return "string"
        case .other: return "a non-numeric type"
        }
    }
}

/// Receives a state dict piece by piece as a reader finds it: attributes first, then tensors.
///
/// The child process streams each piece to its parent as it comes (`StateDictStreamWriter`), reading every tensor into
/// one reused buffer; in process, `StateDictCollector` reads each into the array it keeps.
protocol StateDictSink {
    mutating func attribute(_ name: String, _ value: MetadataValue) throws
    /// A tensor; `values` reads its elements as float32 when its type is floating point, and is `nil` otherwise.
    mutating func tensor(_ name: String, shape: [Int], elementType: HDF5ElementType, values: FloatValues?) throws
}

/// A floating-point dataset's elements, read on request into a buffer the sink provides.
struct FloatValues {
    let count: Int
    let dataset: HDF5Dataset

    /// Reads the `count` elements, converted to float32 by libhdf5, into `buffer` (exactly `count` long).
    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws {
        try dataset.readFloats(into: buffer)
    }
}

/// Keeps what a reader finds as an `HDF5StateDict`.
struct StateDictCollector: StateDictSink {
    var stateDict = HDF5StateDict()

    mutating func attribute(_ name: String, _ value: MetadataValue) {
        stateDict.attributes.append((name, value))
    }

    mutating func tensor(_ name: String, shape: [Int], elementType: HDF5ElementType, values: FloatValues?) throws {
        var floats: [Float]?
        if let values {
            var failure: (any Error)?
            floats = [Float](unsafeUninitializedCapacity: values.count) { buffer, initialized in
                do { try values.read(into: buffer) } catch { failure = error }
                // Every bit pattern is a Float; on failure the array is dropped below.
                initialized = values.count
            }
            if let failure { throw failure }
        }
        stateDict.tensors[name] = HDF5Tensor(shape: shape, elementType: elementType, floats: floats)
    }
}
