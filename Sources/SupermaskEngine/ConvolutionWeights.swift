import SupermaskCore

/// A convolution with its weights, as the plan compiler hands it to kernel preparation: the layer's description
/// and its parameters as the model stores them (sharing the model's arrays). The masked weights are made only
/// while a kernel is laid out (`effectiveWeights()`), one layer at a time.
struct ConvolutionWeights: Sendable {
    /// Everything but the weights.
    let layer: ConvolutionLayer
    /// The weights and mask, as stored in the model.
    let parameters: ConvolutionParameters

    init(convolution: Convolution, parameters: ConvolutionParameters, norm: BatchNormParameters?,
         inputShape: ActivationShape, relu: Bool) {
        self.parameters = parameters
        let (scale, bias) = norm.map(Self.fold) ?? (
            [Float](repeating: 1, count: convolution.outputChannels),
            [Float](repeating: 0, count: convolution.outputChannels))
        var magnitude: Float?
        var ternary = true
        var count = 0
        let weights = parameters.effectiveWeight
        for weight in weights where weight != 0 {
            count += 1
            if magnitude == nil { magnitude = weight.magnitude } else if weight.magnitude != magnitude { ternary = false }
        }
        layer = ConvolutionLayer(
            convolution: convolution, inputShape: inputShape, scale: scale, bias: bias,
            ternaryMagnitude: ternary ? magnitude : nil, nonzeros: count, weightCount: weights.count, relu: relu)
    }

    /// `weight ⊙ mask` in (out, in, kh, kw) order.
    func effectiveWeights() -> [Float] { parameters.effectiveWeight }

    /// Output (channels, height, width).
    var outputShape: ActivationShape { layer.outputShape }

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
}
