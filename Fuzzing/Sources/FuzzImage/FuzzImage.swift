import FuzzSupport
import SupermaskVision

/// One image file, decoded and preprocessed as `supermask eval` does with each preset: JPEG or PNG by signature,
/// then ImageNet's Resize(256), CenterCrop(224), ToTensor and Normalize, and CIFAR-10's and MNIST's transforms
/// (no resize: an image of another size is refused). A PNG that fails as mutated is decoded again with its chunk
/// CRCs repaired.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    var image = try? ImageDecoder.decode(bytes)
    if image == nil {
        let repaired = PNGRepair.repaired(bytes)
        if repaired != bytes { image = try? ImageDecoder.decode(repaired) }
    }
    guard let image else { return 0 }
    for preset in ImagePreset.allCases {
        _ = try? preset.transform.apply(to: image)
    }
    return 0
}
