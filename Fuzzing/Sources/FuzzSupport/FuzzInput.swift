/// The bytes libFuzzer hands to `LLVMFuzzerTestOneInput`, copied into an array (the readers take `[UInt8]`).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
