import CSupermaskKernels
import Dispatch

/// A network compiled for one input size: steps on numbered arena buffers with the kernel of every convolution
/// chosen and laid out. Buffers are reused as soon as their value is dead, so an image runs in a few
/// activation-sized buffers; one `Arena` per worker holds them, allocated once.
final class ExecutionPlan: @unchecked Sendable {
    /// One step on buffers.
    enum Step {
        case convolution(PreparedConvolution, input: Int, output: Int, residual: Int?)
        case maxPool(input: Int, output: Int, shape: ActivationShape, kernel: Int, stride: Int, padding: Int)
        case averagePool(input: Int, output: Int, shape: ActivationShape, height: Int, width: Int)
        case affine(input: Int, output: Int, shape: ActivationShape, scale: AlignedBuffer<Float>,
                    bias: AlignedBuffer<Float>, relu: Bool)
        case add(input: Int, other: Int, output: Int, count: Int, relu: Bool)
    }

    let steps: [Step]
    /// The report name of every step.
    let names: [String]
    let inputShape: ActivationShape
    /// The buffer holding the network's output after the last step, and its element count.
    let outputBuffer: Int
    let outputCount: Int
    /// How many buffers and how many floats each (the largest activation plus one tile of overrun slack).
    let bufferCount: Int
    let bufferFloats: Int
    /// Floats of gather scratch a worker needs.
    let columnsFloats: Int

    /// Assigns buffers to `compiled`'s values and lays out every convolution with the kernel `prepare` picks.
    init(compiled: PlanCompiler, prepare: (ConvolutionWeights) -> PreparedConvolution) {
        let compiledSteps = compiled.steps
        inputShape = compiled.shapes[0]
        let finalValue = compiledSteps.last?.output ?? 0
        var lastUse = [Int](repeating: -1, count: compiled.shapes.count)
        for (index, step) in compiledSteps.enumerated() {
            for value in step.inputs { lastUse[value] = index }
        }
        lastUse[finalValue] = Int.max
        var bufferOf = [Int](repeating: -1, count: compiled.shapes.count)
        bufferOf[0] = 0
        var free: [Int] = []
        var bufferCount = 1
        var steps: [Step] = []
        var columns = 0
        for (index, step) in compiledSteps.enumerated() {
            let output: Int
            if let reused = free.popLast() {
                output = reused
            } else {
                output = bufferCount
                bufferCount += 1
            }
            bufferOf[step.output] = output
            let input = bufferOf[step.inputs[0]]
            let other = step.inputs.count > 1 ? bufferOf[step.inputs[1]] : nil
            switch step.operation {
            case .convolution(let weights):
                let prepared = prepare(weights)
                columns = max(columns, prepared.columnsCount)
                steps.append(.convolution(prepared, input: input, output: output, residual: other))
            case .maxPool(let kernel, let stride, let padding):
                steps.append(.maxPool(input: input, output: output, shape: step.inputShape, kernel: kernel,
                                      stride: stride, padding: padding))
            case .averagePool(let height, let width):
                steps.append(.averagePool(input: input, output: output, shape: step.inputShape, height: height,
                                          width: width))
            case .affine(let scale, let bias, let relu):
                steps.append(.affine(input: input, output: output, shape: step.inputShape,
                                     scale: AlignedBuffer(scale), bias: AlignedBuffer(bias), relu: relu))
            case .add(let relu):
                steps.append(.add(input: input, other: other ?? input, output: output, count: step.outputShape.count,
                                  relu: relu))
            }
            for value in Set(step.inputs) where lastUse[value] == index { free.append(bufferOf[value]) }
        }
        self.steps = steps
        names = compiledSteps.map(\.name)
        outputBuffer = bufferOf[finalValue]
        outputCount = compiled.shapes[finalValue].count
        self.bufferCount = bufferCount
        bufferFloats = (compiled.shapes.map(\.count).max() ?? 0) + KernelChoice.largestTile
        columnsFloats = columns
    }

    /// Runs every step on the image already copied into `arenas[0]`'s buffer 0; `arenas` are the workers that
    /// share each convolution (one per thread of `pool`).
    func run(arenas: [Arena], pool: WorkerPool, timings: UnsafeMutablePointer<UInt64>? = nil) {
        for (index, step) in steps.enumerated() {
            let start = timings == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            execute(step, arenas: arenas, pool: pool)
            if let timings { timings[index] = DispatchTime.now().uptimeNanoseconds - start }
        }
    }

    private func execute(_ step: Step, arenas: [Arena], pool: WorkerPool) {
        let arena = arenas[0]
        switch step {
        case .convolution(let kernel, let input, let output, let residual):
            let parts = WorkSplit(kernel: kernel, workers: arenas.count)
            kernel.stage(input: arena.buffer(input), shared: arena.columns)
            let run: @Sendable (Int, Int) -> Void = { part, worker in
                let (tiles, outputs) = parts.share(part)
                kernel.run(input: arena.buffer(input), output: arena.buffer(output),
                           residual: residual.map { UnsafePointer(arena.buffer($0)) }, shared: arena.columns,
                           columns: arenas[worker].columns, tiles: tiles, outputs: outputs)
            }
            if parts.count == 1 {
                run(0, 0)
            } else {
                pool.run(tasks: parts.count, run)
            }
        case .maxPool(let input, let output, let shape, let kernel, let stride, let padding):
            // Shared by channels among the workers: at batch 1 the stem's pooling is otherwise serial.
            let parts = min(arenas.count, shape.channels)
            let outputPlane = ((shape.height + 2 * padding - kernel) / stride + 1)
                * ((shape.width + 2 * padding - kernel) / stride + 1)
            let run: @Sendable (Int) -> Void = { part in
                let channels = (shape.channels * part / parts)..<(shape.channels * (part + 1) / parts)
                smk_max_pool(arena.buffer(input) + channels.lowerBound * shape.plane, Int32(channels.count),
                             Int32(shape.height), Int32(shape.width), Int32(kernel), Int32(stride), Int32(padding),
                             arena.buffer(output) + channels.lowerBound * outputPlane)
            }
            if parts == 1 {
                run(0)
            } else {
                pool.run(shares: parts, run)
            }
        case .averagePool(let input, let output, let shape, let height, let width):
            smk_average_pool(arena.buffer(input), Int32(shape.channels), Int32(shape.height), Int32(shape.width),
                             Int32(height), Int32(width), arena.buffer(output))
        case .affine(let input, let output, let shape, let scale, let bias, let relu):
            let (source, target) = (arena.buffer(input), arena.buffer(output))
            for c in 0..<shape.channels {
                let (s, b) = (scale.pointer[c], bias.pointer[c])
                for index in (c * shape.plane)..<((c + 1) * shape.plane) {
                    let y = source[index] * s + b
                    target[index] = relu && !(y > 0) ? 0 : y
                }
            }
        case .add(let input, let other, let output, let count, let relu):
            let (a, b, target) = (arena.buffer(input), arena.buffer(other), arena.buffer(output))
            for index in 0..<count {
                let y = a[index] + b[index]
                target[index] = relu && !(y > 0) ? 0 : y
            }
        }
    }
}

/// How one convolution on one image is shared among workers: by tiles when there are enough of them, else by
/// output channels in groups of four (the dense kernel's block).
///
/// Tiles are cut into a few parts per worker, handed out as workers finish their last part, so that a worker
/// slowed by other load on its core takes fewer parts instead of holding the layer back. Output channels, and the
/// tiles of channels-outer kernels, are cut into one part per worker: every part of those gathers the whole plane
/// again, or streams all the weights again.
struct WorkSplit: Sendable {
    let kernel: PreparedConvolution
    /// The number of parts.
    let count: Int
    private let byTiles: Bool

    /// Parts per worker when a layer is split by tiles.
    private static let partsPerWorker = 4

    init(kernel: PreparedConvolution, workers: Int) {
        self.kernel = kernel
        let tiles = kernel.tileCount
        let channelGroups = (kernel.layer.convolution.outputChannels + 3) / 4
        byTiles = tiles >= 2 * workers || tiles >= channelGroups
        let perWorker = kernel.choice.channelsOuter ? 1 : Self.partsPerWorker
        let parts = byTiles ? min(tiles, workers > 1 ? workers * perWorker : 1) : min(workers, channelGroups)
        count = max(1, parts)
    }

    /// The tiles and output channels of part `part`.
    func share(_ part: Int) -> (tiles: Range<Int>, outputs: Range<Int>) {
        let tiles = kernel.tileCount
        let outputs = kernel.layer.convolution.outputChannels
        if byTiles {
            return ((tiles * part / count)..<(tiles * (part + 1) / count), 0..<outputs)
        }
        let groups = (outputs + 3) / 4
        let first = min(outputs, 4 * (groups * part / count))
        let end = min(outputs, 4 * (groups * (part + 1) / count))
        return (0..<tiles, first..<end)
    }
}

/// One worker's memory: the plan's activation buffers and gather scratch, allocated once and reused for every
/// image (no allocation per inference).
final class Arena: @unchecked Sendable {
    private let storage: AlignedBuffer<Float>
    private let stride: Int
    /// The gather scratch.
    let columns: UnsafeMutablePointer<Float>

    init(plan: ExecutionPlan) {
        // Round each buffer up to whole cache lines so that every buffer starts 64-byte aligned.
        stride = (plan.bufferFloats + 15) / 16 * 16
        storage = AlignedBuffer(repeating: 0, count: stride * plan.bufferCount + max(16, plan.columnsFloats))
        columns = storage.pointer + stride * plan.bufferCount
    }

    /// The start of buffer `index`.
    func buffer(_ index: Int) -> UnsafeMutablePointer<Float> { storage.pointer + stride * index }
}
