import Foundation
import SupermaskCore
import SupermaskTorchInit

/// Finds the torch seed of a hidden-networks model from its frozen weights alone (docs/seed-recovery.md).
///
/// The first layer's weights reveal bits of torch's MT19937 stream (`SeedEvidence`); the fast kernels test every
/// seed of the range against 64 of them on all threads; a seed that passes regenerates the whole model
/// (`TorchSeedVerification`). Signed-constant models cost about 25 ns per seed and core on Zen 3 (all 2³² in
/// under a minute on two cores), Kaiming-normal ones about 170 ns.
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
        /// What was read: the layer, the kind of evidence and how many of its bits every seed was tested against.
        public let evidence: String
        /// The kernels' instruction set and the threads used.
        public let kernels: String
        public let threads: Int
        /// Seeds that passed the kernel's bits but did not regenerate the model, with the first difference.
        public let rejected: [(seed: UInt32, reason: String)]

        /// One line saying what was tried, for a search that found nothing.
        public var notFoundDescription: String {
            var text = "no torch seed in \(range == .all ? "all 2^32" : "seeds \(range)") reproduces the weights"
            text += " (\(tested) seeds tested against \(evidence))"
            if let first = rejected.first {
                text += "; \(rejected.count) seed\(rejected.count == 1 ? "" : "s") matched those bits but not the model, e.g. \(first.seed): \(first.reason)"
            }
            if range == .all {
                text += ". Causes: the script drew from torch's generator before get_model (stream offset ≠ 0), built the layers in another order, or the weights were trained or made by another generator"
            }
            return text
        }
    }

    /// The default number of threads: every core.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Searches `range` for a seed that regenerates every weight of `model`.
    ///
    /// Throws when the weights carry no usable evidence (a constant init, too few weights); a search that finds
    /// nothing is a report without a match. `progress` is called on the calling thread about twice a second.
    public static func search(
        model: Model, range: SeedRange = .all, threads: Int = defaultThreads, kernels: SeedScanKernels = .preferred,
        progress: (SeedSearchProgress) -> Void = { _ in }
    ) throws -> Report {
        let architecture = model.architecture
        let order = TorchDrawPlan.hiddenNetworksConstructionOrder(architecture)
        guard let firstIndex = order.first else { throw SupermaskError("\(architecture.name) has no convolutions") }
        let firstConvolution = architecture.convolutions[firstIndex]
        let weights = model.parameters(of: firstConvolution).weight
        // Where the first layer's evidence sits does not depend on the init beyond signs vs normal: w₀ at 0, the
        // normal draws at 2n.
        let isSignedConstant = weights.allSatisfy { $0.magnitude == weights.first?.magnitude }
        let plan = try TorchDrawPlan(
            architecture: architecture, initialisation: isSignedConstant ? .signedConstant : .kaimingNormal)
        let evidence = try SeedEvidence(weights: weights, layer: plan.layer(index: firstIndex))
        let query = SeedScanQuery(evidence)
        let evidenceText = evidence.kind == .signs
            ? "the signs of '\(firstConvolution.name.escapedForDisplay())' (\(query.testedBits) bits: bit 23 of outputs 0–\(query.testedBits - 1))"
            : "the Box–Muller angles of '\(firstConvolution.name.escapedForDisplay())' (\(query.testedBits) bits of outputs from \(evidence.bits[0].outputIndex))"

        var match: TorchSeedMatch?
        var rejected: [(seed: UInt32, reason: String)] = []
        let start = DispatchTime.now()
        let outcome = SeedScan(query: query, kernels: kernels).run(range: range, threads: threads, progress: progress) { seed in
            switch TorchSeedVerification.check(model: model, seed: seed) {
            case .match(let found):
                match = found
                return true
            case .mismatch(let reason):
                rejected.append((seed, reason))
                return false
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return Report(
            match: match, range: range, tested: outcome.tested, seconds: seconds, evidence: evidenceText,
            kernels: "\(kernels.name) \(query.kernelName) kernel", threads: max(1, threads), rejected: rejected)
    }

    /// Finds the seed of `model` among all 2³², or throws saying what was tried: the function `supermask export
    /// --weights torch-seed` calls when no `--torch-seed` is given.
    public static func recover(
        model: Model, threads: Int = defaultThreads, progress: (SeedSearchProgress) -> Void = { _ in }
    ) throws -> TorchSeedMatch {
        let report = try search(model: model, threads: threads, progress: progress)
        guard let match = report.match else { throw SupermaskError(report.notFoundDescription) }
        return match
    }
}
