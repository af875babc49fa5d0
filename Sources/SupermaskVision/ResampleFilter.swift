import Foundation

/// Pillow's resampling filters, by the names torchvision's `InterpolationMode` and timm's `--interpolation` use.
///
/// Every filter but `nearest` is a convolution Pillow computes with the same two-pass code (`Resample.c`): only
/// the kernel and its support differ. `nearest` is Pillow's affine scaling (`Geometry.c`, `ImagingScaleAffine`).
public enum ResampleFilter: String, CaseIterable, Sendable, Equatable {
    case nearest, box, bilinear, hamming, bicubic, lanczos

    /// The kernel's support in input samples at scale 1 (Pillow's `struct filter` table); 0 for `nearest`.
    var support: Double {
        switch self {
        case .nearest: 0
        case .box: 0.5
        case .bilinear, .hamming: 1
        case .bicubic: 2
        case .lanczos: 3
        }
    }

    /// The kernel's weight at distance `x`, as Pillow's `*_filter` functions compute it in double.
    func weight(_ x: Double) -> Double {
        switch self {
        case .nearest:
            return 0
        case .box:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let magnitude = abs(x)
            return magnitude < 1 ? 1 - magnitude : 0
        case .hamming:
            let magnitude = abs(x)
            if magnitude == 0 { return 1 }
            if magnitude >= 1 { return 0 }
            let angle = magnitude * Double.pi
            // Pillow writes the constants as float literals (0.54f, 0.46f), widened to double.
            return sin(angle) / angle * (Double(Float(0.54)) + Double(Float(0.46)) * cos(angle))
        case .bicubic:
            // Keys' cubic convolution with a = −0.5.
            let a = -0.5
            let magnitude = abs(x)
            if magnitude < 1 { return ((a + 2) * magnitude - (a + 3)) * magnitude * magnitude + 1 }
            if magnitude < 2 { return (((magnitude - 5) * magnitude + 8) * magnitude - 4) * a }
            return 0
        case .lanczos:
            return -3 <= x && x < 3 ? Self.sinc(x) * Self.sinc(x / 3) : 0
        }
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let angle = x * Double.pi
        return sin(angle) / angle
    }
}
