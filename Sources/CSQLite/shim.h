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

#if defined(__linux__)
// Declared by <fcntl.h> only under _GNU_SOURCE, which this header does not set for everything that includes it.
extern int sync_file_range(int fd, long long offset, long long nbytes, unsigned int flags);
#endif

/// Starts writing the file's dirty pages to disk without waiting for them (Linux `sync_file_range` with
/// SYNC_FILE_RANGE_WRITE); elsewhere does nothing. 0, or -1 with errno set.
static inline int htdb_start_writeback(int fd) {
#if defined(__linux__)
    return sync_file_range(fd, 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */);
#else
    (void)fd;
    return 0;
#endif
}

#endif
