import SupermaskCore

extension CheckpointWriter {
    /// `model` as the state dict of hidden-networks' own classes, in its order (docs/hdf5-layout.md).
    ///
    /// A masked convolution gets `scores` of 1 where the mask keeps a weight and 0 where it drops one, so the
    /// original top-k rule at the model's keep fraction (`n − int((1 − k)·n)` of the largest |scores|) selects
    /// exactly the mask again; a mask of any other size cannot be expressed that way and is refused. Batch norms
    /// get `num_batches_tracked` = 0: no model records the counter, and evaluation never reads it.
    public static func stateDict(of model: Model) throws -> [(name: String, tensor: Tensor)] {
        var tensors: [(name: String, tensor: Tensor)] = []
        var problem: SupermaskError?
        Layer.walk(model.architecture.layers) { layer in
            guard problem == nil else { return }
            switch layer {
            case .convolution(let convolution):
                guard let parameters = model.convolutions[convolution.name] else {
                    problem = SupermaskError("no weights for convolution '\(convolution.name.escapedForDisplay())'")
                    return
                }
                tensors.append(("\(convolution.name).weight", .float32(shape: convolution.weightShape, values: parameters.weight)))
                guard let mask = parameters.mask else { return }
                guard let keep = model.keep, keep.keptCount(of: mask.count) == mask.keptCount else {
                    let rule = model.keep.map { "the keep fraction \($0) keeps \($0.keptCount(of: mask.count))" } ?? "the model has no keep fraction"
                    problem = SupermaskError("'\(convolution.name.escapedForDisplay())' keeps \(mask.keptCount) of \(mask.count) weights, but \(rule): no scores reproduce this mask under the original top-k rule")
                    return
                }
                let scores = (0..<mask.count).map { mask[$0] ? Float(1) : 0 }
                tensors.append(("\(convolution.name).scores", .float32(shape: convolution.weightShape, values: scores)))
            case .batchNorm(let norm):
                guard let parameters = model.batchNorms[norm.name] else {
                    problem = SupermaskError("no statistics for batch norm '\(norm.name.escapedForDisplay())'")
                    return
                }
                let shape = [norm.channels]
                if let scale = parameters.scale, let shift = parameters.shift {
                    tensors.append(("\(norm.name).weight", .float32(shape: shape, values: scale)))
                    tensors.append(("\(norm.name).bias", .float32(shape: shape, values: shift)))
                }
                tensors.append(("\(norm.name).running_mean", .float32(shape: shape, values: parameters.runningMean)))
                tensors.append(("\(norm.name).running_var", .float32(shape: shape, values: parameters.runningVariance)))
                tensors.append(("\(norm.name).num_batches_tracked", .int64(shape: [], values: [0])))
            default:
                break
            }
        }
        if let problem { throw problem }
        return tensors
    }

    /// Writes `model` to a new `.h5` file at `path`: its state dict, its metadata as root attributes, `arch`, and
    /// `keep` when it has masks. The architecture must be the catalogue's of that name, which the importer will
    /// look up when it reads the file back.
    public static func write(model: Model, path: String) throws {
        let architecture = model.architecture
        guard let catalogued = Architecture.named(architecture.name),
            catalogued.convolutions == architecture.convolutions, catalogued.batchNorms == architecture.batchNorms
        else {
            throw SupermaskError("the .h5 layout names an architecture of the catalogue (\(Architecture.catalogueNames)); '\(architecture.name.escapedForDisplay())' is not one of them or differs from it")
        }
        let tensors = try stateDict(of: model)
        let reserved: Set<String> = ["layout", "layout_version", "arch", "keep"]
        var attributes = model.metadata.filter { !reserved.contains($0.key) }
        attributes.append(("arch", .text(architecture.name)))
        if let keep = model.keep { attributes.append(("keep", .real(keep.value))) }
        try write(path: path, attributes: attributes, tensors: tensors)
    }
}
