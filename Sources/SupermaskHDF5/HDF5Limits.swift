/// The bounds on what a state-dict `.h5` file may hold, applied twice: by the reader that runs libhdf5 (so that it
/// never asks libhdf5 for more) and by the parent that parses what the child process sends (so that a child a
/// crafted file took over still cannot make it allocate more).
///
/// Each bound fits the largest architecture in the catalogue, WideResNet101_2 with scores and affine BatchNorm
/// (730 tensors, 253.6 M elements, the largest 9.4 M), with a wide margin; docs/security.md gives the reasons.
public enum HDF5Limits {
    /// Datasets in `/state_dict` (WideResNet101_2: 522, 730 with affine BatchNorm).
    public static let maxTensors = 4096
    /// Attributes on the root group (a hidden-networks checkpoint has about 15).
    public static let maxRootAttributes = 1024
    /// Bytes in a dataset or attribute name (hidden-networks names are under 40).
    public static let maxNameBytes = 1024
    /// Bytes in a string attribute's value (`skipped_entries` lists names, comma-separated).
    public static let maxTextBytes = 65_536
    /// Dimensions of a dataset (tensors have at most 4).
    public static let maxRank = 8
    /// Bytes of one element as stored (float64 and int64 are 8).
    public static let maxElementBytes = 64
    /// Elements in one dataset: 2^26, seven times WideResNet50_2's and WideResNet101_2's largest (1024×1024×3×3).
    public static let maxTensorElements = 1 << 26
    /// Elements in all datasets together: 2^29 (2 GiB as float32), twice WideResNet101_2's weights and scores.
    public static let maxTotalElements = 1 << 29
    /// Bytes of a refusal message sent by the child.
    public static let maxMessageBytes = 4096

    /// The product of `shape` when every dimension and the product are within 0 … `maxTensorElements`, else `nil`.
    static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0, dimension <= maxTensorElements else { return nil }
            // Both factors are at most 2^26 + 1, so the product cannot overflow.
            count = min(count * dimension, maxTensorElements + 1)
        }
        return count <= maxTensorElements ? count : nil
    }

    /// `bytes` decoded as UTF-8, invalid sequences replaced, if the result still fits in `limit` bytes (each
    /// replacement character takes 3), else `nil`: what the child sends must pass the parent's same bound.
    static func text<Bytes: Collection<UInt8>>(_ bytes: Bytes, limit: Int) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.utf8.count <= limit ? text : nil
    }

    /// `text` cut at a character boundary to at most `limit` bytes of UTF-8.
    static func prefix(_ text: String, limit: Int) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            count += UTF8.width(scalar)
            guard count <= limit else { break }
            result.unicodeScalars.append(scalar)
        }
        return result
    }
}
