import CaseStore
import Testing

@Suite struct VenueSetTests {
    @Test func everyVenueOfTheVocabularyFits() {
        for venue in Venue.all { #expect(VenueSet.ids.contains(venue.id), "\(venue.code)") }
        var all = VenueSet()
        for venue in Venue.all { #expect(all.insert(venue.id) == .inserted) }
        #expect(Array(all) == Venue.all.map(\.id).sorted())
        #expect(all.count == Venue.all.count)
    }

    @Test func insertsOnceIteratesAscendingAndRefusesOtherIds() {
        var set = VenueSet()
        #expect(set.isEmpty)
        #expect(set.insert(33) == .inserted)
        #expect(set.insert(1) == .inserted)
        #expect(set.insert(63) == .inserted)
        #expect(set.insert(33) == .alreadyThere)
        #expect(set.insert(0) == .outOfRange)
        #expect(set.insert(64) == .outOfRange)
        #expect(set.insert(-1) == .outOfRange)
        #expect(Array(set) == [1, 33, 63])
        #expect(set.count == 3)
        #expect(set.contains(33) && !set.contains(2) && !set.contains(64) && !set.contains(0))
        #expect(set == [63, 33, 1])
        #expect(set != [1, 33])
        #expect(VenueSet() == [])
    }
}
