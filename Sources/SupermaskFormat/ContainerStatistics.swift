/// What a container spends on each layer, for `supermask size`.
public struct ContainerStatistics: Sendable {
    /// One convolution's record.
    public struct Layer: Sendable {
        public var name: String
        public var weightCount: Int
        public var keptCount: Int
        /// The mask's coder, or `nil` for a dense (unmasked) layer.
        public var maskCoder: MaskCoder?
        /// ⌈n/8⌉: the packed mask before coding (0 for a dense layer).
        public var rawMaskBytes: Int
        /// The stored mask.
        public var codedMaskBytes: Int
        /// The stored weights (0 in seed mode).
        public var weightBytes: Int
        public var weightMode: WeightMode
    }

    /// The whole file.
    public var fileBytes: Int
    /// Every convolution, in architecture order.
    public var layers: [Layer]
}
