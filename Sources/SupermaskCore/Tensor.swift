/// A dense float32 tensor in row-major (C) order.
///
/// Kept deliberately plain: the reference forward pass and the importer use it; faster engines plan their own
/// aligned buffers.
public struct Tensor: Sendable, Equatable {
    /// The extent of each dimension, outermost first (NCHW for activations, OIHW for convolution weights).
    public var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    /// A tensor with the given shape and elements; the element count must match the shape.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.reduce(1, *) == scalars.count, "Tensor: \(scalars.count) elements for shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// The number of elements.
    public var count: Int { scalars.count }
}

extension Array where Element == Int {
    /// The shape written the way papers and PyTorch error messages do: `[64, 3, 7, 7]`.
    public var shapeDescription: String { "[" + map(String.init).joined(separator: ", ") + "]" }

    /// The product of the extents, or `nil` when one is negative or the product overflows: the element count of a
    /// shape read from a file.
    public var checkedProduct: Int? {
        var product = 1
        for extent in self {
            let (next, overflow) = product.multipliedReportingOverflow(by: extent)
            guard extent >= 0, !overflow else { return nil }
            product = next
        }
        return product
    }
}
