import CSupermaskKernels

/// How one convolution of the planned engine is computed; picked per layer by measurement.
public struct KernelChoice: Hashable, Sendable, CustomStringConvertible {
    /// The arithmetic of the kernel.
    public enum Method: String, Sendable, CaseIterable {
        /// Compressed per-output-channel lists of (input row, weight) applied over a spatial tile.
        case sparse
        /// The same lists without weights, for ternary layers: adds for +c, subtracts for −c; c is folded into
        /// the per-channel scale.
        case signs
        /// Every weight, zeros included: a 4-channel × tile register-blocked dense kernel.
        case dense
    }

    /// The arithmetic.
    public var method: Method
    /// Output positions per tile: 16, 32 or 64 (one, two or four 16-float vectors per accumulator).
    public var tile: Int
    /// For 1×1 stride-1 convolutions: read the input planes in place instead of gathering each tile.
    public var direct: Bool
    /// Loop order. `false`: tiles outer, every output channel per tile (a tile's columns stay in cache, the
    /// weights stream once per tile). `true`: gather the whole plane first, then blocks of output channels outer
    /// and tiles inner, so the weights stream from memory once per image (better for small planes and big layers).
    public var channelsOuter: Bool
    /// sparse/signs: split the weight lists into blocks of `blockRows(tile)` input rows, so that the part of a
    /// tile every channel reads stays in L1; running sums wait in a scratch row between blocks.
    public var blocked: Bool
    /// sparse/signs, stride-1 convolutions wider than 1×1: instead of gathering tiles, copy the input once per
    /// kernel column into zero-padded planes (rows rounded up to whole vectors) and compute every output row at the
    /// padded width, so that each kernel tap reads a copy in place at a constant, vector-aligned offset; the
    /// columns past the true output width are dropped.
    public var shifted: Bool

    /// A choice of `method` over tiles of `tile` positions, gathered unless `direct` or `shifted`, tiles outer
    /// unless `channelsOuter`, lists unblocked unless `blocked`.
    public init(_ method: Method, tile: Int, direct: Bool = false, channelsOuter: Bool = false, blocked: Bool = false,
                shifted: Bool = false) {
        self.method = method
        self.tile = tile
        self.direct = direct
        self.channelsOuter = channelsOuter
        self.blocked = blocked
        self.shifted = shifted
    }

    /// Input rows per list block (SupermaskKernelConstants.h): 32 KiB of a tile's columns.
    static func blockRows(tile: Int) -> Int { Int(smk_list_block_rows(Int32(tile))) }

    /// The tile sizes the kernels are compiled for.
    public static let tiles = [Int(SMK_TILE_SMALL), Int(SMK_TILE_MEDIUM), Int(SMK_TILE_LARGE)]
    /// The largest of `tiles`: how far past its end a direct kernel may read an input buffer.
    static let largestTile = Int(SMK_TILE_LARGE)

    /// `sparse/64`, `signs/32 direct`, `dense/16 channels-outer`, …: the form the kernel cache stores and
    /// reports print.
    public var description: String {
        "\(method.rawValue)/\(tile)" + (direct ? " direct" : "") + (channelsOuter ? " channels-outer" : "")
            + (blocked ? " blocked" : "") + (shifted ? " shifted" : "")
    }

    /// Parses `description`; `nil` for anything else.
    public init?(_ description: String) {
        let words = description.split(separator: " ").map(String.init)
        let parts = words.first?.split(separator: "/") ?? []
        let flags = Set(words.dropFirst())
        guard parts.count == 2, let method = Method(rawValue: String(parts[0])), let tile = Int(parts[1]),
              Self.tiles.contains(tile), flags.count == words.count - 1,
              flags.isSubset(of: ["direct", "channels-outer", "blocked", "shifted"])
        else { return nil }
        self.init(method, tile: tile, direct: flags.contains("direct"), channelsOuter: flags.contains("channels-outer"),
                  blocked: flags.contains("blocked"), shifted: flags.contains("shifted"))
    }
}
