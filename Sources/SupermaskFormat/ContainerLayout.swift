/// The fixed parts of a `.smask` file (docs/format.md §2–3).
enum ContainerLayout {
    /// PNG-style: a non-ASCII first byte, the name, CR LF to catch line-ending translation.
    static let magic: [UInt8] = [0x89, 0x53, 0x4D, 0x41, 0x53, 0x4B, 0x0D, 0x0A]  // \x89 S M A S K \r \n
    /// The major version a reader must understand; a minor version only adds what older readers may ignore.
    static let majorVersion: UInt16 = 1
    static let minorVersion: UInt16 = 0
    /// magic (8) + major (2) + minor (2) + section count (4) + file length (8) + CRC-32 (4).
    static let headerSize = 28
    /// kind (4) + index (4) + payload length (8), before the payload; the CRC-32 (4) follows it.
    static let sectionHeaderSize = 16
    static let sectionTrailerSize = 4

    /// What a section holds, stored as four ASCII bytes.
    enum SectionKind: UInt32, CustomStringConvertible {
        case architecture = 0x4843_5241  // "ARCH"
        case metadata = 0x4154_454D  // "META"
        case convolution = 0x564E_4F43  // "CONV"
        case batchNorm = 0x4D52_4F4E  // "NORM"
        case end = 0x2144_4E45  // "END!"

        var description: String {
            switch self {
            case .architecture: return "architecture"
            case .metadata: return "metadata"
            case .convolution: return "convolution"
            case .batchNorm: return "batch norm"
            case .end: return "end"
            }
        }
    }
}
