import ArgumentParser
import CaseStore

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make synthetic hotline exports (invented cases) to try htdb on, test and benchmark.",
        subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a synthetic export of N cases (about 1.6 victims each), the same for the same seed.",
            discussion: """
                Examples: htdb sample generate --cases 1000 --out sample.csv
                          htdb sample generate --cases 500 --year 2021 --format ndjson --out sample.ndjson
                          htdb sample generate --cases 200 --profile Samples/profiles/hotline-2019.json --out old.csv
                """)

        @Option(help: "Number of cases.")
        var cases: Int

        @Option(help: "Random seed: the same seed gives the same file.")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("One reporting year, or a range like 2017..2021.", valueName: "year"))
        var year: String = "2017..2021"

        @Option(help: "Output format.")
        var format: ImportFormat = .csv

        @Option(help: ArgumentHelp("Write in this profile's layout (headers, labels, dates, venue separator).",
                                   valueName: "name|file.json"))
        var profile: String = "hotline"

        @Option(help: ArgumentHelp("The output file; - for standard output.", valueName: "file"))
        var out: String = "-"

        func validate() throws {
            if cases < 0 { throw ValidationError("--cases must be 0 or more") }
            guard Self.parseYears(year) != nil else {
                throw ValidationError("--year takes a year from 2000 to 2100, or a range like 2017..2021")
            }
        }

        static func parseYears(_ text: String) -> ClosedRange<Int>? {
            let parts = text.components(separatedBy: "..")
            guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts.last ?? ""),
                  low <= high, low >= 2000, high <= 2100 else { return nil }
            return low...high
        }

        func run() throws {
            try Console.run {
                let loaded = try Profile.load(profile)
                guard loaded.dataSource == .hotline else {
                    throw ValidationError("--profile: sample generate writes hotline exports; the \(loaded.name) "
                        + "profile reads CTDC files (see Samples/ctdc for examples)")
                }
                let generator = SampleGenerator(cases: cases, seed: seed, years: Self.parseYears(year) ?? 2017...2021,
                                                profile: loaded)
                let output = try generator.write(to: out, format: format)
                if out != "-" {
                    Console.err("\(out): \(output.cases) cases, \(output.victims) victims, \(output.rows) rows")
                }
            }
        }
    }
}
