import Foundation
import SupermaskCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs `tools/pth2h5.py` (numpy + h5py, no torch) to turn a released `.pth` into supermask's HDF5 layout.
public struct CheckpointConversion: Sendable {
    /// 30 minutes, far more than converting the largest release takes; pth2h5's own limits keep a hostile file
    /// from taking long, so the timeout is for what they cannot see (a stuck disk, a wedged interpreter).
    public static let defaultTimeout: TimeInterval = 1800

    /// The converter script.
    public var script: String
    /// The Python interpreter.
    public var python: String
    /// Seconds the converter may run.
    public var timeout = CheckpointConversion.defaultTimeout

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
    /// own one-line error, attributed to `input`. The converter runs in its own process group: past `timeout` it is
    /// stopped (SIGTERM, then SIGKILL), and SIGINT or SIGTERM sent to `supermask` stop it too, after which this
    /// throws `FetchInterrupted`.
    public func convert(_ input: String, to output: String, keep: Double) throws {
        let child = ChildProcess(executable: python, arguments: [python, script, input, output, "--keep", String(keep)],
                                 timeout: timeout)
        let (ending, pid, standardError): (ChildProcess.Ending, pid_t, String)
        do {
            (ending, pid, standardError) = try child.run()
        } catch let error as SupermaskError {
            throw SupermaskError(file: input, error.message)
        }
        guard ending != .exited(0) else { return }
        // A converter stopped by a signal cannot remove its temporary output itself.
        try? FileManager.default.removeItem(atPath: "\(output).partial-\(pid)")
        let name = script.escapedPath
        switch ending {
        case .exited(let status):
            // pth2h5 reports "pth2h5: error: <input>: <problem>"; keep the problem (a traceback's last line otherwise).
            var problem = standardError.split(separator: "\n").last.map { String($0.prefix(1000)) } ?? "exit status \(status)"
            for prefix in ["pth2h5: error: ", "\(input): "] where problem.hasPrefix(prefix) {
                problem.removeFirst(prefix.count)
            }
            throw SupermaskError(file: input, "conversion by \(name) failed: \(problem)")
        case .signalled(let signal):
            throw SupermaskError(file: input, "conversion by \(name) was killed by signal \(signal)")
        case .timedOut:
            throw SupermaskError(file: input, "conversion by \(name) took longer than \(Int(timeout)) s and was stopped")
        case .interrupted(let signal):
            throw FetchInterrupted(signal: signal, file: input)
        }
    }

    /// The first executable called `name` in the directories of `PATH`.
    static func executableOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").lazy.map { URL(fileURLWithPath: String($0)).appendingPathComponent(name).path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// `supermask` received SIGINT or SIGTERM while the converter ran; the converter was stopped and its output removed.
public struct FetchInterrupted: Error, Sendable {
    /// The signal received.
    public var signal: Int32
    /// The file being converted.
    public var file: String
}
