import Foundation

extension DemoReport {
    /// The report as `supermask demo` prints it: what the reader is looking at, then accuracy, sparsity and size.
    /// Every string from the bundle (manifest names, architectures, layer names) is shown escaped and shortened.
    var text: String { escapedForDisplay.unescapedText }

    /// This report with every string that came from the bundle's files escaped and shortened for a terminal.
    private var escapedForDisplay: DemoReport {
        func shown(_ text: String) -> String { text.escapedForDisplay(limit: 60) }
        var copy = self
        copy.bundle = bundle.escapedForDisplay()
        copy.dataset.name = shown(dataset.name)
        copy.dataset.split = shown(dataset.split)
        copy.dataset.source = dataset.source.map(shown)
        copy.models = models.map { model in
            var model = model
            model.name = shown(model.name)
            model.file = shown(model.file)
            model.architecture = shown(model.architecture)
            model.initialisation = shown(model.initialisation)
            if var training = model.training {
                training.torch = training.torch.map(shown)
                training.optimizer = training.optimizer.map(shown)
                model.training = training
            }
            model.layers = model.layers.map { layer in
                var layer = layer
                layer.name = shown(layer.name)
                return layer
            }
            return model
        }
        return copy
    }

    /// The text of a report whose strings are already safe to print.
    private var unescapedText: String {
        var lines = ["supermask demo: \(dataset.name) \(dataset.split) split, \(grouped(dataset.images)) images (\(bundle))", ""]
        lines += introduction
        lines.append("")
        lines.append("Accuracy (supermask's engine, \(threads) thread\(threads == 1 ? "" : "s"); \"PyTorch\" is the count measured when the model was made)")
        lines.append("")
        lines += accuracyTable
        lines += trainingSummary
        if !agreesWithPyTorch {
            lines.append("")
            lines.append("!! MISMATCH: supermask and PyTorch disagree on the rows marked NO. The same weights on the same images")
            lines.append("!! must give the same predictions; this is a bug in supermask. Please report it with this output.")
        }
        let subnetworks = models.filter { $0.kind == .subnetwork }
        if !subnetworks.isEmpty {
            lines.append("")
            lines.append("Per-layer sparsity of the subnetwork\(subnetworks.count == 1 ? "" : "s") (each layer keeps the weights with the largest |score|)")
            lines.append("")
            lines += sparsityTable(subnetworks)
        }
        lines.append("")
        lines.append("Size in bytes (\"weights + scores\": the float32 weights and scores a PyTorch .pth of the subnetwork holds, 8 bytes per weight)")
        lines.append("")
        lines += sizeTable
        lines += sizeSummary
        lines.append("")
        let evaluations = models.flatMap { [$0.accuracy] + ($0.randomWeights.map { [$0] } ?? []) }
        let evaluating = evaluations.reduce(0) { $0 + $1.seconds }
        lines.append(String(
            format: "Elapsed: %.2f s in all; %d evaluations of %@ images took %.2f s (%@ images/s); the rest went to loading, checking and choosing kernels.",
            seconds, evaluations.count, grouped(dataset.images), evaluating,
            grouped(Int((Double(evaluations.count * dataset.images) / max(evaluating, 1e-9)).rounded()))))
        return lines.joined(separator: "\n")
    }

    /// One paragraph for a newcomer: what the models are and why the files are small.
    private var introduction: [String] {
        let subnetworks = models.filter { $0.kind == .subnetwork }
        let dense = models.filter { $0.kind == .dense }
        var sentences: [String] = []
        if let first = subnetworks.first {
            let descriptions = subnetworks.map { model in
                "\(model.name): \(model.initialisation)" + (model.seed.map { " from seed \($0)" } ?? "") + String(format: ", %.0f%% of each layer kept", 100 * model.keep)
            }
            sentences += [
                "\(subnetworks.map(\.name).joined(separator: " and ")) are \(architectureDescription(first)) whose weights are random and were never trained (\(descriptions.joined(separator: "; "))).",
                "Training only chose which weights to keep, a mask, with edge-popup (Ramanujan et al., \"What's Hidden in a Randomly Weighted Neural Network?\", CVPR 2020).",
                "supermask's generator regenerates the weights from the integer seed, so a .smask file holds the seed and the coded mask and nothing else.",
                "The \"no mask\" rows run the same random weights with every weight kept.",
            ]
        }
        if !dense.isEmpty {
            sentences.append("\(dense.map(\.name).joined(separator: " and ")) is the same architecture with every weight trained the usual way, for comparison.")
        }
        return wrapped(sentences.joined(separator: " "), width: 110)
    }

    /// "FC networks (784-300-100-10, fully connected)", or the architecture's name for convolutional ones.
    private func architectureDescription(_ model: ModelResult) -> String {
        guard let first = model.layers.first, model.layers.allSatisfy({ $0.kind == "linear" }) else {
            return "\(model.architecture) networks"
        }
        let widths = [first.shape[1]] + model.layers.map { $0.shape[0] }
        return "\(model.architecture) networks (\(widths.map(String.init).joined(separator: "-")), fully connected)"
    }

    private var accuracyTable: [String] {
        var rows: [[String]] = []
        for model in models {
            let what = model.kind == .subnetwork ? "subnetwork (mask over random weights)" : "dense-trained baseline"
            rows.append(accuracyRow(model.name, what, model.accuracy))
            if let random = model.randomWeights {
                rows.append(accuracyRow(model.name, "the same random weights, no mask", random))
            } else if model.kind == .subnetwork {
                // Only a seed-stored file has the dropped weights that running without the mask needs.
                rows.append([model.name, "no mask: the file holds only the kept weights", "—", "—", "—", "not run"])
            }
        }
        return table(header: ["model", "what", "correct", "accuracy", "PyTorch", "equal"], rows: rows, rightAligned: [2, 3, 4])
    }

    /// How each model was made, from the manifest: epochs and PyTorch's training time.
    private var trainingSummary: [String] {
        let parts = models.compactMap { model -> String? in
            guard let training = model.training, let epochs = training.epochs, epochs > 0 else { return nil }
            return "\(model.name) \(epochs) epochs" + (training.seconds.map { String(format: " in %.0f s", $0) } ?? "")
        }
        guard !parts.isEmpty else { return [] }
        let images = models.compactMap { $0.training?.trainImages }.max().map { " over \(grouped($0)) training images" } ?? ""
        let torch = models.compactMap { $0.training?.torch }.first.map { ", torch \($0)" } ?? ""
        return [""] + wrapped("Trained with tools/train_supermask.py\(images): \(parts.joined(separator: ", "))\(torch).", width: 110)
    }

    private func accuracyRow(_ name: String, _ what: String, _ accuracy: Accuracy) -> [String] {
        let equal: String
        switch accuracy.agreesWithPyTorch {
        case true?: equal = "yes"
        case false?: equal = "NO"
        case nil: equal = "not recorded"
        }
        return [
            name, what, "\(grouped(accuracy.correct))/\(grouped(accuracy.images))", String(format: "%.2f%%", 100 * accuracy.accuracy),
            accuracy.pytorchCorrect.map(grouped) ?? "—", equal,
        ]
    }

    private func sparsityTable(_ subnetworks: [ModelResult]) -> [String] {
        let header = ["layer", "shape", "weights"] + subnetworks.map { "\($0.name) kept" }
        var rows = subnetworks[0].layers.map { layer -> [String] in
            let kept = subnetworks.map { model -> String in
                guard let same = model.layers.first(where: { $0.name == layer.name }) else { return "—" }
                return "\(grouped(same.kept)) (\(percent(same.density)))"
            }
            return [layer.name, layer.shape.prefix(2).map(String.init).joined(separator: "×"), grouped(layer.parameters)] + kept
        }
        let totals = subnetworks.map { "\(grouped($0.totals.kept)) (\(percent($0.totals.density)))" }
        rows.append(["total", "", grouped(subnetworks[0].totals.weights)] + totals)
        return table(header: header, rows: rows, rightAligned: Set(2..<header.count))
    }

    private var sizeTable: [String] {
        let rows = models.map { model -> [String] in
            let size = model.size
            let isSubnetwork = model.kind == .subnetwork
            return [
                model.name, isSubnetwork ? "\(size.weightMode) + coded mask" : "\(size.weightMode) weights, no mask",
                grouped(size.smaskBytes), String(format: "%.2f", 8 * Double(size.smaskBytes) / Double(max(model.totals.weights, 1))),
                isSubnetwork ? grouped(size.weightsAndScoresBytes) : "—", grouped(size.denseFloat32Bytes),
                isSubnetwork ? String(format: "%.1f×", Double(size.weightsAndScoresBytes) / Double(size.smaskBytes)) : "—",
            ]
        }
        return table(
            header: ["model", ".smask holds", ".smask bytes", "bits/weight", "weights + scores", "dense float32", "smaller"],
            rows: rows, rightAligned: [2, 3, 4, 5, 6])
    }

    private var sizeSummary: [String] {
        guard let dense = models.first(where: { $0.kind == .dense }) else { return [] }
        return models.filter { $0.kind == .subnetwork }.map { model in
            let ratio = Double(dense.size.smaskBytes) / Double(model.size.smaskBytes)
            let comparison = ratio >= 1 ? String(format: "%.1f× smaller", ratio) : String(format: "%.1f× larger", 1 / ratio)
            return "\(model.name).smask is \(comparison) than the dense-trained \(dense.name).smask (\(grouped(model.size.smaskBytes)) against \(grouped(dense.size.smaskBytes)) bytes)"
        }
    }
}

/// `text` broken into lines of at most `width` characters at spaces.
private func wrapped(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
        if !line.isEmpty, line.count + 1 + word.count > width {
            lines.append(line)
            line = ""
        }
        line += (line.isEmpty ? "" : " ") + word
    }
    if !line.isEmpty { lines.append(line) }
    return lines
}
