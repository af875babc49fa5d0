import SupermaskCore

/// Whether a decoded model is small enough to run inside a fuzz execution, and at which input shapes.
///
/// The estimate is deliberately not a validation: shapes that do not fit (a convolution receiving other channels
/// than it declares, a window larger than its input) are clamped and costed, not refused, because what the engines
/// do with such a network is what the target is looking for. Only the work is bounded, so that one execution stays
/// in milliseconds.
struct InferenceBudget {
    /// Multiply-accumulates per image, summed over the layers.
    static let maximumOperations = 2_000_000
    /// Floats in any one activation of one image.
    static let maximumActivation = 1 << 20
    /// Weights in the whole network.
    static let maximumWeights = 1 << 20

    /// The image shapes (channels, height, width) to run: the model's own, and the smallest other one its input
    /// rule accepts, where the shape checks of the reader may not have looked. Empty when the model is too big.
    static func inputShapes(for architecture: Architecture) -> [[Int]] {
        let nominal = architecture.inputShape
        var shapes = [nominal]
        switch architecture.inputRule {
        case .exact:
            break
        case .anySize(let minimumSide):
            let side = max(minimumSide, 1)
            if side < nominal[1] || side < nominal[2] { shapes.append([nominal[0], side, side]) }
        case .anyShapeWithSameCount:
            let (count, overflow) = nominal[0].multipliedReportingOverflow(by: nominal[1] * nominal[2])
            if !overflow, [count, 1, 1] != nominal { shapes.append([count, 1, 1]) }
        }
        let weights = architecture.convolutions.reduce(0) { $0.addingReportingOverflow($1.weightCount).partialValue }
        guard weights <= maximumWeights else { return [] }
        return shapes.filter { shape in
            var estimate = Estimate(channels: shape[0], height: shape[1], width: shape[2])
            return estimate.visit(architecture.layers)
        }
    }

    /// The running shape and cost of one image through a layer list; `false` as soon as a bound is passed.
    private struct Estimate {
        var channels: Int
        var height: Int
        var width: Int
        var operations = 0

        mutating func visit(_ layers: [Layer]) -> Bool {
            guard fits(channels, height, width) else { return false }
            for layer in layers {
                switch layer {
                case .convolution(let c):
                    let inputs = max(channels, c.inputChannels)
                    height = Self.windowed(height, c.kernel, c.stride, c.padding)
                    width = Self.windowed(width, c.kernel, c.stride, c.padding)
                    channels = c.outputChannels
                    guard fits(channels, height, width), add([c.outputChannels, inputs, c.kernel, c.kernel, height, width]) else {
                        return false
                    }
                case .batchNorm, .relu, .globalAveragePool:
                    if case .globalAveragePool = layer { (height, width) = (1, 1) }
                case .maxPool(let kernel, let stride, let padding):
                    height = Self.windowed(height, kernel, stride, padding)
                    width = Self.windowed(width, kernel, stride, padding)
                    guard add([channels, kernel, kernel, height, width]) else { return false }
                case .averagePool(let kernel):
                    (height, width) = (max(height / kernel, 1), max(width / kernel, 1))
                case .flatten:
                    (channels, height, width) = (channels * height * width, 1, 1)
                case .residual(let body, let shortcut):
                    var side = self
                    side.operations = 0
                    guard visit(body), side.visit(shortcut) else { return false }
                    operations += side.operations
                    channels = max(channels, side.channels)
                    height = max(height, side.height)
                    width = max(width, side.width)
                    guard operations <= InferenceBudget.maximumOperations else { return false }
                }
                guard fits(channels, height, width) else { return false }
            }
            return true
        }

        /// Adds the product of `factors` to the operation count; `false` on overflow or past the budget.
        private mutating func add(_ factors: [Int]) -> Bool {
            var product = 1
            for factor in factors {
                let (next, overflow) = product.multipliedReportingOverflow(by: factor)
                guard !overflow, next <= InferenceBudget.maximumOperations else { return false }
                product = next
            }
            operations += product
            return operations <= InferenceBudget.maximumOperations
        }

        private func fits(_ channels: Int, _ height: Int, _ width: Int) -> Bool {
            let (area, overflow) = height.multipliedReportingOverflow(by: width)
            guard !overflow else { return false }
            let (count, overflow2) = area.multipliedReportingOverflow(by: channels)
            return !overflow2 && count <= InferenceBudget.maximumActivation
        }

        /// A window's output size, clamped to at least 1 where the window does not fit.
        private static func windowed(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int) -> Int {
            max((size + 2 * padding - kernel) / max(stride, 1) + 1, 1)
        }
    }
}
