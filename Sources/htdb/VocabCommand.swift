import ArgumentParser
import CaseStore

struct Vocab: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every vocabulary of the export format: codes, labels and other accepted labels.",
        discussion: """
            This is the vocabulary built into htdb (the one import matches labels against); it needs no \
            database, and --db is accepted only for uniformity with the other commands.
            Examples: htdb vocab
                      htdb vocab --format json
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Output format.")
    var format: ListingFormat = .table

    func run() throws {
        try Console.run {
            switch format {
            case .table: Console.out(VocabularyListing.builtIn.table())
            case .json: Console.out(try VocabularyListing.builtIn.json())
            }
        }
    }
}
