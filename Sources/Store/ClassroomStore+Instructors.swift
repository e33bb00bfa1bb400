import Foundation

extension ClassroomStore {
    /// Adds an instructor and returns their token, shown this once (only its hash is kept).
    /// Adding a name that exists issues a new token; the old one stops working.
    public func addInstructor(name: String, now: Date = Date()) async throws(StoreError) -> String {
        do { try Self.validateStudentName(name) } catch {
            throw .invalid("an instructor name is 1 to 64 letters, digits, dots, dashes or underscores, without spaces; got \"\(DisplayText.escaped(name))\"")
        }
        let token = Tokens.generate()
        try await backend.setInstructor(name: name, tokenHash: Tokens.hash(token), now: now)
        return token
    }

    /// Whether `name` is an instructor whose token is `token`. Unknown names cost the same
    /// hash as wrong tokens.
    public func authenticateInstructor(name: String, token: String) async throws(StoreError) -> Bool {
        let stored = try await backend.instructorTokenHash(name: name)
        return Tokens.matches(token, storedHash: stored ?? String(repeating: "0", count: 64)) && stored != nil
    }

    /// Every instructor's name.
    public func instructors() async throws(StoreError) -> [String] {
        try await backend.instructors()
    }
}
