import FuzzSupport
import SupermaskCore

/// One `.npy` file: parsed as `supermask infer --input` reads it. Errors are the expected outcome; only a crash,
/// a sanitizer report, a hang or an allocation past libFuzzer's limit is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = try? NPY.parse(fuzzBytes(data, size))
    return 0
}
