// Test helpers shared by every test target (Tests/TestSupport).
@_exported import TestSupport
