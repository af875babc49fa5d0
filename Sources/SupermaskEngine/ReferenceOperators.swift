import Dispatch
import SupermaskCore

/// The operators of the reference forward pass on NCHW float32 tensors, matching PyTorch's definitions.
enum ReferenceOperators {
    /// A bias-free 2-D convolution (PyTorch's `conv2d`, dilation 1, groups 1).
    ///
    /// For each output channel, every nonzero weight w[o, c, ky, kx] adds `w · input[c]` shifted by
    /// (ky − padding, kx − padding) into the output plane, skipping positions that fall in the padding.
    /// Sums are accumulated in double precision and rounded once, so the oracle's own rounding error stays
    /// far below float32 engines' (in 101-layer random networks PyTorch's float32 logits are already ~5e-5
    /// from float64; an oracle that summed in float32 would add its own error of that size).
    static func convolve(_ input: Tensor, weight: [Float], _ convolution: Convolution, threads: Int) -> Tensor {
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        precondition(channels == convolution.inputChannels, "convolve: \(channels) channels into \(convolution.name)")
        let (kernel, stride, padding) = (convolution.kernel, convolution.stride, convolution.padding)
        let outputHeight = (height + 2 * padding - kernel) / stride + 1
        let outputWidth = (width + 2 * padding - kernel) / stride + 1
        let outputChannels = convolution.outputChannels
        let plane = outputHeight * outputWidth
        var output = [Float](repeating: 0, count: batch * outputChannels * plane)
        let tasks = batch * outputChannels
        output.withUnsafeMutableBufferPointer { outputBuffer in
            let out = SendablePointer(outputBuffer.baseAddress!)
            input.scalars.withUnsafeBufferPointer { inputBuffer in
                let source = SendablePointer(UnsafeMutablePointer(mutating: inputBuffer.baseAddress!))
                weight.withUnsafeBufferPointer { weightBuffer in
                    let weights = SendablePointer(UnsafeMutablePointer(mutating: weightBuffer.baseAddress!))
                    let chunks = min(tasks, threads * 4)
                    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                        let target = UnsafeMutablePointer<Double>.allocate(capacity: plane)
                        defer { target.deallocate() }
                        for task in (tasks * chunk / chunks)..<(tasks * (chunk + 1) / chunks) {
                            let (image, o) = task.quotientAndRemainder(dividingBy: outputChannels)
                            target.initialize(repeating: 0, count: plane)
                            for c in 0..<channels {
                                let inputPlane = source.pointer + (image * channels + c) * height * width
                                for ky in 0..<kernel {
                                    for kx in 0..<kernel {
                                        let w = weights.pointer[((o * channels + c) * kernel + ky) * kernel + kx]
                                        if w == 0 { continue }
                                        // Output columns whose input column ox·stride + kx − padding is in [0, width).
                                        let firstColumn = max(0, ceilingDivide(padding - kx, stride))
                                        let lastColumn = min(outputWidth, floorDivide(width - 1 + padding - kx, stride) + 1)
                                        for oy in 0..<outputHeight {
                                            let iy = oy * stride + ky - padding
                                            if iy < 0 || iy >= height || firstColumn >= lastColumn { continue }
                                            let row = inputPlane + iy * width + kx - padding
                                            let targetRow = target + oy * outputWidth
                                            for ox in firstColumn..<lastColumn {
                                                targetRow[ox] += Double(w) * Double(row[ox * stride])
                                            }
                                        }
                                    }
                                }
                            }
                            for index in 0..<plane { out.pointer[task * plane + index] = Float(target[index]) }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch, outputChannels, outputHeight, outputWidth], scalars: output)
    }

    /// Batch normalisation with running statistics (evaluation mode).
    static func normalize(_ x: inout Tensor, _ parameters: BatchNormParameters) {
        let (batch, channels) = (x.shape[0], x.shape[1])
        let plane = x.shape[2] * x.shape[3]
        for image in 0..<batch {
            for c in 0..<channels {
                let inverse = 1 / (parameters.runningVariance[c] + BatchNormParameters.epsilon).squareRoot()
                let scale = (parameters.scale?[c] ?? 1) * inverse
                let shift = (parameters.shift?[c] ?? 0) - parameters.runningMean[c] * scale
                let start = (image * channels + c) * plane
                for index in start..<start + plane { x.scalars[index] = x.scalars[index] * scale + shift }
            }
        }
    }

    /// Max pooling; padded cells never win; output size floor((H + 2p − k) / s) + 1.
    static func maxPool(_ x: Tensor, kernel: Int, stride: Int, padding: Int) -> Tensor {
        pool(x, window: (kernel, kernel), stride: (stride, stride), padding: padding) { values, rows, columns, width in
            var best = -Float.infinity
            for iy in rows {
                for ix in columns where values[iy * width + ix] > best || values[iy * width + ix].isNaN {
                    best = values[iy * width + ix]
                }
            }
            return best
        }
    }

    /// Average pooling over non-overlapping `kernel`×`columns` windows (stride = window, no padding, floor).
    static func averagePool(_ x: Tensor, kernel: Int, columns: Int? = nil) -> Tensor {
        let window = (kernel, columns ?? kernel)
        return pool(x, window: window, stride: window, padding: 0) { values, rows, columns, width in
            var sum: Double = 0
            for iy in rows {
                for ix in columns { sum += Double(values[iy * width + ix]) }
            }
            return Float(sum / Double(rows.count * columns.count))
        }
    }

    /// Applies `reduce` to every window of every plane; windows are clipped to the input, so padded cells
    /// take no part. `reduce` gets the plane, the window's rows and columns, and the plane's width.
    private static func pool(
        _ x: Tensor, window: (height: Int, width: Int), stride: (y: Int, x: Int), padding: Int,
        _ reduce: (UnsafeBufferPointer<Float>, Range<Int>, Range<Int>, Int) -> Float
    ) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outputHeight = (height + 2 * padding - window.height) / stride.y + 1
        let outputWidth = (width + 2 * padding - window.width) / stride.x + 1
        var output = [Float](repeating: 0, count: batch * channels * outputHeight * outputWidth)
        x.scalars.withUnsafeBufferPointer { scalars in
            for planeIndex in 0..<batch * channels {
                let plane = UnsafeBufferPointer(rebasing: scalars[planeIndex * height * width..<(planeIndex + 1) * height * width])
                for oy in 0..<outputHeight {
                    let top = oy * stride.y - padding
                    let rows = max(0, top)..<min(height, top + window.height)
                    for ox in 0..<outputWidth {
                        let left = ox * stride.x - padding
                        let columns = max(0, left)..<min(width, left + window.width)
                        output[(planeIndex * outputHeight + oy) * outputWidth + ox] = reduce(plane, rows, columns, width)
                    }
                }
            }
        }
        return Tensor(shape: [batch, channels, outputHeight, outputWidth], scalars: output)
    }
}

/// ⌊a / b⌋ for b > 0, also for negative a (Swift's `/` truncates toward zero).
private func floorDivide(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}

/// ⌈a / b⌉ for b > 0.
private func ceilingDivide(_ a: Int, _ b: Int) -> Int {
    -floorDivide(-a, b)
}

/// A raw pointer that may cross into `concurrentPerform`; each task writes a disjoint range.
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
