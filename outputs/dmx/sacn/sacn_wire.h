/*
 * sacn_wire.h - ANSI E1.31-2018 (sACN) packets as bytes: data, sync and
 * universe discovery packets, the multicast address of a universe, a parser
 * for received data packets, and UUID text helpers for the CID.
 *
 * Pure code: no system calls, no allocation, no global state, so any thread
 * may call it and the parser can be fuzzed. Builders write into a buffer the
 * caller passes and return the packet length, or a negative GL_E* (the
 * buffer is then left in an unspecified state). Every multi-byte field on
 * the wire is big-endian.
 */
#ifndef GL_SACN_WIRE_H
#define GL_SACN_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/gl.h"

#define SACN_PORT 5568
#define SACN_CID_LEN 16
#define SACN_SOURCE_NAME_LEN 64          /* bytes on the wire, NUL included */
#define SACN_UUID_TEXT_LEN 37            /* "xxxxxxxx-...-xxxxxxxxxxxx" + NUL */

#define SACN_DATA_HDR_LEN 126            /* through the start code */
#define SACN_DATA_MAX_LEN (SACN_DATA_HDR_LEN + GL_DMX_SLOTS)   /* 638 */
#define SACN_SYNC_LEN 49
#define SACN_DISCOVERY_HDR_LEN 120
#define SACN_DISCOVERY_PER_PAGE 512
#define SACN_DISCOVERY_MAX_LEN (SACN_DISCOVERY_HDR_LEN + 2 * SACN_DISCOVERY_PER_PAGE)
#define SACN_DISCOVERY_UNIVERSE 64214    /* 239.255.250.214 */

#define SACN_PRIORITY_MAX 200
#define SACN_PRIORITY_DEFAULT 100

/* Framing-layer option bits. */
#define SACN_OPT_PREVIEW 0x80            /* visualisers only, not for stage */
#define SACN_OPT_TERMINATED 0x40         /* source is leaving this universe */
#define SACN_OPT_FORCE_SYNC 0x20         /* act on data even without sync */

/* Byte offsets of the data packet fields (E1.31-2018 table 4-1). */
enum sacn_data_offset {
	SACN_OFF_PREAMBLE = 0,
	SACN_OFF_POSTAMBLE = 2,
	SACN_OFF_ACN_ID = 4,
	SACN_OFF_ROOT_FLEN = 16,
	SACN_OFF_ROOT_VECTOR = 18,
	SACN_OFF_CID = 22,
	SACN_OFF_FRAMING_FLEN = 38,
	SACN_OFF_FRAMING_VECTOR = 40,
	SACN_OFF_SOURCE_NAME = 44,
	SACN_OFF_PRIORITY = 108,
	SACN_OFF_SYNC_ADDRESS = 109,
	SACN_OFF_SEQUENCE = 111,
	SACN_OFF_OPTIONS = 112,
	SACN_OFF_UNIVERSE = 113,
	SACN_OFF_DMP_FLEN = 115,
	SACN_OFF_DMP_VECTOR = 117,
	SACN_OFF_DMP_TYPE = 118,
	SACN_OFF_FIRST_ADDRESS = 119,
	SACN_OFF_ADDRESS_INC = 121,
	SACN_OFF_VALUE_COUNT = 123,
	SACN_OFF_START_CODE = 125,
	SACN_OFF_SLOTS = 126,
};

#define SACN_VECTOR_ROOT_DATA 0x00000004u
#define SACN_VECTOR_ROOT_EXTENDED 0x00000008u
#define SACN_VECTOR_FRAMING_DATA 0x00000002u
#define SACN_VECTOR_FRAMING_SYNC 0x00000001u
#define SACN_VECTOR_FRAMING_DISCOVERY 0x00000002u
#define SACN_VECTOR_DISCOVERY_LIST 0x00000001u

/* Everything of a data packet except its slots. */
struct sacn_data_hdr {
	uint8_t cid[SACN_CID_LEN];
	char source_name[SACN_SOURCE_NAME_LEN]; /* UTF-8; cut to 63 bytes on the wire */
	uint8_t priority;        /* 0..200 */
	uint16_t sync_address;   /* 0 = not synchronised */
	uint8_t sequence;
	uint8_t options;         /* SACN_OPT_* */
	uint16_t universe;       /* 1..63999 */
	uint8_t start_code;      /* 0x00 dimmer data, 0xDD per-address priority */
};

/* Builds a data packet carrying slot_count (0..512) slots. Returns the
 * length (126 + slot_count), GL_EINVAL for a bad header field or slot
 * count, GL_ERANGE when len is too small. */
int sacn_wire_data(uint8_t *buf, size_t len, const struct sacn_data_hdr *hdr,
		   const uint8_t *slots, int slot_count);

/* Builds the 49-byte synchronisation packet for sync_address (1..63999).
 * Returns 49, GL_EINVAL or GL_ERANGE. */
int sacn_wire_sync(uint8_t *buf, size_t len, const uint8_t cid[SACN_CID_LEN],
		   uint8_t sequence, uint16_t sync_address);

/* Number of discovery pages needed for universe_count universes (at least
 * one: a source with no universes still announces an empty list). */
int sacn_wire_discovery_pages(int universe_count);

/* Builds discovery page `page` (0-based) for `universes`, which must be
 * sorted ascending without duplicates (the standard requires the order);
 * the page carries universes[page*512 ...] and last_page is set from
 * universe_count. Returns the length (120 + 2 * universes on the page),
 * GL_EINVAL for an unsorted list or a page out of range, GL_ERANGE when
 * len is too small. */
int sacn_wire_discovery(uint8_t *buf, size_t len, const uint8_t cid[SACN_CID_LEN],
			const char *source_name, const uint16_t *universes,
			int universe_count, int page);

/* IPv4 multicast group of a universe, 239.255.hi.lo, in host byte order. */
uint32_t sacn_wire_multicast_addr(uint16_t universe);

/* A parsed data packet. slots points into the parsed buffer. */
struct sacn_data {
	struct sacn_data_hdr hdr;   /* source_name always NUL-terminated */
	const uint8_t *slots;
	int slot_count;             /* 0..512, start code excluded */
};

/* Validates a received data packet: preamble, ACN identifier, every
 * flags-and-length field against len, vectors, DMP constants, priority and
 * universe ranges. Returns 0 and fills *out; GL_ENOENT for a well-formed
 * E1.31 extended packet (sync or discovery) that is not data; GL_EINVAL for
 * anything else. */
int sacn_wire_parse_data(const uint8_t *buf, size_t len, struct sacn_data *out);

/* Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case, nothing
 * before or after). Returns 0 or GL_EINVAL. */
int sacn_uuid_parse(const char *text, uint8_t uuid[SACN_CID_LEN]);
/* Writes the lower-case text form and its NUL (37 bytes). */
void sacn_uuid_format(const uint8_t uuid[SACN_CID_LEN], char text[SACN_UUID_TEXT_LEN]);
/* Turns 16 random bytes into a version 4 (random) RFC 4122 UUID. */
void sacn_uuid_make_v4(uint8_t uuid[SACN_CID_LEN]);

#endif
