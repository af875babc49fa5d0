import Foundation
import SupermaskCore
import SupermaskFormat
import SupermaskTorchInit

/// Finds the torch seed of a hidden-networks model from its frozen weights alone (docs/seed-recovery.md).
///
/// The first layer's weights reveal bits of torch's MT19937 stream (`SeedEvidence`); the brute-force kernels test
/// every seed of the range against 64 of them, or 64 sums of thousands of them over fewer state words, on all
/// threads (`SeedScan`); a seed that passes regenerates the whole model and is compared weight for weight
/// (`TorchSeedSelection.verify`, the export's own check).
public enum TorchSeedSearch {
    /// Everything a search did, found or not.
    public struct Report: Sendable {
        /// The seed and recipe, when one reproduces every weight.
        public let match: TorchSeedMatch?
        /// The seeds searched.
        public let range: SeedRange
        /// The seeds tested: all of the range unless a match stopped the search early.
        public let tested: UInt64
        /// Wall-clock seconds of the scan, verification included.
        public let seconds: Double
        /// What was read: the layer and the kind of evidence.
        public let evidence: String
        /// The kernels' instruction set and what they tested, part by part.
        public let kernels: String
        public let threads: Int
        /// Seeds that passed the kernel's bits but did not regenerate the model.
        public let rejected: [RejectedSeed]

        /// One line saying what was tried, for a search that found nothing.
        public var notFoundDescription: String {
            var text = "no torch seed in \(range == .all ? "all 2^32" : "seeds \(range)") reproduces the weights"
            text += " (\(tested) seeds tested against \(evidence); \(kernels))"
            if let first = rejected.first {
                text += "; \(rejected.count) seed\(rejected.count == 1 ? "" : "s") matched those bits but not the model, e.g. \(first.seed): \(first.reason)"
            }
            if range == .all {
                text += ". Causes: the script drew from torch's generator before get_model (stream offset ≠ 0), built the layers in another order, or the weights were trained or made by another generator"
            }
            return text
        }
    }

    /// A seed that matched the tested bits but not the model, and the first weight that differs under it.
    public struct RejectedSeed: Sendable {
        public let seed: UInt32
        public let reason: String
    }

    /// The default number of threads: every core.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Searches `range` for a seed that regenerates every weight of `model`.
    ///
    /// Throws when the weights carry no usable evidence (a constant init, too few weights); a search that finds
    /// nothing is a report without a match. `progress` is called on the calling thread about twice a second.
    /// With `keptOnly` (a model read from a container that stores only the kept weights), the others are unknown:
    /// neither read as evidence nor compared.
    ///
    /// A range of more than 2²⁶ seeds is searched in two parts: its first 2²⁰ seeds (where `--seed` values lie)
    /// with the plain test, at once; then the rest with the reduced one (`SeedScanQuery.reduced`), whose seconds
    /// of preparation pay only over many seeds.
    public static func search(
        model: Model, range: SeedRange = .all, threads: Int = defaultThreads, kernels: SeedScanKernels = .preferred,
        keptOnly: Bool = false, progress: (SeedSearchProgress) -> Void = { _ in }
    ) throws -> Report {
        let start = DispatchTime.now()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        let threads = max(1, threads)
        let architecture = model.architecture
        let order = TorchDrawPlan.hiddenNetworksConstructionOrder(architecture)
        guard let firstIndex = order.first else { throw SupermaskError("\(architecture.name) has no convolutions") }
        let firstConvolution = architecture.convolutions[firstIndex]
        let weights = model.parameters(of: firstConvolution).weight
        // Where the first layer's evidence sits does not depend on the init beyond signs vs normal: w₀ at 0, the
        // normal draws at 2n.
        let known = keptOnly ? model.parameters(of: firstConvolution).mask : nil
        let isSignedConstant = SeedEvidence.isSignedConstant(weights, known: known)
        let plan = try TorchDrawPlan(
            architecture: architecture, initialisation: isSignedConstant ? .signedConstant : .kaimingNormal)
        let following = plan.layers.dropFirst().lazy.map { layer in
            (weights: model.parameters(of: layer.convolution).weight,
             known: keptOnly ? model.parameters(of: layer.convolution).mask : nil, layer: layer)
        }
        let evidence = try SeedEvidence(
            weights: weights, known: known, layer: plan.layer(index: firstIndex),
            deviations: normalDeviations(of: firstConvolution, keep: model.keep), following: following)
        let layerName = "'\(firstConvolution.name.escapedForDisplay())'"
        let evidenceText = evidence.kind == .signs
            ? "the signs of \(layerName)\(evidence.bits.count > weights.count ? " and the next layers" : "")"
            : "the Box–Muller pairs of \(layerName)\(evidence.radiusDeviation.map { " (radii fit σ = \($0))" } ?? "")"

        var match: TorchSeedMatch?
        var rejected: [RejectedSeed] = []
        let comparedWeights = architecture.convolutions.reduce(0) { total, convolution in
            total + (keptOnly ? model.parameters(of: convolution).keptCount : convolution.weightCount)
        }
        func check(_ seed: UInt32) -> Bool {
            do {
                let verified = try TorchSeedSelection.verify(model: model, seed: UInt64(seed), keptOnly: keptOnly)
                match = TorchSeedMatch(seed: seed, verified: verified, verifiedWeights: comparedWeights)
                return true
            } catch {
                rejected.append(RejectedSeed(seed: seed, reason: (error as? SupermaskError)?.message ?? "\(error)"))
                return false
            }
        }
        var parts: [(range: SeedRange, query: () -> SeedScanQuery)]
        let plain = SeedScanQuery.plain(evidence)
        if range.size > 1 << 26 {
            let split = range.lowerBound + 1 << 20
            parts = [
                (try SeedRange(range.lowerBound, split), { plain }),
                (try SeedRange(split, range.upperBound), { SeedScanQuery.reduced(evidence, threads: threads, seeds: range.upperBound - split) ?? plain }),
            ]
        } else {
            parts = [(range, { plain })]
        }
        var tested: UInt64 = 0
        var summaries: [String] = []
        for part in parts where match == nil {
            let query = part.query()
            if summaries.last != query.summary { summaries.append(query.summary) }
            let before = tested, offset = elapsed()
            let outcome = SeedScan(query: query, kernels: kernels).run(range: part.range, threads: threads, progress: { step in
                progress(SeedSearchProgress(
                    tested: before + step.tested, total: range.size, seconds: offset + step.seconds, seedsPerSecond: step.seedsPerSecond))
            }, accept: check)
            tested += outcome.tested
        }
        return Report(
            match: match, range: range, tested: tested, seconds: elapsed(), evidence: evidenceText,
            kernels: "\(kernels.name): " + summaries.joined(separator: ", then "), threads: threads, rejected: rejected)
    }

    /// The σ a normal first layer may have been drawn with: Kaiming's, and with scale_fan at the keep fraction if
    /// the model has one.
    static func normalDeviations(of convolution: Convolution, keep: KeepFraction?) -> [Double] {
        var deviations = [TorchInitFormulas.reluStandardDeviation(fan: convolution.fanIn)]
        if let keep { deviations.append(TorchInitFormulas.reluStandardDeviation(fan: convolution.fanIn, scaleFanPruneRate: keep.value)) }
        return deviations
    }
}
