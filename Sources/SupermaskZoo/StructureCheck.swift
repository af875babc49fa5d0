import SupermaskCore
import SupermaskHDF5

/// The structure check of a converted release: the checkpoint must load as the registry's architecture — every
/// tensor present with its shape — and its masks must keep the registry's weight count.
public enum StructureCheck {
    /// What the check found.
    public struct Finding: Sendable {
        /// The architecture the file loaded as.
        public var architecture: String
        public var keptWeights: Int
        public var weights: Int
        /// The importer's warnings and any layer whose weights do not look like the registry's init.
        public var warnings: [String]
    }

    /// Loads the `.h5` at `path` with the entry's keep fraction and checks it against `entry`.
    ///
    /// The architecture is resolved the way `supermask inspect` resolves it (the file's `arch` attribute, else the
    /// tensor shapes), not forced to the registry's, so that a file of another architecture is reported as such
    /// instead of as a list of missing tensors.
    public static func check(_ path: String, against entry: ZooEntry) throws -> Finding {
        guard let keep = entry.keep else { throw SupermaskError(file: path, "the registry gives \(entry.name) no keep fraction") }
        let model = try CheckpointImporter.load(path: path, options: .init(keep: try KeepFraction(keep), requiresExactKeySet: true))
        guard model.architecture.name == entry.architecture else {
            throw SupermaskError(file: path, "the checkpoint is a \(model.architecture.name), the registry says \(entry.name) is a \(entry.architecture)")
        }
        var kept = 0
        var weights = 0
        var warnings = model.warnings
        for convolution in model.architecture.convolutions {
            let parameters = model.parameters(of: convolution)
            guard parameters.mask != nil else {
                throw SupermaskError(file: path, "\(convolution.name) has no scores: not an edge-popup supermask checkpoint")
            }
            kept += parameters.keptCount
            weights += convolution.weightCount
            let initialisation = WeightInitialisation.recognise(parameters.weight, fanIn: convolution.fanIn).name
            if initialisation != entry.`init` {
                warnings.append("\(convolution.name): the weights look \(initialisation), the registry says \(entry.`init`)")
            }
        }
        if let expected = entry.keptWeights, expected != kept {
            throw SupermaskError(file: path, "the masks keep \(kept) weights at keep \(keep), the registry says \(expected)")
        }
        return Finding(architecture: model.architecture.name, keptWeights: kept, weights: weights, warnings: warnings)
    }
}
