import FuzzSupport
import SupermaskCore
import SupermaskDatasets

/// MNIST's normalisation, as models/mnist/manifest.json gives it.
let normalization = try? GreyscaleNormalization(mean: 0.1307, standardDeviation: 0.3081)

/// One IDX file, gzip-compressed or not, read as `supermask demo` reads a bundle's test split: gunzipped (with
/// the reader's own output cap) and parsed; then, by rank, paired with a matching blank labels file (rank 3) or
/// images file (rank 1) and checked as a labelled test set, and its first images normalised into a batch (the demo
/// reaches that only with at least one image: its manifest's count is positive and must match).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    guard let contents = Gzip.hasMagic(bytes) ? try? Gzip.decompress(bytes) : bytes,
          let array = try? IDXArray(parsing: contents)
    else { return 0 }
    // The partner file the demo would read holds one byte per image: never larger than this one, so that the harness
    // does not itself allocate for a count that images of zero pixels make free.
    let count = array.dimensions.first ?? 0
    guard count <= contents.count else { return 0 }
    let testSet: LabelledImages?
    switch array.dimensions.count {
    case 3:
        testSet = try? LabelledImages(
            images: array, labels: IDXArray(dimensions: [count], elements: Array(repeating: 0, count: count)), classCount: 10)
    case 1:
        testSet = try? LabelledImages(
            images: IDXArray(dimensions: [count, 1, 1], elements: Array(repeating: 0, count: count)), labels: array, classCount: 10)
    default:
        testSet = nil
    }
    if let testSet, testSet.count >= 1, let normalization {
        _ = normalization.batch(testSet, range: 0..<min(testSet.count, 4))
    }
    return 0
}
