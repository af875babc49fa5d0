import Foundation
import SupermaskTestSupport
import Testing

@Suite struct BenchCommandTests {
    private struct Report: Decodable {
        struct Result: Decodable {
            var batch_size: Int
            var threads: Int
            var images_per_second: Double
            var run_seconds: [Double]
        }
        struct Layer: Decodable {
            var threads: Int
            var name: String
            var kernel: String
            var milliseconds: Double
        }
        var results: [Result]
        var layers: [Layer]
        var peak_memory_bytes: Int
    }

    @Test func benchmarksTheFullyConnectedFixture() throws {
        let clock = ContinuousClock()
        let started = clock.now
        let result = try CommandRunner.run(
            "bench", CommandRunner.fixture("fc.h5"), "--batch-size", "1,3", "--threads", "1,2", "--runs", "2",
            "--warmup", "0", "--layers", "4", "--no-kernel-cache", "--json")
        let elapsed = started.duration(to: clock.now)
        #expect(result.status == 0, "\(result.standardError)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.standardOutput.utf8))
        #expect(report.results.map { [$0.threads, $0.batch_size] } == [[1, 1], [1, 3], [2, 1], [2, 3]])
        for entry in report.results {
            #expect(entry.images_per_second > 0)
            #expect(entry.run_seconds.count == 2)
            // Two runs: the median is their mean, and the rate is the batch over it.
            let median = entry.run_seconds.reduce(0, +) / 2
            #expect(entry.run_seconds.allSatisfy { $0 > 0 })
            #expect(abs(entry.images_per_second - Double(entry.batch_size) / median) <= 1e-9 * entry.images_per_second)
        }
        // The timed runs happened inside the command: together they cannot exceed its wall time.
        let timed = report.results.flatMap(\.run_seconds).reduce(0, +)
        #expect(timed < Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        // The FC net plans to three steps (each linear layer with its ReLU fused), all under the --layers limit.
        for threads in [1, 2] {
            #expect(report.layers.filter { $0.threads == threads }.count == 3)
        }
        #expect(report.layers.contains { $0.kernel.hasPrefix("sparse/") || $0.kernel.hasPrefix("signs/") })
        #expect(report.peak_memory_bytes > 0)
    }

    @Test func textReportHasTheTables() throws {
        let result = try CommandRunner.run(
            "bench", CommandRunner.fixture("fc.h5"), "--batch-size", "2", "--threads", "1", "--runs", "1",
            "--engine", "reference")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("images/s"))
        #expect(result.standardOutput.contains("peak memory"))
    }

    @Test(arguments: [["--batch-size", "0"], ["--threads", "1,x"], ["--runs", "0"]])
    func badSettingsAreRefused(extra: [String]) throws {
        let result = try CommandRunner.run(["bench", CommandRunner.fixture("fc.h5")] + extra)
        #expect(result.status != 0)
        #expect(!result.standardError.isEmpty)
    }
}
