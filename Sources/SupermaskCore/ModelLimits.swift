/// How large a network, and the work one image or one batch asks of it, may be before supermask refuses it.
///
/// Every file can claim sizes: a `.smask` header of a few hundred bytes can describe any layer graph, seed mode
/// regenerates as many weights as the header says, and an `.npy` batch chooses the input size of networks that
/// take any size. These bounds are what such claims may reach, checked before anything of that size is allocated
/// or computed. The defaults fit every catalogue network at any input up to 1024×1024 — WideResNet101_2, the
/// largest, has 1.27 × 10⁸ weights, and at 224×224 a largest activation of 802,816 values and 2.3 × 10¹⁰
/// multiply-adds per image — and each can be raised on the command line (docs/security.md).
public struct ModelLimits: Sendable, Equatable {
    /// The most weights all convolutions may hold together; a float32 weight takes 4 bytes, and the importers and
    /// engines keep a few copies.
    public var weights: Int
    /// The most values the largest activation of one image may hold, the input included.
    public var imageActivations: Int
    /// The most values the largest activation of a whole batch may hold: images × the per-image largest. The
    /// reference engine holds whole batches; the fast engine holds one image per thread, which counts the same way.
    public var batchActivations: Int
    /// The most multiply-adds one image may cost: every convolution's dense count (out · in · k² per output
    /// position, masked weights included) plus every pooling window's reads.
    public var multiplyAdds: Int

    /// 2²⁸ weights (2.1 × WideResNet101_2), 2²⁴ values per image (a ResNet's stem at a 1024×1024 input),
    /// 2²⁸ values per batch (1 GiB of float32: 334 images at 224×224), 2³⁹ multiply-adds per image
    /// (WideResNet101_2 at 1024×1024 needs 4.8 × 10¹¹).
    public static let standard = ModelLimits(
        weights: 1 << 28, imageActivations: 1 << 24, batchActivations: 1 << 28, multiplyAdds: 1 << 39)

    /// The highest value any bound may be raised to: 2⁴⁸, beyond any machine, and far enough below `Int.max` that
    /// a bound never becomes a way to overflow the arithmetic it guards.
    public static let ceiling = 1 << 48

    /// Bounds with the given values; each must be in 1 … `ceiling`.
    public init(weights: Int, imageActivations: Int, batchActivations: Int, multiplyAdds: Int) {
        self.weights = weights
        self.imageActivations = imageActivations
        self.batchActivations = batchActivations
        self.multiplyAdds = multiplyAdds
    }

    /// Throws unless every bound is in 1 … `ceiling`.
    public func validate() throws {
        for (name, value) in [("weights", weights), ("image activations", imageActivations),
                              ("batch activations", batchActivations), ("multiply-adds", multiplyAdds)] {
            guard value >= 1, value <= Self.ceiling else {
                throw SupermaskError("the limit on \(name) is \(value); it must be in 1…\(Self.ceiling)")
            }
        }
    }

    /// Throws when a network of `count` weights exceeds the bound.
    public func checkWeights(_ count: Int) throws {
        guard count <= weights else {
            throw SupermaskError("the network has \(count) weights, more than the \(weights) supermask accepts (--max-weights raises the limit)")
        }
    }

    /// Throws when one image's pass, as `shapes` describes it, exceeds the per-image bounds.
    public func checkImage(_ shapes: NetworkShapes) throws {
        guard shapes.largestActivation <= imageActivations else {
            throw SupermaskError("at input \(shapes.input.sizeDescription) the largest activation holds \(shapes.largestActivation) values, more than the \(imageActivations) per image supermask accepts (--max-activations raises the limit)")
        }
        guard shapes.multiplyAdds <= multiplyAdds else {
            throw SupermaskError("at input \(shapes.input.sizeDescription) one image costs \(shapes.multiplyAdds) multiply-adds, more than the \(multiplyAdds) supermask accepts (--max-multiply-adds raises the limit)")
        }
    }

    /// Throws when `images` images of `shapes` held at once exceed the per-batch bound; `what` names them
    /// ("a batch of 32 images", "16 threads").
    public func checkBatch(images: Int, of shapes: NetworkShapes, as what: String) throws {
        let (total, overflow) = images.multipliedReportingOverflow(by: shapes.largestActivation)
        guard images >= 0, !overflow, total <= batchActivations else {
            throw SupermaskError("\(what) at input \(shapes.input.sizeDescription) hold \(images) × \(shapes.largestActivation) activation values at once, more than the \(batchActivations) supermask accepts (--max-batch-activations raises the limit)")
        }
    }
}

extension Array where Element == Int {
    /// A (channels, height, width) shape as `3×224×224`.
    var sizeDescription: String { map(String.init).joined(separator: "×") }
}
