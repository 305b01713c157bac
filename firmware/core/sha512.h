/*
 * sha512.h - SHA-512 (FIPS 180-4), the hash of firmware images and of the
 * Ed25519 verifier. Streaming, so a node hashes an image straight out of
 * its flash a page at a time.
 *
 * Freestanding C11: no heap, no I/O; any thread (each context is the
 * caller's). Hashes public data only, so nothing here needs to run in
 * constant time.
 */
#ifndef FW_SHA512_H
#define FW_SHA512_H

#include <stddef.h>
#include <stdint.h>

#define FW_SHA512_LEN 64

struct fw_sha512 {
	uint64_t h[8];
	uint64_t bytes;              /* message length so far (2^64 bytes is plenty) */
	uint8_t buf[128];
	uint8_t buflen;
};

void fw_sha512_init(struct fw_sha512 *s);
void fw_sha512_update(struct fw_sha512 *s, const void *data, size_t len);
void fw_sha512_final(struct fw_sha512 *s, uint8_t out[FW_SHA512_LEN]);
/* All three at once. */
void fw_sha512(uint8_t out[FW_SHA512_LEN], const void *data, size_t len);

#endif
