import Foundation
import GRDB

extension SQLiteStore {
    public func exportTables() async throws(StoreError) -> [StoreTable] {
        try await read { db in
            try StoreSchema.columns.map { table, columns in
                let names = columns.map(\.name).joined(separator: ", ")
                let rows = try Row.fetchAll(db, sql: "SELECT \(names) FROM \(table)").map { row in
                    try columns.enumerated().map { index, column -> StoreValue in
                        let value: DatabaseValue = row[index]
                        if value.isNull { return .null }
                        switch column.kind {
                        case .text: return .text(try String.fromDatabase(value, column))
                        case .integer: return .integer(try Int64.fromDatabase(value, column))
                        case .boolean: return .boolean(try Bool.fromDatabase(value, column))
                        case .date: return .date(try Date.fromDatabase(value, column))
                        case .blob: return .blob(try Data.fromDatabase(value, column))
                        }
                    }
                }
                return StoreTable(name: table, rows: rows)
            }
        }
    }

    public func importTables(_ tables: [StoreTable]) async throws(StoreError) {
        try await write { db in
            for table in tables {
                guard let columns = StoreSchema.columns.first(where: { $0.table == table.name })?.columns else {
                    throw StoreError.invalid("no table \(table.name) in the schema")
                }
                let statement = try db.makeStatement(sql: """
                    INSERT INTO \(table.name) (\(columns.map(\.name).joined(separator: ", "))) VALUES (\(databaseQuestionMarks(count: columns.count)))
                    """)
                for row in table.rows {
                    try statement.execute(arguments: StatementArguments(row.map { value -> DatabaseValue in
                        switch value {
                        case .null: return .null
                        case let .text(text): return text.databaseValue
                        case let .integer(number): return number.databaseValue
                        case let .boolean(flag): return flag.databaseValue
                        // SQLite keeps milliseconds: a time from PostgreSQL (microseconds) is cut to its
                        // millisecond, plus 0.4 ms so the text GRDB writes names that millisecond
                        // whether it rounds or truncates, and the copy compares equal.
                        case let .date(date):
                            return Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000 + 0.0004).databaseValue
                        case let .blob(data): return data.databaseValue
                        }
                    }))
                }
            }
        }
    }
}

private extension DatabaseValueConvertible {
    static func fromDatabase(_ value: DatabaseValue, _ column: (name: String, kind: StoreSchema.Kind)) throws -> Self {
        guard let decoded = Self.fromDatabaseValue(value) else {
            throw StoreError.invalid("the column \(column.name) holds \(value), not a \(column.kind)")
        }
        return decoded
    }
}
