import Foundation
import Testing
import SupermaskCore
import SupermaskEngine

/// The choice of kernel table: a table runs only where the CPU has every feature it is compiled for.
@Suite struct CPUDispatchTests {
    /// The /proc/cpuinfo flags of the first CPU, or `nil` off Linux.
    static var cpuinfoFlags: Set<String>? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":")
        else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// The CPU features each table is compiled for, by their /proc/cpuinfo names (table_*.c's target attributes).
    static let compiledFor: [InstructionSet: [String]] = [
        .avx512: ["avx", "avx2", "fma", "avx512f", "avx512vl", "avx512dq", "avx512bw"],
        .avx2: ["avx", "avx2", "fma", "f16c", "bmi2"],
        .portable: [], .reference: [],
    ]

    @Test func everyCompiledFeatureIsChecked() throws {
        var report: [String] = []
        for table in InstructionSet.allCases {
            #expect(table.isSupported == table.missingFeatures.isEmpty, "\(table)")
            let missing = table.missingFeatures
            report.append(missing.isEmpty ? "\(table): runs" : "\(table): skipped, CPU lacks \(missing.joined(separator: " "))")
            // Linux lists a flag only when the CPU has it and the kernel enabled its register state, so the flags
            // must agree with CPUID + XGETBV on every feature a table is compiled for.
            if let flags = Self.cpuinfoFlags, let required = Self.compiledFor[table] {
                let lacking = required.filter { !flags.contains($0) }
                #expect(table.isSupported == lacking.isEmpty, "\(table): /proc/cpuinfo lacks \(lacking)")
                #expect(Set(missing.filter { !$0.hasPrefix("os-") }).isSubset(of: Set(lacking)))
            }
        }
        print("Kernel tables on this CPU: " + report.joined(separator: "; "))
        #expect(InstructionSet.portable.isSupported && InstructionSet.reference.isSupported)
        #expect(InstructionSet.best == InstructionSet.byPreference.first(where: \.isSupported))
    }

    @Test func anUnsupportedTableFallsBackToTheBestSupported() throws {
        let architecture = Architecture(name: "empty", inputShape: [1, 2, 2], inputRule: .exact, classCount: 0,
                                        layers: [.flatten])
        let model = Model(architecture: architecture, convolutions: [:], batchNorms: [:], keep: nil)
        for table in InstructionSet.allCases {
            let engine = FastEngine(model: model, options: .init(instructionSet: table, kernelSelection: .measured(cache: nil)))
            #expect(engine.options.instructionSet == (table.isSupported ? table : InstructionSet.best))
        }
    }
}
