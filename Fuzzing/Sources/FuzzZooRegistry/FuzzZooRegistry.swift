import FuzzSupport
import SupermaskCore
import SupermaskZoo

/// One registry file, read and checked as `supermask zoo` and `supermask fetch` read models/zoo.json; the names
/// of its entries are then escaped for display, as every report prints them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZooRegistry(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = ScratchDirectory.write(fuzzBytes(data, size), as: "zoo.json")
    guard let registry = try? ZooRegistry.load(path: path) else { return 0 }
    for entry in registry.models {
        _ = entry.name.escapedForDisplay()
        _ = registry.entry(named: entry.name)
        _ = entry.catalogueArchitecture
    }
    return 0
}
