import Dispatch
import SupermaskCore

/// The reference forward pass: float32, evaluation mode, written to be obviously correct.
///
/// It executes the architecture's layer list directly on NCHW tensors with masked weights (`weight ⊙ mask`),
/// batch norm from running statistics, and PyTorch's pooling rules. It is the oracle that faster engines are
/// tested against, so it favours plain loops over speed; the only concessions are skipping zero weights
/// (70% of a supermask layer) and splitting output channels across threads.
public struct ReferenceForward: Sendable {
    private let model: Model
    private let effectiveWeights: [String: [Float]]
    private let threads: Int
    private let limits: ModelLimits

    /// Prepares `model` (applies its masks once) to run on `threads` threads (at most `EngineThreads.maximum`),
    /// refusing inputs beyond `limits`. Nothing about the model is trusted: `logits(for:)` checks every layer
    /// against the input it gets before running any, and throws when they do not fit.
    public init(model: Model, threads: Int = 1, limits: ModelLimits = .standard) {
        self.model = model
        self.threads = EngineThreads.clamped(threads)
        self.limits = limits
        var weights: [String: [Float]] = [:]
        for convolution in model.architecture.convolutions {
            if let parameters = try? model.checkedParameters(of: convolution) {
                weights[convolution.name] = parameters.effectiveWeight
            }
        }
        self.effectiveWeights = weights
    }

    /// The logits [N, classes] for a float32 NCHW batch.
    public func logits(for input: Tensor) throws -> Tensor {
        let shapes = try EngineInput.check(input, for: model, limits: limits)
        try limits.checkBatch(images: input.shape[0], of: shapes, as: "a batch of \(input.shape[0]) images")
        let output = try run(model.architecture.layers, on: input)
        let batch = input.shape[0]
        return Tensor(shape: [batch, output.count / max(batch, 1)], scalars: output.scalars)
    }

    /// The masked weights prepared in `init` for a convolution whose parameters fit it.
    private func effectiveWeight(of convolution: Convolution) throws -> [Float] {
        guard let weight = effectiveWeights[convolution.name] else {
            _ = try model.checkedParameters(of: convolution)
            throw SupermaskError("the model has no usable weights for convolution '\(convolution.name.escapedForDisplay())'")
        }
        return weight
    }

    /// Runs `layers` on `input`, whose shapes `EngineInput.check` has walked; parameters are looked up checked.
    private func run(_ layers: [Layer], on input: Tensor) throws -> Tensor {
        var x = input
        for layer in layers {
            switch layer {
            case .convolution(let convolution):
                x = ReferenceOperators.convolve(x, weight: try effectiveWeight(of: convolution), convolution, threads: threads)
            case .batchNorm(let norm):
                ReferenceOperators.normalize(&x, try model.checkedParameters(of: norm))
            case .relu:
                for index in x.scalars.indices where !(x.scalars[index] > 0) { x.scalars[index] = 0 }
            case .maxPool(let kernel, let stride, let padding):
                x = ReferenceOperators.maxPool(x, kernel: kernel, stride: stride, padding: padding)
            case .averagePool(let kernel):
                x = ReferenceOperators.averagePool(x, kernel: kernel)
            case .globalAveragePool:
                x = ReferenceOperators.averagePool(x, kernel: x.shape[2], columns: x.shape[3])
            case .flatten:
                x = Tensor(shape: [x.shape[0], x.count / x.shape[0], 1, 1], scalars: x.scalars)
            case .residual(let body, let shortcut):
                let main = try run(body, on: x)
                let skip = try run(shortcut, on: x)
                x = Tensor(shape: main.shape, scalars: zip(main.scalars, skip.scalars).map(+))
            }
        }
        return x
    }
}
