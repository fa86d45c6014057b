import Foundation

/// Runs the built `htdb` executable as a user would, and captures what it prints.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `htdb` binary built next to this test bundle.
    static var executable: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = bundle.deletingLastPathComponent()
        // On Linux the tests run as `.../debug/htdbPackageTests.xctest`; the tool is beside it.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("htdb").path),
              folder.path != "/"
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("htdb")
    }

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil,
                    executable: URL = CLI.executable) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["HTDB_DB"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        // Output goes to files, not pipes: a large output can never block the process.
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("htdb-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: capture, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: capture) }
        let outURL = capture.appendingPathComponent("stdout")
        let errURL = capture.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let outData = try Data(contentsOf: outURL)
        let errData = try Data(contentsOf: errURL)
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A new database at `path` holding one imported sample (the 2021 CSV: 200 cases); returns `path`.
    static func databaseWithSample(at path: String, sample name: String = "hotline-2021.csv") throws -> String {
        let imported = try run(["import", sample(name), "--db", path])
        precondition(imported.status == 0, "fixture import failed: \(imported.stderr)")
        return path
    }
}
