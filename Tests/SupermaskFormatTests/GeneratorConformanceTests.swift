import Foundation
import SupermaskCore
import Testing
@testable import SupermaskFormat

/// The generator against Tests/Fixtures/format, which `supermask init` wrote and python/tests/test_generator.py
/// also checks python/src/supermask/generator.py against: both implementations are pinned to the same bits.
@Suite struct GeneratorConformanceTests {
    struct Expected: Decodable {
        struct Case: Decodable {
            var `init`: String
            var seed: UInt64
            var layer: Int
            var name: String
            var shape: [Int]
            var crc32: UInt32
            var first: [String]
        }
        var generator: String
        var cases: [Case]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/format")

    private func expected() throws -> Expected {
        let data = try #require(FileManager.default.contents(atPath: Self.directory.appendingPathComponent("generator-expected.json").path))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    @Test func everyLayerMatchesTheCommittedChecksums() throws {
        let expected = try expected()
        #expect(expected.generator == WeightGenerator.identifier)
        #expect(expected.cases.count == 6)
        for item in expected.cases {
            let initialisation = try #require(WeightGenerator.Initialisation(rawValue: item.`init`))
            let generator = WeightGenerator(seed: item.seed, initialisation: initialisation)
            let weights = generator.weights(
                layerIndex: item.layer, count: item.shape.reduce(1, *), fanIn: item.shape.dropFirst().reduce(1, *))
            var bytes: [UInt8] = []
            for value in weights { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
            #expect(Zlib.crc32(bytes[...]) == item.crc32, "\(item.`init`) seed \(item.seed) \(item.name)")
            let first = weights.prefix(8).map { String($0.bitPattern, radix: 16) }.map { String(repeating: "0", count: 8 - $0.count) + $0 }
            #expect(first == item.first)
        }
    }

    @Test(arguments: [("kaiming-normal", UInt64(7)), ("signed-constant", UInt64(123_456_789_012))])
    func wholeLayerMatchesTheCommittedArray(initName: String, seed: UInt64) throws {
        let path = Self.directory.appendingPathComponent("fc-\(initName)-seed\(seed)-linear.4.npy").path
        let stored = try NPY.read(contentsOf: path)
        #expect(stored.shape == [10, 100, 1, 1])
        let generator = WeightGenerator(seed: seed, initialisation: try #require(.init(rawValue: initName)))
        let weights = generator.weights(layerIndex: 2, count: 1000, fanIn: 100)
        #expect(weights.map(\.bitPattern) == stored.scalars.map(\.bitPattern))
    }
}
