import SupermaskCore

/// One convolution as the planner sees it: its masked weights, the batch norm folded into a per-channel affine
/// map, what follows in the epilogue, and the shape it runs at.
struct ConvolutionWeights: Sendable {
    /// The layer's hyper-parameters and name.
    let convolution: Convolution
    /// Input (channels, height, width) for the planned input size.
    let inputShape: ActivationShape
    /// `weight ⊙ mask` in (out, in, kh, kw) order.
    let weights: [Float]
    /// y = conv·scale + bias per output channel: the folded batch norm, or (1, 0) without one.
    let scale: [Float]
    let bias: [Float]
    /// The common magnitude c when every kept weight is ±c (a "usc" layer), else `nil`.
    let ternaryMagnitude: Float?
    /// The number of nonzero weights.
    let nonzeros: Int
    /// Whether the epilogue clamps at zero.
    let relu: Bool

    init(convolution: Convolution, parameters: ConvolutionParameters, norm: BatchNormParameters?,
         inputShape: ActivationShape, relu: Bool) {
        self.convolution = convolution
        self.inputShape = inputShape
        self.relu = relu
        weights = parameters.effectiveWeight
        let folded = norm.map(Self.fold) ?? (
            [Float](repeating: 1, count: convolution.outputChannels),
            [Float](repeating: 0, count: convolution.outputChannels))
        (scale, bias) = folded
        var magnitude: Float?
        var ternary = true
        var count = 0
        for weight in weights where weight != 0 {
            count += 1
            if magnitude == nil { magnitude = weight.magnitude } else if weight.magnitude != magnitude { ternary = false }
        }
        nonzeros = count
        ternaryMagnitude = ternary ? magnitude : nil
    }

    /// Batch norm in evaluation mode as y = x·scale + bias, computed as the reference computes it.
    static func fold(_ norm: BatchNormParameters) -> ([Float], [Float]) {
        var scale: [Float] = []
        var bias: [Float] = []
        for c in norm.runningMean.indices {
            let inverse = 1 / (norm.runningVariance[c] + BatchNormParameters.epsilon).squareRoot()
            let channelScale = (norm.scale?[c] ?? 1) * inverse
            scale.append(channelScale)
            bias.append((norm.shift?[c] ?? 0) - norm.runningMean[c] * channelScale)
        }
        return (scale, bias)
    }

    /// Throws unless every offset and count the kernels take as a 32-bit integer stays below 2³⁰ for `convolution`
    /// at `inputShape`, whichever kernel is chosen: list offsets reach (in · k²) rows of a tile, of a plane, or of k
    /// zero-padded copies of the input (rows of width + 2p rounded up to a vector, plus a tile of slack), and the
    /// lists hold at most every weight plus 16 padding entries per output channel and block of 128 rows.
    static func checkIndexRange(_ convolution: Convolution, inputShape: ActivationShape) throws {
        let depth = convolution.fanIn
        let padded = 2 * convolution.padding
        let span = [depth, inputShape.height + padded + 1, inputShape.width + padded + 80].checkedProduct
        let entries = [convolution.outputChannels, depth + 16 * (depth / 128 + 1)].checkedProduct
        let bound = 1 << 30
        guard let span, let entries, span <= bound, entries <= bound else {
            throw SupermaskError("convolution '\(convolution.name.escapedForDisplay())' at input \(inputShape.channels)×\(inputShape.height)×\(inputShape.width) is too large for the fast engine's 32-bit offsets; use --engine reference")
        }
    }

    /// Output (channels, height, width).
    var outputShape: ActivationShape {
        let k = convolution.kernel, s = convolution.stride, p = convolution.padding
        return ActivationShape(
            channels: convolution.outputChannels,
            height: (inputShape.height + 2 * p - k) / s + 1,
            width: (inputShape.width + 2 * p - k) / s + 1)
    }

    /// in · kh · kw: the rows of a gathered tile and the depth of the reduction.
    var depth: Int { convolution.fanIn }

    /// Whether the input can be read in place (1×1, stride 1, no padding).
    var allowsDirect: Bool { convolution.kernel == 1 && convolution.stride == 1 && convolution.padding == 0 }

    /// Whether the input can be read as shifted rows of a padded copy (stride 1, a window wider than 1×1).
    var allowsShifted: Bool { convolution.kernel > 1 && convolution.stride == 1 }

    /// The width of a zero-padded input plane, which is also the row length of a shifted kernel's output: rounded
    /// up to a whole number of 16-float vectors, so that every shifted row starts on a vector boundary.
    var paddedWidth: Int { (inputShape.width + 2 * convolution.padding + 15) / 16 * 16 }

    /// The size of one zero-padded input plane.
    var paddedPlane: Int { (inputShape.height + 2 * convolution.padding) * paddedWidth }

    /// Multiply-adds that involve a nonzero weight, per image.
    var usefulMultiplyAdds: Int { nonzeros * outputShape.plane }

    /// The kernels worth timing for this layer.
    ///
    /// Three families are left out where they cannot win, to keep planning short: valued lists for ternary layers,
    /// dense kernels below 50% density (they do at least twice the multiply-adds of the lists), and channels-outer
    /// order for layers whose weights fit in L2 (its only gain is streaming the weights once instead of once per
    /// tile).
    var candidates: [KernelChoice] {
        let plane = outputShape.plane
        // 16-position tiles only pay off on small planes, where larger tiles would waste more of the last tile.
        let tiles = plane <= 16 ? [16] : plane <= 256 ? [16, 32, 64] : [32, 64]
        // Sign lists are weight lists without the weight loads and multiplies, so for a ternary layer the valued
        // kernel could only win by the noise of the timing.
        var methods: [KernelChoice.Method] = [ternaryMagnitude == nil ? .sparse : .signs]
        if nonzeros * 2 >= weights.count { methods.append(.dense) }
        let orders = nonzeros * 8 > 1 << 20 ? [false, true] : [false]
        var result: [KernelChoice] = []
        for method in methods {
            for tile in tiles {
                let blockings = method != .dense && depth > KernelChoice.blockRows(tile: tile) ? [false, true] : [false]
                let directs = allowsDirect && (plane >= tile || plane == 1) ? [false, true] : [false]
                for channelsOuter in orders {
                    for blocked in blockings {
                        for direct in directs {
                            result.append(KernelChoice(
                                method, tile: tile, direct: direct, channelsOuter: channelsOuter, blocked: blocked))
                        }
                    }
                }
                if allowsShifted && method != .dense {
                    for blocked in blockings { result.append(KernelChoice(method, tile: tile, blocked: blocked, shifted: true)) }
                }
            }
        }
        return result
    }

    /// `choice` adjusted to what this layer allows: signs need a ternary layer, direct needs a 1×1 stride-1 layer.
    func applicable(_ choice: KernelChoice) -> KernelChoice {
        var result = choice
        if result.method == .signs && ternaryMagnitude == nil { result.method = .sparse }
        if result.direct && !(allowsDirect && (outputShape.plane >= result.tile || outputShape.plane == 1)) {
            result.direct = false
        }
        if result.method == .dense { result.blocked = false }
        if result.shifted && !(allowsShifted && result.method != .dense) { result.shifted = false }
        if result.shifted { (result.direct, result.channelsOuter) = (false, false) }
        return result
    }
}

/// The (channels, height, width) of one image's activation.
struct ActivationShape: Hashable, Sendable {
    var channels: Int
    var height: Int
    var width: Int

    /// height · width.
    var plane: Int { height * width }
    /// channels · height · width.
    var count: Int { channels * plane }
}
