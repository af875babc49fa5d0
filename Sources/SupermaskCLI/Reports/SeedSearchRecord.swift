import Foundation
import SupermaskCore
import SupermaskSeedSearch

/// The result of `supermask recover-seed` as printed by `--json`, and what `--merge` reads back from shard runs.
struct SeedSearchRecord: Codable, Equatable {
    /// The low 32 bits of the torch seed, when one regenerates every weight.
    var torchSeed: UInt32?
    /// The profile named for the model (its initial scores), when found.
    var profile: String?
    /// Every profile whose weights equal the model's.
    var profilesMatchingWeights: [String]
    /// Why `profile` was named among them.
    var profileBasis: String?
    /// The builder's init that reproduced the weights (`signed-constant`, `kaiming-normal`, …).
    var initialisation: String?
    /// The prune rate `scale_fan` used, or nil when it was off.
    var scaleFanPruneRate: Double?
    /// The number of weights compared bit for bit.
    var verifiedWeights: Int?
    /// Wall-clock seconds (a merged record: the sum over shards).
    var seconds: Double
    /// Seeds tested.
    var candidates: UInt64
    /// The seeds searched, `FIRST-LAST`.
    var range: String
    /// `I/N` of a shard run; every shard of a merged record.
    var shards: [String]
    /// The model file.
    var model: String
    /// What the seeds were tested against (identical for the shards of one search).
    var evidence: String
    /// The kernels' instruction set.
    var kernels: String
    var threads: Int
    /// Seeds that passed the kernel's bits but did not regenerate the model.
    var rejected: [RejectedSeed]
    /// What was tried, when no seed was found.
    var message: String?

    /// A seed that matched the tested bits and what differed then.
    struct RejectedSeed: Codable, Equatable {
        var seed: UInt32
        var reason: String
    }

    enum CodingKeys: String, CodingKey {
        case torchSeed = "torch_seed", profile, profilesMatchingWeights = "profiles_matching_weights"
        case profileBasis = "profile_basis", initialisation = "init", scaleFanPruneRate = "scale_fan_prune_rate"
        case verifiedWeights = "verified_weights", seconds, candidates, range, shards, model, evidence, kernels
        case threads, rejected, message
    }

    /// Encodes every key, absent values as null, so that a shard without the seed says `"torch_seed": null`.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(torchSeed, forKey: .torchSeed)
        try container.encode(profile, forKey: .profile)
        try container.encode(profilesMatchingWeights, forKey: .profilesMatchingWeights)
        try container.encode(profileBasis, forKey: .profileBasis)
        try container.encode(initialisation, forKey: .initialisation)
        try container.encode(scaleFanPruneRate, forKey: .scaleFanPruneRate)
        try container.encode(verifiedWeights, forKey: .verifiedWeights)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(candidates, forKey: .candidates)
        try container.encode(range, forKey: .range)
        try container.encode(shards, forKey: .shards)
        try container.encode(model, forKey: .model)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(kernels, forKey: .kernels)
        try container.encode(threads, forKey: .threads)
        try container.encode(rejected, forKey: .rejected)
        try container.encode(message, forKey: .message)
    }

    /// The record of one search of `model`'s file.
    init(report: TorchSeedSearch.Report, model: String, shard: String?) {
        let match = report.match
        torchSeed = match?.seed
        profile = match?.recipe.profile.rawValue
        profilesMatchingWeights = match?.matchingProfiles.map(\.rawValue) ?? []
        profileBasis = match?.profileBasis
        initialisation = match?.recipe.initialisation.rawValue
        scaleFanPruneRate = match?.recipe.scaleFanPruneRate
        verifiedWeights = match?.verifiedWeights
        seconds = report.seconds
        candidates = report.tested
        range = report.range.description
        shards = shard.map { [$0] } ?? []
        self.model = model
        evidence = report.evidence
        kernels = report.kernels
        threads = report.threads
        rejected = report.rejected.map { RejectedSeed(seed: $0.seed, reason: $0.reason) }
        message = match == nil ? report.notFoundDescription : nil
    }

    /// The lines `recover-seed` prints without `--json`.
    var text: [String] {
        var lines: [String] = []
        if let torchSeed, let profile, let verifiedWeights {
            lines.append("torch seed \(torchSeed) (profile \(profile)): all \(grouped(verifiedWeights)) weights regenerate bit for bit")
            let fan = scaleFanPruneRate.map { "scale_fan with prune rate \($0)" } ?? "no scale_fan"
            lines.append("init: \(initialisation ?? "?"), \(fan); profiles that reproduce the weights: \(profilesMatchingWeights.joined(separator: ", "))")
            if let profileBasis { lines.append("profile: \(profileBasis)") }
        } else {
            // Only a shard run prints its lines without the seed; a search that failed is one error line.
            lines.append("no torch seed in shard \(shards.joined(separator: ", ")) (seeds \(range))")
        }
        let shardText = shards.count > 1 ? " in \(shards.count) shards" : ""
        lines.append("searched \(grouped(Int(candidates))) seeds of \(range)\(shardText) in \(format(seconds, 1)) s (\(kernels), \(threads) thread\(threads == 1 ? "" : "s")) against \(evidence)")
        for rejection in rejected {
            lines.append("rejected seed \(rejection.seed): \(rejection.reason)")
        }
        return lines
    }
}

extension SeedSearchRecord {
    /// The largest record `--merge` reads: far more than any search writes (its rejected seeds are a handful).
    static let byteLimit = 16 << 20

    /// Whether a record read back has the shape a search writes: a seed range, every shard `I/N`.
    var isWellFormed: Bool {
        (try? SeedRange(parsing: range)) != nil && shards.allSatisfy { Self.parseShard($0) != nil }
    }

    /// The record of one search split into shards: the shard that found the seed, or — when every shard 0…N−1 of
    /// one search is present and none did — the conclusion that no seed reproduces the model.
    static func merging(_ records: [(path: String, record: SeedSearchRecord)]) throws -> SeedSearchRecord {
        guard let (firstPath, first) = records.first else { throw SupermaskError("no shard records to merge") }
        var seen: [Int: String] = [:]
        var count: Int?
        for (path, record) in records {
            guard record.evidence == first.evidence else {
                throw SupermaskError(file: path, "searched another model than \(firstPath) (evidence '\(record.evidence.escapedForDisplay())')")
            }
            guard record.shards.count == 1, let (index, total) = parseShard(record.shards[0]) else {
                throw SupermaskError(file: path, "not the record of one shard run (recover-seed --shard I/N --json)")
            }
            if let count, count != total { throw SupermaskError(file: path, "is shard \(index)/\(total), but \(firstPath) is one of \(count) shards") }
            count = total
            if let other = seen[index] { throw SupermaskError(file: path, "shard \(index)/\(total) is also in \(other)") }
            seen[index] = path
        }
        let total = count ?? 1
        let ordered = records.map(\.record).sorted { (parseShard($0.shards[0])?.0 ?? 0) < (parseShard($1.shards[0])?.0 ?? 0) }
        var merged = ordered.first { $0.torchSeed != nil } ?? first
        merged.seconds = ordered.reduce(0) { $0 + $1.seconds }
        merged.candidates = ordered.reduce(0) { $0 + $1.candidates }
        merged.shards = ordered.flatMap(\.shards)
        merged.rejected = ordered.flatMap(\.rejected)
        merged.threads = ordered.map(\.threads).max() ?? first.threads
        merged.model = first.model
        let missing = (0..<total).filter { seen[$0] == nil }
        // Shards are contiguous and in order, so the first's first seed to the last's last one is what they cover.
        if let low = ordered.first?.range.split(separator: "-").first, let high = ordered.last?.range.split(separator: "-").last {
            merged.range = "\(low)-\(high)"
        }
        if merged.torchSeed == nil {
            guard missing.isEmpty else {
                let list = missing.prefix(8).map { "\($0)/\(total)" }.joined(separator: ", ") + (missing.count > 8 ? ", …" : "")
                throw SupermaskError("no seed in the \(records.count) shard records given, and \(missing.count) of \(total) shards are missing (\(list)): the seed may be there")
            }
            merged.message = "no torch seed in \(merged.range) reproduces the weights (\(merged.candidates) seeds tested in \(total) shards against \(first.evidence.escapedForDisplay()))"
        }
        return merged
    }

    private static func parseShard(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let total = Int(parts[1]), total >= 1, (0..<total).contains(index) else { return nil }
        return (index, total)
    }
}
