import Foundation
import Testing
@testable import SupermaskCore

@Suite struct WeightInitialisationTests {
    @Test func recognisesSignedConstantAndChecksItsScale() {
        let c = Float((2.0 / 147.0).squareRoot())
        let weights = (0..<9408).map { $0 % 3 == 0 ? -c : c }
        let result = WeightInitialisation.recognise(weights, fanIn: 147)
        #expect(result == .signedConstant(magnitude: 0.11664237, expected: 0.11664237))
        #expect(result.matchesExpectedScale)
        let wrong = WeightInitialisation.recognise(weights.map { $0 * 2 }, fanIn: 147)
        #expect(wrong.name == "signed-constant")
        #expect(!wrong.matchesExpectedScale)
    }

    @Test func recognisesKaimingNormalBySampleDeviation() {
        // A deterministic standard-normal sample by the Box–Muller transform of a Weyl sequence.
        let count = 36_864
        let normals = (0..<count).map { index -> Double in
            let u1 = (Double(index) + 0.5) / Double(count)
            let u2 = (Double(index) * 0.618_033_988_749_895).truncatingRemainder(dividingBy: 1)
            return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
        let std = (2.0 / 576.0).squareRoot()
        let weights = normals.map { Float($0 * std) }
        #expect(WeightInitialisation.recognise(weights, fanIn: 576).name == "kaiming-normal")
        #expect(WeightInitialisation.recognise(weights.map { $0 * 1.5 }, fanIn: 576).name == "other")
    }
}
