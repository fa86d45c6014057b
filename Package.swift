// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "htdb",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "htdb", targets: ["htdb"]),
        .library(name: "CaseStore", targets: ["CaseStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C boundary: libsqlite3 from the system (Debian: libsqlite3-dev).
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Our thin Swift wrapper; the only module that imports CSQLite.
        .target(name: "SQLite", dependencies: ["CSQLite"]),
        // Streaming RFC 4180 reader and writer; depends on nothing of ours.
        .target(name: "CSV"),
        // SHA-256 block function in C: uses the processor's SHA instructions when it has them (file checksums).
        .target(name: "CSHA256"),
        // The domain: vocabulary, schema and migrations, import, reports, export.
        .target(
            name: "CaseStore",
            dependencies: ["SQLite", "CSV", "CSHA256"],
            plugins: [.plugin(name: "EmbedMigrations")]
        ),
        // The command-line tool.
        .executableTarget(
            name: "htdb",
            dependencies: [
                "CaseStore",
                "CSV",
                "SQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Build-time tool and plugin that compile Migrations/*.sql into the binary.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"]
        ),
        // Helpers shared by the test targets (a temporary folder per test, seeded random numbers).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite", "TestSupport"]),
        .testTarget(name: "CSVTests", dependencies: ["CSV", "TestSupport"]),
        .testTarget(name: "CaseStoreTests", dependencies: ["CaseStore", "SQLite", "CSHA256", "TestSupport"]),
        .testTarget(
            name: "htdbTests", dependencies: ["htdb", "CaseStore", "SQLite", "TestSupport"],
            exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
