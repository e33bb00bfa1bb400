import Crypto
import Foundation

/// Student tokens: random, shown once, stored only as a hash, compared in constant time.
public enum Tokens {
    /// A new token: 128 random bits as 32 lowercase hex digits (easy to paste, hard to guess).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// The stored form of a token. Tokens are high-entropy, so a plain sha256 is enough.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `token` hashes to `storedHash`, taking the same time wherever they differ.
    public static func matches(_ token: String, storedHash: String) -> Bool {
        let candidate = Array(hash(token).utf8)
        let stored = Array(storedHash.utf8)
        guard candidate.count == stored.count else { return false }
        var difference: UInt8 = 0
        for index in candidate.indices { difference |= candidate[index] ^ stored[index] }
        return difference == 0
    }
}
