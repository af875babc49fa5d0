import Foundation

/// Runs the built `supermask` executable the way a user would and captures what it prints.
public enum CommandRunner {
    /// What a run printed and how it ended.
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
        /// Standard output's bytes, for commands that write binary data there (`-o -`).
        public var standardOutputBytes: [UInt8]
    }

    /// The directory SwiftPM builds products into (the test bundle sits beside the executable).
    public static let productsDirectory: URL = {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }()

    /// Tests/Fixtures.
    public static var fixtures: URL { Fixture.directory }

    /// A private cache directory for the commands the tests run, so that the fast engine's kernel choices and the
    /// zoo's downloads stay out of the user's home directory.
    public static let cacheDirectory = FileManager.default.temporaryDirectory
        .appendingPathComponent("supermask-test-cache-\(ProcessInfo.processInfo.processIdentifier)")

    /// The path of the file `name` in Tests/Fixtures.
    public static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// The path of the file at `relativePath` from the repository's root (`models/mnist/fc-usc.smask`).
    public static func repositoryFile(_ relativePath: String) -> String {
        fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(relativePath).path
    }

    /// Runs `supermask arguments…`.
    public static func run(_ arguments: String...) throws -> Result {
        try run(arguments)
    }

    /// Runs `supermask arguments…` with the test's environment, `COLUMNS=100` (stable help layout), the private
    /// cache directory, and then `changes` applied (a `nil` value unsets the variable); in `currentDirectory` if given.
    public static func run(
        _ arguments: [String], environment changes: [String: String?] = [:], currentDirectory: URL? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent("supermask")
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "100"
        environment["XDG_CACHE_HOME"] = cacheDirectory.path
        for (key, value) in changes { environment[key] = value }
        process.environment = environment
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read both pipes at once so that neither can fill up and block the child.
        let errorData = HandedOverData()
        let reader = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.wait(), as: UTF8.self), standardOutputBytes: [UInt8](outputData))
    }
}

/// Data handed from a reader thread to the test once it is complete.
private final class HandedOverData: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var data = Data()

    func set(_ value: Data) {
        data = value
        ready.signal()
    }

    func wait() -> Data {
        ready.wait()
        return data
    }
}
