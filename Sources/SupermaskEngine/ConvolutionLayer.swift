import SupermaskCore

/// One convolution as the planner sees it, without its weights: the layer's hyper-parameters, the batch norm
/// folded into a per-channel affine map, what follows in the epilogue, the shape it runs at and what its weights
/// look like (nonzero count, ternary or valued). A prepared kernel keeps this and its own layout of the weights, so
/// that the plan holds no second dense copy of them.
struct ConvolutionLayer: Sendable {
    /// The layer's hyper-parameters and name.
    let convolution: Convolution
    /// Input (channels, height, width) for the planned input size.
    let inputShape: ActivationShape
    /// y = conv·scale + bias per output channel: the folded batch norm, or (1, 0) without one.
    let scale: [Float]
    let bias: [Float]
    /// The common magnitude c when every kept weight is ±c (a "usc" layer), else `nil`.
    let ternaryMagnitude: Float?
    /// The number of nonzero weights.
    let nonzeros: Int
    /// The number of weights, zeros included.
    let weightCount: Int
    /// Whether the epilogue clamps at zero.
    let relu: Bool

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
        if nonzeros * 2 >= weightCount { methods.append(.dense) }
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
