import SupermaskCore
import Testing
@testable import SupermaskFormat

/// Damage of every kind gives a `SupermaskError` naming where, never a crash or a silent wrong model.
@Suite struct ContainerCorruptionTests {
    private static let container: [UInt8] = {
        // A model the tests build from the generator; `try?` keeps the static simple, the test checks it.
        (try? ContainerWriter.encode(TinyNetwork.model(), mode: .signed).bytes) ?? []
    }()

    private func decodingError(_ bytes: [UInt8]) -> SupermaskError? {
        do {
            _ = try ContainerReader.decode(bytes)
            return nil
        } catch let error as SupermaskError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    @Test func theContainerIsSmallAndValid() throws {
        #expect(Self.container.count > 200 && Self.container.count < 4096)
        _ = try ContainerReader.decode(Self.container)
    }

    @Test func everyFlippedByteIsCaughtAndLocated() throws {
        let layout = try sectionOffsets(Self.container)
        for position in Self.container.indices {
            var damaged = Self.container
            damaged[position] ^= 0xFF
            let error = try #require(decodingError(damaged), "flipping byte \(position) went unnoticed")
            if position < 8 {
                #expect(error.message.contains("magic"))
            } else if position < ContainerLayout.headerSize {
                #expect(error.message.hasPrefix("header: CRC-32 mismatch"), "byte \(position): \(error.message)")
            } else {
                let section = layout.lastIndex { $0 <= position } ?? 0
                #expect(error.message.hasPrefix("section \(section) ("), "byte \(position): \(error.message)")
            }
        }
    }

    @Test func flippedBitsInALayerNameTheLayer() throws {
        let layout = try sectionOffsets(Self.container)
        var damaged = Self.container
        damaged[layout[3] + 40] ^= 0x10  // inside the second convolution record, block.conv
        let error = try #require(decodingError(damaged))
        #expect(error.message.hasPrefix("section 3 (convolution 'block.conv'): CRC-32 mismatch"))
    }

    @Test func everyTruncationIsCaught() throws {
        for length in 0..<Self.container.count {
            let error = try #require(decodingError(Array(Self.container.prefix(length))), "length \(length)")
            #expect(!error.message.isEmpty)
        }
        var extended = Self.container
        extended.append(0)
        #expect(decodingError(extended)?.message.contains("trailing bytes") == true)
    }

    @Test func unknownVersionsAreNamed() throws {
        var future = Self.container
        future[8] = 2
        rewriteHeaderCRC(&future)
        #expect(decodingError(future)?.message == "container version 2.0 is not supported; this supermask reads version 1.x")
    }

    @Test func absurdLengthsAreRefusedBeforeAllocating() throws {
        let layout = try sectionOffsets(Self.container)
        var damaged = Self.container
        for offset in 0..<8 { damaged[layout[2] + 8 + offset] = 0xFF }  // the stem record's payload length
        let error = try #require(decodingError(damaged))
        #expect(error.message.contains("section 2 (convolution 'stem')"))
        #expect(error.message.contains("claims"))
    }

    @Test func anArchitectureThatDisagreesWithTheRecordsIsNamed() throws {
        // A 5×5 stem: consistent on its own, but the records hold a 3×3 one.
        let error = try #require(decodingError(try splicing(stem: Convolution("stem", 3, 4, kernel: 5))))
        #expect(error.message == "section 2 (convolution 'stem'): the record is 'stem' with 108 weights but the architecture header has 'stem' with 300")
    }

    @Test func anInconsistentArchitectureIsNamed() throws {
        let error = try #require(decodingError(try splicing(stem: Convolution("stem", 3, 5, kernel: 3))))
        #expect(error.message == "section 0 (architecture): batch norm 'stem_bn' has 4 channels but receives 5")
    }

    /// The tiny network's records behind the architecture header of a copy whose stem is `stem`, with a
    /// valid CRC, so only the reader's consistency checks can object.
    private func splicing(stem: Convolution) throws -> [UInt8] {
        var model = try TinyNetwork.model()
        let (bytes, _) = try ContainerWriter.encode(model, mode: .fp32)
        model.architecture.layers[0] = .convolution(stem)
        var writer = ByteWriter()
        writer.append(ContainerLayout.SectionKind.architecture.rawValue)
        writer.append(UInt32(0))
        writer.appendBlock(ArchitectureCoding.encode(model.architecture))
        writer.append(Zlib.crc32(writer.bytes[...]))
        let layout = try sectionOffsets(bytes)
        var spliced = Array(bytes[0..<ContainerLayout.headerSize]) + writer.bytes + Array(bytes[layout[1]...])
        let length = UInt64(spliced.count)
        for offset in 0..<8 { spliced[16 + offset] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(offset))) }
        rewriteHeaderCRC(&spliced)
        return spliced
    }

    /// The offset of each section, from the lengths in an intact container.
    private func sectionOffsets(_ bytes: [UInt8]) throws -> [Int] {
        var offsets: [Int] = []
        var position = ContainerLayout.headerSize
        while position < bytes.count {
            offsets.append(position)
            var reader = ByteReader(bytes[(position + 8)...])
            position += ContainerLayout.sectionHeaderSize + Int(try reader.read(UInt64.self, "length")) + ContainerLayout.sectionTrailerSize
        }
        return offsets
    }

    private func rewriteHeaderCRC(_ bytes: inout [UInt8]) {
        let crc = Zlib.crc32(bytes[0..<ContainerLayout.headerSize - 4])
        for offset in 0..<4 { bytes[ContainerLayout.headerSize - 4 + offset] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(offset))) }
    }
}
