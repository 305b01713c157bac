/*
 * journal_wire.h - the bytes of a show's resume journal: one image per
 * write, a checked header and typed, versioned, length-prefixed records.
 * Pure (no system calls, no clock): encoding, and a decoder for files that
 * may be torn, corrupt or written by another version (fuzzed:
 * tests/fuzz/fuzz_journal.c). Any thread; the functions share nothing.
 *
 * The state is kept in names (cue list names, cue numbers as written,
 * fader numbers, fixture labels and attribute names), not engine indexes:
 * a journal stays meaningful when the show file is edited between the
 * crash and the restart (app/resume.c matches names back).
 *
 * Image (little-endian):
 *   header, 28 bytes: "GLJR", u16 format (1), u16 flags (bit 0: the run
 *     ended cleanly), u64 seq, u32 payload length, u32 CRC-32 of the
 *     payload, u32 CRC-32 of the 24 bytes before it
 *   payload: records, each u16 kind, u16 version, u32 body length, body
 * Strings are u16 length + bytes (no NUL). Floats are IEEE 754 binary32.
 *
 * Extending it (running effects, timecode...): a new record kind gets the
 * next number in enum journal_kind, fields in struct journal_state, a case
 * in the encoder and the decoder, and tests. A reader skips kinds it does
 * not know (counted in `skipped`), so an older ghostlight reads a newer
 * journal. A kind's body may grow only by appending fields, with its
 * version raised: a reader reads the fields it knows and ignores the rest.
 * A change that is not an append is a new kind. The format number changes
 * only if the header does; a reader refuses formats it does not know.
 */
#ifndef GL_JOURNAL_WIRE_H
#define GL_JOURNAL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gl.h"

#define JOURNAL_MAGIC "GLJR"
#define JOURNAL_FORMAT 1
#define JOURNAL_HEADER_SIZE 28
#define JOURNAL_FLAG_ENDED 0x0001
#define JOURNAL_PAYLOAD_MAX (64u << 20)
#define JOURNAL_PATH_MAX 1024
#define JOURNAL_ATTR_MAX 32
#define JOURNAL_HASH_SIZE 32

enum journal_kind {
	JOURNAL_REC_SHOW = 1,       /* v1: hash[32], i64 written_ns, path, show name */
	JOURNAL_REC_MASTERS = 2,    /* v1: f32 grand master, u8 blackout */
	JOURNAL_REC_LIST = 3,       /* v1: name, u8 state, active, from (cue numbers
				     * as written, "" none), u8 back, u32 go_order,
				     * u64 elapsed_ns, f32 master */
	JOURNAL_REC_FADER = 4,      /* v1: i32 number, f32 level */
	JOURNAL_REC_PROGRAMMER = 5, /* v1: fixture label, attribute name, f32 value */
	/* 6: running effects, 7: timecode position - kept for those parts */
};

enum journal_list_state { JOURNAL_LIST_OFF, JOURNAL_LIST_RUNNING, JOURNAL_LIST_PAUSED };

struct journal_list {
	char name[GL_NAME_MAX];
	uint8_t state;                       /* enum journal_list_state */
	char active[GL_CUE_NUMBER_MAX];      /* "" none */
	char from[GL_CUE_NUMBER_MAX];        /* "" none */
	bool back;
	uint32_t go_order;
	uint64_t elapsed_ns;                 /* since its GO, when written (frozen
					      * while paused) */
	float master;
};

struct journal_fader {
	int32_t number;
	float level;
};

struct journal_param {
	char fixture[GL_NAME_MAX];
	char attr[JOURNAL_ATTR_MAX];
	float value;
};

struct journal_state {
	uint64_t seq;                        /* set by the writer; newer is larger */
	bool ended;                          /* the run that wrote it ended cleanly */
	bool has_show;                       /* a SHOW record was there */
	uint8_t show_hash[JOURNAL_HASH_SIZE];
	int64_t written_ns;                  /* wall clock (CLOCK_REALTIME) */
	char path[JOURNAL_PATH_MAX];         /* the show's real path */
	char show_name[GL_NAME_MAX];
	bool has_masters;
	float grand_master;
	bool blackout;
	int list_count, fader_count, param_count;
	struct journal_list *lists;
	struct journal_fader *faders;
	struct journal_param *params;
	int skipped;                         /* records of kinds this reader does not know */
};

/* Room for counts of each array (malloc'd; journal_state_free frees).
 * Returns 0 or GL_ENOMEM. */
int journal_state_alloc(struct journal_state *st, int lists, int faders, int params);
void journal_state_free(struct journal_state *st);

/* The image of st, with st->seq and st->ended in its header, into a buffer
 * malloc'd for it (*out, *len). Returns 0, GL_ENOMEM, or GL_ERANGE when the
 * state does not fit the format (a string too long, past
 * JOURNAL_PAYLOAD_MAX). */
int journal_encode(const struct journal_state *st, uint8_t **out, size_t *len);

/* Sets the sequence number of an encoded image (and its header checksum). */
void journal_image_set_seq(uint8_t *image, uint64_t seq);

/* Reads an image of len bytes (trailing bytes past the payload are
 * ignored: a file may have held a longer image before). On success fills
 * *st (free with journal_state_free) and returns 0; otherwise returns
 * GL_EINVAL with why in `why` ("checksum of the payload does not match",
 * "record 3 (list): a level of 1.5") and *st holds nothing to free. */
int journal_decode(const uint8_t *buf, size_t len, struct journal_state *st, char *why,
		   size_t why_len);

#endif
