import Testing
@testable import SupermaskVision

@Suite struct PillowColorConversionTests {
    @Test func multiplyDividing255MatchesRoundedDivision() {
        for a in stride(from: 0, through: 255, by: 5) {
            for b in stride(from: 0, through: 255, by: 3) {
                let exact = (Double(a * b) / 255).rounded(.toNearestOrAwayFromZero)
                #expect(PillowColorConversion.multiplyDividing255(a, b) == Int(exact))
            }
        }
    }
}
