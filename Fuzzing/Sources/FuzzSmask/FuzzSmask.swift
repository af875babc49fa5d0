import FuzzSupport
import SupermaskCore
import SupermaskEngine
import SupermaskFormat

/// Kernels for the planned engine, one per execution by the input's length, so that the fuzzer reaches every
/// kernel family without the timing-based selection (slow, and different from run to run).
let kernelChoices: [KernelChoice] = [
    KernelChoice(.sparse, tile: 16),
    KernelChoice(.signs, tile: 32, direct: true),
    KernelChoice(.dense, tile: 16, channelsOuter: true),
    KernelChoice(.sparse, tile: 64, blocked: true, shifted: true),
    KernelChoice(.signs, tile: 16, channelsOuter: true, blocked: true),
    KernelChoice(.dense, tile: 64, direct: true),
]

/// One `.smask` container, read as every command reads it (CRCs, structure, then the model's own checks) — as
/// mutated, and again with its CRCs repaired — then, when the model is small enough (`InferenceBudget`), one image
/// through the reference engine and through the planned engine, at the model's input size and at the smallest
/// other size its input rule accepts.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSmask(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    let repaired = ContainerRepair.repaired(bytes)
    var decoded = try? ContainerReader.decode(bytes)
    if decoded == nil && repaired != bytes { decoded = try? ContainerReader.decode(repaired) }
    guard let model = decoded?.model else { return 0 }
    let shapes = InferenceBudget.inputShapes(for: model.architecture)
    guard !shapes.isEmpty else { return 0 }
    let choice = kernelChoices[size % kernelChoices.count]
    let instructionSet: InstructionSet = (size / kernelChoices.count) % 2 == 0 ? .best : .portable
    let reference = ReferenceForward(model: model)
    let fast = FastEngine(model: model, options: .init(threads: 1, instructionSet: instructionSet, kernelSelection: .fixed(choice)))
    for shape in shapes {
        let input = sampleInput(shape)
        _ = try? reference.logits(for: input)
        _ = try? fast.logits(for: input)
    }
    return 0
}

/// A batch of one image of `shape` with values spread over [−2, 2), the range of normalised pixels.
func sampleInput(_ shape: [Int]) -> Tensor {
    let count = shape.reduce(1, *)
    var state: UInt32 = 2020
    let scalars = (0..<count).map { _ -> Float in
        state = state &* 1_664_525 &+ 1_013_904_223
        return Float(state >> 8) / Float(1 << 24) * 4 - 2
    }
    return Tensor(shape: [1] + shape, scalars: scalars)
}
