extension Architecture {
    /// No dimension of a layer (channels, kernel, stride, padding, input side, class count) may exceed this, 2²⁰.
    public static let maximumDimension = 1 << 20
    /// Residual blocks nest at most this deep (the catalogue needs 1); bounds every recursive walk.
    public static let maximumNesting = 8

    /// Checks that the network is one supermask can run at every input its rule accepts, within `limits`, and
    /// returns its shapes at `inputShape`.
    ///
    /// - every dimension is in 1 … `maximumDimension` (padding 0 ..< kernel; max-pool padding ≤ kernel / 2), residual
    ///   blocks nest at most `maximumNesting` deep, and every convolution and batch norm has a name of its own;
    /// - at `inputShape` every layer fits what reaches it and the output is `classCount`×1×1;
    /// - `.anySize`: the same holds at every input whose sides are at least the minimum (`inputShape` among them);
    ///   `.anyShapeWithSameCount`: the network starts with a flatten, so nothing after it sees the input's shape;
    /// - the weights, and at `inputShape` the largest activation and the multiply-adds, are within `limits`.
    @discardableResult
    public func validate(limits: ModelLimits) throws -> NetworkShapes {
        try validateStructure()
        var weights = 0
        for convolution in convolutions {
            var count = 1
            for factor in convolution.weightShape {
                let (product, overflow) = count.multipliedReportingOverflow(by: factor)
                guard !overflow else { throw SupermaskError("convolution '\(convolution.name.escapedForDisplay())' has more weights than supermask can count") }
                count = product
            }
            let (sum, overflow) = weights.addingReportingOverflow(count)
            guard !overflow else { throw SupermaskError("the network has more weights than supermask can count") }
            weights = sum
        }
        try limits.checkWeights(weights)
        let shapes = try NetworkShapes(self, input: inputShape)
        guard shapes.output == [classCount, 1, 1] else {
            throw SupermaskError("the network ends with an output of shape \(shapes.output.shapeDescription) but claims \(classCount) classes (an output of [\(classCount), 1, 1])")
        }
        switch inputRule {
        case .exact:
            break
        case .anySize(let minimumSide):
            try checkEveryInputSize(smallest: minimumSide)
        case .anyShapeWithSameCount:
            guard case .flatten? = layers.first else {
                throw SupermaskError("a network that takes any input shape with the same element count must start with a flatten")
            }
        }
        try limits.checkImage(shapes)
        return shapes
    }

    /// The checks that need no walk through the shapes: dimensions, nesting, names, the input rule's own numbers.
    private func validateStructure() throws {
        func dimension(_ value: Int, _ what: @autoclosure () -> String, minimum: Int = 1) throws {
            guard value >= minimum, value <= Self.maximumDimension else {
                throw SupermaskError("\(what()) is \(value), outside \(minimum)…\(Self.maximumDimension)")
            }
        }
        guard inputShape.count == 3 else {
            throw SupermaskError("the input shape \(inputShape.shapeDescription) is not (channels, height, width)")
        }
        for side in inputShape { try dimension(side, "a side of the input shape \(inputShape.shapeDescription)") }
        try dimension(classCount, "the class count")
        if case .anySize(let minimumSide) = inputRule {
            try dimension(minimumSide, "the smallest input side")
            guard inputShape[1] >= minimumSide, inputShape[2] >= minimumSide else {
                throw SupermaskError("the input shape \(inputShape.shapeDescription) is smaller than the smallest input side \(minimumSide) the network accepts")
            }
        }
        var names: Set<String> = []
        func claim(_ name: String) throws {
            guard names.insert(name).inserted else {
                throw SupermaskError("two layers are called '\(name.escapedForDisplay())'; every convolution and batch norm needs a name of its own")
            }
        }
        func check(_ layers: [Layer], depth: Int) throws {
            guard depth <= Self.maximumNesting else {
                throw SupermaskError("residual blocks nest deeper than \(Self.maximumNesting)")
            }
            for layer in layers {
                switch layer {
                case .convolution(let c):
                    let what = "convolution '\(c.name.escapedForDisplay())'"
                    try claim(c.name)
                    for (value, field) in [(c.inputChannels, "input channels"), (c.outputChannels, "output channels"),
                                           (c.kernel, "kernel"), (c.stride, "stride")] {
                        try dimension(value, "the \(field) of \(what)")
                    }
                    guard c.padding >= 0, c.padding < c.kernel else {
                        throw SupermaskError("\(what) has padding \(c.padding) for kernel \(c.kernel)")
                    }
                case .batchNorm(let norm):
                    try claim(norm.name)
                    try dimension(norm.channels, "the channels of batch norm '\(norm.name.escapedForDisplay())'")
                case .maxPool(let kernel, let stride, let padding):
                    try dimension(kernel, "a max pool's kernel")
                    try dimension(stride, "a max pool's stride")
                    guard padding >= 0, padding <= kernel / 2 else {
                        throw SupermaskError("max pool padding \(padding) exceeds half its kernel \(kernel)")
                    }
                case .averagePool(let kernel):
                    try dimension(kernel, "an average pool's kernel")
                case .relu, .globalAveragePool, .flatten:
                    break
                case .residual(let body, let shortcut):
                    try check(body, depth: depth + 1)
                    try check(shortcut, depth: depth + 1)
                }
            }
        }
        try check(layers, depth: 0)
    }
}
