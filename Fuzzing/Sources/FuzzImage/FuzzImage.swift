import FuzzSupport
import SupermaskVision

/// One image file, decoded and preprocessed as `supermask eval` does for every ImageNet image: JPEG or PNG by
/// signature, then Resize(256), CenterCrop(224), ToTensor and Normalize. A PNG that fails as mutated is decoded
/// again with its chunk CRCs repaired.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    var image = try? ImageDecoder.decode(bytes)
    if image == nil {
        let repaired = PNGRepair.repaired(bytes)
        if repaired != bytes { image = try? ImageDecoder.decode(repaired) }
    }
    guard let image else { return 0 }
    _ = try? ImageNetTransform.imageNetValidation.apply(to: image)
    return 0
}
