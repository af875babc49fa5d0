import Foundation
import SupermaskTestSupport
import Testing

@Suite struct InspectCommandTests {
    @Test func printsTheLayerTableAndTotals() throws {
        let result = try CommandRunner.run("inspect", CommandRunner.fixture("fc.h5"))
        #expect(result.status == 0)
        #expect(result.standardError.isEmpty)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains("architecture  FC (input 1×28×28, 10 classes)"))
        #expect(lines.contains { $0.hasPrefix("linear.0") && $0.contains("300×784×1×1") && $0.contains("235,200") && $0.contains("117,600") && $0.contains("50.0%") && $0.contains("kaiming-normal") })
        #expect(lines.contains("total: 133,100 of 266,200 weights kept (50.0%) in 3 masked layers"))
        #expect(lines.contains("batch norm: none"))
    }

    @Test func jsonHasTheSameContent() throws {
        let result = try CommandRunner.run("inspect", CommandRunner.fixture("tiny-resnet-bottleneck.h5"), "--arch", "ResNet50", "--json")
        // The tiny network is not a ResNet-50: the shapes disagree and the command says which tensor.
        #expect(result.status == 1)
        #expect(result.standardError.contains("tensor 'conv1.weight' has shape [4, 3, 7, 7], expected [64, 3, 7, 7]"))

        let fc = try CommandRunner.run("inspect", CommandRunner.fixture("fc.h5"), "--json")
        #expect(fc.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(fc.standardOutput.utf8)) as? [String: Any])
        #expect(document["architecture"] as? String == "FC")
        #expect(document["keep"] as? Double == 0.5)
        let layers = try #require(document["layers"] as? [[String: Any]])
        #expect(layers.map { $0["name"] as? String } == ["linear.0", "linear.2", "linear.4"])
        #expect(layers.map { $0["kept"] as? Int } == [117_600, 15_000, 500])
        let totals = try #require(document["totals"] as? [String: Any])
        #expect(totals["kept"] as? Int == 133_100)
        #expect(totals["weights"] as? Int == 266_200)

        // The text report says the same: each layer's row carries the JSON's name and kept count.
        let text = try CommandRunner.run("inspect", CommandRunner.fixture("fc.h5"))
        let rows = text.standardOutput.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        for layer in layers {
            let name = try #require(layer["name"] as? String)
            let kept = try #require(layer["kept"] as? Int)
            let row = try #require(rows.first { $0.first == name }, "no row for \(name)")
            #expect(row.contains(kept.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))))
        }
        #expect(text.standardOutput.contains("total: \(133_100.formatted(.number.locale(Locale(identifier: "en_US")))) of"))
    }

    @Test func theKeepOptionOverridesTheFile() throws {
        let result = try CommandRunner.run("inspect", CommandRunner.fixture("fc.h5"), "--keep", "0.3")
        #expect(result.standardOutput.contains("total: 79,860 of 266,200 weights kept (30.0%) in 3 masked layers"))
    }

    @Test func aReducedWidthNetIsNotTheFullSizeOne() throws {
        let result = try CommandRunner.run("inspect", CommandRunner.fixture("tiny-conv4.h5"), "--arch", "Conv4")
        // --arch Conv4 names the full-size net; the fixture is a reduced-width one.
        #expect(result.status == 1)
        #expect(result.standardError.contains("tensor 'convs.0.weight' has shape [4, 3, 3, 3], expected [64, 3, 3, 3]"))
    }
}
