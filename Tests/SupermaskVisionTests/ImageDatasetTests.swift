import Foundation
import Testing
import SupermaskCore
@testable import SupermaskVision

@Suite struct ImageDatasetTests {
    @Test func imageFolderSortsClassesAndFilesLikeTorchvision() throws {
        let folders = try DatasetFolders()
        defer { folders.remove() }
        try folders.copy("gray.JPEG", to: "val/n02/b.JPEG")
        try folders.copy("gray.JPEG", to: "val/n02/A.jpeg")
        try folders.copy("gray.JPEG", to: "val/n01/z.png")
        try folders.copy("gray.JPEG", to: "val/n01/sub/a.JPG")
        try folders.write(Data("notes".utf8), to: "val/n01/readme.txt")
        // The root holding val/ and the val folder itself open the same dataset.
        for path in [folders.root, folders.root + "/val"] {
            let dataset = try ImageDataset.open(path)
            #expect(dataset.classes == ["n01", "n02"])
            #expect(dataset.images.map { $0.path.replacingOccurrences(of: folders.root + "/val/", with: "") } == [
                "n01/z.png", "n01/sub/a.JPG", "n02/A.jpeg", "n02/b.JPEG",
            ])
            #expect(dataset.images.map(\.label) == [0, 0, 1, 1])
            #expect(dataset.warnings.isEmpty)
        }
    }

    @Test func emptyClassFoldersKeepTheirIndexAndWarn() throws {
        let folders = try DatasetFolders()
        defer { folders.remove() }
        try folders.folder("val/n00")
        try folders.copy("gray.JPEG", to: "val/n01/a.JPEG")
        let dataset = try ImageDataset.open(folders.root)
        #expect(dataset.images.map(\.label) == [1])
        #expect(dataset.warnings == ["1 of 2 class folders hold no images (n00); their classes are kept so the indices stay in sorted order"])
    }

    @Test func missingAndFlatFoldersAreClearErrors() throws {
        let folders = try DatasetFolders()
        defer { folders.remove() }
        let missing = folders.root + "/nowhere"
        #expect(throws: SupermaskError(file: missing, "no such folder; --data names the ImageNet root holding val/ or the validation folder itself")) {
            try ImageDataset.open(missing)
        }
        try folders.copy("gray.JPEG", to: "val/ILSVRC2012_val_00000001.JPEG")
        let error = try #require(throws: SupermaskError.self) { try ImageDataset.open(folders.root) }
        #expect(error.message.hasPrefix("a flat folder of images without class folders; give its labels with --labels"))
    }

    @Test func flatFolderWithCSVLabels() throws {
        let folders = try DatasetFolders()
        defer { folders.remove() }
        for index in 1...3 { try folders.copy("gray.JPEG", to: String(format: "val/ILSVRC2012_val_%08d.JPEG", index)) }
        try folders.write(Data("ImageId,PredictionString\nILSVRC2012_val_00000002,n09 1 2 3 4\nILSVRC2012_val_00000001,n03 5 6 7 8\nILSVRC2012_val_00000003.JPEG,n03\n".utf8), to: "labels.csv")
        let dataset = try ImageDataset.open(folders.root, labels: .csv(folders.root + "/labels.csv", synsets: nil))
        #expect(dataset.classes == ["n03", "n09"])
        #expect(dataset.images.map(\.label) == [0, 1, 0])
        #expect(dataset.images.first?.path.hasSuffix("ILSVRC2012_val_00000001.JPEG") == true)
    }

    @Test func flatFolderWithDevkitGroundTruth() throws {
        let folders = try DatasetFolders()
        defer { folders.remove() }
        for index in 1...3 { try folders.copy("gray.JPEG", to: String(format: "val/ILSVRC2012_val_%08d.JPEG", index)) }
        // Devkit IDs order the synsets differently from sorted wnid order.
        try folders.write(Data("n05 fish\nn01 dog\nn03 cat\n".utf8), to: "synsets.txt")
        try folders.write(Data("1\n2\n3\n".utf8), to: "ground_truth.txt")
        let dataset = try ImageDataset.open(
            folders.root + "/val", labels: .groundTruth(folders.root + "/ground_truth.txt", synsets: folders.root + "/synsets.txt"))
        #expect(dataset.classes == ["n01", "n03", "n05"])
        #expect(dataset.images.map(\.label) == [2, 0, 1])
    }

    @Test func labelsNamingMissingFilesOrUnknownWnidsAreErrors() throws {
        let folders = try DatasetFolders()
        defer { folders.remove() }
        try folders.copy("gray.JPEG", to: "val/a.JPEG")
        try folders.write(Data("a.JPEG,n01\nb.JPEG,n01\n".utf8), to: "missing.csv")
        let labels = folders.root + "/missing.csv"
        #expect(throws: SupermaskError(file: labels, "names 1 files that are not in \(folders.root)/val (b.JPEG)")) {
            try ImageDataset.open(folders.root, labels: .csv(labels, synsets: nil))
        }
        try folders.write(Data("a.JPEG,n07\n".utf8), to: "unknown.csv")
        try folders.write(Data("n01\n".utf8), to: "synsets.txt")
        let unknown = folders.root + "/unknown.csv"
        #expect(throws: SupermaskError(file: unknown, "1 labels name wnids that are not in the synset list (n07)")) {
            try ImageDataset.open(folders.root, labels: .csv(unknown, synsets: folders.root + "/synsets.txt"))
        }
        try folders.write(Data("1\n7\n".utf8), to: "gt.txt")
        let error = try #require(throws: SupermaskError.self) {
            try ImageDataset.open(folders.root, labels: .groundTruth(folders.root + "/gt.txt", synsets: folders.root + "/synsets.txt"))
        }
        #expect(error.message == "line 2 is not a synset ID in 1…1: 7")
    }

    @Test func classCountMustMatchTheModel() throws {
        let dataset = ImageDataset(folder: "/data/val", classes: ["n01", "n02"], images: [LabelledImage(path: "/data/val/n01/a.JPEG", label: 0)])
        #expect(throws: SupermaskError(file: "/data/val", "2 classes but the model m.h5 predicts 1000; class indices would not correspond")) {
            try dataset.checkClassCount(1000, model: "m.h5")
        }
    }

    @Test func shardsPartitionTheDatasetInOrder() throws {
        let images = (0..<10).map { LabelledImage(path: "\($0)", label: 0) }
        let dataset = ImageDataset(folder: "/", classes: ["a"], images: images)
        let shards = (0..<3).map { dataset.selection(limit: 8, shard: Shard(index: $0, count: 3)) }
        #expect(shards.map(\.count) == [2, 3, 3])
        #expect(shards.flatMap { $0 } == Array(images.prefix(8)))
        #expect(throws: SupermaskError.self) { try Shard(parsing: "3/3") }
        #expect(try Shard(parsing: "2/3") == Shard(index: 2, count: 3))
    }
}
