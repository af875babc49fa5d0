import Foundation
import SupermaskCore
@testable import SupermaskZoo
import Testing

/// `supermask fetch` against a server on the loopback address: the normal path, resume, and every check failing.
@Suite struct FetchTests {
    @Test func fetchesVerifiesConvertsAndRecordsTheDigest() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        let report = try bed.fetch()
        #expect(report.download == .init(size: ZooTestBed.checkpointBytes.count, resumedFrom: 0, restarted: false))
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: bed.releasePath))) == ZooTestBed.checkpointBytes)
        #expect(report.record.sha256 == ZooTestBed.checkpointDigest)
        #expect(report.record.sha256Source == .firstFetch)
        #expect(report.record.size == ZooTestBed.checkpointBytes.count)
        let structure = try #require(report.record.structure)
        #expect(structure.architecture == "FC")
        #expect(structure.keptWeights == ZooTestBed.keptWeights)
        #expect(structure.weights == 266_200)
        #expect(bed.downloadedNames() == ["fc-usc.h5", "fc-usc.pth", "fc-usc.pth.fetch.json"])
        #expect(try FetchRecord.read(bed.releasePath + ".fetch.json") == report.record)

        // A second fetch downloads nothing and checks the file against the recorded digest.
        let again = try bed.fetch()
        #expect(again.download == nil)
        #expect(again.record.sha256 == ZooTestBed.checkpointDigest)
        #expect(bed.server.requests.count == 1)
    }

    @Test func aPinnedDigestIsCheckedAndNamedAsTheSource() throws {
        let bed = try ZooTestBed(entry: {
            $0["sha256"] = ZooTestBed.checkpointDigest
            $0["size"] = ZooTestBed.checkpointBytes.count
        })
        defer { bed.tearDown() }
        let report = try bed.fetch()
        #expect(report.record.sha256Source == .registry)
        #expect(report.record.sha256 == ZooTestBed.checkpointDigest)
    }

    @Test func resumesWithARangeRequestAfterADroppedConnection() throws {
        let bed = try ZooTestBed(behaviour: { $0.dropAfter = 700_000 })
        defer { bed.tearDown() }
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error.file == bed.releasePath)
        #expect(error.message.hasPrefix("the connection dropped after 700000 of \(ZooTestBed.checkpointBytes.count) bytes"))
        #expect(bed.downloadedNames() == ["fc-usc.pth.part"])
        #expect(bed.size(bed.releasePath + ".part") == 700_000)

        let report = try bed.fetch()
        #expect(bed.server.requests.map(\.range) == [nil, "bytes=700000-"])
        #expect(report.download == .init(size: ZooTestBed.checkpointBytes.count, resumedFrom: 700_000, restarted: false))
        #expect(report.record.sha256 == ZooTestBed.checkpointDigest)
        #expect(bed.downloadedNames() == ["fc-usc.h5", "fc-usc.pth", "fc-usc.pth.fetch.json"])
    }

    @Test func aServerThatIgnoresRangeGetsTheFileFromTheStart() throws {
        let bed = try ZooTestBed(behaviour: { $0.dropAfter = 500_000 })
        defer { bed.tearDown() }
        #expect(throws: SupermaskError.self) { try bed.fetch() }
        bed.server.change { $0.honoursRange = false }
        let report = try bed.fetch()
        #expect(bed.server.requests.map(\.range) == [nil, "bytes=500000-"])
        #expect(report.download == .init(size: ZooTestBed.checkpointBytes.count, resumedFrom: 0, restarted: true))
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: bed.releasePath))) == ZooTestBed.checkpointBytes)
    }

    @Test func aCompletePartFileIsAcceptedOnRangeNotSatisfiable() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        try FileManager.default.createDirectory(at: bed.downloads, withIntermediateDirectories: true)
        try Data(ZooTestBed.checkpointBytes).write(to: URL(fileURLWithPath: bed.releasePath + ".part"))
        let report = try bed.fetch()
        #expect(bed.server.requests.map(\.range) == ["bytes=\(ZooTestBed.checkpointBytes.count)-"])
        #expect(report.record.sha256 == ZooTestBed.checkpointDigest)
    }

    @Test func aCorruptedBodyFailsThePinnedDigestAndLeavesNothing() throws {
        let bed = try ZooTestBed(behaviour: { $0.corruptedByte = 123_456 }, entry: { $0["sha256"] = ZooTestBed.checkpointDigest })
        defer { bed.tearDown() }
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error.file == bed.releasePath)
        #expect(error.message.contains("does not match the registry's \(ZooTestBed.checkpointDigest)"))
        #expect(bed.downloadedNames() == [])
    }

    @Test func aCorruptedBodyFailsTheDigestRecordedAtTheFirstFetch() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        try bed.fetch()
        try FileManager.default.removeItem(atPath: bed.releasePath)
        try FileManager.default.removeItem(atPath: bed.downloads.appendingPathComponent("fc-usc.h5").path)
        bed.server.change { $0.corruptedByte = 42 }
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error.message.contains("does not match \(ZooTestBed.checkpointDigest), recorded at its first fetch"))
        #expect(bed.downloadedNames() == ["fc-usc.pth.fetch.json"])
    }

    @Test func aSizeOtherThanTheRegistrysIsRefusedBeforeDownloading() throws {
        let bed = try ZooTestBed(entry: { $0["size"] = ZooTestBed.checkpointBytes.count + 1 })
        defer { bed.tearDown() }
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error.message == "the server's file is \(ZooTestBed.checkpointBytes.count) bytes, the registry says \(ZooTestBed.checkpointBytes.count + 1)")
        #expect(bed.downloadedNames() == [])
    }

    @Test func notFoundIsAnErrorThatLeavesNothing() throws {
        let bed = try ZooTestBed(behaviour: { $0.status = 404 })
        defer { bed.tearDown() }
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error.message.hasPrefix("HTTP 404 "))
        #expect(error.message.hasSuffix("from \(bed.server.url.absoluteString)"))
        #expect(bed.downloadedNames() == [])
    }

    @Test func aCheckpointOfAnotherArchitectureIsRejectedAndRemoved() throws {
        let bed = try ZooTestBed(entry: { $0["architecture"] = "Conv2" })
        defer { bed.tearDown() }
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error == SupermaskError(file: bed.releasePath, "the checkpoint is a FC, the registry says fc-usc is a Conv2"))
        #expect(bed.downloadedNames() == [])
    }

    @Test func aFileThatIsNoCheckpointFailsConversionAndIsRemoved() throws {
        let bed = try ZooTestBed(behaviour: { $0.body = Array("<html>moved</html>".utf8) })
        defer { bed.tearDown() }
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error == SupermaskError(
            file: bed.releasePath,
            "conversion by \(ZooTestBed.converter) failed: not a PyTorch checkpoint (neither a zip archive nor the legacy magic number)"))
        #expect(bed.downloadedNames() == [])
    }

    @Test func aKeptCountOtherThanTheRegistrysIsRejected() throws {
        let bed = try ZooTestBed(entry: { $0["kept_weights"] = ZooTestBed.keptWeights + 1 })
        defer { bed.tearDown() }
        let error = try #require(throws: SupermaskError.self) { try bed.fetch() }
        #expect(error.message == "the masks keep \(ZooTestBed.keptWeights) weights at keep 0.5, the registry says \(ZooTestBed.keptWeights + 1)")
        #expect(bed.downloadedNames() == [])
    }

    @Test func withoutConversionOnlySizeAndDigestAreChecked() throws {
        let bed = try ZooTestBed(entry: { $0["architecture"] = "Conv2" })
        defer { bed.tearDown() }
        var fetcher = try bed.fetcher()
        fetcher.converts = false
        let report = try fetcher.fetch("fc-usc") { _ in }
        #expect(report.record.structure == nil)
        #expect(bed.downloadedNames() == ["fc-usc.pth", "fc-usc.pth.fetch.json"])
    }

    @Test func baselinesAndUnknownNamesCannotBeFetched() throws {
        let bed = try ZooTestBed()
        defer { bed.tearDown() }
        let fetcher = try bed.fetcher()
        #expect(throws: SupermaskError("fc-dense is a dense baseline's configuration; the authors released no checkpoint for it")) {
            try fetcher.fetch("fc-dense") { _ in }
        }
        #expect(throws: SupermaskError("no model 'resnet50' in the zoo; fetchable: fc-usc")) { try fetcher.fetch("resnet50") { _ in } }
        #expect(bed.server.requests.isEmpty)
    }
}
