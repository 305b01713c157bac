/*
 * fwboot.h - the boot-state log and the bootloader's choice of image: the
 * part of firmware updates that must survive a power cut at any instant.
 *
 * The log is one flash page of 16-byte records, each written with one
 * write to erased flash and never changed after:
 *
 *   CONFIRMED slot version      this slot runs; its image passed its self-test
 *                               (or it is the factory's, or the only one left)
 *   XFER slot version xfer n    an image of n chunks is being received into slot
 *   PROGRESS xfer n             chunks below n of that transfer are written
 *   TRIAL slot version          boot slot once, on trial
 *   BOOTED slot version         the bootloader started that trial
 *   ROLLBACK slot version why   the trial failed; the confirmed image runs again
 *
 * The state is the records folded in page order (fw_log_fold): a record
 * torn by a power cut fails its check and counts as not written, so every
 * prefix of the log is a state, and the bootloader boots a verified image
 * from every state (fw_boot_select):
 *
 *   TRIAL, not BOOTED  -> verify the trial slot (hash, signature, board,
 *                         version not below the confirmed one); good: write
 *                         BOOTED, run it on trial; bad: write ROLLBACK
 *   TRIAL and BOOTED   -> the trial reset before it confirmed itself:
 *                         write ROLLBACK
 *   then                  the CONFIRMED slot if it verifies; else whichever
 *                         slot verifies, the newest (written as CONFIRMED);
 *                         else nothing: the port halts and says why
 *
 * The application writes XFER/PROGRESS while it receives (the inactive
 * slot only: the log never points at it until TRIAL), TRIAL once the image
 * verified, and CONFIRMED once its self-test passed. A full page is
 * rewritten (fw_log_restart) only when one slot is valid: the other is
 * erased or its header zeroed first, so even a torn erase, which leaves
 * any subset of the old records, can only lead to that one image.
 *
 * Node or bootloader thread only; no heap.
 */
#ifndef FW_BOOT_H
#define FW_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/hal/flash.h"
#include "fwimage.h"

#define FW_BOOT_VERSION 1            /* this bootloader's version (images' min_boot) */
#define FW_LOG_REC_LEN 16

enum fw_log_type {
	FW_LOG_CONFIRMED = 1,
	FW_LOG_XFER = 2,
	FW_LOG_PROGRESS = 3,
	FW_LOG_TRIAL = 4,
	FW_LOG_BOOTED = 5,
	FW_LOG_ROLLBACK = 6,
};

struct fw_log_rec {
	uint8_t type;                /* fw_log_type */
	uint8_t slot;                /* 0 = A, 1 = B */
	uint8_t reason;              /* ROLLBACK: fw_image_reason */
	uint16_t version;
	uint16_t count;              /* XFER: chunks; PROGRESS: chunks written */
	uint32_t xfer;               /* XFER, PROGRESS: the transfer */
};

/* The folded state. Slots are 0 (A) and 1 (B); -1 is none. */
struct fw_log {
	int8_t confirmed;
	uint16_t confirmed_version;
	int8_t trial;
	uint16_t trial_version;
	bool trial_booted;
	int8_t xfer_slot;
	uint16_t xfer_version;
	uint32_t xfer_id;
	uint16_t xfer_chunks;
	uint16_t xfer_done;          /* chunks below this are written (PROGRESS) */
	int8_t rollback_slot;        /* the last trial that failed, until the next transfer */
	uint16_t rollback_version;
	uint8_t rollback_reason;
	uint16_t used;               /* records written or torn */
	uint16_t capacity;
	uint16_t torn;               /* records that failed their check */
};

void fw_log_init(struct fw_log *log, uint16_t capacity);
void fw_log_fold(struct fw_log *log, const struct fw_log_rec *r);
/* Reads and folds page 0 of `page`. Returns 0 or FW_IMG_FLASH. */
int fw_log_read(const struct hal_flash *page, struct fw_log *log);
/* Appends one record and folds it in. Returns 0, -1 when the page is full,
 * or FW_IMG_FLASH. */
int fw_log_append(const struct hal_flash *page, struct fw_log *log, const struct fw_log_rec *r);
/* Erases the page and writes CONFIRMED slot version (nothing, for slot
 * -1): the caller has made sure no other slot holds a valid image.
 * Returns 0 or FW_IMG_FLASH. */
int fw_log_restart(const struct hal_flash *page, struct fw_log *log, int slot, uint16_t version);
/* Free records. */
static inline uint16_t fw_log_free(const struct fw_log *log)
{
	return (uint16_t)(log->capacity - log->used);
}

/* The key block: the bootloader's trust anchor, written once at the bench
 * (never over the air): "GLK1", 28 bytes 0, the rig's Ed25519 firmware
 * key. fw_keyblock_get returns false for anything else (an erased block). */
#define FW_KEYBLOCK_LEN 64
bool fw_keyblock_get(const uint8_t raw[FW_KEYBLOCK_LEN], uint8_t key[FW_ED25519_KEY_LEN]);
void fw_keyblock_put(uint8_t raw[FW_KEYBLOCK_LEN], const uint8_t key[FW_ED25519_KEY_LEN]);

/* Makes the image in a slot invalid at once: its magic zeroed (flash can
 * always clear bits). Returns 0 or FW_IMG_FLASH. */
int fw_slot_invalidate(const struct hal_flash *slot);

/* What the bootloader tells the application it started (in RAM the two
 * share: a fixed address on a board, a struct in the simulator). */
#define FW_HANDOVER_MAGIC 0x4f484c47u    /* "GLHO" */

struct fw_handover {
	uint32_t magic;
	int8_t slot;                 /* 0, 1; -1 none */
	uint8_t trial;               /* 1: on trial, not yet confirmed */
	uint8_t boot_version;
	uint8_t board;
	uint16_t version;            /* of the image started */
	uint16_t verified;           /* slots checked on this boot */
	uint32_t verify_ticks;       /* time spent verifying, in the port's clock */
	uint32_t check;              /* fw_handover_seal() */
};

void fw_handover_seal(struct fw_handover *h);
bool fw_handover_valid(const struct fw_handover *h);

struct fw_boot {
	const struct hal_flash *slot[2];
	const struct hal_flash *log;
	const uint8_t *key;          /* the rig's firmware key (32 bytes); NULL: none */
	uint8_t board;
};

/* The bootloader's decision (see the top of this file): records what it
 * decides in the log, fills *out (sealed) and returns the slot to start,
 * or -1 when no slot holds an image that verifies. */
int fw_boot_select(const struct fw_boot *b, struct fw_handover *out);

#endif
