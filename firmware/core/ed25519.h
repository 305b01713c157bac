/*
 * ed25519.h - Ed25519 signature verification (RFC 8032, section 5.1.7),
 * for firmware images: the node and its bootloader check that an image was
 * signed by the key the node was given at the bench. Verification only:
 * signing happens on the console, with libsodium (`ghostlight node sign`).
 *
 * Which signatures pass - the rules of libsodium 1.0.18's
 * crypto_sign_verify_detached, exactly, so that the two agree on every
 * input (tests/test_ed25519.c checks that on RFC 8032's vectors and
 * thousands of random, mutated and crafted signatures):
 *  - S must be below the group order L (no malleable S + L);
 *  - A and R must be canonical encodings (y < p; x = 0 with the sign bit
 *    set is no encoding) of points on the curve, and neither may have
 *    small order (8P = 0);
 *  - the group equation is checked without the cofactor: the encoding of
 *    [S]B - [k]A must equal R byte for byte, k = SHA-512(R | A | M) mod L.
 *    (A key with a small-order component passes only when that component
 *    vanishes in [k]A, as in libsodium.)
 *
 * Verification handles no secret (key, message and signature are public),
 * so it runs in variable time; nothing here is constant-time, and nothing
 * needs to be. Freestanding C11: no heap (about 2.5 KiB of stack), no I/O,
 * any thread.
 */
#ifndef FW_ED25519_H
#define FW_ED25519_H

#include <stddef.h>
#include <stdint.h>

#define FW_ED25519_KEY_LEN 32
#define FW_ED25519_SIG_LEN 64

enum fw_ed25519_result {
	FW_ED25519_OK = 0,
	FW_ED25519_BAD_S = -1,       /* S is not below the group order */
	FW_ED25519_BAD_R = -2,       /* R is no canonical point, or has small order */
	FW_ED25519_BAD_KEY = -3,     /* the public key is no canonical point, or has small order */
	FW_ED25519_MISMATCH = -4,    /* well-formed, but not a signature of this message by this key */
};

/* Returns FW_ED25519_OK when `sig` is a signature of msg[0..len) by `pk`. */
int fw_ed25519_verify(const uint8_t sig[FW_ED25519_SIG_LEN], const void *msg, size_t len,
		      const uint8_t pk[FW_ED25519_KEY_LEN]);

#endif
