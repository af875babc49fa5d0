import CSupermaskKernels

/// A convolution laid out for one kernel choice: the weight lists (or packed dense weights) and the folded
/// epilogue constants, in aligned memory, ready to run over any range of tiles and output channels.
final class PreparedConvolution: @unchecked Sendable {
    let layer: ConvolutionLayer
    let choice: KernelChoice
    /// The table the lists are laid out for (their padding follows its accumulator chains).
    let instructionSet: InstructionSet
    private let scale: AlignedBuffer<Float>
    private let bias: AlignedBuffer<Float>
    /// sparse/signs: list l = block · outputChannels + o (output channel o's entries in input-row block `block`)
    /// is entries starts[l] ..< starts[l + 1].
    private let starts: AlignedBuffer<Int32>
    /// signs: entries starts[l] ..< splits[l] are +c, splits[l] ..< starts[l + 1] are −c.
    private let splits: AlignedBuffer<Int32>
    /// sparse/signs: the offset in floats of each entry's input row (c·k + ky)·k + kx from a tile's first column:
    /// the row times the row stride (`tile` when gathered, the plane when direct), or for shifted kernels the
    /// tap's place in the padded copies, so the kernel's loop does no multiply.
    private let rows: AlignedBuffer<Int32>
    /// sparse: the weight of each entry.
    private let values: AlignedBuffer<Float>
    /// dense: weights as [outputChannels / 4][depth][4] (SMK_DENSE_CHANNELS = 4), zero-padded to a multiple of 4
    /// channels.
    private let packed: AlignedBuffer<Float>
    /// sparse/signs: how many blocks of input rows the lists are split into, and the rows per block.
    private let blocks: Int
    private let blockRows: Int

    /// Lays out `weights` (the layer's masked weights in (out, in, kh, kw) order) for `choice` and the kernels
    /// of `instructionSet`; keeps only that layout.
    init(_ layer: ConvolutionLayer, weights: [Float], choice: KernelChoice, instructionSet: InstructionSet) {
        self.layer = layer
        self.instructionSet = instructionSet
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
        self.blockRows = blockRows
        blocks = (depth + blockRows - 1) / blockRows
        switch self.choice.method {
        case .sparse, .signs:
            let magnitude = layer.ternaryMagnitude ?? 1
            let signs = self.choice.method == .signs
            let rowStride = self.choice.direct ? layer.inputShape.plane : self.choice.tile
            let (k, shifted) = (layer.convolution.kernel, self.choice.shifted)
            let (paddedPlane, paddedWidth) = (layer.paddedPlane, layer.paddedWidth)
            let copyCount = Self.shiftedCopyCount(layer, tile: self.choice.tile)
            /// Where row r = (c·k + ky)·k + kx starts, relative to a tile's first column.
            func offset(_ r: Int) -> Int32 {
                guard shifted else { return Int32(r * rowStride) }
                let (c, ky, kx) = (r / (k * k), r / k % k, r % k)
                return Int32(kx * copyCount + c * paddedPlane + ky * paddedWidth)
            }
            // Gathered columns end with a row of zeros (row `depth`). Every run of additions or subtractions is
            // padded with entries on that row to a multiple of the kernel's accumulator chains, so the kernel never
            // enters its remainder loops, whose varying trip counts cost a branch misprediction per short list.
            // Adding zero leaves every sum exact. Direct and shifted kernels read the input in place: no zero row.
            let inPlace = self.choice.direct || shifted
            let chains = inPlace ? 1 : instructionSet.accumulatorChains(tile: self.choice.tile)
            func pad(from start: Int) {
                while (rows.count - start) % chains != 0 {
                    rows.append(Int32(depth * rowStride))
                    if !signs { values.append(0) }
                }
            }
            for block in 0..<blocks {
                let blockRange = (block * blockRows)..<min(depth, (block + 1) * blockRows)
                for o in 0..<outputs {
                    let base = o * depth
                    let start = rows.count
                    if signs {
                        rows += blockRange.filter { weights[base + $0] > 0 }.map(offset)
                        pad(from: start)
                        splits.append(Int32(rows.count))
                        let minus = rows.count
                        rows += blockRange.filter { weights[base + $0] < 0 }.map(offset)
                        pad(from: minus)
                    } else {
                        for r in blockRange where weights[base + r] != 0 {
                            rows.append(offset(r))
                            values.append(weights[base + r])
                        }
                        pad(from: start)
                    }
                    starts.append(Int32(rows.count))
                }
            }
            if signs {
                for o in 0..<outputs { scale[o] *= magnitude }
            }
        case .dense:
            let group = Int(SMK_DENSE_CHANNELS)
            packed = [Float](repeating: 0, count: (outputs + group - 1) / group * depth * group)
            for o in 0..<outputs {
                for r in 0..<depth { packed[((o / group) * depth + r) * group + o % group] = weights[o * depth + r] }
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

    /// The output positions the kernel computes: the plane, or for shifted kernels every output row at the padded
    /// width.
    private var computedPlane: Int {
        choice.shifted ? layer.outputShape.height * layer.paddedWidth : layer.outputShape.plane
    }

    /// The number of tiles the computed plane splits into.
    var tileCount: Int { (computedPlane + choice.tile - 1) / choice.tile }

    /// Shifted kernels: floats of one padded input copy, with slack for the last tile's reads past the last plane.
    private static func shiftedCopyCount(_ layer: ConvolutionLayer, tile: Int) -> Int {
        (layer.inputShape.channels * layer.paddedPlane + tile + 15) / 16 * 16
    }

    /// Shifted kernels: floats of the padded input copies, one per kernel column kx, copy kx shifted left by kx so
    /// that every tap's reads are vector-aligned.
    private var paddedCount: Int {
        choice.shifted ? layer.convolution.kernel * Self.shiftedCopyCount(layer, tile: choice.tile) : 0
    }

    /// Shifted kernels: floats of the output at the padded width, before its extra columns are dropped.
    private var wideOutputCount: Int {
        choice.shifted ? (layer.convolution.outputChannels * computedPlane + 15) / 16 * 16 : 0
    }

    /// Floats of one gathered tile: `depth` rows of columns and the zero row that list padding points at.
    private var tileFloats: Int { (layer.depth + 1) * choice.tile }

    /// Floats of gather scratch one worker needs: one tile, or every tile of the plane when channels are outer,
    /// plus one vector of slack for the gather's whole-vector stores past the last row.
    private var gatherCount: Int {
        if choice.shifted { return paddedCount + wideOutputCount }
        return choice.direct ? 0 : tileFloats * (choice.channelsOuter ? tileCount : 1) + 16
    }

    /// Floats of scratch one worker needs: the gathered columns, then the running sums of blocked lists.
    var columnsCount: Int { gatherCount + (blocks > 1 ? layer.convolution.outputChannels * choice.tile : 0) }

    /// Output channels per block when channels are outer: their weights stay in cache across the tiles.
    private static let channelBlock = 16

    /// Prepares what every share of one image's convolution reads, once per image before the shares run: for
    /// shifted kernels, the zero-padded input copies, written at the start of `shared` (the first worker's scratch);
    /// nothing for the others.
    func stage(input: UnsafePointer<Float>, shared: UnsafeMutablePointer<Float>) {
        guard choice.shifted else { return }
        let shape = layer.inputShape
        let (padding, paddedWidth, paddedPlane) = (layer.convolution.padding, layer.paddedWidth, layer.paddedPlane)
        let copyCount = Self.shiftedCopyCount(layer, tile: choice.tile)
        let planes = shape.channels * paddedPlane
        for kx in 0..<layer.convolution.kernel {
            // Copy kx holds the padded input shifted left by kx: input column x lands at x + padding − kx. Only
            // what the input does not overwrite is zeroed: the padding rows, each row's ends and the tail.
            let copy = shared + kx * copyCount
            let skip = max(0, kx - padding)
            let begin = max(0, padding - kx)
            // The row's copied part [begin, end); empty when the shift moves every input column out.
            let end = begin + max(0, shape.width - skip)
            for c in 0..<shape.channels {
                let plane = copy + c * paddedPlane
                plane.update(repeating: 0, count: padding * paddedWidth)
                (plane + (shape.height + padding) * paddedWidth).update(repeating: 0, count: padding * paddedWidth)
                for y in 0..<shape.height {
                    let row = plane + (y + padding) * paddedWidth
                    row.update(repeating: 0, count: begin)
                    if end > begin {
                        (row + begin).update(from: input + (c * shape.height + y) * shape.width + skip, count: end - begin)
                    }
                    (row + end).update(repeating: 0, count: paddedWidth - end)
                }
            }
            (copy + planes).update(repeating: 0, count: copyCount - planes)
        }
    }

    /// Computes output channels `outputs` at tiles `tiles` of one image, after `stage`.
    ///
    /// `input` holds the image's input activation (padded by at least one tile of readable floats at the end),
    /// `output` its output, `residual` (if any) a tensor shaped like the output that is added before the ReLU,
    /// `shared` the scratch `stage` wrote to, and `columns` this worker's own scratch (which may be `shared`).
    /// `outputs` starts at a multiple of 4.
    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
             residual: UnsafePointer<Float>?, shared: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>,
             tiles: Range<Int>, outputs: Range<Int>) {
        if choice.shifted {
            runShifted(padded: shared, output: output, residual: residual, scratch: columns,
                       tiles: tiles, outputs: outputs)
            return
        }
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
        let table = instructionSet.kernels.pointee
        let tileFloats = self.tileFloats
        let partial = columns + gatherCount
        /// Gathers input rows `rows` of tile `tileIndex` into `target`.
        func gather(_ tileIndex: Int, rows: Range<Int>, into target: UnsafeMutablePointer<Float>) {
            let first = tileIndex * tile
            table.gather(&geometry, first, Int32(min(tile, outputShape.plane - first)), Int32(tile),
                         Int32(rows.lowerBound), Int32(rows.upperBound), target)
            // The gather's whole-vector stores may spill into the zero row; clear it after every gather.
            (target + layer.depth * tile).update(repeating: 0, count: tile)
        }
        /// The columns of tile `tileIndex`: in place, or gathered at `slot` of the scratch.
        func columnsOf(_ tileIndex: Int, slot: Int, gathering: Bool) -> (UnsafePointer<Float>, Int) {
            let first = tileIndex * tile
            if choice.direct { return (input + first, shape.plane) }
            let target = columns + slot * tileFloats
            if gathering { gather(tileIndex, rows: 0..<layer.depth, into: target) }
            return (UnsafePointer(target), tile)
        }
        func compute(_ tileIndex: Int, _ source: UnsafePointer<Float>, _ rowStride: Int, _ outputs: Range<Int>,
                     blocks blockRange: Range<Int>? = nil) {
            let first = tileIndex * tile
            let count = Int32(min(tile, outputShape.plane - first))
            let (firstOutput, endOutput) = (Int32(outputs.lowerBound), Int32(outputs.upperBound))
            let blockRange = blockRange ?? 0..<blocks
            switch choice.method {
            case .sparse, .signs:
                table.lists(source, Int32(tile), starts.pointer,
                            choice.method == .signs ? splits.pointer : nil, rows.pointer, values.pointer,
                            Int32(blocks), Int32(blockRange.lowerBound), Int32(blockRange.upperBound),
                            Int32(layer.convolution.outputChannels), firstOutput, endOutput, partial,
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
        } else if !choice.direct && choice.method != .dense && blocks > 1 {
            // Gather each block of rows just before the lists consume it, so that it is still in L1 (a whole
            // tile's columns of a deep layer are larger than L2).
            for tileIndex in tiles {
                for block in 0..<blocks {
                    gather(tileIndex, rows: (block * blockRows)..<min(layer.depth, (block + 1) * blockRows),
                           into: columns)
                    compute(tileIndex, UnsafePointer(columns), tile, outputs, blocks: block..<(block + 1))
                }
            }
        } else {
            for tileIndex in tiles {
                let (source, rowStride) = columnsOf(tileIndex, slot: 0, gathering: true)
                compute(tileIndex, source, rowStride, outputs)
            }
        }
    }

    /// `run` for shifted kernels: runs the lists over tiles of the padded-width output read from the padded copies
    /// `stage` made (scale and bias applied), then drops the extra columns while adding the residual and clamping,
    /// in the reference's order.
    private func runShifted(padded: UnsafePointer<Float>,
                            output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                            scratch: UnsafeMutablePointer<Float>, tiles: Range<Int>, outputs: Range<Int>) {
        let outputShape = layer.outputShape
        let paddedWidth = layer.paddedWidth
        let wide = scratch + paddedCount
        let partial = scratch + gatherCount
        let plane = computedPlane
        let tile = choice.tile
        var epilogue = smk_epilogue(scale: scale.pointer, bias: bias.pointer, residual: nil, output: wide,
                                    plane: plane, relu: 0)
        for tileIndex in tiles {
            let first = tileIndex * tile
            instructionSet.kernels.pointee.lists(padded + first, Int32(tile), starts.pointer,
                                  choice.method == .signs ? splits.pointer : nil, rows.pointer, values.pointer,
                                  Int32(blocks), 0, Int32(blocks), Int32(layer.convolution.outputChannels),
                                  Int32(outputs.lowerBound),
                                  Int32(outputs.upperBound), partial, &epilogue, first, Int32(min(tile, plane - first)))
        }
        let (begin, end) = (tiles.lowerBound * tile, min(tiles.upperBound * tile, plane))
        guard begin < end else { return }
        let relu = layer.relu
        for o in outputs {
            for y in (begin / paddedWidth)...((end - 1) / paddedWidth) {
                let low = max(begin - y * paddedWidth, 0), high = min(end - y * paddedWidth, outputShape.width)
                guard low < high else { continue }
                let source = wide + o * plane + y * paddedWidth
                let target = o * outputShape.plane + y * outputShape.width
                for x in low..<high {
                    var value = source[x]
                    if let residual { value += residual[target + x] }
                    if relu && !(value > 0) { value = 0 }
                    output[target + x] = value
                }
            }
        }
    }
}
