import SupermaskCore

/// Regenerates the initial weights and scores that hidden-networks' `get_model` drew from PyTorch's CPU generator.
///
/// One pass over the stream produces any layers' weights and scores in construction order; what is not wanted is
/// skipped without being computed (a ResNet-50's 25.5 M score draws cost one MT19937 regeneration per 624).
public struct TorchSeedGenerator: Sendable {
    /// The network.
    public let architecture: Architecture
    /// Seed, profile and init.
    public let recipe: TorchSeedRecipe
    /// Where each layer draws.
    public let plan: TorchDrawPlan

    /// What to produce for each layer.
    public struct Parts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The weights after the builder's init (what a checkpoint stores, frozen).
        public static let weights = Parts(rawValue: 1)
        /// The initial scores (what training started from).
        public static let scores = Parts(rawValue: 2)
    }

    /// One layer's regenerated tensors, in flat order (out, in, kh, kw).
    public struct LayerTensors: Sendable {
        /// The layer's place in the stream.
        public let layer: TorchDrawPlan.Layer
        /// The initial weights, if asked for.
        public let weights: [Float]?
        /// The initial scores, if asked for.
        public let scores: [Float]?
    }

    /// A generator for `architecture` under `recipe`, building the convolutions in `constructionOrder`
    /// (state-dict indices; hidden-networks' order when `nil`).
    public init(architecture: Architecture, recipe: TorchSeedRecipe, constructionOrder: [Int]? = nil) throws {
        guard recipe.profile.isAvailable else {
            throw SupermaskError("profile \(recipe.profile) needs glibc's logf/sinf/cosf, which this platform does not have")
        }
        self.architecture = architecture
        self.recipe = recipe
        plan = try TorchDrawPlan(
            architecture: architecture, initialisation: recipe.initialisation, constructionOrder: constructionOrder)
    }

    /// Calls `body` with each layer's tensors in construction order (the order of the stream), holding one layer
    /// at a time; `body` returns `false` to stop early.
    public func forEachLayer(_ parts: Parts, _ body: (LayerTensors) throws -> Bool) rethrows {
        var generator = TorchMersenneTwister(seed: recipe.seed)
        for layer in plan.layers {
            let tensors = draw(layer, parts, generator: &generator)
            if try !body(tensors) { return }
        }
    }

    /// Every layer's tensors, in state-dict order.
    public func generate(_ parts: Parts) -> [LayerTensors] {
        var result: [LayerTensors?] = Array(repeating: nil, count: plan.layers.count)
        forEachLayer(parts) { tensors in
            result[tensors.layer.index] = tensors
            return true
        }
        return result.compactMap { $0 }
    }

    /// Every layer's initial weights, in state-dict order.
    public func weights() -> [[Float]] { generate(.weights).map { $0.weights ?? [] } }

    /// Every layer's initial scores, in state-dict order.
    public func scores() -> [[Float]] { generate(.scores).map { $0.scores ?? [] } }

    /// The tensors of the convolution at state-dict `index` alone: the stream before it is skipped, not computed.
    public func layer(index: Int, _ parts: Parts) -> LayerTensors {
        let layer = plan.layer(index: index)
        var generator = TorchMersenneTwister(seed: recipe.seed)
        generator.skip(layer.offset)
        return draw(layer, parts, generator: &generator)
    }

    /// Draws one layer; the generator must stand at `layer.offset` and is left at `layer.end`.
    private func draw(_ layer: TorchDrawPlan.Layer, _ parts: Parts, generator: inout TorchMersenneTwister) -> LayerTensors {
        let convolution = layer.convolution
        let count = convolution.weightCount
        let profile = recipe.profile
        let defaultRange = TorchUniform.Range(bound: TorchInitFormulas.defaultUniformBound(fanIn: convolution.fanIn))
        let deviation = recipe.standardDeviation(of: convolution)
        let wantWeights = parts.contains(.weights)
        var weights: [Float]?

        // w₀: only its signs survive, and only the constant inits keep them.
        if wantWeights, recipe.initialisation.usesInitialSigns {
            weights = Self.signedConstant(count: count, magnitude: Float(deviation), generator: &generator)
        } else {
            generator.skip(count)
        }
        var scores: [Float]?
        if parts.contains(.scores) {
            scores = TorchUniform.values(count: count, range: defaultRange, profile: profile, generator: &generator)
        } else {
            generator.skip(count)
        }
        switch recipe.initialisation {
        case .signedConstant, .xavierConstant:
            break
        case .unsignedConstant:
            if wantWeights { weights = [Float](repeating: Float(deviation), count: count) }
        case .kaimingNormal, .xavierNormal:
            if wantWeights {
                weights = TorchNormal.values(
                    count: count, mean: 0, standardDeviation: deviation, profile: profile, generator: &generator)
            } else {
                generator.skip(layer.initDraws)
            }
        case .kaimingUniform, .standard:
            let bound = recipe.initialisation == .standard
                ? TorchInitFormulas.defaultUniformBound(fanIn: convolution.fanIn)
                : TorchInitFormulas.reluUniformBound(fanIn: convolution.fanIn)
            if wantWeights {
                weights = TorchUniform.values(count: count, range: TorchUniform.Range(bound: bound), profile: profile, generator: &generator)
            } else {
                generator.skip(count)
            }
        }
        return LayerTensors(layer: layer, weights: weights, scores: scores)
    }

    /// `w₀.sign() · σ` from the raw outputs alone: in every profile w₀ ≥ 0 exactly when bit 23 of the output is set,
    /// and w₀ = 0 exactly when the low 24 bits are 2²³ (then the weight is +0).
    static func signedConstant(count: Int, magnitude: Float, generator: inout TorchMersenneTwister) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            buffer.withMemoryRebound(to: UInt32.self) { raw in
                generator.fill(raw)
                let positive = magnitude.bitPattern & 0x7FFF_FFFF
                for index in raw.indices {
                    let k = raw[index] & 0xFF_FFFF
                    // Without branches (the signs are coin flips): bit 23 clear sets the sign bit; k = 2²³ gives +0.
                    let signed = positive | ((k >> 23) ^ 1) << 31
                    raw[index] = k == 0x80_0000 ? 0 : signed
                }
            }
            initialised = count
        }
    }
}
