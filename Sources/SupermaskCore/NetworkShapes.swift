/// One image's way through an architecture at one input size: every layer's input checked against what the layer
/// expects, and what the pass costs.
///
/// A layer graph is data (a `.smask` header is any graph its writer chose), so nothing that executes one may assume
/// it is consistent. This walk is the check every consumer runs first: channel counts agree, every window fits its
/// padded input (no output side below 1), both branches of a residual block give the same shape, and no size
/// overflows. All arithmetic is checked.
public struct NetworkShapes: Sendable, Equatable {
    /// The (channels, height, width) of the image.
    public let input: [Int]
    /// The (channels, height, width) of the network's output.
    public let output: [Int]
    /// The values in the largest activation, the input included.
    public let largestActivation: Int
    /// Every convolution's dense multiply-adds plus every pooling window's reads, for one image.
    public let multiplyAdds: Int

    /// Walks `architecture` on an image of shape `input` (channels, height, width), throwing at the first layer
    /// that does not fit what reaches it.
    public init(_ architecture: Architecture, input: [Int]) throws {
        guard input.count == 3, input.allSatisfy({ $0 >= 1 }) else {
            throw SupermaskError("input shape \(input.shapeDescription) is not a (channels, height, width) of positive sizes")
        }
        var walk = Walk(inputSize: input.sizeDescription)
        let start = Shape(channels: input[0], height: input[1], width: input[2])
        _ = try walk.count(start)
        let end = try walk.run(architecture.layers, start, depth: 0)
        self.input = input
        output = [end.channels, end.height, end.width]
        largestActivation = walk.largest
        multiplyAdds = walk.multiplyAdds
    }

    private struct Shape: Equatable {
        var channels: Int
        var height: Int
        var width: Int
    }

    /// The walk's running totals.
    private struct Walk {
        let inputSize: String
        var largest = 0
        var multiplyAdds = 0

        init(inputSize: String) { self.inputSize = inputSize }

        func product(_ factors: Int...) throws -> Int {
            var result = 1
            for factor in factors {
                let (next, overflow) = result.multipliedReportingOverflow(by: factor)
                guard !overflow else { throw SupermaskError("at input \(inputSize) the sizes of the network overflow") }
                result = next
            }
            return result
        }

        mutating func add(_ operations: Int) throws {
            let (sum, overflow) = multiplyAdds.addingReportingOverflow(operations)
            guard !overflow else { throw SupermaskError("at input \(inputSize) the multiply-adds of the network overflow") }
            multiplyAdds = sum
        }

        /// Records an activation of `shape` and returns its value count.
        @discardableResult
        mutating func count(_ shape: Shape) throws -> Int {
            let values = try product(shape.channels, shape.height, shape.width)
            largest = max(largest, values)
            return values
        }

        /// The output side of a window of `kernel` at `stride` over `side` padded by `padding` on both ends.
        func windowed(_ side: Int, kernel: Int, stride: Int, padding: Int, _ what: String) throws -> Int {
            guard kernel >= 1, stride >= 1, padding >= 0, padding <= Architecture.maximumDimension else {
                throw SupermaskError("\(what) has kernel \(kernel), stride \(stride), padding \(padding)")
            }
            let padded = side + 2 * padding
            guard padded >= kernel else {
                throw SupermaskError("\(what): kernel \(kernel) is larger than its padded input \(padded) at input \(inputSize)")
            }
            return (padded - kernel) / stride + 1
        }

        mutating func run(_ layers: [Layer], _ start: Shape, depth: Int) throws -> Shape {
            guard depth <= Architecture.maximumNesting else {
                throw SupermaskError("residual blocks nest deeper than \(Architecture.maximumNesting)")
            }
            var x = start
            for layer in layers {
                switch layer {
                case .convolution(let c):
                    let what = "convolution '\(c.name.escapedForDisplay())'"
                    guard c.inputChannels == x.channels else {
                        throw SupermaskError("\(what) takes \(c.inputChannels) channels but receives \(x.channels)")
                    }
                    guard c.outputChannels >= 1 else { throw SupermaskError("\(what) has \(c.outputChannels) output channels") }
                    x = Shape(
                        channels: c.outputChannels,
                        height: try windowed(x.height, kernel: c.kernel, stride: c.stride, padding: c.padding, what),
                        width: try windowed(x.width, kernel: c.kernel, stride: c.stride, padding: c.padding, what))
                    let outputs = try count(x)
                    try add(try product(outputs, c.inputChannels, c.kernel, c.kernel))
                case .batchNorm(let norm):
                    guard norm.channels == x.channels else {
                        throw SupermaskError("batch norm '\(norm.name.escapedForDisplay())' has \(norm.channels) channels but receives \(x.channels)")
                    }
                case .relu:
                    break
                case .maxPool(let kernel, let stride, let padding):
                    // PyTorch's rule, which the kernels rely on: a window always covers at least one real cell.
                    guard padding <= kernel / 2 else {
                        throw SupermaskError("max pool padding \(padding) exceeds half its kernel \(kernel)")
                    }
                    x.height = try windowed(x.height, kernel: kernel, stride: stride, padding: padding, "max pool")
                    x.width = try windowed(x.width, kernel: kernel, stride: stride, padding: padding, "max pool")
                    try add(try product(try count(x), kernel, kernel))
                case .averagePool(let kernel):
                    try add(try product(x.channels, x.height, x.width))
                    x.height = try windowed(x.height, kernel: kernel, stride: kernel, padding: 0, "average pool")
                    x.width = try windowed(x.width, kernel: kernel, stride: kernel, padding: 0, "average pool")
                    try count(x)
                case .globalAveragePool:
                    try add(try product(x.channels, x.height, x.width))
                    x = Shape(channels: x.channels, height: 1, width: 1)
                case .flatten:
                    x = Shape(channels: try product(x.channels, x.height, x.width), height: 1, width: 1)
                case .residual(let body, let shortcut):
                    let main = try run(body, x, depth: depth + 1)
                    let side = try run(shortcut, x, depth: depth + 1)
                    guard main == side else {
                        let sizes = [main, side].map { [$0.channels, $0.height, $0.width].shapeDescription }
                        throw SupermaskError("a residual block's branches give \(sizes[0]) and \(sizes[1]) at input \(inputSize), which cannot be added")
                    }
                    x = main
                }
            }
            return x
        }
    }
}
