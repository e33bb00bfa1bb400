/// The projector page: large type, ranks, one coloured cell per exercise, new results
/// highlighted as they land. The table is complete HTML (a browser with JavaScript off
/// shows it and reloads every few seconds); with JavaScript, an EventSource replaces the
/// table's body on each update instead.
enum BoardPage {
    static func render(_ board: BoardPayload, refreshSeconds: Int = 5) -> String {
        let head = """
            <noscript><meta http-equiv="refresh" content="\(refreshSeconds)"></noscript>
            """
        let header = board.columns.map { (column: BoardPayload.Column) -> String in "<th title=\"\(HTML.escape(column.id))\">\(HTML.escape(column.id))<br><span class=\"meta\">/\(column.max)</span></th>" }.joined()
        let body = """
            <h1>\(HTML.escape(board.title))</h1>
            <table id="board" data-course="\(HTML.escape(board.course))">
            <thead><tr><th></th><th>student</th>\(header)<th>total<br><span class="meta">/\(board.maxTotal)</span></th></tr></thead>
            <tbody>\(rows(board))</tbody>
            </table>
            <p class="status" id="status">\(board.rows.count) student\(board.rows.count == 1 ? "" : "s")</p>
            <script id="initial" type="application/json">\(HTML.scriptSafe(board.json()))</script>
            <script>\(BoardScript.source)</script>
            """
        return HTML.page(title: board.title, head: head, body: body, wide: true)
    }

    static func rows(_ board: BoardPayload) -> String {
        board.rows.map { row -> String in
            let cells = board.columns.map { column -> String in
                let fresh = board.changed.map { $0.student == row.student && $0.exercise == column.id } ?? false
                guard let score = row.scores[column.id] else { return "<td class=\"score none\">·</td>" }
                return "<td class=\"score\(fresh ? " fresh" : "")\" style=\"background:\(ScoreColour.css(score: score, max: column.max))\">\(score)</td>"
            }.joined()
            return "<tr><td class=\"rank\">\(row.rank)</td><td class=\"name\">\(HTML.escape(row.student))</td>\(cells)<td class=\"total\">\(row.total)</td></tr>"
        }.joined(separator: "\n")
    }
}

/// The board's script: a few lines, served inline, no build step. It listens to the
/// course's event stream and redraws the table body from each payload; EventSource
/// reconnects by itself when the server restarts, and the first message after a
/// reconnection is the whole board, so nothing is missed.
enum BoardScript {
    static let source = """
    (function () {
      var table = document.getElementById('board');
      var status = document.getElementById('status');
      var course = table.getAttribute('data-course');
      function esc(s) { return String(s).replace(/[&<>"']/g, function (c) {
        return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]; }); }
      function colour(score, max) {
        var ratio = max > 0 ? score / max : 0;
        return 'hsl(' + Math.round(ratio * 120) + ', 70%, ' + (ratio >= 1 ? 52 : 60) + '%)';
      }
      function draw(board) {
        var html = '';
        board.rows.forEach(function (row) {
          html += '<tr><td class="rank">' + row.rank + '</td><td class="name">' + esc(row.student) + '</td>';
          board.columns.forEach(function (col) {
            var score = row.scores[col.id];
            if (score === undefined) { html += '<td class="score none">·</td>'; return; }
            var fresh = board.changed && board.changed.student === row.student && board.changed.exercise === col.id;
            html += '<td class="score' + (fresh ? ' fresh' : '') + '" style="background:' + colour(score, col.max) + '">' + score + '</td>';
          });
          html += '<td class="total">' + row.total + '</td></tr>';
        });
        table.tBodies[0].innerHTML = html;
        status.textContent = board.rows.length + (board.rows.length === 1 ? ' student' : ' students') + ' · live';
      }
      if (!window.EventSource) { setTimeout(function () { location.reload(); }, 5000); return; }
      var source = new EventSource('/courses/' + encodeURIComponent(course) + '/board/events');
      source.addEventListener('board', function (e) { draw(JSON.parse(e.data)); });
      source.onerror = function () { status.textContent = 'reconnecting…'; };
    })();
    """
}
