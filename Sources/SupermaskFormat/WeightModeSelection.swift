import SupermaskCore

/// Decides how `supermask export` stores a model's weights, by checking the data rather than trusting names.
public enum WeightModeSelection {
    /// What the user asked for: a mode, or `auto` (`nil`): the smallest lossless mode the data allows.
    ///
    /// `seed` needs a generator that regenerates every weight bit for bit: the one the model's metadata
    /// names (`supermask init` records `generator`, `seed`, `init`), with `seedOverride` replacing the seed.
    public static func resolve(
        _ requested: WeightMode?, model: Model, seedOverride: UInt64? = nil
    ) throws -> (mode: WeightMode, generator: WeightGenerator?) {
        switch requested {
        case .seed?:
            return (.seed, try seedGenerator(model, seedOverride: seedOverride).get())
        case .signed?:
            if let layer = firstLayerWithoutConstant(model) {
                throw SupermaskError("--weights signed needs every kept weight of a layer to be ±one constant (or 0); '\(layer)' has other values (a Kaiming-normal model? use fp32)")
            }
            return (.signed, nil)
        case let mode?:
            return (mode, nil)
        case nil:
            if case .success(let generator) = seedGenerator(model, seedOverride: seedOverride) { return (.seed, generator) }
            if firstLayerWithoutConstant(model) == nil { return (.signed, nil) }
            return (.fp32, nil)
        }
    }

    /// The name of the first convolution whose kept weights have more than one magnitude.
    static func firstLayerWithoutConstant(_ model: Model) -> String? {
        model.architecture.convolutions.first { convolution in
            let parameters = model.parameters(of: convolution)
            return KeptWeights.signedConstant(KeptWeights.kept(parameters.weight, mask: parameters.mask)) == nil
        }?.name
    }

    /// The generator that regenerates `model`'s weights exactly, or why there is none.
    static func seedGenerator(_ model: Model, seedOverride: UInt64?) -> Result<WeightGenerator, SupermaskError> {
        func entry(_ key: String) -> MetadataValue? { model.metadata.first { $0.key == key }?.value }
        guard case .text(let identifier)? = entry("generator"), identifier == WeightGenerator.identifier else {
            return .failure(SupermaskError("--weights seed needs weights made by supermask's generator (supermask init); this model records none. The released checkpoints were drawn by PyTorch from an unknown seed (hidden-networks sets none): store them with --weights torch-seed --torch-seed N once it is known, or auto, signed or fp32"))
        }
        guard case .text(let initName)? = entry("init"), let initialisation = WeightGenerator.Initialisation(rawValue: initName) else {
            return .failure(SupermaskError("--weights seed: the model names the generator but no valid 'init' entry"))
        }
        let recordedSeed: UInt64?
        if case .integer(let value)? = entry("seed"), value >= 0 { recordedSeed = UInt64(value) } else { recordedSeed = nil }
        guard let seed = seedOverride ?? recordedSeed else {
            return .failure(SupermaskError("--weights seed: the model records no seed; pass --seed N"))
        }
        let generator = WeightGenerator(seed: seed, initialisation: initialisation)
        for (index, convolution) in model.architecture.convolutions.enumerated() {
            let regenerated = generator.weights(layerIndex: index, count: convolution.weightCount, fanIn: convolution.fanIn)
            let stored = model.parameters(of: convolution).weight
            if !zip(regenerated, stored).allSatisfy({ $0.bitPattern == $1.bitPattern }) {
                return .failure(SupermaskError("--weights seed: seed \(seed) (\(initName)) does not regenerate the weights of '\(convolution.name)' bit for bit, so the model cannot be stored as a seed"))
            }
        }
        return .success(generator)
    }
}
