import Foundation
import Testing
@testable import SupermaskCore
@testable import SupermaskHDF5

/// The parent's side of `HDF5Isolation.childProcess`, driven by stand-in children (`/bin/sh` scripts) that crash,
/// hang, or write streams built here: whatever the child does, the parent gives one `SupermaskError` naming the file,
/// within its timeout, without allocating what the stream claims.
@Suite final class ChildProcessTests {
    /// A model file for the child to "read": the stand-ins ignore it, but the parent opens it and bounds the stream's
    /// tensors by its size (4 KiB).
    let input = temporaryPath()
    /// Files to remove when the test ends.
    private var temporaryFiles: [String] = []

    init() {
        _ = FileManager.default.createFile(atPath: input, contents: Data(repeating: 0, count: 4096))
        temporaryFiles.append(input)
    }

    deinit {
        for path in temporaryFiles { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A child that runs the shell `script`, with `$0` the path of a file holding `stream` when one is given.
    private func child(_ script: String, stream: [UInt8]? = nil, timeout: Duration = .seconds(10)) throws -> HDF5ChildProcess {
        var arguments = ["-c", script]
        if let stream {
            let path = temporaryPath(".stream")
            temporaryFiles.append(path)
            _ = FileManager.default.createFile(atPath: path, contents: Data(stream))
            arguments.append(path)
        }
        return HDF5ChildProcess(executable: "/bin/sh", arguments: arguments, minimumTimeout: timeout, bytesPerSecond: 1 << 30)
    }

    /// Expects reading through `child` to fail with exactly `message`.
    private func expectFailure(_ child: HDF5ChildProcess, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: SupermaskError(file: input, message), sourceLocation: sourceLocation) {
            try child.readStateDict(path: input)
        }
    }

    @Test func aCrashIsOneError() throws {
        expectFailure(try child("kill -SEGV $$"), HDF5ChildProcess.failureMessage)
        expectFailure(try child("kill -ABRT $$"), HDF5ChildProcess.failureMessage)
    }

    @Test func aNonZeroExitIsOneErrorEvenAfterACompleteStream() throws {
        expectFailure(try child("exit 3"), HDF5ChildProcess.failureMessage)
        expectFailure(try child("cat \"$0\"; exit 1", stream: StreamBuilder().end().bytes), HDF5ChildProcess.failureMessage)
    }

    @Test func aHangIsKilledAtTheTimeout() throws {
        let pidFile = temporaryPath(".pid")
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let started = ContinuousClock.now
        expectFailure(try child("echo $$ > \(pidFile); exec sleep 60", timeout: .seconds(1)), HDF5ChildProcess.timeoutMessage(.seconds(1)))
        #expect(ContinuousClock.now - started < .seconds(10))
        // Killed and reaped: no process with that id is left, not even a zombie.
        let written = try #require(FileManager.default.contents(atPath: pidFile))
        let pid = try #require(Int32(String(decoding: written, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func aChildThatClosesItsOutputButKeepsRunningIsKilledAtTheTimeout() throws {
        let stream = StreamBuilder().end().bytes
        expectFailure(try child("cat \"$0\"; exec >&-; exec sleep 60", stream: stream, timeout: .seconds(1)), HDF5ChildProcess.timeoutMessage(.seconds(1)))
    }

    @Test func aWellFormedStreamIsTheStateDict() throws {
        let stream = StreamBuilder()
            .attribute("arch", .text("FC")).attribute("epoch", .integer(7)).attribute("keep", .real(0.5))
            .tensor("a.weight", shape: [2, 3], floats: [1, 2, 3, 4, 5, -0.0])
            .tensor("a.num_batches_tracked", elementClass: .integer, elementBytes: 8, shape: [])
            .end().bytes
        let stateDict = try child("cat \"$0\"", stream: stream).readStateDict(path: input)
        #expect(stateDict.attributes.map(\.key) == ["arch", "epoch", "keep"])
        #expect(stateDict.attributes.map(\.value) == [.text("FC"), .integer(7), .real(0.5)])
        #expect(stateDict.tensors["a.weight"] == HDF5Tensor(shape: [2, 3], elementType: .float(bytes: 4), floats: [1, 2, 3, 4, 5, -0.0]))
        #expect(stateDict.tensors["a.num_batches_tracked"] == HDF5Tensor(shape: [], elementType: .integer(bytes: 8)))
    }

    @Test func aRefusalIsTheChildsMessage() throws {
        let stream = StreamBuilder().attribute("arch", .text("FC")).refusal("dataset x stores its data in external files; refused").bytes
        expectFailure(try child("cat \"$0\"", stream: stream), "dataset x stores its data in external files; refused")
    }

    /// Streams that break the format or the limits: each is the same one error, and none allocates what it claims.
    static let malformedStreams: [(String, [UInt8])] = [
        ("garbage", Array("not a stream at all".utf8)),
        ("empty", []),
        ("wrong version", Array("SMH5".utf8) + [2, 0, 0, 0] + [StateDictStream.Tag.end.rawValue] + [UInt8](repeating: 0, count: 8)),
        ("cut in a tensor", Array(StreamBuilder().tensor("a", shape: [4], floats: [1, 2, 3, 4]).end().bytes.dropLast(12))),
        ("no end record", StreamBuilder().attribute("arch", .text("FC")).bytes),
        ("unknown record", StreamBuilder().bytes + [0x5A]),
        ("bytes after the end", StreamBuilder().end().bytes + [0]),
        ("counts that disagree", StreamBuilder().attribute("a", .integer(1)).bytes + [StateDictStream.Tag.end.rawValue, 2, 0, 0, 0, 0, 0, 0, 0]),
        ("duplicate tensor", StreamBuilder().tensor("a", shape: [1], floats: [1]).tensor("a", shape: [1], floats: [1]).end().bytes),
        ("name too long", StreamBuilder().attribute(String(repeating: "n", count: HDF5Limits.maxNameBytes + 1), .integer(1)).end().bytes),
        ("text too long", StreamBuilder().attribute("a", .text(String(repeating: "t", count: HDF5Limits.maxTextBytes + 1))).end().bytes),
        ("rank too high", StreamBuilder().tensor("a", elementClass: .integer, elementBytes: 1, shape: [Int](repeating: 1, count: HDF5Limits.maxRank + 1)).end().bytes),
        ("dimension past Int64", StreamBuilder().tensor("a", elementClass: .integer, elementBytes: 1, shape: [1], rawDimensions: [1 << 63]).end().bytes),
        ("product past the tensor limit", StreamBuilder().tensor("a", elementClass: .integer, elementBytes: 1, shape: [1 << 20, 1 << 20]).end().bytes),
        // 4100 bytes of floats, all sent, from a 4096-byte file.
        ("more bytes than the file", StreamBuilder().tensor("a", shape: [1025], floats: [Float](repeating: 1, count: 1025)).end().bytes),
        ("zero-byte elements", StreamBuilder().tensor("a", elementClass: .integer, elementBytes: 0, shape: [1]).end().bytes),
        ("refusal too long", StreamBuilder().refusal(String(repeating: "r", count: HDF5Limits.maxMessageBytes + 1)).bytes),
        ]

    @Test(arguments: malformedStreams)
    func aMalformedStreamIsOneError(name: String, stream: [UInt8]) throws {
        expectFailure(try child("cat \"$0\"", stream: stream), HDF5ChildProcess.failureMessage)
    }

    @Test func aChildThatWritesWithoutEndIsStoppedAndReaped() throws {
        // An endless, well-formed-looking stream: the parent stops at the first byte past the end record.
        let stream = StreamBuilder().end().bytes
        expectFailure(try child("cat \"$0\"; cat /dev/zero", stream: stream), HDF5ChildProcess.failureMessage)
        // Endless garbage from the first byte.
        expectFailure(try child("cat /dev/zero"), HDF5ChildProcess.failureMessage)
    }

    @Test func theParentChecksTheFileItself() throws {
        let never = try child("exit 0")
        let missing = temporaryPath()
        #expect(throws: SupermaskError(file: missing, "no such file")) { try never.readStateDict(path: missing) }
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: SupermaskError(file: directory, "not a regular file")) { try never.readStateDict(path: directory) }
        let fifo = temporaryPath(".fifo")
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: SupermaskError(file: fifo, "not a regular file")) { try never.readStateDict(path: fifo) }
    }

    @Test func aMissingExecutableIsOneError() throws {
        let child = HDF5ChildProcess(executable: "/nonexistent/supermask", arguments: [])
        #expect {
            try child.readStateDict(path: input)
        } throws: { error in
            (error as? SupermaskError)?.message.hasPrefix("cannot start the HDF5 reader process /nonexistent/supermask") == true
        }
    }

    /// The writer and the parser agree: a real file streamed by `StateDictStreamWriter` and parsed from a pipe gives
    /// what reading it in process gives, bit for bit.
    @Test func theStreamCarriesWhatTheReaderRead() throws {
        let model = try TestCheckpoint(architecture: .named("FC")!, keep: 0.5).write(to: temporaryPath())
        defer { try? FileManager.default.removeItem(atPath: model) }
        let streamPath = temporaryPath(".stream")
        defer { try? FileManager.default.removeItem(atPath: streamPath) }
        let descriptor = open(streamPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var writer = StateDictStreamWriter(descriptor: descriptor)
        writer.writeHeader()
        try HDF5Library.withLock { try HDF5StateDictReader.read(path: model, into: &writer) }
        try writer.writeEnd()
        close(descriptor)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: model)[.size] as? Int)
        #expect(size > 1_000_000)
        let streamed = try HDF5ChildProcess(executable: "/bin/sh", arguments: ["-c", "cat \"$0\"", streamPath]).readStateDict(path: model)
        let direct = try HDF5StateDictReader.read(path: model)
        #expect(streamed.attributes.map(\.key) == direct.attributes.map(\.key))
        #expect(streamed.attributes.map(\.value) == direct.attributes.map(\.value))
        #expect(streamed.tensors.keys.sorted() == direct.tensors.keys.sorted())
        for (name, tensor) in direct.tensors {
            let other = try #require(streamed.tensors[name])
            #expect(other.shape == tensor.shape && other.elementType == tensor.elementType)
            #expect(other.floats?.map(\.bitPattern) == tensor.floats?.map(\.bitPattern), "\(name)")
        }
    }
}

/// Builds `StateDictStream` bytes record by record, as the child writes them (machine byte order).
struct StreamBuilder {
    var bytes = StateDictStream.magic + withUnsafeBytes(of: StateDictStream.version) { Array($0) }
    private var attributes: UInt32 = 0
    private var tensors: UInt32 = 0

    private mutating func append<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value) { bytes += $0 }
    }

    private mutating func append(text: String) {
        append(UInt32(text.utf8.count))
        bytes += text.utf8
    }

    func attribute(_ name: String, _ value: MetadataValue) -> StreamBuilder {
        var copy = self
        copy.bytes.append(StateDictStream.Tag.attribute.rawValue)
        copy.append(text: name)
        switch value {
        case .integer(let integer):
            copy.bytes.append(StateDictStream.ValueKind.integer.rawValue)
            copy.append(integer)
        case .real(let real):
            copy.bytes.append(StateDictStream.ValueKind.real.rawValue)
            copy.append(real.bitPattern)
        case .text(let text):
            copy.bytes.append(StateDictStream.ValueKind.text.rawValue)
            copy.append(text: text)
        }
        copy.attributes += 1
        return copy
    }

    /// A float32 tensor with its values.
    func tensor(_ name: String, shape: [Int], floats: [Float]) -> StreamBuilder {
        var copy = tensor(name, elementClass: .float, elementBytes: 4, shape: shape)
        for value in floats { copy.append(value.bitPattern) }
        return copy
    }

    /// A tensor header only; `rawDimensions` replaces the shape's dimensions on the wire.
    func tensor(
        _ name: String, elementClass: StateDictStream.ElementClass, elementBytes: UInt32, shape: [Int], rawDimensions: [UInt64]? = nil
    ) -> StreamBuilder {
        var copy = self
        copy.bytes.append(StateDictStream.Tag.tensor.rawValue)
        copy.append(text: name)
        copy.bytes.append(elementClass.rawValue)
        copy.append(elementBytes)
        copy.append(UInt32(shape.count))
        for dimension in rawDimensions ?? shape.map({ UInt64($0) }) { copy.append(dimension) }
        copy.tensors += 1
        return copy
    }

    func refusal(_ message: String) -> StreamBuilder {
        var copy = self
        copy.bytes.append(StateDictStream.Tag.refusal.rawValue)
        copy.append(text: message)
        return copy
    }

    func end() -> StreamBuilder {
        var copy = self
        copy.bytes.append(StateDictStream.Tag.end.rawValue)
        copy.append(copy.attributes)
        copy.append(copy.tensors)
        return copy
    }
}
