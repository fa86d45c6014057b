import Testing
@testable import CaseStore

@Suite("TextTable: aligned plain-text columns")
struct TextTableTests {
    @Test func columnsAreAlignedByCharactersAndLinesEndWithoutSpaces() {
        var table = TextTable(headers: ["county", "gender", "victims"], rightAligned: [2])
        table.append(["Doña Ana County", "Female", "12"])
        table.append(["Kings County", "", "1,204"])
        table.append(["Ada County", "Male", ""])
        table.appendSeparator()
        table.append(["Total", "", "1,216"])
        let expected = [
            "county           gender  victims",
            "---------------  ------  -------",
            "Doña Ana County  Female       12",
            "Kings County               1,204",
            "Ada County       Male",
            "---------------  ------  -------",
            "Total                      1,216",
        ].joined(separator: "\n")
        #expect(table.render() == expected)
    }

    /// Rows shorter than the header, characters beyond ASCII in a right-aligned column (counted as characters), and a separator before the first
    /// row and after the last.
    @Test func shortRowsWideCharactersAndSeparatorsAtTheEdges() {
        var table = TextTable(headers: ["a", "bb", "n"], rightAligned: [2])
        table.appendSeparator()
        table.append(["x"])
        table.append(["yy", "", "東京"])
        table.appendSeparator()
        let expected = [
            "a   bb   n",
            "--  --  --",
            "--  --  --",
            "x",
            "yy      東京",
        ].joined(separator: "\n")
        #expect(table.render() == expected)
    }

    @Test func aTableWithoutRowsIsItsHeaderAndRule() {
        let table = TextTable(headers: ["type", "cases"], rightAligned: [1])
        #expect(table.render() == "type  cases\n----  -----")
    }
}
