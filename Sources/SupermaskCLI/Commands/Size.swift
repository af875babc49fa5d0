import ArgumentParser
import Foundation
import SupermaskCore
import SupermaskFormat
import SupermaskZoo

/// `supermask size`: how many bytes a subnetwork takes under each representation, against its information bound.
struct Size: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the size of a subnetwork under every representation with its information bound.",
        discussion: "With --compare, one table for several models (.h5 or .smask), e.g. the whole zoo.")

    @Argument(help: "The model (.h5, .smask or a zoo name); with --compare, any number of them.")
    var models: [String]

    @Flag(help: "One summary table for all the models given.")
    var compare = false

    @Option(help: "The original .pth checkpoint, to show its size too.")
    var original: String?

    @Option(help: "Fraction of each layer's weights to keep, for .h5 files without a keep attribute.")
    var keep: Double?

    @Flag(help: "Print the report as one JSON document.")
    var json = false

    @Option(help: "Also write the sizes as an SVG bar chart (log scale) to this file.")
    var chart: String?

    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give a model (.h5 or .smask)") }
        guard compare || models.count == 1 else { throw ValidationError("give one model, or --compare and several") }
        guard !compare || (original == nil && chart == nil) else { throw ValidationError("--original and --chart apply to one model, not --compare") }
    }

    func run() throws {
        try reportingErrors {
            let reports = try models.map(report)
            if json {
                if compare { try printJSON(reports) } else { try printJSON(reports[0]) }
            } else {
                print(compare ? sizeComparisonText(reports) : reports[0].text)
            }
            if let chart {
                guard FileManager.default.createFile(atPath: chart, contents: Data(reports[0].svgChart.utf8)) else {
                    throw SupermaskError(file: chart, "cannot write the chart")
                }
            }
        }
    }

    private func report(_ argument: String) throws -> SizeReport {
        let path = try ZooModelFile.resolve(argument)
        var originalBytes: Int?
        if let original {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: original),
                  let size = attributes[.size] as? Int else {
                throw SupermaskError(file: original, "no such file")
            }
            originalBytes = size
        }
        if ContainerReader.isContainer(path: path) {
            let (model, statistics) = try ContainerReader.load(path: path, limits: limitOptions.limits)
            return try SizeReport(model: model, file: path, statistics: statistics, originalBytes: originalBytes)
        }
        var arguments = [path]
        if let keep { arguments += ["--keep", String(keep)] }
        var options = try ModelOptions.parse(arguments)
        options.limitOptions = limitOptions
        let model = try options.load()
        return try SizeReport(model: model, file: path, statistics: nil, originalBytes: originalBytes)
    }
}
