import Foundation
import SupermaskTestSupport
import SupermaskCore
import Testing

/// `supermask fetch` and `supermask zoo` as a user runs them: output, exit status, and the listing's states.
@Suite struct ZooCommandTests {
    static let tools = ZooTestBed.repository.appendingPathComponent("tools").path

    private func supermask(_ arguments: [String], _ bed: ZooTestBed, environment: [String: String?] = [:]) throws -> CommandRunner.Result {
        try CommandRunner.run(
            arguments + ["--registry", bed.registryPath, "--dir", bed.downloads.path],
            environment: ["SUPERMASK_TOOLS": Self.tools].merging(environment) { $1 })
    }

    /// The rows of `supermask zoo --json`, by name.
    private func listing(_ bed: ZooTestBed) throws -> [String: [String: Any]] {
        let result = try supermask(["zoo", "--json"], bed)
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(document["directory"] as? String == bed.downloads.path)
        let models = try #require(document["models"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: models.map { ($0["name"] as? String ?? "", $0) })
    }

    @Test func fetchPrintsWhatItCheckedAndZooListsItAsVerified() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        #expect(try listing(bed)["fc-usc"]?["state"] as? String == "absent")

        let fetch = try supermask(["fetch", "fc-usc"], bed)
        #expect(fetch.status == 0, "\(fetch.standardError)")
        #expect(fetch.standardOutput == """
            fc-usc: \(bed.releasePath)
              downloaded; \(grouped(ZooTestBed.checkpointBytes.count)) bytes; sha256 \(ZooTestBed.checkpointDigest) (recorded at the first fetch; the registry pins none)
              structure: FC, keep 0.5, 133,100 of 266,200 weights kept
              converted: \(bed.downloads.appendingPathComponent("fc-usc.h5").path)

            """)
        // Not a terminal: plain lines (the first report and the last), not a redrawn bar.
        let progress = fetch.standardError.split(separator: "\n")
        #expect(progress.allSatisfy { $0.hasPrefix("fetch: fc-usc: ") })
        #expect(progress.last?.hasPrefix("fetch: fc-usc: 2.1 of 2.1 MB (100.0%), ") == true)

        let rows = try listing(bed)
        #expect(rows["fc-usc"]?["state"] as? String == "recorded")
        #expect(rows["fc-usc"]?["sha256_source"] as? String == "first-fetch")
        #expect(rows["fc-usc"]?["detail"] as? String == "size, sha256 (recorded at the first fetch; the registry pins none) and structure (FC)")
        #expect(rows["fc-usc"]?["h5"] as? String == bed.downloads.appendingPathComponent("fc-usc.h5").path)
        #expect(rows["fc-dense"]?["state"] as? String == "unreleased")

        // A byte changed after the fetch no longer verifies.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: bed.releasePath))
        try handle.seek(toOffset: 1000)
        try handle.write(contentsOf: Data([0x55]))
        try handle.close()
        let after = try listing(bed)["fc-usc"]
        #expect(after?["state"] as? String == "failed")
        #expect((after?["detail"] as? String)?.hasSuffix("does not match the first fetch's \(ZooTestBed.checkpointDigest.prefix(12))…") == true)
    }

    @Test func zooShowsAPartialDownloadAndAFileNeverChecked() throws {
        let bed = try ZooTestBed(behaviour: { $0.dropAfter = 300_000 })
        defer { bed.tearDown() }
        let fetch = try supermask(["fetch", "fc-usc"], bed)
        #expect(fetch.status == 1)
        #expect(fetch.standardOutput.isEmpty)
        let errorLines = fetch.standardError.split(separator: "\n").filter { $0.hasPrefix("supermask: error: ") }
        #expect(errorLines.count == 1)
        #expect(errorLines.first?.hasPrefix("supermask: error: \(bed.releasePath): the connection dropped after 300000 of ") == true)
        #expect(try listing(bed)["fc-usc"]?["detail"] as? String == "300000 bytes downloaded; fetch resumes")

        try FileManager.default.removeItem(atPath: bed.releasePath + ".part")
        try Data(ZooTestBed.checkpointBytes).write(to: URL(fileURLWithPath: bed.releasePath))
        #expect(try listing(bed)["fc-usc"]?["state"] as? String == "unverified")
        // fetch does not vouch for a file it did not download when the registry has no digest to check it with.
        let fetchAgain = try supermask(["fetch", "fc-usc"], bed)
        #expect(fetchAgain.status == 1)
        #expect(fetchAgain.standardError == "supermask: error: \(bed.releasePath): present without a fetch record, and the registry pins no sha256 to check it against; delete it and fetch again\n")
        #expect(try listing(bed)["fc-usc"]?["state"] as? String == "unverified")
        #expect(bed.server.requests.count == 1)
    }

    @Test func errorsAreOneLineWithExitStatusOne() throws {
        let bed = try ZooTestBed(behaviour: { $0.status = 404 })
        defer { bed.tearDown() }
        let notFound = try supermask(["fetch", "fc-usc"], bed)
        #expect(notFound.status == 1)
        #expect(notFound.standardError == "supermask: error: \(bed.releasePath): HTTP 404 (Not Found) from \(bed.server.url.absoluteString)\n")

        let unreachable = try ZooTestBed(entry: { $0["url"] = "http://127.0.0.1:1/model.pth" })
        defer { unreachable.tearDown() }
        let refused = try supermask(["fetch", "fc-usc"], unreachable)
        #expect(refused.status == 1)
        #expect(refused.standardError.hasPrefix("supermask: error: \(unreachable.releasePath): cannot download http://127.0.0.1:1/model.pth: "))
        #expect(refused.standardError.filter { $0 == "\n" }.count == 1)

        let noPython = try supermask(["fetch", "fc-usc"], bed, environment: ["PATH": bed.root.path])
        #expect(noPython.status == 1)
        #expect(noPython.standardError == "supermask: error: python3 is not on PATH; it runs tools/pth2h5.py (with numpy and h5py) to convert the checkpoint, or fetch with --no-convert\n")

        let noRegistry = try CommandRunner.run(["zoo", "--registry", bed.root.appendingPathComponent("none.json").path])
        #expect(noRegistry.status == 1)
        #expect(noRegistry.standardError == "supermask: error: \(bed.root.appendingPathComponent("none.json").path): no such file\n")
    }

    @Test func aDigestPinnedByTheRegistryListsAsVerified() throws {
        let bed = try ZooTestBed(entry: { $0["sha256"] = ZooTestBed.checkpointDigest })
        defer { bed.tearDown() }
        let fetch = try supermask(["fetch", "fc-usc"], bed)
        #expect(fetch.status == 0, "\(fetch.standardError)")
        #expect(fetch.standardOutput.contains("sha256 \(ZooTestBed.checkpointDigest) (verified against the registry)"))
        let row = try listing(bed)["fc-usc"]
        #expect(row?["state"] as? String == "verified")
        #expect(row?["sha256_source"] as? String == "registry")
        let text = try supermask(["zoo"], bed)
        #expect(text.standardOutput.contains("verified: size, sha256 (the registry's) and structure (FC)"))
    }

    @Test func registryStringsAreEscapedWherePrinted() throws {
        let bed = try ZooTestBed(entry: { $0["name"] = "fc\u{1B}[2J\nusc" })
        defer { bed.tearDown() }
        let text = try supermask(["zoo"], bed)
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("fc\\x1b[2J\\nusc"))
        #expect(!text.standardOutput.contains("\u{1B}"))
        let unknown = try supermask(["fetch", "resnet\u{1B}[0m"], bed)
        #expect(unknown.standardError == "supermask: error: no model 'resnet\\x1b[0m' in the zoo; fetchable: fc\\x1b[2J\\nusc\n")

        let badURL = try ZooTestBed(entry: { $0["url"] = "ftp://host/\u{1B}]0;owned\u{07}" })
        defer { badURL.tearDown() }
        let refused = try supermask(["zoo"], badURL)
        #expect(refused.status == 1)
        #expect(refused.standardError == "supermask: error: \(badURL.registryPath): fc-usc: url 'ftp://host/\\x1b]0;owned\\x07' is not an http(s) URL\n")
    }

    @Test func aSlowDownloadSleepsInsteadOfSpinning() throws {
        // 24 pieces of 64 KiB, a quarter of a second apart: about 6 s of waiting for the server.
        let bed = try ZooTestBed(behaviour: {
            $0.body = [UInt8](repeating: 7, count: 24 << 16)
            $0.trickleBytes = 1 << 16
            $0.trickleInterval = 0.25
        })
        defer { bed.tearDown() }
        let command = try SpawnedCommand(
            ["fetch", "fc-usc", "--no-convert", "--registry", bed.registryPath, "--dir", bed.downloads.path],
            standardError: bed.root.appendingPathComponent("stderr").path)
        let ending = command.wait()
        #expect(ending.status == 0, "\(ending.standardError)")
        #expect(ending.wallSeconds > 5)
        // URLSession's event loop used 60-100% of a core the whole time; libcurl waits in poll(2).
        #expect(ending.cpuSeconds < 0.25 * ending.wallSeconds, "\(ending.cpuSeconds) s of CPU in \(ending.wallSeconds) s")
    }

    @Test func sigtermDuringConversionStopsTheConverterAndEndsInOneLine() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        let pidFile = bed.root.appendingPathComponent("converter.pid").path
        let tools = try hangingConverter(in: bed.root, pidFile: pidFile)
        let command = try SpawnedCommand(
            ["fetch", "fc-usc", "--registry", bed.registryPath, "--dir", bed.downloads.path],
            environment: ["SUPERMASK_TOOLS": tools.path], standardError: bed.root.appendingPathComponent("stderr").path)
        let pids = try #require(waitForFile(pidFile, seconds: 120)).split(separator: " ")
            .compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        kill(command.pid, SIGTERM)
        let ending = command.wait()
        #expect(ending.status == 143)
        #expect(ending.standardError.split(separator: "\n").last == "supermask: error: \(bed.releasePath): interrupted while converting")
        #expect(pids.count == 2)
        for pid in pids { #expect(!processIsRunning(pid), "process \(pid) outlived supermask") }
        #expect(bed.downloadedNames() == [])
    }

    @Test func theDefaultDownloadDirectoryHonoursXDGCacheHome() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        let result = try CommandRunner.run(["zoo", "--registry", bed.registryPath, "--json"], environment: ["XDG_CACHE_HOME": bed.root.path])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("\"directory\" : \"\(bed.root.path)/supermask/zoo\""))
    }
}

/// 2131057 → "2,131,057", as the command prints byte counts.
private func grouped(_ value: Int) -> String {
    var digits = Array(String(value))
    var index = digits.count - 3
    while index > 0 {
        digits.insert(",", at: index)
        index -= 3
    }
    return String(digits)
}

/// The help screens of `zoo` and `fetch`, pinned: a change in what users read shows up here in review.
@Suite struct ZooHelpTests {
    @Test func zooHelp() throws {
        let result = try CommandRunner.run(["zoo", "--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput == """
            OVERVIEW: List the released supermasks, the dense baselines and the bundled models, with what is
            present locally and verified.

            A release is verified when its fetch record exists and the file still has the registry's size and
            SHA-256 (every present file is hashed again), and recorded when the registry pins no digest and the
            file still matches the one recorded when fetch downloaded it; either way its structure was checked
            when it was fetched, unless that was with --no-convert. A bundled model is verified when its
            container loads (every CRC) as the registry's architecture.

            USAGE: supermask zoo [--registry <registry>] [--dir <dir>] [--json]

            OPTIONS:
              --registry <registry>   The zoo registry (default: models/zoo.json in the current directory, else
                                      in supermask's checkout or installation).
              --dir <dir>             The download directory (default: $XDG_CACHE_HOME/supermask/zoo, else
                                      ~/.cache/supermask/zoo).
              --json                  Print the listing as one JSON document.
              --version               Show the version.
              -h, --help              Show help information.


            """)
    }

    @Test func fetchHelp() throws {
        let result = try CommandRunner.run(["fetch", "--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput == """
            OVERVIEW: Download a released supermask (resuming a partial download), check its size, SHA-256 and
            structure, and convert it to .h5.

            The SHA-256 is checked against the registry's, or, when the registry has none, recorded at the
            first fetch (in <file>.fetch.json) and checked at every later one. Only bytes fetch downloaded
            itself get a digest recorded: a file found in the download directory without a record is used only
            when the registry pins its digest. A download stops at the registry's size, else at --max-bytes.
            Converting runs tools/pth2h5.py with python3 (numpy and h5py), stopped after --convert-timeout
            seconds or when supermask is interrupted; the converted checkpoint must load as the registry's
            architecture with its kept-weight count.

            USAGE: supermask fetch <name> [--registry <registry>] [--dir <dir>] [--no-convert] [--max-bytes <bytes>] [--convert-timeout <seconds>]

            ARGUMENTS:
              <name>                  The model's name in the zoo, e.g. resnet50-usc (see supermask zoo).

            OPTIONS:
              --registry <registry>   The zoo registry (default: models/zoo.json in the current directory, else
                                      in supermask's checkout or installation).
              --dir <dir>             The download directory (default: $XDG_CACHE_HOME/supermask/zoo, else
                                      ~/.cache/supermask/zoo).
              --no-convert            Only download and check size and SHA-256: no conversion, so no structure
                                      check.
              --max-bytes <bytes>     The most bytes to download when the registry gives no size (2 GiB).
                                      (default: 2147483648)
              --convert-timeout <seconds>
                                      Stop the converter after this many seconds. (default: 1800)
              --version               Show the version.
              -h, --help              Show help information.


            """)
    }
}
