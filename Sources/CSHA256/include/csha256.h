#ifndef HTDB_CSHA256_H
#define HTDB_CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// Runs the SHA-256 compression function (FIPS 180-4, 6.2.2) over `blocks` consecutive 64-byte blocks at `data`,
/// updating the eight working words in `state`. Padding and streaming are the caller's (Swift's `SHA256`) job.
/// Uses the x86 SHA extensions when the processor has them, portable C otherwise; both give the same result.
void htdb_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// 1 when `htdb_sha256_blocks` uses the processor's SHA extensions (for benchmarks and tests), else 0.
int htdb_sha256_uses_sha_extensions(void);

/// The portable path alone, so tests can check it against the accelerated one on machines that have both.
void htdb_sha256_blocks_portable(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
