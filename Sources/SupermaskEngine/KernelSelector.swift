import Dispatch
import Foundation

/// Picks each convolution's kernel by timing every candidate on this machine (one image, one worker, best of a
/// few interleaved runs on synthetic input of the layer's shape), consulting and filling a `KernelChoiceCache`.
struct KernelSelector {
    let instructionSet: InstructionSet
    let cache: KernelChoiceCache?
    /// Timed rounds per candidate after one warm-up run.
    var repetitions = 5

    /// The CPU's model name, which keys the cache (choices from another CPU do not apply).
    static let cpuName: String = {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":")
        else { return "unknown-cpu" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }()

    /// Changes whenever the candidate set or a kernel changes, so that stale cached choices are not reused.
    static let candidateSetVersion = 14

    /// The cache key of `layer`.
    func key(for layer: ConvolutionLayer) -> String {
        let c = layer.convolution
        let shape = layer.inputShape
        return "v\(Self.candidateSetVersion)|\(Self.cpuName)|\(instructionSet.rawValue)|\(c.inputChannels)x\(shape.height)x\(shape.width)"
            + "->\(c.outputChannels) k\(c.kernel) s\(c.stride) p\(c.padding)|nonzeros \(layer.nonzeros)"
            + (layer.ternaryMagnitude == nil ? " valued" : " ternary") + (layer.relu ? " relu" : "")
    }

    /// The fastest candidate for `layer`, laid out.
    func prepare(_ convolution: ConvolutionWeights) -> PreparedConvolution {
        let layer = convolution.layer
        let weights = convolution.effectiveWeights()
        let key = key(for: layer)
        if let cached = cache?.choice(for: key), layer.applicable(cached) == cached {
            return PreparedConvolution(layer, weights: weights, choice: cached, instructionSet: instructionSet)
        }
        let input = AlignedBuffer<Float>(repeating: 0, count: layer.inputShape.count + KernelChoice.largestTile)
        var state: UInt32 = 0x9E37_79B9
        for index in 0..<layer.inputShape.count {
            state = state &* 1_664_525 &+ 1_013_904_223
            input.pointer[index] = Float(Int32(bitPattern: state) >> 8) / Float(1 << 23)
        }
        let output = AlignedBuffer<Float>(repeating: 0, count: layer.outputShape.count)
        let contenders = layer.candidates.map { candidate in
            let kernel = PreparedConvolution(layer, weights: weights, choice: candidate, instructionSet: instructionSet)
            return (kernel: kernel, columns: AlignedBuffer<Float>(repeating: 0, count: max(16, kernel.columnsCount)))
        }
        /// One run of contender `index`, in seconds.
        func time(_ index: Int) -> Double {
            let (kernel, columns) = contenders[index]
            let start = DispatchTime.now().uptimeNanoseconds
            kernel.stage(input: input.pointer, shared: columns.pointer)
            kernel.run(input: input.pointer, output: output.pointer, residual: nil,
                       shared: columns.pointer, columns: columns.pointer, tiles: 0..<kernel.tileCount,
                       outputs: 0..<layer.convolution.outputChannels)
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        // The candidates take turns, one run each per round, and each keeps its fastest run: other load on the
        // machine then falls on all of them alike instead of on whichever was being timed when it came.
        var fastest = [Double](repeating: .infinity, count: contenders.count)
        for index in contenders.indices { _ = time(index) }
        for _ in 0..<repetitions {
            let best = fastest.min() ?? .infinity
            // A candidate already three times slower than the best cannot win; stop timing it.
            for index in contenders.indices where fastest[index] <= 3 * best {
                fastest[index] = min(fastest[index], time(index))
            }
        }
        guard let winnerIndex = fastest.indices.min(by: { fastest[$0] < fastest[$1] }) else {
            return PreparedConvolution(layer, weights: weights, choice: KernelChoice(.sparse, tile: 64),
                                       instructionSet: instructionSet)
        }
        let winner = contenders[winnerIndex].kernel
        cache?.record(winner.choice, for: key)
        return winner
    }
}
