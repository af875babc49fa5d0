import ArgumentParser
import SupermaskHDF5

/// `supermask read-hdf5-child`, hidden: the child process in which `supermask` runs libhdf5 (docs/security.md,
/// "HDF5 files"). It reads the `.h5` file open on its standard input and writes what it holds on its standard
/// output in the binary stream the parent parses; users never run it.
struct ReadHDF5: ParsableCommand {
    static let commandName = "read-hdf5-child"
    static let configuration = CommandConfiguration(
        commandName: commandName,
        abstract: "Read the .h5 file on standard input for a parent supermask process (internal).",
        shouldDisplay: false)

    func run() throws {
        let status = HDF5ChildReader.run()
        if status != 0 { throw ExitCode(status) }
    }
}
