import Foundation

/// A `Content-Range` header: `bytes FIRST-LAST/TOTAL` (206) or `bytes */TOTAL` (416); TOTAL may be `*`.
struct ContentRange: Equatable {
    /// The first byte sent, `nil` for the unsatisfied form.
    var first: Int?
    /// The whole file's size, when the server says it.
    var total: Int?

    init?(_ header: String) {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes ") else { return nil }
        let parts = text.dropFirst(6).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let range = parts[0].trimmingCharacters(in: .whitespaces)
        let totalText = parts[1].trimmingCharacters(in: .whitespaces)
        if totalText == "*" {
            total = nil
        } else {
            guard let value = Int(totalText), value >= 0 else { return nil }
            total = value
        }
        if range == "*" {
            first = nil
        } else {
            let bounds = range.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high else { return nil }
            first = low
        }
    }
}
