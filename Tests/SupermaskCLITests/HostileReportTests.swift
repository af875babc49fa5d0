import Foundation
import SupermaskCore
import SupermaskFormat
import SupermaskHDF5
import SupermaskTestSupport
import Testing

/// Strings and numbers chosen by whoever made a model file, as `inspect` and `size` print them: a file is either
/// refused in one line naming it, or shown with every control character escaped — never a raw newline or escape
/// sequence on the user's terminal. docs/security.md, "Messages and reports".
@Suite struct HostileReportTests {
    /// A newline, a colour escape and a right-to-left override.
    static let hostile = "\n\u{1B}[31m\u{202E}"
    static let escaped = "\\n\\x1b[31m\\u{202e}"
    static let longName = String(repeating: "x", count: 5_000)

    private func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-hostile-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// fc.h5 written as a container whose architecture, first layer name and metadata carry `hostile`, plus `extra`
    /// metadata.
    private func hostileContainer(in folder: String, extra: [(key: String, value: MetadataValue)] = []) throws -> String {
        var model = try CheckpointImporter.load(path: CommandRunner.fixture("fc.h5"))
        let renamed = "linear.0" + Self.hostile
        model.architecture.name = "FC" + Self.hostile
        model.architecture.layers = model.architecture.layers.map { layer in
            guard case .convolution(var convolution) = layer, convolution.name == "linear.0" else { return layer }
            convolution.name = renamed
            return .convolution(convolution)
        }
        model.convolutions[renamed] = model.convolutions.removeValue(forKey: "linear.0")
        model.metadata = [("arch", .text("FC" + Self.hostile + Self.longName)), ("note" + Self.hostile, .text("x"))] + extra
        let path = folder + "/hostile.smask"
        try Data(ContainerWriter.encode(model, mode: .fp32).bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// No control character reaches the output; every line is short.
    private func expectSafe(_ text: String, _ what: String) {
        #expect(!text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x1B || $0 == "\u{202E}" }, "\(what)")
        #expect(text.split(separator: "\n").allSatisfy { $0.count < 700 }, "\(what): a line is longer than 700 characters")
    }

    /// Refused in one line naming the file, or accepted.
    private func expectRefusedOrShown(_ result: CommandRunner.Result, file: String, lineLimitOnOutput: Bool = true) -> Bool {
        if lineLimitOnOutput { expectSafe(result.standardOutput, "stdout") }
        expectSafe(result.standardError, "stderr")
        if result.status != 0 {
            #expect(result.standardError.hasPrefix("supermask: error: \(file): "))
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            return false
        }
        return true
    }

    @Test func inspectShowsTheFilesStringsEscaped() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try hostileContainer(in: folder)
        let result = try CommandRunner.run("inspect", path)
        guard expectRefusedOrShown(result, file: path) else { return }
        #expect(result.standardOutput.contains("architecture  FC\(Self.escaped) (input"))
        #expect(result.standardOutput.contains("\nlinear.0\(Self.escaped)  "))
        #expect(result.standardOutput.contains("checkpoint    arch FC\(Self.escaped)xxx"))
        #expect(result.standardOutput.contains("xxx…"))
    }

    @Test func sizeShowsTheArchitectureEscaped() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try hostileContainer(in: folder)
        let result = try CommandRunner.run("size", path, "--chart", folder + "/chart.svg")
        guard expectRefusedOrShown(result, file: path) else { return }
        #expect(result.standardOutput.contains("architecture  FC\(Self.escaped): "))
        let svg = try String(contentsOfFile: folder + "/chart.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("FC\(Self.escaped): "))
        #expect(!svg.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x202E })
    }

    /// JSON has no NaN or infinity: such metadata is written as null, with a warning naming the file and key.
    @Test func inspectJSONWritesNonFiniteMetadataAsNull() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try hostileContainer(in: folder, extra: [("best_acc1", .real(.nan)), ("curr_acc1", .real(-.infinity)), ("epoch", .integer(90))])
        let result = try CommandRunner.run("inspect", path, "--json")
        // JSON keeps the strings whole (so lines may be long) but escapes every character that acts on a terminal.
        #expect(!result.standardOutput.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x1B || $0.value == 0x202E })
        guard expectRefusedOrShown(result, file: path, lineLimitOnOutput: false) else { return }
        #expect(result.standardError == """
            supermask: warning: \(path): metadata best_acc1 is nan, written as null (JSON has no NaN or infinity)
            supermask: warning: \(path): metadata curr_acc1 is -inf, written as null (JSON has no NaN or infinity)

            """)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let metadata = try #require(document["metadata"] as? [String: Any])
        #expect(metadata["best_acc1"] is NSNull && metadata["curr_acc1"] is NSNull)
        #expect(metadata["epoch"] as? Int == 90)
        // JSON keeps the strings whole: a program reading it gets the file's bytes back.
        #expect(document["architecture"] as? String == "FC" + Self.hostile)
        #expect(metadata["note" + Self.hostile] as? String == "x")
    }
}
