/*
 * journal_wire.c - the journal's bytes (see journal_wire.h): encoder and a
 * decoder that trusts nothing in what it reads. CRC-32 is zlib's.
 */
#include "journal_wire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* ---- bytes out ------------------------------------------------------------ */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool overflow;             /* a string too long for its u16 length */
};

static void w_bytes(struct wbuf *w, const void *b, size_t n)
{
	if (w->len + n > w->cap) {
		w->overflow = true;
		return;
	}
	if (w->p)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void w_u8(struct wbuf *w, uint8_t v)
{
	w_bytes(w, &v, 1);
}

static void w_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	w_bytes(w, b, 2);
}

static void w_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	w_bytes(w, b, 4);
}

static void w_u64(struct wbuf *w, uint64_t v)
{
	w_u32(w, (uint32_t)v);
	w_u32(w, (uint32_t)(v >> 32));
}

static void w_f32(struct wbuf *w, float f)
{
	uint32_t v;
	memcpy(&v, &f, sizeof v);
	w_u32(w, v);
}

static void w_str(struct wbuf *w, const char *s)
{
	size_t n = strlen(s);
	if (n > 0xffff) {
		w->overflow = true;
		return;
	}
	w_u16(w, (uint16_t)n);
	w_bytes(w, s, n);
}

/* A record: its header now, its length patched once the body is written. */
static size_t w_record(struct wbuf *w, enum journal_kind kind, uint16_t version)
{
	w_u16(w, (uint16_t)kind);
	w_u16(w, version);
	size_t at = w->len;
	w_u32(w, 0);
	return at;
}

static void w_record_end(struct wbuf *w, size_t at)
{
	uint32_t body = (uint32_t)(w->len - at - 4);
	if (w->p && at + 4 <= w->cap) {
		uint8_t b[4] = { (uint8_t)body, (uint8_t)(body >> 8), (uint8_t)(body >> 16),
				 (uint8_t)(body >> 24) };
		memcpy(w->p + at, b, 4);
	}
}

static void encode_payload(const struct journal_state *st, struct wbuf *w)
{
	size_t at = w_record(w, JOURNAL_REC_SHOW, 1);
	w_bytes(w, st->show_hash, JOURNAL_HASH_SIZE);
	w_u64(w, (uint64_t)st->written_ns);
	w_str(w, st->path);
	w_str(w, st->show_name);
	w_record_end(w, at);

	at = w_record(w, JOURNAL_REC_MASTERS, 1);
	w_f32(w, st->grand_master);
	w_u8(w, st->blackout);
	w_record_end(w, at);

	for (int i = 0; i < st->list_count; i++) {
		const struct journal_list *l = &st->lists[i];
		at = w_record(w, JOURNAL_REC_LIST, 1);
		w_str(w, l->name);
		w_u8(w, l->state);
		w_str(w, l->active);
		w_str(w, l->from);
		w_u8(w, l->back);
		w_u32(w, l->go_order);
		w_u64(w, l->elapsed_ns);
		w_f32(w, l->master);
		w_record_end(w, at);
	}
	for (int i = 0; i < st->fader_count; i++) {
		at = w_record(w, JOURNAL_REC_FADER, 1);
		w_u32(w, (uint32_t)st->faders[i].number);
		w_f32(w, st->faders[i].level);
		w_record_end(w, at);
	}
	for (int i = 0; i < st->param_count; i++) {
		const struct journal_param *p = &st->params[i];
		at = w_record(w, JOURNAL_REC_PROGRAMMER, 1);
		w_str(w, p->fixture);
		w_str(w, p->attr);
		w_f32(w, p->value);
		w_record_end(w, at);
	}
}

int journal_encode(const struct journal_state *st, uint8_t **out, size_t *len)
{
	struct wbuf size = { .cap = SIZE_MAX };
	encode_payload(st, &size);         /* measure */
	if (size.overflow || size.len > JOURNAL_PAYLOAD_MAX)
		return GL_ERANGE;
	uint8_t *buf = malloc(JOURNAL_HEADER_SIZE + size.len);
	if (!buf)
		return GL_ENOMEM;
	struct wbuf w = { .p = buf, .cap = JOURNAL_HEADER_SIZE + size.len };
	w_bytes(&w, JOURNAL_MAGIC, 4);
	w_u16(&w, JOURNAL_FORMAT);
	w_u16(&w, st->ended ? JOURNAL_FLAG_ENDED : 0);
	w_u64(&w, st->seq);
	w_u32(&w, (uint32_t)size.len);
	w_u32(&w, 0);                      /* payload CRC, below */
	w_u32(&w, 0);                      /* header CRC, below */
	encode_payload(st, &w);
	uint32_t pcrc = (uint32_t)crc32(0L, buf + JOURNAL_HEADER_SIZE, (uInt)size.len);
	struct wbuf fix = { .p = buf + 20, .cap = 8 };
	w_u32(&fix, pcrc);
	w_u32(&fix, (uint32_t)crc32(0L, buf, 24));
	*out = buf;
	*len = w.len;
	return 0;
}

void journal_image_set_seq(uint8_t *image, uint64_t seq)
{
	struct wbuf w = { .p = image + 8, .cap = 8 };
	w_u64(&w, seq);
	w = (struct wbuf){ .p = image + 24, .cap = 4 };
	w_u32(&w, (uint32_t)crc32(0L, image, 24));
}

/* ---- bytes in --------------------------------------------------------------- */

struct rbuf {
	const uint8_t *p;
	size_t len, at;
	bool short_read;
};

static const uint8_t *r_bytes(struct rbuf *r, size_t n)
{
	if (r->len - r->at < n) {
		r->short_read = true;
		r->at = r->len;
		return NULL;
	}
	const uint8_t *b = r->p + r->at;
	r->at += n;
	return b;
}

static uint8_t r_u8(struct rbuf *r)
{
	const uint8_t *b = r_bytes(r, 1);
	return b ? b[0] : 0;
}

static uint16_t r_u16(struct rbuf *r)
{
	const uint8_t *b = r_bytes(r, 2);
	return b ? (uint16_t)(b[0] | b[1] << 8) : 0;
}

static uint32_t r_u32(struct rbuf *r)
{
	const uint8_t *b = r_bytes(r, 4);
	return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		   (uint32_t)b[3] << 24
		 : 0;
}

static uint64_t r_u64(struct rbuf *r)
{
	uint64_t lo = r_u32(r);
	return lo | (uint64_t)r_u32(r) << 32;
}

static float r_f32(struct rbuf *r)
{
	uint32_t v = r_u32(r);
	float f;
	memcpy(&f, &v, sizeof f);
	return f;
}

/* A string into out (cap bytes with the NUL). Returns false when it does
 * not fit or holds a NUL. */
static bool r_str(struct rbuf *r, char *out, size_t cap)
{
	uint16_t n = r_u16(r);
	const uint8_t *b = r_bytes(r, n);
	if (!b || n >= cap || memchr(b, 0, n))
		return false;
	memcpy(out, b, n);
	out[n] = '\0';
	return true;
}

static bool level_ok(float v)
{
	return v >= 0.0f && v <= 1.0f;
}

static const char *kind_name(uint16_t kind)
{
	switch (kind) {
	case JOURNAL_REC_SHOW: return "show";
	case JOURNAL_REC_MASTERS: return "masters";
	case JOURNAL_REC_LIST: return "list";
	case JOURNAL_REC_FADER: return "fader";
	case JOURNAL_REC_PROGRAMMER: return "programmer";
	}
	return "unknown";
}

int journal_state_alloc(struct journal_state *st, int lists, int faders, int params)
{
	st->lists = calloc((size_t)(lists > 0 ? lists : 1), sizeof *st->lists);
	st->faders = calloc((size_t)(faders > 0 ? faders : 1), sizeof *st->faders);
	st->params = calloc((size_t)(params > 0 ? params : 1), sizeof *st->params);
	if (!st->lists || !st->faders || !st->params) {
		journal_state_free(st);
		return GL_ENOMEM;
	}
	return 0;
}

void journal_state_free(struct journal_state *st)
{
	free(st->lists);
	free(st->faders);
	free(st->params);
	st->lists = NULL;
	st->faders = NULL;
	st->params = NULL;
	st->list_count = st->fader_count = st->param_count = 0;
}

/* One known record's body into st. Returns NULL, or what is wrong. */
static const char *decode_record(uint16_t kind, struct rbuf *r, struct journal_state *st)
{
	switch (kind) {
	case JOURNAL_REC_SHOW: {
		const uint8_t *h = r_bytes(r, JOURNAL_HASH_SIZE);
		if (h)
			memcpy(st->show_hash, h, JOURNAL_HASH_SIZE);
		st->written_ns = (int64_t)r_u64(r);
		if (!r_str(r, st->path, sizeof st->path) ||
		    !r_str(r, st->show_name, sizeof st->show_name))
			return "a name too long or cut short";
		st->has_show = true;
		return NULL;
	}
	case JOURNAL_REC_MASTERS: {
		st->grand_master = r_f32(r);
		uint8_t b = r_u8(r);
		if (r->short_read)
			return "cut short";
		if (!level_ok(st->grand_master) || b > 1)
			return "a level outside 0..1";
		st->blackout = b;
		st->has_masters = true;
		return NULL;
	}
	case JOURNAL_REC_LIST: {
		struct journal_list *l = &st->lists[st->list_count];
		if (!r_str(r, l->name, sizeof l->name))
			return "a name too long or cut short";
		l->state = r_u8(r);
		if (!r_str(r, l->active, sizeof l->active) || !r_str(r, l->from, sizeof l->from))
			return "a cue number too long or cut short";
		uint8_t back = r_u8(r);
		l->go_order = r_u32(r);
		l->elapsed_ns = r_u64(r);
		l->master = r_f32(r);
		if (r->short_read)
			return "cut short";
		if (l->state > JOURNAL_LIST_PAUSED || back > 1)
			return "an unknown state";
		if (!level_ok(l->master))
			return "a level outside 0..1";
		if (l->state != JOURNAL_LIST_OFF && !l->active[0])
			return "a running list without a cue";
		l->back = back;
		st->list_count++;
		return NULL;
	}
	case JOURNAL_REC_FADER: {
		struct journal_fader *f = &st->faders[st->fader_count];
		f->number = (int32_t)r_u32(r);
		f->level = r_f32(r);
		if (r->short_read)
			return "cut short";
		if (!level_ok(f->level))
			return "a level outside 0..1";
		st->fader_count++;
		return NULL;
	}
	case JOURNAL_REC_PROGRAMMER: {
		struct journal_param *p = &st->params[st->param_count];
		if (!r_str(r, p->fixture, sizeof p->fixture) || !r_str(r, p->attr, sizeof p->attr))
			return "a name too long or cut short";
		p->value = r_f32(r);
		if (r->short_read)
			return "cut short";
		if (!level_ok(p->value))
			return "a level outside 0..1";
		st->param_count++;
		return NULL;
	}
	}
	return NULL;
}

static bool kind_known(uint16_t kind)
{
	return kind >= JOURNAL_REC_SHOW && kind <= JOURNAL_REC_PROGRAMMER;
}

int journal_decode(const uint8_t *buf, size_t len, struct journal_state *st, char *why,
		   size_t why_len)
{
	memset(st, 0, sizeof *st);
	if (len < JOURNAL_HEADER_SIZE) {
		snprintf(why, why_len, "%s", len ? "shorter than its header" : "empty");
		return GL_EINVAL;
	}
	if (memcmp(buf, JOURNAL_MAGIC, 4) != 0) {
		snprintf(why, why_len, "not a ghostlight journal");
		return GL_EINVAL;
	}
	struct rbuf h = { buf, JOURNAL_HEADER_SIZE, 4, false };
	uint16_t format = r_u16(&h), flags = r_u16(&h);
	uint64_t seq = r_u64(&h);
	uint32_t plen = r_u32(&h), pcrc = r_u32(&h), hcrc = r_u32(&h);
	if (hcrc != (uint32_t)crc32(0L, buf, 24)) {
		snprintf(why, why_len, "checksum of the header does not match (torn or corrupt)");
		return GL_EINVAL;
	}
	if (format != JOURNAL_FORMAT) {
		snprintf(why, why_len, "format %u, this ghostlight reads format %d", format,
			 JOURNAL_FORMAT);
		return GL_EINVAL;
	}
	if (plen > JOURNAL_PAYLOAD_MAX || plen > len - JOURNAL_HEADER_SIZE) {
		snprintf(why, why_len, "cut short: %u bytes of records announced, %zu there", plen,
			 len - JOURNAL_HEADER_SIZE);
		return GL_EINVAL;
	}
	const uint8_t *payload = buf + JOURNAL_HEADER_SIZE;
	if (pcrc != (uint32_t)crc32(0L, payload, plen)) {
		snprintf(why, why_len, "checksum of the records does not match (torn or corrupt)");
		return GL_EINVAL;
	}

	/* pass 1: the framing, and how many of each */
	int counts[JOURNAL_REC_PROGRAMMER + 1] = { 0 };
	struct rbuf r = { payload, plen, 0, false };
	int n = 0;
	while (r.at < r.len) {
		uint16_t kind = r_u16(&r), version = r_u16(&r);
		uint32_t body = r_u32(&r);
		n++;
		if (r.short_read || body > r.len - r.at) {
			snprintf(why, why_len, "record %d: cut short", n);
			return GL_EINVAL;
		}
		if (version == 0) {
			snprintf(why, why_len, "record %d: version 0", n);
			return GL_EINVAL;
		}
		if (kind_known(kind))
			counts[kind]++;
		r.at += body;
	}
	if (counts[JOURNAL_REC_SHOW] != 1 || counts[JOURNAL_REC_MASTERS] > 1) {
		snprintf(why, why_len, "%d show records and %d masters records (one of each)",
			 counts[JOURNAL_REC_SHOW], counts[JOURNAL_REC_MASTERS]);
		return GL_EINVAL;
	}
	if (journal_state_alloc(st, counts[JOURNAL_REC_LIST], counts[JOURNAL_REC_FADER],
				counts[JOURNAL_REC_PROGRAMMER]) != 0) {
		snprintf(why, why_len, "out of memory");
		return GL_EINVAL;
	}

	/* pass 2: the records; a body longer than its fields is a newer
	 * version's (fields appended) */
	r = (struct rbuf){ payload, plen, 0, false };
	for (int i = 1; r.at < r.len; i++) {
		uint16_t kind = r_u16(&r);
		r_u16(&r);
		uint32_t body = r_u32(&r);
		struct rbuf b = { r.p + r.at, body, 0, false };
		r.at += body;
		if (!kind_known(kind)) {
			st->skipped++;
			continue;
		}
		const char *bad = decode_record(kind, &b, st);
		if (!bad && b.short_read)
			bad = "cut short";
		if (bad) {
			snprintf(why, why_len, "record %d (%s): %s", i, kind_name(kind), bad);
			journal_state_free(st);
			return GL_EINVAL;
		}
	}
	if (!st->has_masters) {
		st->grand_master = 1.0f;
		st->has_masters = true;
	}
	st->seq = seq;
	st->ended = flags & JOURNAL_FLAG_ENDED;
	return 0;
}
