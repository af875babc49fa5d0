import Foundation
import SupermaskCore
@testable import SupermaskZoo
import Testing

/// What `supermask fetch` refuses to do however the server, the download directory or the converter behave: grow a
/// download past its cap, vouch for bytes it did not download, wait for a converter forever, leave one running.
@Suite struct FetchLimitTests {
    @Test func anEndlessResponseStopsAtTheCapAndLeavesNoPart() throws {
        let bed = try ZooTestBed(behaviour: { $0.endless = true })
        defer { bed.tearDown() }
        var fetcher = try bed.fetcher()
        fetcher.maxBytes = 1_000_000
        let error = try #require(throws: SupermaskError.self) { try fetcher.fetch("fc-usc") { _ in } }
        #expect(error == SupermaskError(
            file: bed.releasePath,
            "the server sent more than 1000000 bytes without announcing a size; stopped there (raise --max-bytes if the file is that large)"))
        #expect(bed.downloadedNames() == [])
    }

    @Test func anAnnouncedSizeOverTheCapIsRefusedBeforeAnyByte() throws {
        let bed = try ZooTestBed(behaviour: { $0.announcedLength = 5_000_000_000 })
        defer { bed.tearDown() }
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error.message == "the server's file is 5000000000 bytes, more than the 2147483648 allowed (--max-bytes)")
        #expect(bed.downloadedNames() == [])
    }

    @Test func theRegistrysSizeIsTheCapWhenItHasOne() throws {
        let size = ZooTestBed.checkpointBytes.count
        let bed = try ZooTestBed(behaviour: { $0.endless = true }, entry: { $0["size"] = size })
        defer { bed.tearDown() }
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error.message == "the server sent more than the \(size) bytes it announced")
        #expect(bed.downloadedNames() == [])
    }

    @Test func aPartLongerThanTheCapIsDiscarded() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        try FileManager.default.createDirectory(at: bed.downloads, withIntermediateDirectories: true)
        try Data(count: 3_000_000).write(to: URL(fileURLWithPath: bed.releasePath + ".part"))
        var fetcher = try bed.fetcher()
        fetcher.maxBytes = 2_500_000
        let report = try fetcher.fetch("fc-usc") { _ in }
        #expect(bed.server.requests.map(\.range) == [nil])
        #expect(report.record.sha256 == ZooTestBed.checkpointDigest)
    }

    @Test func bytesFoundInTheDirectoryAreNeverRecorded() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        try FileManager.default.createDirectory(at: bed.downloads, withIntermediateDirectories: true)
        let planted = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try planted.write(to: URL(fileURLWithPath: bed.releasePath))
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error == SupermaskError(
            file: bed.releasePath,
            "present without a fetch record, and the registry pins no sha256 to check it against; delete it and fetch again"))
        #expect(bed.downloadedNames() == ["fc-usc.pth"])
        #expect(bed.server.requests.isEmpty)

        // Deleted, the real file is fetched and recorded: nothing of the planted bytes stands in its way.
        try FileManager.default.removeItem(atPath: bed.releasePath)
        let report = try bed.fetch()
        #expect(report.record.sha256 == ZooTestBed.checkpointDigest && report.record.sha256Source == .firstFetch)
    }

    @Test func aFileFoundInTheDirectoryIsAdoptedWhenTheRegistryPinsItsDigest() throws {
        let bed = try ZooTestBed(entry: { $0["sha256"] = ZooTestBed.checkpointDigest })
        defer { bed.tearDown() }
        try FileManager.default.createDirectory(at: bed.downloads, withIntermediateDirectories: true)
        try Data(ZooTestBed.checkpointBytes).write(to: URL(fileURLWithPath: bed.releasePath))
        let report = try bed.fetch()
        #expect(report.download == nil && report.record.sha256Source == .registry)
        #expect(bed.server.requests.isEmpty)
    }

    @Test func aHungConverterIsStoppedWithEverythingItStarted() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        let pidFile = bed.root.appendingPathComponent("converter.pid").path
        var fetcher = try bed.fetcher()
        fetcher.converterScript = try hangingConverter(in: bed.root, pidFile: pidFile).appendingPathComponent("pth2h5.py").path
        fetcher.conversionTimeout = 3
        let started = Date()
        let error = try #require(throws: SupermaskError.self) { try fetcher.fetch("fc-usc") { _ in } }
        #expect(error.file == bed.releasePath)
        #expect(error.message.hasSuffix("pth2h5.py took longer than 3 s and was stopped"))
        #expect(Date().timeIntervalSince(started) < 60)
        let pids = try #require(try? String(contentsOfFile: pidFile, encoding: .utf8)).split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(pids.count == 2)
        for pid in pids { #expect(!processIsRunning(pid), "process \(pid) outlived the fetch") }
        #expect(bed.downloadedNames() == [])
    }

    @Test func aConverterIgnoringSIGTERMIsKilled() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        let pidFile = bed.root.appendingPathComponent("converter.pid").path
        var fetcher = try bed.fetcher()
        fetcher.converterScript = try hangingConverter(in: bed.root, pidFile: pidFile, ignoresTerm: true)
            .appendingPathComponent("pth2h5.py").path
        fetcher.conversionTimeout = 2
        #expect(throws: SupermaskError.self) { try fetcher.fetch("fc-usc") { _ in } }
        let pids = try #require(try? String(contentsOfFile: pidFile, encoding: .utf8)).split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        for pid in pids { #expect(!processIsRunning(pid), "process \(pid) outlived the fetch") }
    }
}
