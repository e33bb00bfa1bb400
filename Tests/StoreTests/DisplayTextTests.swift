import Store
import Testing

@Suite("Display text")
struct DisplayTextTests {
    @Test("control characters are shown as escapes; ordinary text, accents and emoji are untouched")
    func escapes() {
        #expect(DisplayText.escaped("a\u{1B}[31mred\u{07}\tb\r") == "a\\x1b[31mred\\x07\\tb\\r")
        #expect(DisplayText.escaped("\u{9B}2J \u{202E}txt.py \u{7F}") == "\\u{009b}2J \\u{202e}txt.py \\x7f")
        #expect(DisplayText.escaped("héllo wörld ✓ 🎉") == "héllo wörld ✓ 🎉")
    }

    @Test("lines split on every newline, so no line can hold a break or a lone terminator with \\r")
    func lines() {
        #expect(DisplayText.lines("a\r\n.\r\nb\nc\rd\u{2028}e") == ["a", ".", "b", "c", "d", "e"])
        #expect(DisplayText.lines("") == [""])
        #expect(DisplayText.oneLine("two\nlines\u{1B}") == "two lines\\x1b")
    }
}
