/// HTML text built by the server. Everything a student or instructor typed (names, file
/// contents, feedback) goes through `escape` before it reaches a page.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Text for inside a `<script>`: JSON is safe there once `<` cannot open a tag.
    static func scriptSafe(_ json: String) -> String {
        json.replacingOccurrences(of: "<", with: "\\u003c")
    }

    /// The page shell: no external assets (the room may have no internet), one stylesheet.
    static func page(title: String, head: String = "", body: String, wide: Bool = false) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>\(Stylesheet.css)</style>
        \(head)
        </head><body class="\(wide ? "board" : "plain")">
        \(body)
        </body></html>
        """
    }
}

/// One stylesheet for every page, served inline: nothing to fetch, nothing to build.
enum Stylesheet {
    static let css = """
    :root { color-scheme: dark; --bg: #101418; --fg: #f2f4f6; --dim: #9aa4ae; --line: #2a323a; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg); font-family: "DejaVu Sans", Verdana, sans-serif; }
    body.plain { font-size: 18px; padding: 24px 40px; max-width: 1200px; }
    body.board { font-size: 30px; padding: 24px 36px; }
    h1 { font-size: 1.6em; margin: 0 0 0.4em; }
    body.board h1 { font-size: 56px; }
    a { color: #7cc4ff; }
    table { border-collapse: collapse; }
    th, td { padding: 0.25em 0.6em; border-bottom: 1px solid var(--line); text-align: left; }
    body.board table { width: 100%; }
    body.board th { font-size: 24px; color: var(--dim); font-weight: normal; }
    body.board td.name { font-size: 40px; font-weight: bold; white-space: nowrap; }
    td.rank { color: var(--dim); text-align: right; width: 2.5em; }
    td.total { font-weight: bold; text-align: right; font-size: 1.2em; }
    td.score { text-align: center; color: #0b0f12; font-weight: bold; min-width: 3.2em; border-left: 4px solid var(--bg); }
    td.score.none { background: #232a31; color: var(--dim); }
    td.fresh { outline: 6px solid #ffe066; animation: flash 4s ease-out; }
    @keyframes flash { from { outline-color: #ffffff; } to { outline-color: #ffe066; } }
    .meta { color: var(--dim); font-size: 0.7em; }
    .status { color: var(--dim); font-size: 20px; margin-top: 0.6em; }
    pre { background: #1a2026; padding: 12px; overflow-x: auto; font-size: 15px; }
    .passed { color: #7fdc8a; } .failed { color: #ff8a80; }
    form.inline { display: inline; }
    input, button { font-size: 1em; padding: 0.3em 0.5em; }
    .notice { background: #23313d; padding: 0.5em 0.8em; margin: 0.5em 0; }
    """
}
