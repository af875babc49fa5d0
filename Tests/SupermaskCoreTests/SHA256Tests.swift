import Foundation
import Testing
import SupermaskCore

@Suite struct SHA256Tests {
    /// FIPS 180-4 example messages, including one that spans two blocks.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func digestsFIPSExamples(_ message: String, _ digest: String) {
        var sha = SHA256()
        sha.update(Array(message.utf8))
        #expect(sha.hexDigest() == digest)
    }

    @Test func piecewiseUpdatesEqualOneUpdate() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var whole = SHA256()
        whole.update(bytes)
        var pieces = SHA256()
        for start in stride(from: 0, to: bytes.count, by: 77) { pieces.update(bytes[start..<min(bytes.count, start + 77)]) }
        #expect(whole.hexDigest() == pieces.hexDigest())
    }
}
