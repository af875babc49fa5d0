import ArgumentParser

/// The `supermask` command: inspect and run the subnetworks hidden in randomly weighted networks.
@main
struct Supermask: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supermask",
        abstract: "Inspect and run edge-popup supermasks (What's Hidden in a Randomly Weighted Neural Network?).",
        subcommands: [
            Inspect.self,
            Infer.self,
            Export.self,
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
        ]
    )
}
