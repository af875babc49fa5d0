import Dispatch
import SupermaskCore
import SupermaskDatasets
import SupermaskEngine

/// The test split, normalised once and cut into batches that every model of the demo runs through.
struct DemoTestSet {
    /// Images per engine call. Measured on the FC bundle (2 cores, busy): 128 runs as fast as 1000 once the kernels
    /// are chosen, and halves the first run on a machine, which times the kernels on a batch of this size.
    static let batchSize = 128

    /// Every batch holds `batchSize` images, the last one padded with black images whose logits are ignored, so
    /// that an engine plans one input shape only.
    var batches: [Tensor]
    var labels: [UInt8]

    init(images: LabelledImages, normalization: GreyscaleNormalization) {
        batches = stride(from: 0, to: images.count, by: Self.batchSize).map { start in
            var batch = normalization.batch(images, range: start..<min(start + Self.batchSize, images.count))
            let missing = Self.batchSize - batch.shape[0]
            if missing > 0 {
                batch.scalars += repeatElement(normalization.normalize(0), count: missing * images.rows * images.columns)
                batch.shape[0] = Self.batchSize
            }
            return batch
        }
        labels = images.labels
    }

    /// How many images `engine` classifies correctly (argmax of the logits, the first index on ties as
    /// torch and numpy take it), and the seconds it took.
    func correctCount(_ engine: any InferenceEngine) throws -> (correct: Int, seconds: Double) {
        let start = DispatchTime.now()
        var correct = 0
        var offset = 0
        for batch in batches {
            let logits = try engine.logits(for: batch)
            let classes = logits.shape[1]
            for image in 0..<min(batch.shape[0], labels.count - offset) {
                let row = logits.scalars[image * classes..<(image + 1) * classes]
                var best = row.startIndex
                for index in row.indices where row[index] > row[best] { best = index }
                if best - row.startIndex == Int(labels[offset + image]) { correct += 1 }
            }
            offset += batch.shape[0]
        }
        return (correct, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
    }
}

extension Model {
    /// The same weights with every weight kept: the random network itself, before any mask is applied.
    var withEveryWeightKept: Model {
        var copy = self
        for (name, parameters) in convolutions {
            copy.convolutions[name] = ConvolutionParameters(weight: parameters.weight, mask: nil)
        }
        copy.keep = nil
        return copy
    }
}
