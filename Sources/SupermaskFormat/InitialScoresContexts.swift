/// The contexts of mask coder 3 (docs/format.md §5.2): each weight's quantile of initial |score| (crossed with its
/// quantile of |weight|), and optionally what the bits already coded in its column and in its row say.
///
/// A row is one output channel's weights (fan-in of them), a column the same input position in every row. The column
/// and row features compare a weight's score rank with the highest rank coded 0 and the lowest rank coded 1 so far in
/// its column (or row): where training moved the scores little (a unit that never fires gets no gradient on its row),
/// the mask is close to a threshold on the initial |score|, and after a few bits the feature says which side a weight
/// is on.
struct InitialScoresContexts: MaskContextModel {
    /// Which past bits the contexts look at: bit 0 the column, bit 1 the row.
    struct Features: OptionSet, Equatable {
        let rawValue: UInt8
        static let column = Features(rawValue: 1)
        static let row = Features(rawValue: 2)
        static let all: Features = [.column, .row]
    }

    private let staticContexts: [UInt16]
    private let ranks: [UInt32]
    private let rowLength: Int
    private let features: Features
    let contextCount: Int
    private var columnHighestDropped: [Int32]
    private var columnLowestKept: [Int32]
    private var rowHighestDropped: Int32 = -1
    private var rowLowestKept: Int32 = 0
    private var column = 0

    /// `staticContexts`: score bin · 2^W + weight bin per position, 0 ..< `staticContextCount`; `ranks`: the positions'
    /// ranks of initial |score|; `rowLength`: the weights per output channel (it divides the count).
    init(staticContexts: [UInt16], staticContextCount: Int, ranks: [UInt32], rowLength: Int, features: Features) {
        self.staticContexts = staticContexts
        self.ranks = ranks
        self.rowLength = rowLength
        self.features = features
        contextCount = staticContextCount << (2 * features.rawValue.nonzeroBitCount)
        let columns = features.contains(.column) ? rowLength : 0
        columnHighestDropped = [Int32](repeating: -1, count: columns)
        columnLowestKept = [Int32](repeating: Int32(truncatingIfNeeded: ranks.count), count: columns)
    }

    /// 2·[rank above every dropped rank] + [rank below every kept rank].
    @inline(__always)
    private static func feature(_ rank: Int32, highestDropped: Int32, lowestKept: Int32) -> Int {
        (rank > highestDropped ? 2 : 0) + (rank < lowestKept ? 1 : 0)
    }

    mutating func context(at index: Int) -> Int {
        var context = Int(staticContexts[index])
        guard !features.isEmpty else { return context }
        let rank = Int32(truncatingIfNeeded: ranks[index])
        if features.contains(.column) {
            context = context << 2 | Self.feature(rank, highestDropped: columnHighestDropped[column], lowestKept: columnLowestKept[column])
        }
        if features.contains(.row) {
            if column == 0 {
                rowHighestDropped = -1
                rowLowestKept = Int32(truncatingIfNeeded: ranks.count)
            }
            context = context << 2 | Self.feature(rank, highestDropped: rowHighestDropped, lowestKept: rowLowestKept)
        }
        return context
    }

    mutating func record(_ bit: Bool, at index: Int) {
        guard !features.isEmpty else { return }
        let rank = Int32(truncatingIfNeeded: ranks[index])
        if features.contains(.column) {
            if bit {
                columnLowestKept[column] = min(columnLowestKept[column], rank)
            } else {
                columnHighestDropped[column] = max(columnHighestDropped[column], rank)
            }
        }
        if bit { rowLowestKept = min(rowLowestKept, rank) } else { rowHighestDropped = max(rowHighestDropped, rank) }
        column += 1
        if column == rowLength { column = 0 }
    }
}
