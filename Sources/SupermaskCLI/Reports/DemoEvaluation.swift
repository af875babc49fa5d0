import Dispatch
import SupermaskCore
import SupermaskDatasets
import SupermaskEngine

/// The test split as bytes, normalised one batch at a time as every model of the demo runs through it, so memory
/// holds the bytes and one float32 batch whatever the split's size.
struct DemoTestSet {
    /// Images per engine call. Measured on the FC bundle (2 cores, busy): 128 runs as fast as 1000 once the kernels
    /// are chosen, and halves the first run on a machine, which times the kernels on a batch of this size.
    static let batchSize = 128

    var images: LabelledImages
    var normalization: GreyscaleNormalization

    /// The labels, one per image.
    var labels: [UInt8] { images.labels }

    /// The shape of every batch: `batchSize` images, the last batch padded with black images whose logits are
    /// ignored, so that an engine plans one input shape only.
    var batchShape: [Int] { [Self.batchSize, 1, images.rows, images.columns] }

    /// Batch `start ..< start + batchSize`, normalised and padded.
    private func batch(from start: Int) -> Tensor {
        var batch = normalization.batch(images, range: start..<min(start + Self.batchSize, images.count))
        let missing = Self.batchSize - batch.shape[0]
        if missing > 0 {
            batch.scalars += repeatElement(normalization.normalize(0), count: missing * images.rows * images.columns)
            batch.shape[0] = Self.batchSize
        }
        return batch
    }

    /// How many images `engine` classifies correctly (argmax of the logits, the first index on ties as
    /// torch and numpy take it), and the seconds it took.
    func correctCount(_ engine: any InferenceEngine) throws -> (correct: Int, seconds: Double) {
        let start = DispatchTime.now()
        var correct = 0
        for offset in stride(from: 0, to: images.count, by: Self.batchSize) {
            let logits = try engine.logits(for: batch(from: offset))
            let classes = logits.shape[1]
            for image in 0..<min(Self.batchSize, images.count - offset) {
                let row = logits.scalars[image * classes..<(image + 1) * classes]
                var best = row.startIndex
                for index in row.indices where row[index] > row[best] { best = index }
                if best - row.startIndex == Int(labels[offset + image]) { correct += 1 }
            }
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
