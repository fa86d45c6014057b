/// Why reading or writing CSV failed.
///
/// Locations are physical lines (every LF, CRLF and lone CR counts, including those inside quoted fields) and
/// 1-based field indexes. No case carries field content: hotline data must never reach an error message.
public enum CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A quoted field that never closes; `line` is the physical line where that field started.
    case unterminatedQuote(line: Int, column: Int)
    /// A `"` inside an unquoted field (e.g. `ab"c`, or ` "a"` with a leading space); `line` is where the quote is.
    case bareQuote(line: Int, column: Int)
    /// A byte other than the delimiter, a line break or end of input right after a closing quote (e.g. `"ab"c`);
    /// `line` is where that byte is.
    case characterAfterClosingQuote(line: Int, column: Int)
    /// A field longer than the reader's `maxFieldBytes` (counted after `""` is unescaped); `line` is where the
    /// field started.
    case fieldTooLarge(line: Int, column: Int, limit: Int)
    /// A record with more fields than the reader's `maxFields`; `line` is where the record started.
    case tooManyFields(line: Int, limit: Int)
    /// open/read/write/close failed; `message` comes from `strerror`, never from file content.
    case io(path: String, message: String)

    /// The physical line of the problem, or nil for I/O errors.
    public var line: Int? {
        switch self {
        case .unterminatedQuote(let line, _), .bareQuote(let line, _), .characterAfterClosingQuote(let line, _),
            .fieldTooLarge(let line, _, _), .tooManyFields(let line, _):
            return line
        case .io:
            return nil
        }
    }

    /// The 1-based field index of the problem, or nil when the error is not about one field.
    public var column: Int? {
        switch self {
        case .unterminatedQuote(_, let column), .bareQuote(_, let column),
            .characterAfterClosingQuote(_, let column), .fieldTooLarge(_, let column, _):
            return column
        case .tooManyFields, .io:
            return nil
        }
    }

    /// What went wrong, without the location, so callers can print `FILE:LINE:COLUMN: message`.
    public var message: String {
        switch self {
        case .unterminatedQuote:
            return "quoted field is never closed"
        case .bareQuote:
            return "quote character inside an unquoted field"
        case .characterAfterClosingQuote:
            return "unexpected character after the closing quote of a field"
        case .fieldTooLarge(_, _, let limit):
            return "field is longer than \(limit) bytes"
        case .tooManyFields(_, let limit):
            return "record has more than \(limit) fields"
        case .io(_, let message):
            return message
        }
    }

    public var description: String {
        switch self {
        case .io(let path, let message):
            return "\(path): \(message)"
        case .tooManyFields(let line, _):
            return "line \(line): \(message)"
        default:
            return "line \(line ?? 0), field \(column ?? 0): \(message)"
        }
    }
}
