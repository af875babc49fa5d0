import SupermaskCore

/// The first weight of a model that a torch seed does not reproduce.
public struct TorchWeightDifference: Sendable, Error, CustomStringConvertible {
    /// The convolution's state-dict name.
    public let layer: String
    /// The flat index (out, in, kh, kw) of the weight.
    public let index: Int
    /// The model's weight.
    public let stored: Float
    /// What the seed gives there.
    public let regenerated: Float

    /// `'linear.0' weight 17 is 0.0505 (0x3d4ee116) but the seed gives -0.0505 (0xbd4ee116)`.
    public var description: String {
        "'\(layer.escapedForDisplay())' weight \(index) is \(Self.text(stored)) but the seed gives \(Self.text(regenerated))"
    }

    private static func text(_ value: Float) -> String {
        let digits = String(value.bitPattern, radix: 16)
        return "\(value) (0x\(String(repeating: "0", count: 8 - digits.count))\(digits))"
    }
}

extension TorchSeedGenerator {
    /// Regenerates every layer's weights, in stream order, and compares them bit for bit with `model`'s, stopping at
    /// the first difference. With `keptOnly`, only weights the mask keeps are compared (a model read from a container
    /// that stores no others).
    public func firstWeightDifference(in model: Model, keptOnly: Bool = false) -> TorchWeightDifference? {
        var difference: TorchWeightDifference?
        forEachLayer(.weights) { tensors in
            let convolution = tensors.layer.convolution
            let parameters = model.parameters(of: convolution)
            let regenerated = tensors.weights ?? []
            let mask = keptOnly ? parameters.mask : nil
            if let index = Self.firstDifference(parameters.weight, regenerated, mask: mask) {
                difference = TorchWeightDifference(
                    layer: convolution.name, index: index, stored: parameters.weight[index], regenerated: regenerated[index])
                return false
            }
            return true
        }
        return difference
    }

    /// The first index where the bit patterns differ (and `mask`, if given, keeps the weight).
    static func firstDifference(_ stored: [Float], _ regenerated: [Float], mask: BitMask?) -> Int? {
        precondition(stored.count == regenerated.count, "TorchSeedGenerator: the model's layer has another size")
        return stored.withUnsafeBufferPointer { stored in
            regenerated.withUnsafeBufferPointer { regenerated in
                for index in stored.indices where stored[index].bitPattern != regenerated[index].bitPattern {
                    if let mask, !mask[index] { continue }
                    return index
                }
                return nil
            }
        }
    }
}
