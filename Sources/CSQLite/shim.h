#ifndef HTDB_CSQLITE_SHIM_H
#define HTDB_CSQLITE_SHIM_H

#include <sqlite3.h>

// Small C wrappers for what Swift cannot call directly (variadic functions and macros).

/// Turns off double-quoted string literals in DDL and DML, so a misspelled "column" is an error instead of a string.
/// https://www.sqlite.org/quirks.html#dblquote
static inline int htdb_sqlite3_disable_dqs(sqlite3 *db) {
    int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)0);
    if (rc != SQLITE_OK) return rc;
    return sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)0);
}

/// Turns SQLITE_DBCONFIG_DEFENSIVE on: no writable_schema tricks, no direct shadow-table writes.
static inline int htdb_sqlite3_enable_defensive(sqlite3 *db) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
}

/// SQLITE_TRANSIENT: SQLite copies the bound bytes before the call returns.
static inline sqlite3_destructor_type htdb_sqlite3_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
