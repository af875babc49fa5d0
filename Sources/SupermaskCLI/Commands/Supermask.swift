import ArgumentParser
import SupermaskHDF5

/// The `supermask` command: inspect and run the subnetworks hidden in randomly weighted networks.
@main
struct Supermask: ParsableCommand {
    /// The release this executable is; written into the files it makes (ONNX's producer_version).
    static let version = "1.0.0"

    static let configuration = CommandConfiguration(
        commandName: "supermask",
        abstract: "Inspect and run edge-popup supermasks (What's Hidden in a Randomly Weighted Neural Network?).",
        version: version,
        subcommands: [
            Inspect.self,
            Infer.self,
            Export.self,
            Convert.self,
            RecoverSeed.self,
            Init.self,
            Size.self,
            Bench.self,
            Preprocess.self,
            Eval.self,
            Merge.self,
            Zoo.self,
            Fetch.self,
            Demo.self,
            ReadHDF5.self,
        ]
    )

    /// Reads `.h5` files through a child process of this executable (the hidden `read-hdf5-child`) before any
    /// command runs, so that libhdf5 never runs in this process.
    ///
    /// A mistyped subcommand is a usage error (exit status 64) that names the nearest one.
    static func main() {
        HDF5Isolation.current = .childProcess(.sameExecutable(subcommand: ReadHDF5.commandName))
        let commands = configuration.subcommands.filter { $0 != ReadHDF5.self }.map { $0._commandName }
        if let message = SubcommandSuggestion.error(
            for: Array(CommandLine.arguments.dropFirst()), commands: commands, hidden: [ReadHDF5.commandName]
        ) {
            printError("supermask: error: \(message)")
            exit(withError: ExitCode(64))
        }
        main(nil)
    }
}
