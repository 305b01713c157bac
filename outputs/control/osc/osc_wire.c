/*
 * osc_wire.c - OSC pattern matching, bundle walking, stream framing and
 * CIDR text (see osc_wire.h). No system calls, no allocation; any thread.
 * Invariant: every read is bounds-checked against the caller's length, and
 * every loop is bounded by the input size or a fixed step budget.
 */
#include <string.h>

#include "osc_wire.h"
#include "engine/gl.h"

#define OSC_MATCH_STEPS 20000
#define GL_OSC_STR(x) GL_OSC_STR_(x)
#define GL_OSC_STR_(x) #x

/* ---- pattern matching ------------------------------------------------------ */

bool osc_pattern_has_wildcards(const char *text)
{
	return strpbrk(text, "*?[]{}") != NULL;
}

/* Matches one part (no '/') of pattern p[0..pn) against a[0..an). */
static bool match_part(const char *p, size_t pn, const char *a, size_t an, int *steps)
{
	while (pn > 0) {
		if (--*steps < 0)
			return false;
		switch (*p) {
		case '*':
			while (pn > 0 && *p == '*') {
				p++;
				pn--;
			}
			if (pn == 0)
				return true;
			for (size_t k = 0; k <= an; k++)
				if (match_part(p, pn, a + k, an - k, steps))
					return true;
			return false;
		case '?':
			if (an == 0)
				return false;
			p++, pn--, a++, an--;
			break;
		case '[': {
			size_t end = 1;
			bool neg = false, hit = false;

			if (an == 0)
				return false;
			if (end < pn && p[end] == '!') {
				neg = true;
				end++;
			}
			size_t first = end;
			while (end < pn && (p[end] != ']' || end == first))
				end++;
			if (end >= pn)
				return false;           /* no closing ']': no match */
			for (size_t i = first; i < end; i++) {
				if (i + 2 < end && p[i + 1] == '-') {
					char lo = p[i], hi = p[i + 2];

					if (lo > hi) {
						char t = lo;
						lo = hi;
						hi = t;
					}
					if (*a >= lo && *a <= hi)
						hit = true;
					i += 2;
				} else if (p[i] == *a) {
					hit = true;
				}
			}
			if (hit == neg)
				return false;
			p += end + 1, pn -= end + 1, a++, an--;
			break;
		}
		case '{': {
			size_t end = 1;

			while (end < pn && p[end] != '}')
				end++;
			if (end >= pn)
				return false;
			size_t start = 1;
			for (size_t i = 1; i <= end; i++) {
				if (i < end && p[i] != ',')
					continue;
				size_t alt = i - start;

				if (--*steps < 0)
					return false;
				if (alt <= an && memcmp(p + start, a, alt) == 0 &&
				    match_part(p + end + 1, pn - end - 1, a + alt, an - alt, steps))
					return true;
				start = i + 1;
			}
			return false;
		}
		default:
			if (an == 0 || *p != *a)
				return false;
			p++, pn--, a++, an--;
			break;
		}
	}
	return an == 0;
}

bool osc_pattern_match(const char *pattern, const char *address)
{
	int steps = OSC_MATCH_STEPS;

	return osc_pattern_match_budget(pattern, address, &steps);
}

int osc_pattern_check(const char *pattern, const char **why)
{
	int groups = 0, alternatives = 0;
	bool in_braces = false;

	for (const char *p = pattern; *p; p++) {
		if (*p == '[' || *p == '{') {
			groups++;
			alternatives += *p == '{';
			in_braces = in_braces || *p == '{';
		} else if (*p == '}') {
			in_braces = false;
		} else if (*p == ',' && in_braces) {
			alternatives++;
		}
	}
	if (groups > OSC_PATTERN_GROUPS_MAX) {
		*why = "more than " GL_OSC_STR(OSC_PATTERN_GROUPS_MAX) " [] or {} groups";
		return GL_ERANGE;
	}
	if (alternatives > OSC_PATTERN_ALTERNATIVES_MAX) {
		*why = "more than " GL_OSC_STR(OSC_PATTERN_ALTERNATIVES_MAX) " {} alternatives";
		return GL_ERANGE;
	}
	return 0;
}

bool osc_pattern_match_budget(const char *pattern, const char *address, int *steps)
{
	if (!pattern || !address || *steps < 0)
		return false;
	for (;;) {
		const char *ps = strchr(pattern, '/'), *as = strchr(address, '/');
		size_t pn = ps ? (size_t)(ps - pattern) : strlen(pattern);
		size_t an = as ? (size_t)(as - address) : strlen(address);

		if (!match_part(pattern, pn, address, an, steps))
			return false;
		if (!ps || !as)
			return !ps && !as;
		pattern = ps + 1;
		address = as + 1;
	}
}

/* ---- bundles ---------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

static bool is_bundle(const uint8_t *data, size_t len)
{
	return len >= 8 && memcmp(data, "#bundle", 8) == 0;
}

/* One pass: check (fn NULL) or deliver. */
static int walk(const uint8_t *data, size_t len, uint64_t tt, int depth, osc_message_fn fn,
		void *ud, int *count, const char **why)
{
	if (len == 0 || len % 4 != 0) {
		*why = "packet size not a multiple of 4";
		return GL_EINVAL;
	}
	if (data[0] == '/') {
		if (++*count > OSC_BUNDLE_MESSAGES_MAX) {
			*why = "too many messages in one packet";
			return GL_ERANGE;
		}
		return fn ? fn(ud, tt, data, len) : 0;
	}
	if (!is_bundle(data, len)) {
		*why = "neither a message nor a bundle";
		return GL_EINVAL;
	}
	if (depth >= OSC_BUNDLE_DEPTH_MAX) {
		*why = "bundles nested too deep";
		return GL_ERANGE;
	}
	if (len < 16) {
		*why = "bundle without a timetag";
		return GL_EINVAL;
	}
	uint64_t inner = rd64(data + 8);
	/* An enclosed bundle may not run before its parent (OSC 1.0). */
	if (tt != OSC_TIMETAG_IMMEDIATE && (inner == OSC_TIMETAG_IMMEDIATE || inner < tt))
		inner = tt;
	size_t at = 16;
	while (at < len) {
		if (len - at < 4) {
			*why = "bundle element without a size";
			return GL_EINVAL;
		}
		uint32_t size = rd32(data + at);
		at += 4;
		if (size == 0 || size % 4 != 0 || size > len - at) {
			*why = "bundle element size wrong";
			return GL_EINVAL;
		}
		int rc = walk(data + at, size, inner, depth + 1, fn, ud, count, why);
		if (rc < 0)
			return rc;
		at += size;
	}
	return 0;
}

int osc_wire_walk(const uint8_t *data, size_t len, osc_message_fn fn, void *ud,
		  const char **why)
{
	const char *dummy;
	int count = 0, rc;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!data) {
		*why = "empty packet";
		return GL_EINVAL;
	}
	rc = walk(data, len, OSC_TIMETAG_IMMEDIATE, 0, NULL, NULL, &count, why);
	if (rc < 0 || !fn)
		return rc < 0 ? rc : count;
	count = 0;
	rc = walk(data, len, OSC_TIMETAG_IMMEDIATE, 0, fn, ud, &count, why);
	return rc < 0 ? rc : count;
}

int64_t osc_timetag_delta_ns(uint64_t tt, uint64_t now)
{
	if (tt == OSC_TIMETAG_IMMEDIATE)
		return 0;
	/* 32.32 fixed point difference; clamp to +-2^31 s */
	int64_t d = (int64_t)(tt - now);
	int64_t sec = d >> 32;
	uint64_t frac = (uint64_t)d & 0xffffffffu;

	return sec * 1000000000 + (int64_t)((frac * 1000000000ull) >> 32);
}

uint64_t osc_timetag_from_unix(int64_t sec, long nsec)
{
	uint64_t s = (uint64_t)(sec + 2208988800ll);   /* 1900 -> 1970 */
	uint64_t frac = ((uint64_t)nsec << 32) / 1000000000ull;

	return s << 32 | frac;
}

/* ---- stream framing ------------------------------------------------------------ */

#define SLIP_END 0xC0
#define SLIP_ESC 0xDB
#define SLIP_ESC_END 0xDC
#define SLIP_ESC_ESC 0xDD

void osc_stream_init(struct osc_stream *st, uint8_t *buf, size_t cap)
{
	memset(st, 0, sizeof *st);
	st->buf = buf;
	st->cap = cap;
}

static int feed_slip(struct osc_stream *st, const uint8_t *data, size_t n, osc_packet_fn fn,
		     void *ud)
{
	int skipped = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = data[i];

		if (b == SLIP_END) {
			if (st->overflow)
				skipped++;
			else if (st->len > 0) {
				int rc = fn(ud, st->buf, st->len);
				if (rc < 0)
					return rc;
			}
			st->len = 0;
			st->esc = false;
			st->overflow = false;
			continue;
		}
		if (st->esc) {
			b = b == SLIP_ESC_END ? SLIP_END : b == SLIP_ESC_ESC ? SLIP_ESC : b;
			st->esc = false;
		} else if (b == SLIP_ESC) {
			st->esc = true;
			continue;
		}
		if (st->overflow)
			continue;
		if (st->len >= st->cap) {
			st->overflow = true;
			continue;
		}
		st->buf[st->len++] = b;
	}
	return skipped;
}

static int feed_length(struct osc_stream *st, const uint8_t *data, size_t n, osc_packet_fn fn,
		       void *ud)
{
	size_t i = 0;

	while (i < n) {
		if (st->prefix_len < 4) {
			st->prefix[st->prefix_len++] = data[i++];
			if (st->prefix_len < 4)
				continue;
			st->need = rd32(st->prefix);
			if (st->need == 0 || st->need % 4 != 0 || st->need > st->cap)
				return GL_ERANGE;
			st->len = 0;
			continue;
		}
		size_t take = st->need - st->len;

		if (take > n - i)
			take = n - i;
		memcpy(st->buf + st->len, data + i, take);
		st->len += take;
		i += take;
		if (st->len == st->need) {
			int rc = fn(ud, st->buf, st->len);

			st->prefix_len = 0;
			st->len = 0;
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int osc_stream_feed(struct osc_stream *st, const uint8_t *data, size_t n, osc_packet_fn fn,
		    void *ud)
{
	if (n == 0)
		return 0;
	if (st->framing == OSC_FRAMING_UNKNOWN)
		st->framing = data[0] == SLIP_END ? OSC_FRAMING_SLIP : OSC_FRAMING_LENGTH;
	return st->framing == OSC_FRAMING_SLIP ? feed_slip(st, data, n, fn, ud)
					       : feed_length(st, data, n, fn, ud);
}

int osc_frame_slip(uint8_t *out, size_t cap, const uint8_t *packet, size_t len)
{
	size_t o = 0;

	if (cap < 2)
		return GL_EFULL;
	out[o++] = SLIP_END;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = packet[i];

		if (o + 3 > cap)
			return GL_EFULL;
		if (b == SLIP_END) {
			out[o++] = SLIP_ESC;
			out[o++] = SLIP_ESC_END;
		} else if (b == SLIP_ESC) {
			out[o++] = SLIP_ESC;
			out[o++] = SLIP_ESC_ESC;
		} else {
			out[o++] = b;
		}
	}
	out[o++] = SLIP_END;
	return (int)o;
}

int osc_frame_length(uint8_t *out, size_t cap, const uint8_t *packet, size_t len)
{
	if (len + 4 > cap || len > 0x7fffffff)
		return GL_EFULL;
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	memcpy(out + 4, packet, len);
	return (int)(len + 4);
}

/* ---- CIDR --------------------------------------------------------------------------- */

static int parse_uint(const char **s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	int digits = 0;

	while (**s >= '0' && **s <= '9') {
		v = v * 10 + (unsigned)(**s - '0');
		(*s)++;
		if (++digits > 3 || v > max)
			return GL_EINVAL;
	}
	if (digits == 0)
		return GL_EINVAL;
	*out = v;
	return 0;
}

int osc_cidr_parse(const char *text, uint32_t *net, uint32_t *mask)
{
	uint32_t addr = 0;
	unsigned v, bits = 32;
	const char *s = text;

	if (!text)
		return GL_EINVAL;
	for (int i = 0; i < 4; i++) {
		if (parse_uint(&s, 255, &v) < 0)
			return GL_EINVAL;
		addr = addr << 8 | v;
		if (i < 3 && *s++ != '.')
			return GL_EINVAL;
	}
	if (*s == '/') {
		s++;
		if (parse_uint(&s, 32, &bits) < 0)
			return GL_EINVAL;
	}
	if (*s != '\0')
		return GL_EINVAL;
	*mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	*net = addr & *mask;
	return 0;
}
