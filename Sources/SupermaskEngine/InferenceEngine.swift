import SupermaskCore

/// Anything that turns a float32 NCHW batch into logits [N, classes] for one model.
///
/// The reference forward pass is one; planned engines are others. Commands that run models (`infer`,
/// `eval`, `bench`) take an `any InferenceEngine`, so they work with whichever the user picks.
public protocol InferenceEngine: Sendable {
    /// The logits for `input`; throws a `SupermaskError` when the input does not fit the model.
    func logits(for input: Tensor) throws -> Tensor
}

extension ReferenceForward: InferenceEngine {}
