/*
 * fwimage.h - the signed firmware image of a wireless node: what `ghostlight
 * node sign` writes, `ghostlight node flash` sends, the node stores in an
 * image slot and its bootloader checks before every start.
 *
 *   header  256 bytes (below); 256 so that a Cortex-M body that follows
 *           it starts on a vector-table boundary
 *   body    body_len bytes: the program, linked where its slot keeps it
 *           (or anything, for the simulator)
 *   hash    SHA-512 of header and body (64 bytes): a damaged transfer
 *   sig     Ed25519 signature of the hash by the rig's firmware key (64)
 *
 * Header, little-endian: "GLFW", format (1), board (NODELINK_BOARD_*),
 * version u16 (major << 8 | minor), the oldest bootloader the image runs
 * under, slot (0 any, 1 A, 2 B: where the body was linked), 2 bytes 0,
 * body_len u32, 12 bytes 0, name (32 bytes, NUL-padded text), then zeros
 * to 256.
 *
 * A bundle (what `node sign` writes) is images back to back: the same
 * firmware linked for slot A and for slot B, or for several boards; the
 * console picks the one a node can run in its free slot.
 *
 * Freestanding C11, no heap; any thread.
 */
#ifndef FW_IMAGE_H
#define FW_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ed25519.h"
#include "sha512.h"

#define FW_IMAGE_HEADER_LEN 256
#define FW_IMAGE_TRAILER_LEN (FW_SHA512_LEN + FW_ED25519_SIG_LEN)
#define FW_IMAGE_FORMAT 1
#define FW_IMAGE_NAME_LEN 32
#define FW_IMAGE_BODY_MAX (1u << 20)

enum { FW_SLOT_ANY = 0, FW_SLOT_A = 1, FW_SLOT_B = 2 };   /* header's slot field */

struct fw_image_header {
	uint8_t format;
	uint8_t board;
	uint16_t version;
	uint8_t min_boot;
	uint8_t slot;
	uint32_t body_len;
	char name[FW_IMAGE_NAME_LEN + 1];
};

static inline uint32_t fw_image_len(const struct fw_image_header *h)
{
	return FW_IMAGE_HEADER_LEN + h->body_len + FW_IMAGE_TRAILER_LEN;
}

/* Why an image is refused: one list, expanded into the codes (carried in
 * the node's FW_INFO reports, so never renumbered) and their text. */
#define FW_IMAGE_REASONS(X)                                                              \
	X(OK, 0, "ok")                                                                   \
	X(TRUNCATED, 1, "the image is truncated (shorter than its header says)")         \
	X(MAGIC, 2, "not a ghostlight firmware image")                                   \
	X(FORMAT, 3, "an image format this node does not know")                          \
	X(HASH, 4, "the image's hash does not match: damaged or altered")                \
	X(SIGNATURE, 5, "the signature does not verify with the node's firmware key")    \
	X(BOARD, 6, "the image is for another board")                                    \
	X(SLOT, 7, "the image is linked for the other slot")                             \
	X(TOO_BIG, 8, "the image does not fit the node's slot")                          \
	X(DOWNGRADE, 9, "the image is older than the firmware the node runs")            \
	X(BOOTLOADER, 10, "the image needs a newer bootloader")                          \
	X(NO_KEY, 11, "the node has no firmware key (set up at the bench)")              \
	X(FLASH, 12, "the node could not read or write its flash")                       \
	X(NOT_CONFIRMED, 13, "the new firmware did not pass its self-test")              \
	X(BUSY, 14, "the node runs a trial image that has not confirmed itself yet")     \
	X(INCOMPLETE, 15, "not every chunk has arrived")                                 \
	X(NO_SLOTS, 16, "this node cannot be updated (no image slots)")                  \
	X(UNKNOWN, 17, "no such transfer on the node")

enum fw_image_reason {
#define FW_IMAGE_ENUM(name, code, text) FW_IMG_##name = code,
	FW_IMAGE_REASONS(FW_IMAGE_ENUM)
#undef FW_IMAGE_ENUM
};

const char *fw_image_strerror(int reason);

/* The header's fields from its 256 bytes: FW_IMG_OK, or MAGIC / FORMAT /
 * TOO_BIG (a body over FW_IMAGE_BODY_MAX). */
int fw_image_header_get(const uint8_t raw[FW_IMAGE_HEADER_LEN], struct fw_image_header *h);
void fw_image_header_put(uint8_t raw[FW_IMAGE_HEADER_LEN], const struct fw_image_header *h);

/* What a node accepts. */
struct fw_image_want {
	uint8_t board;               /* NODELINK_BOARD_* */
	uint8_t slot;                /* FW_SLOT_A or FW_SLOT_B: where it is to run */
	uint16_t min_version;        /* nothing older than this (the running firmware; 0 any) */
	uint8_t boot_version;        /* the bootloader's */
	uint32_t capacity;           /* bytes the slot holds */
	uint32_t avail;              /* bytes of the image that are there (received) */
};

/* The policy checks on a header alone (board, slot, size, version,
 * bootloader): FW_IMG_OK or why not. */
int fw_image_allowed(const struct fw_image_header *h, const struct fw_image_want *want);

/* Reads bytes of the image (from a slot in flash, or a buffer). Returns 0
 * or negative. */
typedef int (*fw_image_read_fn)(void *ctx, uint32_t off, void *buf, uint32_t len);

/* The whole check, in order: structure (magic, format, length), integrity
 * (the hash), authenticity (the signature, with `key`), then policy
 * (fw_image_allowed). Returns FW_IMG_OK or the first reason found; *h gets
 * the header when it could be read. */
int fw_image_check(fw_image_read_fn read, void *ctx, const struct fw_image_want *want,
		   const uint8_t key[FW_ED25519_KEY_LEN], struct fw_image_header *h);

/* The same on an image in memory (the console's and the tests' side). */
int fw_image_check_buffer(const uint8_t *img, size_t len, const struct fw_image_want *want,
			  const uint8_t key[FW_ED25519_KEY_LEN], struct fw_image_header *h);

/* Bundles: the image at *offset of buf[0..len) (its header into h), and
 * *offset moved past it. Returns FW_IMG_OK, a reason for a malformed one
 * (TRUNCATED when it runs past the end), or -1 at the end. */
int fw_bundle_next(const uint8_t *buf, size_t len, size_t *offset, struct fw_image_header *h);

#endif
