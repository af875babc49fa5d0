import Foundation
import SupermaskCore
import SupermaskDatasets
import Testing

@Suite struct LabelledImagesTests {
    private let images = IDXArray(dimensions: [2, 2, 3], elements: [0, 1, 2, 253, 254, 255, 10, 20, 30, 40, 50, 60])
    private let labels = IDXArray(dimensions: [2], elements: [7, 3])

    private func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as SupermaskError { return error.description } catch { return "\(error)" }
        return nil
    }

    @Test func pairsImagesWithLabels() throws {
        let split = try LabelledImages(images: images, labels: labels, classCount: 10)
        #expect(split.count == 2)
        #expect(split.rows == 2 && split.columns == 3)
        #expect(split.labels == [7, 3])
        #expect(split.pixels.count == 12)
    }

    @Test func countsMustAgree() throws {
        var oneLabel = labels
        oneLabel.dimensions = [1]
        oneLabel.elements = [7]
        #expect(message { _ = try LabelledImages(images: images, labels: oneLabel, classCount: 10) } == "1 labels for 2 images")
    }

    @Test func labelsMustNameAClass() {
        #expect(message { _ = try LabelledImages(images: images, labels: labels, classCount: 5) } == "label 7 of image 0 is outside 0…4")
    }

    @Test func filesMustHaveTheirShapes() {
        #expect(message { _ = try LabelledImages(images: labels, labels: labels, classCount: 10) }
            == "an images file has 3 dimensions [count, rows, columns] (magic 0x00000803), this one [2]")
        #expect(message { _ = try LabelledImages(images: images, labels: images, classCount: 10) }
            == "a labels file has 1 dimension [count] (magic 0x00000801), this one [2, 2, 3]")
    }

    @Test func loadBlamesTheRightFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("supermask-split-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let imagesPath = directory.appendingPathComponent("images.gz").path
        let labelsPath = directory.appendingPathComponent("labels").path
        try Data(GzippedIDX.images).write(to: URL(fileURLWithPath: imagesPath))
        try Data(GzippedIDX.rawLabels).write(to: URL(fileURLWithPath: labelsPath))
        #expect(try LabelledImages.load(images: imagesPath, labels: labelsPath, classCount: 10).labels == [7, 3])
        #expect(message { _ = try LabelledImages.load(images: imagesPath, labels: labelsPath, classCount: 7) } == "\(labelsPath): label 7 of image 0 is outside 0…6")
        #expect(message { _ = try LabelledImages.load(images: labelsPath, labels: labelsPath, classCount: 10) }?.hasPrefix("\(labelsPath): an images file has 3 dimensions") == true)
    }
}
