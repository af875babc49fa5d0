/// One side (height or width) of an activation as a function of the input's side n, for networks that accept any
/// input size: either a constant (after global pooling) or ⌊(n + offset) / divisor⌋ + base.
///
/// Every window a network applies — convolution, max pool, average pool — maps a side x to ⌊(x + 2p − k) / s⌋ + 1,
/// and ⌊(⌊(n + a) / d⌋ + c) / s⌋ = ⌊(n + a + c·d) / (d·s)⌋ for integers, so a chain of windows keeps this form with
/// the strides multiplied into the divisor. That makes "the same at every input size" decidable: a side is
/// non-decreasing in n (so a window that fits the smallest input fits every input), and two formulas with the same
/// divisor d agree everywhere once normalised to 0 ≤ offset < d (both step by exactly 1 when n grows by d), while
/// formulas with different divisors grow at different rates and part somewhere.
enum InputSideFormula: Equatable {
    /// The same side at every input size.
    case constant(Int)
    /// ⌊(n + offset) / divisor⌋ + base, normalised so that 0 ≤ offset < divisor.
    case linear(offset: Int, divisor: Int, base: Int)

    /// The input's own side, n.
    static let identity = InputSideFormula.linear(offset: 0, divisor: 1, base: 0)

    /// The value at input side `n`.
    func value(at n: Int) throws -> Int {
        switch self {
        case .constant(let side):
            return side
        case .linear(let offset, let divisor, let base):
            return try Self.checked(n.addingReportingOverflow(offset)) / divisor + base
        }
    }

    /// The side after a window of `kernel` at `stride` with `padding`, for inputs whose side is at least
    /// `smallest`; throws when the window does not fit the padded side at the smallest input (and so, the side
    /// being non-decreasing, only there and below).
    func windowed(kernel: Int, stride: Int, padding: Int, smallest: Int, _ what: String) throws -> InputSideFormula {
        let side = try value(at: smallest)
        guard side + 2 * padding >= kernel else {
            throw SupermaskError("\(what): kernel \(kernel) is larger than its padded input \(side + 2 * padding) at the smallest input the network accepts (sides of \(smallest))")
        }
        switch self {
        case .constant:
            return .constant((side + 2 * padding - kernel) / stride + 1)
        case .linear(let offset, let divisor, let base):
            // ⌊(⌊(n + a) / d⌋ + b + 2p − k) / s⌋ + 1 = ⌊(n + a + d·(b + 2p − k)) / (d·s)⌋ + 1.
            let growth = try Self.checked(base.addingReportingOverflow(2 * padding - kernel))
            let shift = try Self.checked(divisor.multipliedReportingOverflow(by: growth))
            let newOffset = try Self.checked(offset.addingReportingOverflow(shift))
            let newDivisor = try Self.checked(divisor.multipliedReportingOverflow(by: stride))
            return Self.normalised(offset: newOffset, divisor: newDivisor, base: 1)
        }
    }

    /// ⌊(n + offset) / divisor⌋ + base with the offset brought into 0 ..< divisor (the whole part moves to base).
    private static func normalised(offset: Int, divisor: Int, base: Int) -> InputSideFormula {
        let whole = offset >= 0 ? offset / divisor : -((-offset + divisor - 1) / divisor)
        return .linear(offset: offset - whole * divisor, divisor: divisor, base: base + whole)
    }

    private static func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> Int {
        guard !result.overflow else {
            throw SupermaskError("the strides and windows of the network multiply beyond what supermask can analyse")
        }
        return result.partialValue
    }
}

extension Architecture {
    /// Checks, for a network that takes any input whose sides are at least `smallest`, that its graph is consistent
    /// at every such size and not only at `inputShape`: every window fits, the branches of every residual block
    /// give the same side, a flatten sees a size that does not depend on the input, and the output is 1×1.
    ///
    /// Channel counts do not depend on the input size (only a flatten could make them, and it must see a constant
    /// size), so the walk at `inputShape` has already checked them; this walk follows the sides alone.
    func checkEveryInputSize(smallest: Int) throws {
        let side = try Self.sideAfter(layers, .identity, smallest: smallest, depth: 0)
        guard side == .constant(1) else {
            throw SupermaskError("the network's output is 1×1 at its own input size but not at every size it accepts (sides of \(smallest) or more): it needs a global pooling before its classifier")
        }
    }

    private static func sideAfter(_ layers: [Layer], _ start: InputSideFormula, smallest: Int, depth: Int) throws -> InputSideFormula {
        guard depth <= maximumNesting else { throw SupermaskError("residual blocks nest deeper than \(maximumNesting)") }
        var side = start
        for layer in layers {
            switch layer {
            case .convolution(let c):
                side = try side.windowed(kernel: c.kernel, stride: c.stride, padding: c.padding, smallest: smallest,
                                         "convolution '\(c.name.escapedForDisplay())'")
            case .batchNorm, .relu:
                break
            case .maxPool(let kernel, let stride, let padding):
                side = try side.windowed(kernel: kernel, stride: stride, padding: padding, smallest: smallest, "max pool")
            case .averagePool(let kernel):
                side = try side.windowed(kernel: kernel, stride: kernel, padding: 0, smallest: smallest, "average pool")
            case .globalAveragePool:
                side = .constant(1)
            case .flatten:
                guard case .constant = side else {
                    throw SupermaskError("a flatten sees a size that depends on the input size, so the layers after it fit one input size only; such a network must take exactly its input shape")
                }
                side = .constant(1)
            case .residual(let body, let shortcut):
                let main = try sideAfter(body, side, smallest: smallest, depth: depth + 1)
                let skip = try sideAfter(shortcut, side, smallest: smallest, depth: depth + 1)
                guard main == skip else {
                    throw SupermaskError("a residual block's branches agree at the network's own input size but not at every size it accepts (sides of \(smallest) or more)")
                }
                side = main
            }
        }
        return side
    }
}
