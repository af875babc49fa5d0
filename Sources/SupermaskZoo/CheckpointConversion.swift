import Foundation
import SupermaskCore

/// Runs `tools/pth2h5.py` (numpy + h5py, no torch) to turn a released `.pth` into supermask's HDF5 layout.
public struct CheckpointConversion: Sendable {
    /// The converter script.
    public var script: String
    /// The Python interpreter.
    public var python: String

    /// Finds `python3` on `PATH` and the converter (`ZooLocations.converterScript`, unless `script` is given).
    public static func locate(script: String? = nil) throws -> CheckpointConversion {
        guard let script = script ?? ZooLocations.converterScript() else {
            throw SupermaskError("cannot find tools/pth2h5.py (set SUPERMASK_TOOLS to the tools directory of a supermask checkout, or fetch with --no-convert)")
        }
        guard let python = executableOnPath("python3") else {
            throw SupermaskError("python3 is not on PATH; it runs tools/pth2h5.py (with numpy and h5py) to convert the checkpoint, or fetch with --no-convert")
        }
        return CheckpointConversion(script: script, python: python)
    }

    /// Converts `input` into `output` with the keep fraction stored as an attribute; a failure is the converter's
    /// own one-line error, attributed to `input`.
    public func convert(_ input: String, to output: String, keep: Double) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, input, output, "--keep", String(keep)]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SupermaskError(file: input, "cannot run \(python) \(script): \(error.localizedDescription)")
        }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            // pth2h5 reports "pth2h5: error: <input>: <problem>"; keep the problem (a traceback's last line otherwise).
            var problem = text.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            for prefix in ["pth2h5: error: ", "\(input): "] where problem.hasPrefix(prefix) {
                problem.removeFirst(prefix.count)
            }
            throw SupermaskError(file: input, "conversion by \(script) failed: \(problem)")
        }
    }

    /// The first executable called `name` in the directories of `PATH`.
    static func executableOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").lazy.map { URL(fileURLWithPath: String($0)).appendingPathComponent(name).path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
