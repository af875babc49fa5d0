import Foundation
import SupermaskCore
import SupermaskEngine
import SupermaskTorchInit
import Testing
@testable import SupermaskFormat

/// Torch-seed containers whose masks are coded with the regenerated initial scores (docs/format.md §5.2).
@Suite struct InitialScoresContainerTests {
    /// An FC supermask drawn by torch's generator (seed 77, signed constant) whose masks keep the top half of
    /// |initial score + noise|, as training that moved every score a little would; and its torch record.
    static func trainedLikeFC(noise: Float = 0.5) throws -> (model: Model, record: TorchSeedRecord) {
        let architecture = try #require(Architecture.named("FC"))
        let recipe = TorchSeedRecipe(seed: 77, profile: .torch2AVX2, initialisation: .signedConstant)
        let record = TorchSeedRecord(recipe: recipe, architecture: architecture)
        let keep = try KeepFraction(0.5)
        var random = SplitMix64(seed: 78)
        var convolutions: [String: ConvolutionParameters] = [:]
        for tensors in try record.generator(for: architecture).generate([.weights, .scores]) {
            let scores = try #require(tensors.scores), weights = try #require(tensors.weights)
            let bound = scores.map(\.magnitude).max() ?? 1
            let trained = scores.map { $0 + noise * bound * (Float(random.nextUnit()) * 2 - 1) }
            let (mask, ties) = BitMask.keepingLargestMagnitudes(of: trained, keep: keep)
            convolutions[tensors.layer.convolution.name] = ConvolutionParameters(weight: weights, mask: mask, tiesAtThreshold: ties)
        }
        return (Model(architecture: architecture, convolutions: convolutions, batchNorms: [:], keep: keep), record)
    }

    private func decodingError(_ bytes: [UInt8]) -> String? {
        do {
            _ = try ContainerReader.decode(bytes)
            return nil
        } catch {
            return (error as? SupermaskError)?.message ?? "\(error)"
        }
    }

    /// The byte offset in `bytes` of the first CONV section's payload and that payload's length.
    private func firstConvolutionPayload(_ bytes: [UInt8]) -> (offset: Int, length: Int) {
        var offset = ContainerLayout.headerSize
        func word(_ at: Int, _ size: Int) -> Int { Int(bytes[at..<at + size].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) }
        for _ in 0..<2 {  // ARCH, META
            offset += ContainerLayout.sectionHeaderSize + word(offset + 8, 8) + ContainerLayout.sectionTrailerSize
        }
        return (offset + ContainerLayout.sectionHeaderSize, word(offset + 8, 8))
    }

    /// `bytes` with the first CONV payload changed by `edit` and its CRC recomputed.
    private func editingFirstConvolution(_ bytes: [UInt8], _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
        let (offset, length) = firstConvolutionPayload(bytes)
        var payload = Array(bytes[offset..<offset + length])
        edit(&payload)
        precondition(payload.count == length, "edits keep the length")
        var result = bytes
        result.replaceSubrange(offset..<offset + length, with: payload)
        let crc = Zlib.crc32(result[(offset - ContainerLayout.sectionHeaderSize)..<(offset + length)])
        withUnsafeBytes(of: crc.littleEndian) { result.replaceSubrange((offset + length)..<(offset + length + 4), with: $0) }
        return result
    }

    /// Where the coded mask starts in a CONV payload: name, n, masked flag, k, ties, coder, raw size, block length.
    private func maskBlockOffset(_ payload: [UInt8]) -> Int {
        let nameLength = payload[0..<4].reversed().reduce(0) { $0 << 8 | Int($1) }
        return 4 + nameLength + 8 + 1 + 8 + 8 + 1 + 8 + 8
    }

    @Test func masksThatFollowTheInitialScoresAreCodedWithThemAndComeBackExactly() throws {
        let (model, record) = try Self.trainedLikeFC()
        let (bytes, statistics) = try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: record)
        #expect(statistics.layers.map(\.maskCoder) == [.initialScores, .initialScores, .initialScores])
        let ratio = try #require(statistics.masksOverBound)
        #expect(ratio < 0.9, "masks at \(ratio) × the bound")
        let (loaded, _) = try ContainerReader.decode(bytes)
        for convolution in model.architecture.convolutions {
            let before = model.parameters(of: convolution), after = loaded.parameters(of: convolution)
            #expect(after.mask == before.mask, "\(convolution.name)")
            #expect(after.weight.map(\.bitPattern) == before.weight.map(\.bitPattern), "\(convolution.name)")
        }
        var random = SplitMix64(seed: 3)
        let input = Tensor(shape: [3, 1, 28, 28], scalars: (0..<3 * 784).map { _ in Float(random.nextUnit()) })
        let logits = { (model: Model) in try ReferenceForward(model: model, threads: 1).logits(for: input).scalars.map(\.bitPattern) }
        #expect(try logits(loaded) == logits(model))
        // Exported again from what was read, the container is the same.
        #expect(try ContainerWriter.encode(loaded, mode: .torchSeed, torchSeed: record).bytes == bytes)
    }

    @Test func masksTheInitialScoresDoNotPredictStayEnumerative() throws {
        // Noise far above the scores' range: the mask is independent of them and coder 3 would only add its header.
        let (model, record) = try Self.trainedLikeFC(noise: 1000)
        let statistics = try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: record).statistics
        #expect(!statistics.layers.contains { $0.maskCoder == .initialScores })
    }

    @Test func otherWeightModesNeverUseTheInitialScores() throws {
        let (model, _) = try Self.trainedLikeFC()
        let statistics = try ContainerWriter.encode(model, mode: .signed).statistics
        #expect(!statistics.layers.contains { $0.maskCoder == .initialScores })
    }

    @Test func theCoderInALayerWithStoredWeightsIsRefused() throws {
        let (model, record) = try Self.trainedLikeFC()
        let bytes = try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: record).bytes
        // The weight mode byte sits before the (empty) weight block's 8-byte length at the payload's end.
        let edited = editingFirstConvolution(bytes) { payload in payload[payload.count - 9] = WeightMode.seed.rawValue }
        #expect(decodingError(edited) == "section 2 (convolution 'linear.0'): the initial-scores mask coder needs torch-seed weights, not seed")
    }

    @Test func aBlockAskingForTooManyBinsIsRefusedNamingTheLayer() throws {
        let (model, record) = try Self.trainedLikeFC()
        let bytes = try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: record).bytes
        let edited = editingFirstConvolution(bytes) { payload in payload[maskBlockOffset(payload)] = 9 }
        #expect(decodingError(edited)?.hasPrefix("convolution 'linear.0': the initial-scores mask asks for 2^9 score bins") == true)
    }

    @Test func aDamagedBlockIsCaughtByTheSectionCRC() throws {
        let (model, record) = try Self.trainedLikeFC()
        var bytes = try ContainerWriter.encode(model, mode: .torchSeed, torchSeed: record).bytes
        let (offset, length) = firstConvolutionPayload(bytes)
        let block = offset + maskBlockOffset(Array(bytes[offset..<offset + length]))
        bytes[block + 100] ^= 0x10
        let message = try #require(decodingError(bytes))
        #expect(message.hasPrefix("section 2 (convolution 'linear.0'): CRC-32 mismatch"))
        #expect(!message.contains("\n"))
    }
}
