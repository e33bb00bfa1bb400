import Foundation
import PostgresNIO

extension PostgresStore {
    public func exportTables() async throws(StoreError) -> [StoreTable] {
        try await read { connection in
            var tables: [StoreTable] = []
            for (table, columns) in StoreSchema.columns {
                let names = columns.map(\.name).joined(separator: ", ")
                let rows = try await connection.rows(PostgresQuery(unsafeSQL: "SELECT \(names) FROM \(table)"), self.logger).map { row in
                    let cells = row.makeRandomAccess()
                    return try columns.enumerated().map { index, column -> StoreValue in
                        let cell = cells[index]
                        guard cell.bytes != nil else { return .null }
                        switch column.kind {
                        case .text: return .text(try cell.decode(String.self))
                        case .integer: return .integer(try cell.decode(Int64.self))
                        case .boolean: return .boolean(try cell.decode(Bool.self))
                        case .date: return .date(try cell.decode(Date.self))
                        case .blob: return .blob(try cell.decode(Data.self))
                        }
                    }
                }
                tables.append(StoreTable(name: table, rows: rows))
            }
            return tables
        }
    }

    public func importTables(_ tables: [StoreTable]) async throws(StoreError) {
        try await transaction { connection in
            for table in tables {
                guard let columns = StoreSchema.columns.first(where: { $0.table == table.name })?.columns else {
                    throw StoreError.invalid("no table \(table.name) in the schema")
                }
                let placeholders = (1...columns.count).map { "$\($0)" }.joined(separator: ", ")
                let sql = "INSERT INTO \(table.name) (\(columns.map(\.name).joined(separator: ", "))) VALUES (\(placeholders))"
                for row in table.rows {
                    var binds = PostgresBindings()
                    for (value, column) in zip(row, columns) {
                        switch value {
                        case .null:
                            switch column.kind {
                            case .text: binds.append(String?.none)
                            case .integer: binds.append(Int64?.none)
                            case .boolean: binds.append(Bool?.none)
                            case .date: binds.append(Date?.none)
                            case .blob: try binds.append(Data?.none)
                            }
                        case let .text(text): binds.append(text)
                        case let .integer(number): binds.append(number)
                        case let .boolean(flag): binds.append(flag)
                        case let .date(date): binds.append(date)
                        case let .blob(data): try binds.append(data)
                        }
                    }
                    try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: self.logger)
                }
            }
            // New rows continue after the copied ids.
            for table in StoreSchema.generatedIDs {
                try await connection.query(PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('\(table.lowercased())', 'id'), COALESCE((SELECT MAX(id) FROM \(table)), 0) + 1, false)
                    """), logger: self.logger)
            }
        }
    }
}
