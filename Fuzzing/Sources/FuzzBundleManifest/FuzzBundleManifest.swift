import Foundation
import FuzzSupport
import SupermaskZoo

/// The files models/mnist/manifest.json names. They exist (empty) in the scratch bundle, so that a manifest naming
/// them passes the existence check and the fuzzer reaches the checks after it.
let bundledFiles = [
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "fc-usc.smask", "fc-ukn.smask", "fc-dense.smask",
]

let bundle: URL = {
    for name in bundledFiles { _ = ScratchDirectory.write([], as: name) }
    return ScratchDirectory.url
}()

/// One `manifest.json`, read and checked as `supermask demo --bundle` reads it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundleManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = ScratchDirectory.write(fuzzBytes(data, size), as: "manifest.json")
    _ = try? BundleManifest.load(directory: bundle)
    return 0
}
