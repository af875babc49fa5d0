import SupermaskCore

/// One image of a dataset and its class index.
public struct LabelledImage: Sendable, Equatable {
    /// The file.
    public var path: String
    /// The class index (position of the class's WordNet ID in sorted order).
    public var label: Int

    /// An image and its label.
    public init(path: String, label: Int) {
        self.path = path
        self.label = label
    }
}

/// An ImageNet-style validation set: the images in dataset order and the class names in index order.
///
/// Two layouts are read (docs/evaluation.md): torchvision's ImageFolder (`val/<wnid>/*.JPEG`, classes in sorted
/// order) and the flat ILSVRC2012 validation folder with a labels file.
public struct ImageDataset: Sendable {
    /// The folder the images were listed from (the `val` folder).
    public var folder: String
    /// Class names (WordNet IDs) in class-index order.
    public var classes: [String]
    /// The images in dataset order.
    public var images: [LabelledImage]
    /// Things the user should know that do not stop a run (empty class folders, unlabelled files).
    public var warnings: [String]

    /// A dataset with the given contents.
    public init(folder: String, classes: [String], images: [LabelledImage], warnings: [String] = []) {
        self.folder = folder
        self.classes = classes
        self.images = images
        self.warnings = warnings
    }

    /// Opens `path`, the ImageNet root holding `val/` or the validation folder itself. A folder with class
    /// subfolders is an ImageFolder; a flat folder needs `labels` (see `ValidationLabels`).
    public static func open(_ path: String, labels: ValidationLabels.Source? = nil) throws -> ImageDataset {
        guard DirectoryListing.isDirectory(path) else {
            throw SupermaskError(file: path, "no such folder; --data names the ImageNet root holding val/ or the validation folder itself")
        }
        let folder = DirectoryListing.isDirectory(path + "/val") ? path + "/val" : path
        if let labels {
            return try ValidationLabels.dataset(folder: folder, labels: labels)
        }
        let classFolders = try DirectoryListing.entries(of: folder).filter { DirectoryListing.isDirectory(folder + "/" + $0) }
        if classFolders.isEmpty {
            let hasImages = try DirectoryListing.entries(of: folder).contains(where: DirectoryListing.hasImageExtension)
            throw SupermaskError(
                file: folder,
                hasImages
                    ? "a flat folder of images without class folders; give its labels with --labels (a file,wnid CSV or the devkit ground truth with --synsets)"
                    : "no class folders and no images found")
        }
        return try imageFolder(folder, classFolders: classFolders)
    }

    /// torchvision's ImageFolder, except that empty class folders are a warning (torchvision raises unless
    /// `allow_empty=True`), so a subset of ImageNet keeps the standard class indices.
    private static func imageFolder(_ folder: String, classFolders: [String]) throws -> ImageDataset {
        var images: [LabelledImage] = []
        var empty: [String] = []
        for (label, name) in classFolders.enumerated() {
            let files = try DirectoryListing.imagesRecursively(in: folder + "/" + name)
            if files.isEmpty { empty.append(name) }
            images += files.map { LabelledImage(path: $0, label: label) }
        }
        var warnings: [String] = []
        if !empty.isEmpty {
            warnings.append("\(empty.count) of \(classFolders.count) class folders hold no images (\(Self.listing(empty))); their classes are kept so the indices stay in sorted order")
        }
        if images.isEmpty {
            throw SupermaskError(file: folder, "\(classFolders.count) class folders but no images with an image extension (\(DirectoryListing.imageExtensions.joined(separator: " ")))")
        }
        return ImageDataset(folder: folder, classes: classFolders, images: images, warnings: warnings)
    }

    /// The first few names (file and folder names of the dataset, escaped and shortened), then how many more.
    static func listing(_ names: [String], limit: Int = 3) -> String {
        let shown = names.prefix(limit).map { $0.escapedForDisplay(limit: 80) }.joined(separator: ", ")
        return names.count > limit ? "\(shown) and \(names.count - limit) more" : shown
    }

    /// Checks that the dataset has the class count a model predicts.
    public func checkClassCount(_ modelClasses: Int, model: String) throws {
        guard classes.count == modelClasses else {
            throw SupermaskError(file: folder, "\(classes.count) classes but the model \(model) predicts \(modelClasses); class indices would not correspond")
        }
    }

    /// The images of shard `shard` after keeping only the first `limit`.
    public func selection(limit: Int?, shard: Shard) -> ArraySlice<LabelledImage> {
        let limited = images.prefix(limit ?? images.count)
        return limited[shard.range(in: limited.indices)]
    }
}
