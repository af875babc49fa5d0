import Foundation
import SupermaskCore
import SupermaskTestSupport
@testable import SupermaskZoo
import Testing

/// Zoo names as MODEL arguments: a fetched release resolves to its converted `.h5`, a bundled model to its
/// `.smask`, and every other case is one line saying what to run.
@Suite struct ZooModelFileTests {
    static let repositoryRegistry = ZooTestBed.repository.appendingPathComponent("models/zoo.json").path

    @Test func aFetchedReleaseIsItsConvertedCheckpoint() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        let before = try #require(throws: SupermaskError.self) {
            try ZooModelFile.resolve("fc-usc", registryPath: bed.registryPath, downloadDirectory: bed.downloads)
        }
        #expect(before.file == "fc-usc")
        #expect(before.message == "not fetched into \(bed.downloads.path) yet: run `supermask fetch fc-usc`")

        try bed.fetch()
        let h5 = bed.downloads.appendingPathComponent("fc-usc.h5").path
        #expect(try ZooModelFile.resolve("fc-usc", registryPath: bed.registryPath, downloadDirectory: bed.downloads) == h5)

        // A converted file changed since the fetch is not taken for the fetched one.
        try Data([0]).write(to: URL(fileURLWithPath: h5))
        let changed = try #require(throws: SupermaskError.self) {
            try ZooModelFile.resolve("fc-usc", registryPath: bed.registryPath, downloadDirectory: bed.downloads)
        }
        #expect(changed.message == "\(h5) is missing or not the file the fetch wrote: run `supermask fetch fc-usc` to convert it again")
    }

    @Test func aReleaseFetchedWithoutConversionHasNoModel() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        var fetcher = try bed.fetcher()
        fetcher.converts = false
        _ = try fetcher.fetch("fc-usc") { _ in }
        let error = try #require(throws: SupermaskError.self) {
            try ZooModelFile.resolve("fc-usc", registryPath: bed.registryPath, downloadDirectory: bed.downloads)
        }
        #expect(error.message == "fetched with --no-convert, so there is no .h5: run `supermask fetch fc-usc` to convert it")
    }

    @Test func aBundledModelIsItsContainer() throws {
        let path = try ZooModelFile.resolve("fc-ukn", registryPath: Self.repositoryRegistry)
        #expect(path == ZooTestBed.repository.appendingPathComponent("models/mnist/fc-ukn.smask").path)
    }

    @Test func namesThatAreNoModelSaySo() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        let cases: [(String, String)] = [
            ("fc-dense", "a dense baseline's configuration; the authors released no checkpoint for it"),
            ("resnet9-usc", "no such file, and no model of that name in the zoo (supermask zoo lists them)"),
        ]
        for (name, message) in cases {
            let error = try #require(throws: SupermaskError.self) {
                try ZooModelFile.resolve(name, registryPath: bed.registryPath, downloadDirectory: bed.downloads)
            }
            #expect(error.file == name && error.message == message)
        }
        let noRegistry = try #require(throws: SupermaskError.self) { try ZooModelFile.resolve("fc-usc", registryPath: nil) }
        #expect(noRegistry.message == "no such file, and no zoo registry (models/zoo.json) to look the name up in")
    }

    /// A path (with a `/` or a `.`) or an existing file is never looked up, so a file shadows a zoo name.
    @Test func filesAndPathsAreTakenAsTheyAre() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        for argument in ["missing.h5", "models/fc-usc", bed.registryPath] {
            #expect(try ZooModelFile.resolve(argument, registryPath: bed.registryPath, downloadDirectory: bed.downloads) == argument)
        }
    }
}

/// Every command that takes a MODEL takes a zoo name, with the registry found beside the built executable.
@Suite struct ZooNameCommandTests {
    @Test func commandsTakeABundledModelByName() throws {
        let smask = CommandRunner.repositoryFile("models/mnist/fc-usc.smask")
        let inspect = try CommandRunner.run("inspect", "fc-usc")
        #expect(inspect.status == 0, "\(inspect.standardError)")
        #expect(inspect.standardOutput == (try CommandRunner.run("inspect", smask)).standardOutput)
        #expect(inspect.standardOutput.contains(smask))

        let size = try CommandRunner.run("size", "--compare", "fc-usc", "fc-ukn")
        #expect(size.status == 0, "\(size.standardError)")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-zoo-name-\(UUID()).h5").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let convert = try CommandRunner.run("convert", "fc-usc", "-o", output)
        #expect(convert.status == 0, "\(convert.standardError)")
        #expect(convert.standardOutput.hasPrefix("wrote \(output): FC, "))
    }

    @Test func anUnfetchedReleaseSaysWhatToRun() throws {
        let directory = CommandRunner.cacheDirectory.appendingPathComponent("supermask/zoo").path
        for command in [["inspect"], ["bench"], ["export", "-o", "unwritten.smask"], ["size"]] {
            let result = try CommandRunner.run(command + ["resnet50-usc"])
            #expect(result.status == 1)
            #expect(result.standardError == "supermask: error: resnet50-usc: not fetched into \(directory) yet: run `supermask fetch resnet50-usc`\n", "\(command)")
        }
    }
}
