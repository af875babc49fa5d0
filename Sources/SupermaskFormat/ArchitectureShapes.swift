import SupermaskCore

/// Checks that a decoded architecture is consistent with itself: every layer gets the channel count it
/// expects at the nominal input shape, and a residual's two branches meet with the same shape.
///
/// The catalogue's architectures are consistent by construction; a container's header is data, and the
/// forward pass assumes consistency rather than checking it.
enum ArchitectureShapes {
    static func check(_ architecture: Architecture) throws {
        let shape = try propagate(architecture.layers, architecture.inputShape)
        guard shape[0] == architecture.classCount else {
            throw SupermaskError("the network ends with \(shape[0]) channels but claims \(architecture.classCount) classes")
        }
    }

    /// The (channels, height, width) after `layers`, given `shape` before them.
    private static func propagate(_ layers: [Layer], _ shape: [Int]) throws -> [Int] {
        var (channels, height, width) = (shape[0], shape[1], shape[2])
        for layer in layers {
            switch layer {
            case .convolution(let c):
                guard c.inputChannels == channels else {
                    throw SupermaskError("convolution '\(c.name)' takes \(c.inputChannels) channels but receives \(channels)")
                }
                (height, width) = (try windowed(height, c.kernel, c.stride, c.padding, c.name), try windowed(width, c.kernel, c.stride, c.padding, c.name))
                channels = c.outputChannels
            case .batchNorm(let norm):
                guard norm.channels == channels else {
                    throw SupermaskError("batch norm '\(norm.name)' has \(norm.channels) channels but receives \(channels)")
                }
            case .relu:
                break
            case .maxPool(let kernel, let stride, let padding):
                (height, width) = (try windowed(height, kernel, stride, padding, "max pool"), try windowed(width, kernel, stride, padding, "max pool"))
            case .averagePool(let kernel):
                guard height >= kernel, width >= kernel else { throw SupermaskError("average pool \(kernel) is larger than its \(height)×\(width) input") }
                (height, width) = (height / kernel, width / kernel)
            case .globalAveragePool:
                (height, width) = (1, 1)
            case .flatten:
                let (product, overflow) = channels.multipliedReportingOverflow(by: height * width)
                guard !overflow, product <= 1 << 30 else { throw SupermaskError("flatten gives an absurd \(channels)×\(height)×\(width) values") }
                (channels, height, width) = (product, 1, 1)
            case .residual(let body, let shortcut):
                let main = try propagate(body, [channels, height, width])
                let side = try propagate(shortcut, [channels, height, width])
                guard main == side else {
                    throw SupermaskError("a residual block's branches give \(main) and \(side), which cannot be added")
                }
                (channels, height, width) = (main[0], main[1], main[2])
            }
        }
        return [channels, height, width]
    }

    private static func windowed(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int, _ what: String) throws -> Int {
        guard size + 2 * padding >= kernel else { throw SupermaskError("\(what): kernel \(kernel) is larger than its padded input \(size + 2 * padding)") }
        return (size + 2 * padding - kernel) / stride + 1
    }
}
