extension Model {
    /// Checks everything a consumer of the model relies on, so that no file can make an engine read out of bounds,
    /// trap, or answer silently wrong. Every importer ends with it (`.h5` and `.smask` alike, whatever mode the
    /// weights were stored or generated in), and throws its error with the file's name.
    ///
    /// - the architecture is valid at every input its rule accepts and within `limits` (`Architecture.validate`);
    /// - every convolution and batch norm has its parameters, of the sizes its shape needs, and there are no others;
    /// - every weight is finite, and every batch norm's statistics and affine parameters are finite with a running
    ///   variance ≥ 0 (a NaN, an infinity or a negative variance turns every logit into NaN or zero).
    public func validate(limits: ModelLimits) throws {
        try architecture.validate(limits: limits)
        let convolutionList = architecture.convolutions
        let normList = architecture.batchNorms
        for convolution in convolutionList {
            let parameters = try checkedParameters(of: convolution)
            if let bad = parameters.weight.firstIndex(where: { !$0.isFinite }) {
                throw SupermaskError("convolution '\(convolution.name.escapedForDisplay())' holds \(parameters.weight[bad]) at flat index \(bad); weights must be finite")
            }
            guard parameters.tiesAtThreshold >= 0, parameters.tiesAtThreshold <= convolution.weightCount else {
                throw SupermaskError("convolution '\(convolution.name.escapedForDisplay())' records \(parameters.tiesAtThreshold) ties among its \(convolution.weightCount) weights")
            }
        }
        for norm in normList {
            let parameters = try checkedParameters(of: norm)
            let name = norm.name.escapedForDisplay()
            for (values, what) in [(parameters.runningMean, "running mean"), (parameters.runningVariance, "running variance"),
                                   (parameters.scale ?? [], "scale"), (parameters.shift ?? [], "shift")] {
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw SupermaskError("batch norm '\(name)' has \(values[bad]) in its \(what) at index \(bad); statistics must be finite")
                }
            }
            if let bad = parameters.runningVariance.firstIndex(where: { $0 < 0 }) {
                throw SupermaskError("batch norm '\(name)' has a negative running variance (\(parameters.runningVariance[bad])) at index \(bad)")
            }
        }
        let convolutionNames = Set(convolutionList.map(\.name)), normNames = Set(normList.map(\.name))
        if let extra = convolutions.keys.sorted().first(where: { !convolutionNames.contains($0) }) {
            throw SupermaskError("the model holds weights for '\(extra.escapedForDisplay())', which is not a convolution of its architecture")
        }
        if let extra = batchNorms.keys.sorted().first(where: { !normNames.contains($0) }) {
            throw SupermaskError("the model holds statistics for '\(extra.escapedForDisplay())', which is not a batch norm of its architecture")
        }
    }

    /// The parameters of `convolution`, or an error when the model has none or they do not fit its shape (a
    /// weight count other than out · in · k², a mask over another count): what an engine asks for instead of
    /// trusting the model.
    public func checkedParameters(of convolution: Convolution) throws -> ConvolutionParameters {
        let name = convolution.name.escapedForDisplay()
        guard let parameters = convolutions[convolution.name] else {
            throw SupermaskError("the model has no weights for convolution '\(name)'")
        }
        guard parameters.weight.count == convolution.weightCount else {
            throw SupermaskError("convolution '\(name)' has \(parameters.weight.count) weights; its shape \(convolution.weightShape.shapeDescription) needs \(convolution.weightCount)")
        }
        if let mask = parameters.mask, mask.count != convolution.weightCount {
            throw SupermaskError("the mask of convolution '\(name)' covers \(mask.count) weights; the layer has \(convolution.weightCount)")
        }
        return parameters
    }

    /// The parameters of `norm`, or an error when the model has none or they do not have one value per channel
    /// (or an affine scale without its shift).
    public func checkedParameters(of norm: BatchNorm) throws -> BatchNormParameters {
        let name = norm.name.escapedForDisplay()
        guard let parameters = batchNorms[norm.name] else {
            throw SupermaskError("the model has no statistics for batch norm '\(name)'")
        }
        guard (parameters.scale == nil) == (parameters.shift == nil) else {
            throw SupermaskError("batch norm '\(name)' has an affine scale without a shift or a shift without a scale")
        }
        let counts = [parameters.runningMean.count, parameters.runningVariance.count]
            + [parameters.scale?.count, parameters.shift?.count].compactMap { $0 }
        guard counts.allSatisfy({ $0 == norm.channels }) else {
            throw SupermaskError("batch norm '\(name)' has \(counts.map(String.init).joined(separator: "/")) values for \(norm.channels) channels")
        }
        return parameters
    }
}
