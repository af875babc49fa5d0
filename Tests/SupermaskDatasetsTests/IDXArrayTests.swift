import Foundation
import SupermaskCore
import SupermaskDatasets
import Testing

@Suite struct IDXArrayTests {
    private func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as SupermaskError { return error.description } catch { return "\(error)" }
        return nil
    }

    @Test func readsTheGzippedImagesAndLabels() throws {
        let images = try IDXArray(parsing: Gzip.decompress(GzippedIDX.images))
        #expect(images.dimensions == [2, 2, 3])
        #expect(images.elements == [0, 1, 2, 253, 254, 255, 10, 20, 30, 40, 50, 60])
        let labels = try IDXArray(parsing: GzippedIDX.rawLabels)
        #expect(labels.dimensions == [2])
        #expect(labels.elements == [7, 3])
    }

    @Test func truncatedFilesSayWhatIsMissing() {
        let full = GzippedIDX.rawLabels
        #expect(message { _ = try IDXArray(parsing: Array(full.prefix(3))) } == "truncated IDX file: 3 bytes, shorter than its 4-byte magic number")
        #expect(message { _ = try IDXArray(parsing: Array(full.prefix(6))) } == "truncated IDX file: 6 bytes, shorter than the header of 1 dimensions (8 bytes)")
        #expect(message { _ = try IDXArray(parsing: Array(full.prefix(9))) } == "truncated IDX file: dimensions [2] need 2 bytes of data, the file has 1")
        #expect(message { _ = try IDXArray(parsing: full + [9]) } == "IDX file has 1 bytes after the 2 its dimensions [2] describe")
    }

    @Test func badMagicNumbersAreRefused() {
        var notIDX = GzippedIDX.rawLabels
        notIDX[0] = 0x50
        #expect(message { _ = try IDXArray(parsing: notIDX) } == "not an IDX file (magic number 0x50000801 does not start with two zero bytes)")
        var floats = GzippedIDX.rawLabels
        floats[2] = 0x0d
        #expect(message { _ = try IDXArray(parsing: floats) } == "IDX element type 0x0d is not unsigned byte (0x08), the only type supported")
        var noDimensions = GzippedIDX.rawLabels
        noDimensions[3] = 0
        #expect(message { _ = try IDXArray(parsing: noDimensions) } == "IDX file with magic 0x00000800 has no dimensions")
        // The fuzzer's find: no images of an absurd size, which a later rows × columns overflowed on.
        let empty: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x33]
        #expect(message { _ = try IDXArray(parsing: empty) } == "IDX dimensions [0]… hold no elements")
        let huge: [UInt8] = [0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        #expect(message { _ = try IDXArray(parsing: huge) } == "IDX dimensions [4294967295]… hold more than the 268435456 elements supermask reads")
    }

    @Test func loadNamesTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-idx-\(UUID()).gz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(GzippedIDX.images.dropLast(10)).write(to: URL(fileURLWithPath: path))
        #expect(message { _ = try IDXArray.load(path: path) }?.hasPrefix("\(path): truncated gzip data") == true)
        try Data(GzippedIDX.images).write(to: URL(fileURLWithPath: path))
        #expect(try IDXArray.load(path: path).dimensions == [2, 2, 3])
        #expect(message { _ = try IDXArray.load(path: path + ".missing") } == "\(path).missing: no such file")
    }
}
