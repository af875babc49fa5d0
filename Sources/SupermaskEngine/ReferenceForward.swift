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

    /// Prepares `model` (applies its masks once) to run on `threads` threads.
    public init(model: Model, threads: Int = 1) {
        self.model = model
        self.threads = max(1, threads)
        var weights: [String: [Float]] = [:]
        for convolution in model.architecture.convolutions {
            weights[convolution.name] = model.parameters(of: convolution).effectiveWeight
        }
        self.effectiveWeights = weights
    }

    /// The logits [N, classes] for a float32 NCHW batch.
    public func logits(for input: Tensor) throws -> Tensor {
        try model.architecture.validateInput(shape: input.shape)
        let output = run(model.architecture.layers, on: input)
        let batch = input.shape[0]
        return Tensor(shape: [batch, output.count / max(batch, 1)], scalars: output.scalars)
    }

    /// The masked weights prepared in `init` for every convolution of the architecture.
    private func effectiveWeight(of convolution: Convolution) -> [Float] {
        guard let weight = effectiveWeights[convolution.name] else {
            preconditionFailure("ReferenceForward: \(convolution.name) is not in the model's architecture")
        }
        return weight
    }

    private func run(_ layers: [Layer], on input: Tensor) -> Tensor {
        var x = input
        for layer in layers {
            switch layer {
            case .convolution(let convolution):
                x = ReferenceOperators.convolve(x, weight: effectiveWeight(of: convolution), convolution, threads: threads)
            case .batchNorm(let norm):
                ReferenceOperators.normalize(&x, model.parameters(of: norm))
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
                let main = run(body, on: x)
                let skip = run(shortcut, on: x)
                x = Tensor(shape: main.shape, scalars: zip(main.scalars, skip.scalars).map(+))
            }
        }
        return x
    }
}
