import CaseStore
import Foundation
import SQLite
import Testing

/// The database's surroundings break: a read-only file, a read-only folder, a missing folder, a full disk. htdb must
/// say so clearly, exit with the README's status, and leave the file as it was.
///
/// Running as root (as CI does here): file modes do not stop root, so `chmod 0444`/`0555` alone would prove nothing.
/// As root these tests add the immutable attribute (`chattr +i`), which stops root too, and simulate a full disk with a
/// 1-MiB-scale `tmpfs` mount. Without root they use file modes, and the full-disk test is disabled (mounting needs
/// privileges; `PRAGMA max_page_count` cannot stand in for it: it belongs to one connection and is not stored in the
/// file, which `maxPageCountIsNotStoredInTheFile` shows). When root lacks `chattr` or may not mount (a container
/// without CAP_SYS_ADMIN / CAP_LINUX_IMMUTABLE), the affected tests are disabled with that reason, never silently.
@Suite("Broken environments: read-only file or folder, missing folder, full disk", .serialized)
struct BrokenEnvironmentTests {
    static let isRoot = getuid() == 0

    /// Runs a system tool quietly; its exit status, or -1 when it cannot be started.
    @discardableResult
    static func tool(_ path: String, _ arguments: [String]) -> Int32 {
        guard FileManager.default.isExecutableFile(atPath: path) else { return -1 }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    static let chattr = ["/usr/bin/chattr", "/bin/chattr"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let mount = ["/usr/bin/mount", "/bin/mount"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let umount = ["/usr/bin/umount", "/bin/umount"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether a read-only file or folder can be made that this process cannot write: by file modes for a normal
    /// user, by `chattr +i` for root (probed on a scratch file).
    static let readOnlyIsEnforceable: Bool = {
        guard isRoot else { return true }
        guard let chattr, let folder = try? TemporaryDirectory() else { return false }
        let probe = folder.path("probe")
        guard FileManager.default.createFile(atPath: probe, contents: Data("x".utf8)) else { return false }
        guard tool(chattr, ["+i", probe]) == 0 else { return false }
        let refused = FileHandle(forWritingAtPath: probe) == nil
        tool(chattr, ["-i", probe])
        return refused
    }()

    /// Whether a small tmpfs can be mounted (root with CAP_SYS_ADMIN).
    static let canMountTmpfs: Bool = {
        guard isRoot, let mount, let umount, let folder = try? TemporaryDirectory() else { return false }
        let point = folder.path("mnt")
        try? FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        guard tool(mount, ["-t", "tmpfs", "-o", "size=64k", "tmpfs", point]) == 0 else { return false }
        tool(umount, [point])
        return true
    }()

    let folder: TemporaryDirectory

    init() throws { folder = try TemporaryDirectory() }

    /// A fresh database holding the 2021 sample (200 cases).
    private func databaseWithEarlierBatch(_ path: String) throws {
        let result = try CLI.run(["import", sample("hotline-2021.csv"), "--db", path, "--no-progress"])
        try #require(result.status == 0, "\(result.stderr)")
    }

    private func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Makes `path` unwritable for this process: mode 0444/0555, and immutable when root. Returns the undo.
    private func makeReadOnly(_ path: String, folder isFolder: Bool) throws -> () -> Void {
        try FileManager.default.setAttributes([.posixPermissions: isFolder ? 0o555 : 0o444], ofItemAtPath: path)
        if Self.isRoot, let chattr = Self.chattr { try #require(Self.tool(chattr, ["+i", path]) == 0) }
        return {
            if Self.isRoot, let chattr = Self.chattr { Self.tool(chattr, ["-i", path]) }
            try? FileManager.default.setAttributes([.posixPermissions: isFolder ? 0o755 : 0o644], ofItemAtPath: path)
        }
    }

    @Test(.enabled(if: readOnlyIsEnforceable, "running as root without a working chattr +i: file modes do not stop root"))
    func aReadOnlyDatabaseFileIsReportedAndUnchanged() throws {
        let db = folder.path("ro.db")
        try databaseWithEarlierBatch(db)
        let before = try bytes(db)
        let undo = try makeReadOnly(db, folder: false)
        defer { undo() }

        let result = try CLI.run(["import", sample("hotline-2020.ndjson"), "--db", db, "--no-progress"])
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains("cannot be written"), "\(result.stderr)")
        #expect(try bytes(db) == before)
        // Reading still works.
        let summary = try CLI.run(["summary", "--db", db])
        #expect(summary.status == 0, "\(summary.stderr)")
    }

    @Test(.enabled(if: readOnlyIsEnforceable, "running as root without a working chattr +i: file modes do not stop root"))
    func aReadOnlyFolderIsReportedAndNothingIsCreatedOrChanged() throws {
        // A new database in a folder that cannot be written.
        let empty = folder.path("ro-empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let undoEmpty = try makeReadOnly(empty, folder: true)
        defer { undoEmpty() }
        let newDB = empty + "/new.db"
        let created = try CLI.run(["import", sample("hotline-2021.csv"), "--db", newDB, "--no-progress"])
        #expect(created.status == 73, "\(created.stderr)")
        #expect(created.stderr.contains("cannot open \(newDB)"), "\(created.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty)

        // An existing database in such a folder: SQLite cannot make its -wal and -shm files beside it.
        let full = folder.path("ro-full")
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        let db = full + "/hotline.db"
        try databaseWithEarlierBatch(db)
        let before = try bytes(db)
        let listing = try FileManager.default.contentsOfDirectory(atPath: full).sorted()
        let undoFull = try makeReadOnly(full, folder: true)
        defer { undoFull() }
        let result = try CLI.run(["import", sample("hotline-2020.ndjson"), "--db", db, "--no-progress"])
        #expect(result.status == 73 || result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains(db), "the message must name the database: \(result.stderr)")
        #expect(try bytes(db) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: full).sorted() == listing)
    }

    @Test func aMissingFolderExits73AndCreatesNothing() throws {
        for db in ["/no/such/dir/x.db", folder.path("absent/deeper/x.db")] {
            let result = try CLI.run(["import", sample("hotline-2021.csv"), "--db", db, "--no-progress"])
            #expect(result.status == 73, "\(result.stderr)")
            #expect(result.stderr.contains("cannot create \(db)"), "\(result.stderr)")
            #expect(result.stderr.contains("does not exist"), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/no"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("absent")))
        let initResult = try CLI.run(["init", "--db", "/no/such/dir/x.db"])
        #expect(initResult.status == 73)
    }

    /// Why the full-disk test mounts a small file system instead of lowering `PRAGMA max_page_count`: the setting
    /// belongs to the connection that sets it and is not stored in the file, so the CLI's own connection never sees it.
    @Test func maxPageCountIsNotStoredInTheFile() throws {
        let db = folder.path("pages.db")
        try databaseWithEarlierBatch(db)
        do {
            let connection = try Connection(path: db)
            try connection.execute("PRAGMA max_page_count = 10")
            let pages = try connection.scalarInt("PRAGMA page_count") ?? 0
            // Clamped to the current size, and in force for this connection only.
            #expect(try connection.scalarInt("PRAGMA max_page_count") == pages)
            try connection.close()
        }
        let reopened = try Connection(path: db, mode: .readOnly)
        #expect(try reopened.scalarInt("PRAGMA max_page_count") ?? 0 > 1_000_000)
        let result = try CLI.run(["import", sample("hotline-2020.ndjson"), "--db", db, "--no-progress"])
        #expect(result.status == 0, "the CLI does not see another connection's max_page_count: \(result.stderr)")
    }

    @Test(.enabled(if: canMountTmpfs, "a small file system needs root with CAP_SYS_ADMIN (mount -t tmpfs); not available"))
    func aFullDiskIsReportedAndTheDatabaseIsUnchangedAndChecksOk() throws {
        let generated = folder.path("2000.csv")
        let made = try CLI.run(["sample", "generate", "--cases", "2000", "--seed", "11", "--year", "2015..2016",
                                "--out", generated])
        try #require(made.status == 0, "\(made.stderr)")
        let source = folder.path("source.db")
        try databaseWithEarlierBatch(source)

        // A file system with the database and about 160 KiB to spare: the import (~1 MiB of pages) cannot fit.
        let point = folder.path("small-disk")
        try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        let size = try bytes(source).count
        let kib = (size / 4096 + 40) * 4
        try #require(Self.tool(Self.mount!, ["-t", "tmpfs", "-o", "size=\(kib)k", "tmpfs", point]) == 0)
        defer { Self.tool(Self.umount!, [point]) }
        let db = point + "/hotline.db"
        try FileManager.default.copyItem(atPath: source, toPath: db)
        let before = databaseBytes(db)

        let result = try CLI.run(["import", generated, "--db", db, "--no-progress"])
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains("disk is full"), "\(result.stderr)")
        #expect(databaseBytes(db) == before)
        let check = try CLI.run(["check", "--db", db])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("ok"), "\(check.stdout)")
        do {
            let reader = try Connection(path: db, mode: .readOnly)
            #expect(try reader.scalarInt("SELECT count(*) FROM import_batches") == 1)
            #expect(try reader.scalarInt("SELECT count(*) FROM cases") == 200)
            try reader.close()  // before the file system is unmounted
        }
    }
}
