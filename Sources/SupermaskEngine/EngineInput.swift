import SupermaskCore

/// What every engine checks before it runs a model on a batch: engines never trust a `Model`, whatever made it.
///
/// An importer validates the models it reads, but an engine is also handed models built in code, and a network
/// that takes any input size meets sizes its file was never checked at. So before computing anything an engine
/// walks the layer graph at this batch's input size (`NetworkShapes`: channels agree, every window fits, residual
/// branches meet, nothing overflows), checks the per-image limits, and finds every layer's parameters with the
/// sizes its shape needs. A model that fails is a thrown `SupermaskError`, never an index out of range or a trap.
enum EngineInput {
    /// Checks `input` ([N, C, H, W]) and `model` against each other and `limits`; returns one image's shapes.
    static func check(_ input: Tensor, for model: Model, limits: ModelLimits) throws -> NetworkShapes {
        try model.architecture.validateInput(shape: input.shape)
        guard input.shape.checkedProduct == input.scalars.count else {
            throw SupermaskError("input shape \(input.shape.shapeDescription) does not match its \(input.scalars.count) values")
        }
        let shapes = try NetworkShapes(model.architecture, input: Array(input.shape.dropFirst()))
        try limits.checkImage(shapes)
        try checkParameters(of: model)
        return shapes
    }

    /// Throws unless every convolution and batch norm of the architecture has parameters that fit it.
    static func checkParameters(of model: Model) throws {
        for convolution in model.architecture.convolutions { _ = try model.checkedParameters(of: convolution) }
        for norm in model.architecture.batchNorms { _ = try model.checkedParameters(of: norm) }
    }
}

/// How many threads an engine runs on.
public enum EngineThreads {
    /// The most an engine accepts: a pool of this many threads is cheap to start, and more than any machine this
    /// code runs on has cores. `--threads` refuses larger values; an engine built in code clamps to it.
    public static let maximum = 256

    /// `threads` brought into 1 … `maximum`.
    public static func clamped(_ threads: Int) -> Int { min(max(1, threads), maximum) }
}
