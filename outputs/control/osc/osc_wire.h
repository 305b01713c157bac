/*
 * osc_wire.h - OSC 1.0/1.1 bytes without system calls: address-pattern
 * matching (? * [a-z] [!x] {a,b}), bundle walking with limits, TCP stream
 * framing (OSC 1.0 length prefix and OSC 1.1 SLIP, told apart by the first
 * byte) and IPv4 CIDR text. Pure and fuzzable; any thread. Message bodies
 * (address, type tags, arguments) are liblo's (lo_message_deserialise).
 */
#ifndef GL_OSC_WIRE_H
#define GL_OSC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSC_PACKET_MAX 65536        /* bytes of one packet (UDP's limit) */
#define OSC_BUNDLE_DEPTH_MAX 8
#define OSC_BUNDLE_MESSAGES_MAX 256 /* messages in one packet */
#define OSC_TIMETAG_IMMEDIATE 1ull

/* True when `address` matches the OSC pattern. Each '/'-separated part is
 * matched separately; '*' and '?' never match '/'. A pattern that takes more
 * than a fixed number of steps does not match (no exponential blow-up). */
bool osc_pattern_match(const char *pattern, const char *address);
/* The same on a budget the caller shares across several matches: each step
 * (a pattern character, a {} alternative, a * position) takes one; when
 * *steps goes below 0 the match fails, and so does every later one. */
bool osc_pattern_match_budget(const char *pattern, const char *address, int *steps);
/* Refuses (GL_ERANGE, *why says why) a pattern with more than
 * OSC_PATTERN_GROUPS_MAX [] or {} groups, or more than
 * OSC_PATTERN_ALTERNATIVES_MAX {} alternatives in all: no tablet needs them,
 * and each multiplies the cost of matching. Returns 0 when fine. */
#define OSC_PATTERN_GROUPS_MAX 4
#define OSC_PATTERN_ALTERNATIVES_MAX 64
int osc_pattern_check(const char *pattern, const char **why);
/* True when text contains pattern characters (* ? [ ] { }). */
bool osc_pattern_has_wildcards(const char *text);

/* Called per message of a packet, with the timetag of its innermost bundle
 * (OSC_TIMETAG_IMMEDIATE for a bare message). Return 0 to go on. */
typedef int (*osc_message_fn)(void *ud, uint64_t timetag, const uint8_t *msg, size_t len);

/* Checks a whole packet first (structure, nesting, message count) and only
 * then calls fn for each message in order, so a bad packet changes nothing.
 * Returns the number of messages, or GL_EINVAL (malformed: reason in *why),
 * GL_ERANGE (too deep or too many messages). */
int osc_wire_walk(const uint8_t *data, size_t len, osc_message_fn fn, void *ud,
		  const char **why);

/* Nanoseconds from `now` until timetag `tt` (both NTP 32.32); negative when
 * past. Immediate (1) gives 0. */
int64_t osc_timetag_delta_ns(uint64_t tt, uint64_t now);
/* NTP 32.32 from Unix seconds + nanoseconds. */
uint64_t osc_timetag_from_unix(int64_t sec, long nsec);

/* ---- TCP stream framing --------------------------------------------------- */

enum osc_framing { OSC_FRAMING_UNKNOWN, OSC_FRAMING_LENGTH, OSC_FRAMING_SLIP };

struct osc_stream {
	enum osc_framing framing;
	uint8_t *buf;                /* caller's, cap bytes */
	size_t cap;
	size_t len;                  /* bytes of the packet so far */
	uint8_t prefix[4];           /* length framing: the prefix so far */
	int prefix_len;
	uint32_t need;               /* length framing: the packet's size */
	bool esc;                    /* SLIP: after ESC */
	bool overflow;               /* SLIP: this packet is too big, skip to END */
};

void osc_stream_init(struct osc_stream *st, uint8_t *buf, size_t cap);
/* Feeds received bytes; calls fn(ud, packet, len) per complete packet.
 * Returns 0, a positive count of packets skipped as oversized (SLIP), or
 * GL_ERANGE when a length prefix is 0, not a multiple of 4 or over cap (the
 * stream cannot be resynchronised: close it). fn returning < 0 stops with
 * that value. */
typedef int (*osc_packet_fn)(void *ud, const uint8_t *packet, size_t len);
int osc_stream_feed(struct osc_stream *st, const uint8_t *data, size_t n, osc_packet_fn fn,
		    void *ud);

/* Frames a packet for a stream. Returns the framed length or GL_EFULL. */
int osc_frame_slip(uint8_t *out, size_t cap, const uint8_t *packet, size_t len);
int osc_frame_length(uint8_t *out, size_t cap, const uint8_t *packet, size_t len);

/* ---- allow-list ---------------------------------------------------------- */

/* "10.0.0.0/8", "192.168.1.7" (= /32). Host-order network and mask; the
 * network's host bits are cleared. Returns 0 or GL_EINVAL. */
int osc_cidr_parse(const char *text, uint32_t *net, uint32_t *mask);

#endif
