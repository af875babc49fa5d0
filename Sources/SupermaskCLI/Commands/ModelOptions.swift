import ArgumentParser
import SupermaskCore
import SupermaskFormat
import SupermaskHDF5
import SupermaskZoo

/// The model argument and the overrides every command that loads a model accepts.
struct ModelOptions: ParsableArguments {
    @Argument(help: "The model: an .h5 file written by tools/pth2h5.py, a .smask container, or a zoo name (resnet50-usc, fc-usc).")
    var model: String

    @Option(help: "Architecture to use instead of the file's (\(Architecture.catalogueNames)).")
    var arch: String?

    @Option(help: "Fraction of each layer's weights to keep, in (0, 1] (the released models use 0.3).")
    var keep: Double?

    @OptionGroup var limitOptions: LimitOptions

    /// The bounds the model (and the inputs it is run on) must stay within.
    var limits: ModelLimits { limitOptions.limits }

    /// The model file: `model` itself, or the file of the zoo model it names (a fetched release's `.h5`, a bundled
    /// `.smask`).
    func resolvedPath() throws -> String {
        try ZooModelFile.resolve(model)
    }

    /// Loads the model with the overrides applied, validated within the limits.
    func load() throws -> Model { try loadWithStatistics().model }

    /// Loads the model with the overrides applied, validated within the limits, and what each layer takes when the
    /// file is a container.
    func loadWithStatistics() throws -> (model: Model, statistics: ContainerStatistics?) {
        if model.hasSuffix(".pth") || model.hasSuffix(".pt") {
            throw SupermaskError(file: model, "a PyTorch checkpoint; convert it first: python3 tools/pth2h5.py \(model) OUT.h5")
        }
        let path = try resolvedPath()
        if ContainerReader.isContainer(path: path) {
            guard arch == nil, keep == nil else {
                throw SupermaskError(file: path, "a .smask container stores its architecture and masks; --arch and --keep do not apply")
            }
            let (loaded, statistics) = try ContainerReader.load(path: path, limits: limits)
            return (loaded, statistics)
        }
        var options = CheckpointImporter.Options(limits: limits)
        if let arch {
            guard let architecture = Architecture.named(arch) else {
                throw SupermaskError("unknown architecture '\(arch)'; known: \(Architecture.catalogueNames)")
            }
            options.architecture = architecture
        }
        if let keep { options.keep = try KeepFraction(keep) }
        return (try CheckpointImporter.load(path: path, options: options), nil)
    }
}

extension ParsableCommand {
    /// Runs `body`, turning a `SupermaskError` into one line on stderr and exit status 1.
    func reportingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as SupermaskError {
            printError("supermask: error: \(error)")
            throw ExitCode(1)
        }
    }
}
