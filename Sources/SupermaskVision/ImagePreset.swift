import SupermaskCore

/// hidden-networks' own test transforms (data/imagenet.py, data/cifar.py, data/mnist.py), by dataset.
public enum ImagePreset: String, CaseIterable, Sendable {
    /// `Resize(256)`, `CenterCrop(224)`, ImageNet's mean and std; RGB.
    case imagenet
    /// `ToTensor()`, `Normalize([0.491, 0.482, 0.447], [0.247, 0.243, 0.262])`, no resize; RGB 32×32.
    case cifar10
    /// `ToTensor()`, `Normalize((0.1307,), (0.3081,))`, no resize; grayscale 28×28.
    case mnist

    /// The preset's transform.
    public var transform: ImageTransform {
        switch self {
        case .imagenet:
            return .imageNetValidation
        case .cifar10:
            return ImageTransform(
                geometry: .unchanged(width: 32, height: 32), mean: [0.491, 0.482, 0.447], standardDeviation: [0.247, 0.243, 0.262])
        case .mnist:
            return ImageTransform(
                geometry: .unchanged(width: 28, height: 28), colorMode: .grayscale, mean: [0.1307], standardDeviation: [0.3081])
        }
    }

    /// timm-style changes to a preset, each `nil` when not given.
    public struct Overrides: Sendable, Equatable {
        /// `--img-size`: the crop side.
        public var imageSize: Int?
        /// `--crop-pct`: the crop as a fraction of the resized shorter side; the resize is ⌊img_size / crop_pct⌋.
        public var cropFraction: Double?
        /// `--resize`: the resized shorter side itself (instead of a crop fraction).
        public var resize: Int?
        /// `--interpolation`.
        public var filter: ResampleFilter?
        /// `--mean`, one value per channel.
        public var mean: [Double]?
        /// `--std`, one value per channel.
        public var standardDeviation: [Double]?

        /// Overrides with the given values.
        public init(
            imageSize: Int? = nil, cropFraction: Double? = nil, resize: Int? = nil, filter: ResampleFilter? = nil,
            mean: [Double]? = nil, standardDeviation: [Double]? = nil
        ) {
            self.imageSize = imageSize
            self.cropFraction = cropFraction
            self.resize = resize
            self.filter = filter
            self.mean = mean
            self.standardDeviation = standardDeviation
        }

        /// Whether any option changes the geometry.
        var changesGeometry: Bool { imageSize != nil || cropFraction != nil || resize != nil }
    }

    /// The preset's transform with `overrides` applied, as timm's `resolve_data_config` + `create_transform` do
    /// for evaluation: `--img-size S` crops S×S out of a resize to ⌊S / crop_pct⌋ (crop_pct: the preset's, 1 for
    /// the presets that do not resize). Throws a one-line error for values out of range.
    public func transform(overriddenBy overrides: Overrides) throws -> ImageTransform {
        let base = transform
        var geometry = base.geometry
        if overrides.changesGeometry {
            if overrides.resize != nil && overrides.cropFraction != nil {
                throw SupermaskError("--resize and --crop-pct both set the resized side; give one")
            }
            let crop = overrides.imageSize ?? base.imageSize
            guard (1...ImageTransform.largestSide).contains(crop) else {
                throw SupermaskError("--img-size must be in 1…\(ImageTransform.largestSide), not \(crop)")
            }
            let shorterSide: Int
            if let resize = overrides.resize {
                shorterSide = resize
            } else {
                let fraction = overrides.cropFraction ?? base.cropFraction
                guard fraction > 0, fraction <= 1 else {
                    throw SupermaskError("--crop-pct must be in (0, 1], not \(fraction)")
                }
                let side = (Double(crop) / fraction).rounded(.down)
                shorterSide = side <= Double(ImageTransform.largestSide) ? Int(side) : ImageTransform.largestSide + 1
            }
            guard (crop...ImageTransform.largestSide).contains(shorterSide) else {
                throw SupermaskError("the resized shorter side must be in \(crop)…\(ImageTransform.largestSide) (at least the crop), not \(shorterSide)")
            }
            geometry = .resizeAndCrop(shorterSide: shorterSide, crop: crop)
        }
        let mean = try Self.statistics(overrides.mean, "--mean", channels: base.channels) ?? base.mean
        let standardDeviation = try Self.statistics(overrides.standardDeviation, "--std", channels: base.channels)
            ?? base.standardDeviation
        // torchvision divides by the float32 value: it must be finite and not round to zero.
        guard standardDeviation.allSatisfy({ Float($0) != 0 && Float($0).isFinite }), mean.allSatisfy({ Float($0).isFinite }) else {
            throw SupermaskError("--mean must be finite and --std finite and non-zero")
        }
        return ImageTransform(
            geometry: geometry, colorMode: base.colorMode, filter: overrides.filter ?? base.filter, mean: mean,
            standardDeviation: standardDeviation)
    }

    private static func statistics(_ values: [Double]?, _ option: String, channels: Int) throws -> [Double]? {
        guard let values else { return nil }
        guard values.count == channels else {
            throw SupermaskError("\(option) needs \(channels) value\(channels == 1 ? "" : "s") (one per channel), not \(values.count)")
        }
        return values
    }
}
