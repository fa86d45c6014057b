import ArgumentParser
import CSV
import CaseStore
import Foundation
import SQLite

/// Writing to stdout and stderr, and turning errors into messages and exit statuses.
enum Console {
    static func out(_ text: String) {
        // By bytes: "\r\n" is one Character, so hasSuffix("\n") would miss it.
        FileHandle.standardOutput.write(Data((text.utf8.last == 10 ? text : text + "\n").utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text.utf8.last == 10 ? text : text + "\n").utf8))
    }

    /// Exit statuses, after sysexits(3) where one fits.
    enum Status {
        static let failure: Int32 = 1
        static let dataError: Int32 = 65  // EX_DATAERR: the input or the database content is invalid
        static let noInput: Int32 = 66  // EX_NOINPUT: a file that must exist does not
        static let software: Int32 = 70  // EX_SOFTWARE
        static let cantCreate: Int32 = 73  // EX_CANTCREAT
        static let ioError: Int32 = 74  // EX_IOERR
        static let busy: Int32 = 75  // EX_TEMPFAIL: the database is locked by another process; try again
        static let usage: Int32 = 64  // EX_USAGE
        static let refused: Int32 = 77  // EX_NOPERM: a query tried to write or otherwise change the database
        static let timedOut: Int32 = 124  // as timeout(1): --timeout stopped the query
        static let interrupted: Int32 = 130  // 128 + SIGINT: Ctrl-C
    }

    /// Runs `body`; a known error becomes `htdb: error: message` on stderr and its exit status.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            // Options that can only be checked against the database (a filter): a usage error, exit 64.
            throw error
        } catch let error as CaseDatabaseError {
            err("htdb: error: \(error)")
            switch error {
            case .notFound: throw ExitCode(Status.noInput)
            case .folderNotFound: throw ExitCode(Status.cantCreate)
            }
        } catch let error as MigrationError {
            err("htdb: error: \(error)")
            throw ExitCode(Status.dataError)
        } catch let error as SQLiteError {
            err("htdb: error: \(describe(error))")
            throw ExitCode(status(for: error))
        } catch let error as Profile.Invalid {
            err("htdb: error: \(error)")
            throw ExitCode(Status.dataError)
        } catch let error as ImportError {
            err("htdb: error: \(error)")
            switch error {
            case .fileNotFound: throw ExitCode(Status.noInput)
            case .unreadable, .cannotWriteRejects: throw ExitCode(Status.ioError)
            case .interrupted: throw ExitCode(Status.interrupted)
            }
        } catch let error as CSVError {
            err("htdb: error: \(error)")
            throw ExitCode(Status.ioError)
        } catch {
            err("htdb: error: \(error)")
            throw ExitCode(Status.failure)
        }
    }

    static func describe(_ error: SQLiteError) -> String {
        switch error.primaryCode {
        case SQLiteError.busy, SQLiteError.locked:
            "the database is busy (another htdb is writing to it); try again when it has finished"
        case SQLiteError.notADatabase: error.message
        case SQLiteError.full: "the disk is full (\(error.message)); nothing was changed"
        case SQLiteError.readOnly: "the database cannot be written (\(error.message))"
        case SQLiteError.cantOpen: error.message
        default: error.description
        }
    }

    static func status(for error: SQLiteError) -> Int32 {
        switch error.primaryCode {
        case SQLiteError.busy, SQLiteError.locked: Status.busy
        case SQLiteError.notADatabase, SQLiteError.corrupt: Status.dataError
        case SQLiteError.cantOpen: Status.cantCreate
        case SQLiteError.ioError, SQLiteError.full, SQLiteError.readOnly: Status.ioError
        default: Status.failure
        }
    }
}

/// Output formats of commands that print a listing.
enum ListingFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
