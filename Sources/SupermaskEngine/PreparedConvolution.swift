import CSupermaskKernels

/// A convolution laid out for one kernel choice: the weight lists (or packed dense weights) and the folded
/// epilogue constants, in aligned memory, ready to run over any range of tiles and output channels.
final class PreparedConvolution: @unchecked Sendable {
    let layer: ConvolutionWeights
    let choice: KernelChoice
    private let scale: AlignedBuffer<Float>
    private let bias: AlignedBuffer<Float>
    /// sparse/signs: list l = block · outputChannels + o (output channel o's entries in input-row block `block`)
    /// is entries starts[l] ..< starts[l + 1].
    private let starts: AlignedBuffer<Int32>
    /// signs: entries starts[l] ..< splits[l] are +c, splits[l] ..< starts[l + 1] are −c.
    private let splits: AlignedBuffer<Int32>
    /// sparse/signs: the input row (c·k + ky)·k + kx of each entry.
    private let rows: AlignedBuffer<Int32>
    /// sparse: the weight of each entry.
    private let values: AlignedBuffer<Float>
    /// dense: weights as [outputChannels / 4][depth][4], zero-padded to a multiple of 4 channels.
    private let packed: AlignedBuffer<Float>
    /// sparse/signs: how many blocks of input rows the lists are split into.
    private let blocks: Int

    init(_ layer: ConvolutionWeights, choice: KernelChoice) {
        self.layer = layer
        self.choice = layer.applicable(choice)
        let outputs = layer.convolution.outputChannels
        let depth = layer.depth
        var scale = layer.scale
        var starts: [Int32] = [0]
        var splits: [Int32] = []
        var rows: [Int32] = []
        var values: [Float] = []
        var packed: [Float] = []
        let blockRows = self.choice.blocked ? KernelChoice.blockRows(tile: self.choice.tile) : depth
        blocks = (depth + blockRows - 1) / blockRows
        switch self.choice.method {
        case .sparse, .signs:
            let magnitude = layer.ternaryMagnitude ?? 1
            let signs = self.choice.method == .signs
            for block in 0..<blocks {
                let blockRange = (block * blockRows)..<min(depth, (block + 1) * blockRows)
                for o in 0..<outputs {
                    let base = o * depth
                    if signs {
                        rows += blockRange.filter { layer.weights[base + $0] > 0 }.map { Int32($0) }
                        splits.append(Int32(rows.count))
                        rows += blockRange.filter { layer.weights[base + $0] < 0 }.map { Int32($0) }
                    } else {
                        for r in blockRange where layer.weights[base + r] != 0 {
                            rows.append(Int32(r))
                            values.append(layer.weights[base + r])
                        }
                    }
                    starts.append(Int32(rows.count))
                }
            }
            if signs {
                for o in 0..<outputs { scale[o] *= magnitude }
            }
        case .dense:
            let blocks = (outputs + 3) / 4
            packed = [Float](repeating: 0, count: blocks * depth * 4)
            for o in 0..<outputs {
                for r in 0..<depth { packed[((o / 4) * depth + r) * 4 + o % 4] = layer.weights[o * depth + r] }
            }
        }
        self.scale = AlignedBuffer(scale)
        self.bias = AlignedBuffer(layer.bias)
        self.starts = AlignedBuffer(starts)
        self.splits = AlignedBuffer(splits)
        self.rows = AlignedBuffer(rows)
        self.values = AlignedBuffer(values)
        self.packed = AlignedBuffer(packed)
    }

    /// The number of tiles the output plane splits into.
    var tileCount: Int { (layer.outputShape.plane + choice.tile - 1) / choice.tile }

    /// Floats of gather scratch one worker needs: one tile, or every tile of the plane when channels are outer,
    /// plus one vector of slack for the gather's whole-vector stores past the last row.
    private var gatherCount: Int {
        choice.direct ? 0 : layer.depth * choice.tile * (choice.channelsOuter ? tileCount : 1) + 16
    }

    /// Floats of scratch one worker needs: the gathered columns, then the running sums of blocked lists.
    var columnsCount: Int { gatherCount + (blocks > 1 ? layer.convolution.outputChannels * choice.tile : 0) }

    /// Output channels per block when channels are outer: their weights stay in cache across the tiles.
    private static let channelBlock = 16

    /// Computes output channels `outputs` at tiles `tiles` of one image.
    ///
    /// `input` holds the image's input activation (padded by at least one tile of readable floats at the end),
    /// `output` its output, `residual` (if any) a tensor shaped like the output that is added before the ReLU,
    /// and `columns` this worker's gather scratch. `outputs` starts at a multiple of 4.
    func run(kernels: UnsafePointer<smk_kernel_table>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             residual: UnsafePointer<Float>?, columns: UnsafeMutablePointer<Float>, tiles: Range<Int>,
             outputs: Range<Int>) {
        let shape = layer.inputShape
        let outputShape = layer.outputShape
        let convolution = layer.convolution
        let tile = choice.tile
        var geometry = smk_geometry(
            input: input, channels: Int32(shape.channels), height: Int32(shape.height), width: Int32(shape.width),
            kernel: Int32(convolution.kernel), stride: Int32(convolution.stride), padding: Int32(convolution.padding),
            outputHeight: Int32(outputShape.height), outputWidth: Int32(outputShape.width))
        var epilogue = smk_epilogue(
            scale: scale.pointer, bias: bias.pointer, residual: residual, output: output,
            plane: outputShape.plane, relu: layer.relu ? 1 : 0)
        let table = kernels.pointee
        let tileFloats = layer.depth * tile
        let partial = columns + gatherCount
        /// The columns of tile `tileIndex`: in place, or gathered at `slot` of the scratch.
        func columnsOf(_ tileIndex: Int, slot: Int, gathering: Bool) -> (UnsafePointer<Float>, Int) {
            let first = tileIndex * tile
            if choice.direct { return (input + first, shape.plane) }
            let target = columns + slot * tileFloats
            if gathering { table.gather(&geometry, first, Int32(min(tile, outputShape.plane - first)), Int32(tile), target) }
            return (UnsafePointer(target), tile)
        }
        func compute(_ tileIndex: Int, _ source: UnsafePointer<Float>, _ rowStride: Int, _ outputs: Range<Int>) {
            let first = tileIndex * tile
            let count = Int32(min(tile, outputShape.plane - first))
            let (firstOutput, endOutput) = (Int32(outputs.lowerBound), Int32(outputs.upperBound))
            switch choice.method {
            case .sparse, .signs:
                table.lists(source, rowStride, Int32(tile), starts.pointer,
                            choice.method == .signs ? splits.pointer : nil, rows.pointer, values.pointer,
                            Int32(blocks), Int32(layer.convolution.outputChannels), firstOutput, endOutput, partial,
                            &epilogue, first, count)
            case .dense:
                table.dense(source, rowStride, Int32(tile), packed.pointer, Int32(layer.depth),
                            firstOutput, endOutput, &epilogue, first, count)
            }
        }
        if choice.channelsOuter {
            for tileIndex in tiles { _ = columnsOf(tileIndex, slot: tileIndex - tiles.lowerBound, gathering: true) }
            for block in stride(from: outputs.lowerBound, to: outputs.upperBound, by: Self.channelBlock) {
                let blockOutputs = block..<min(outputs.upperBound, block + Self.channelBlock)
                for tileIndex in tiles {
                    let (source, rowStride) = columnsOf(tileIndex, slot: tileIndex - tiles.lowerBound, gathering: false)
                    compute(tileIndex, source, rowStride, blockOutputs)
                }
            }
        } else {
            for tileIndex in tiles {
                let (source, rowStride) = columnsOf(tileIndex, slot: 0, gathering: true)
                compute(tileIndex, source, rowStride, outputs)
            }
        }
    }
}
