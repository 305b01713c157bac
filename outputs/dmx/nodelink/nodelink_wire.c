/*
 * nodelink_wire.c - the wireless node link's bytes (see nodelink_wire.h and
 * PROTOCOL.md). BLAKE2s is written from RFC 7693 section 3; everything else
 * is our own format.
 *
 * Freestanding: compiled unchanged into the console (gl_nodelink_wire) and
 * into every firmware image. Any thread; no state outside the arguments.
 */
#include "nodelink_wire.h"

#include <string.h>

/* ---- BLAKE2s --------------------------------------------------------------- */

static const uint32_t blake2s_iv[8] = {
	0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
	0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
};

/* RFC 7693 2.7: the message word schedule of each of the 10 rounds. */
static const uint8_t blake2s_sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

static inline uint32_t rotr32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* RFC 7693 3.1, with BLAKE2s's rotations R1..R4 = 16, 12, 8, 7. */
#define B2S_G(v, a, b, c, d, x, y)                       \
	do {                                             \
		v[a] = v[a] + v[b] + (x);                \
		v[d] = rotr32(v[d] ^ v[a], 16);          \
		v[c] = v[c] + v[d];                      \
		v[b] = rotr32(v[b] ^ v[c], 12);          \
		v[a] = v[a] + v[b] + (y);                \
		v[d] = rotr32(v[d] ^ v[a], 8);           \
		v[c] = v[c] + v[d];                      \
		v[b] = rotr32(v[b] ^ v[c], 7);           \
	} while (0)

/* RFC 7693 3.2: compression of one 64-byte block; `last` marks the final
 * block (its flag word inverted). */
static void blake2s_compress(struct nodelink_blake2s *s, const uint8_t block[64], bool last)
{
	uint32_t m[16], v[16];

	for (int i = 0; i < 16; i++)
		m[i] = nodelink_get32(block + 4 * i);
	for (int i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = blake2s_iv[i];
	}
	v[12] ^= s->t[0];
	v[13] ^= s->t[1];
	if (last)
		v[14] = ~v[14];
	for (int r = 0; r < 10; r++) {
		const uint8_t *sg = blake2s_sigma[r];

		B2S_G(v, 0, 4, 8, 12, m[sg[0]], m[sg[1]]);
		B2S_G(v, 1, 5, 9, 13, m[sg[2]], m[sg[3]]);
		B2S_G(v, 2, 6, 10, 14, m[sg[4]], m[sg[5]]);
		B2S_G(v, 3, 7, 11, 15, m[sg[6]], m[sg[7]]);
		B2S_G(v, 0, 5, 10, 15, m[sg[8]], m[sg[9]]);
		B2S_G(v, 1, 6, 11, 12, m[sg[10]], m[sg[11]]);
		B2S_G(v, 2, 7, 8, 13, m[sg[12]], m[sg[13]]);
		B2S_G(v, 3, 4, 9, 14, m[sg[14]], m[sg[15]]);
	}
	for (int i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
}

static void blake2s_count(struct nodelink_blake2s *s, uint32_t n)
{
	s->t[0] += n;
	if (s->t[0] < n)
		s->t[1]++;
}

int nodelink_blake2s_init(struct nodelink_blake2s *s, size_t outlen, const void *key,
			  size_t keylen)
{
	if (outlen < 1 || outlen > 32 || keylen > 32 || (keylen && !key))
		return -1;
	memcpy(s->h, blake2s_iv, sizeof s->h);
	/* parameter block word 0: digest length, key length, fanout 1, depth 1 */
	s->h[0] ^= 0x01010000u ^ ((uint32_t)keylen << 8) ^ (uint32_t)outlen;
	s->t[0] = s->t[1] = 0;
	s->buflen = 0;
	s->outlen = (uint8_t)outlen;
	memset(s->buf, 0, sizeof s->buf);
	if (keylen) {
		/* the key, zero-padded, is the first block */
		memcpy(s->buf, key, keylen);
		s->buflen = 64;
	}
	return 0;
}

void nodelink_blake2s_update(struct nodelink_blake2s *s, const void *data, size_t len)
{
	const uint8_t *in = data;

	while (len > 0) {
		/* A full buffer is compressed only once more input follows: the
		 * last block must be compressed with the final flag. */
		if (s->buflen == 64) {
			blake2s_count(s, 64);
			blake2s_compress(s, s->buf, false);
			s->buflen = 0;
		}
		size_t take = 64u - s->buflen;

		if (take > len)
			take = len;
		memcpy(s->buf + s->buflen, in, take);
		s->buflen = (uint8_t)(s->buflen + take);
		in += take;
		len -= take;
	}
}

void nodelink_blake2s_final(struct nodelink_blake2s *s, uint8_t *out)
{
	uint8_t full[32];

	blake2s_count(s, s->buflen);
	memset(s->buf + s->buflen, 0, 64u - s->buflen);
	blake2s_compress(s, s->buf, true);
	for (int i = 0; i < 8; i++)
		nodelink_put32(full + 4 * i, s->h[i]);
	memcpy(out, full, s->outlen);
}

int nodelink_blake2s(uint8_t *out, size_t outlen, const void *key, size_t keylen,
		     const void *data, size_t len)
{
	struct nodelink_blake2s s;

	if (nodelink_blake2s_init(&s, outlen, key, keylen) != 0)
		return -1;
	nodelink_blake2s_update(&s, data, len);
	nodelink_blake2s_final(&s, out);
	return 0;
}

/* ---- key and MAC -------------------------------------------------------------- */

void nodelink_key_init(struct nodelink_key *k, const uint8_t raw[NODELINK_KEY_LEN])
{
	memcpy(k->raw, raw, NODELINK_KEY_LEN);
	nodelink_blake2s_init(&k->keyed, 32, raw, NODELINK_KEY_LEN);
	/* What update() does with the key block once data follows; every MAC
	 * has data after it, so it can be done once here. */
	blake2s_count(&k->keyed, 64);
	blake2s_compress(&k->keyed, k->keyed.buf, false);
	k->keyed.buflen = 0;
}

void nodelink_mac(const struct nodelink_key *k, uint16_t link, uint32_t epoch,
		  const uint8_t *pkt, size_t len, uint8_t mac[NODELINK_MAC_LEN])
{
	struct nodelink_blake2s s = k->keyed;
	uint8_t head[6], digest[32];

	nodelink_put16(head, link);
	nodelink_put32(head + 2, epoch);
	nodelink_blake2s_update(&s, head, sizeof head);
	if (len > NODELINK_MAC_LEN)
		nodelink_blake2s_update(&s, pkt, len - NODELINK_MAC_LEN);
	nodelink_blake2s_final(&s, digest);
	memcpy(mac, digest, NODELINK_MAC_LEN);
}

void nodelink_seal(const struct nodelink_key *k, uint16_t link, uint32_t epoch, uint8_t *pkt,
		   size_t len)
{
	if (len < NODELINK_MAC_LEN)
		return;
	nodelink_mac(k, link, epoch, pkt, len, pkt + len - NODELINK_MAC_LEN);
}

bool nodelink_verify(const struct nodelink_key *k, uint16_t link, uint32_t epoch,
		     const uint8_t *pkt, size_t len)
{
	uint8_t mac[NODELINK_MAC_LEN];
	uint8_t diff = 0;

	if (len <= NODELINK_MAC_LEN)
		return false;
	nodelink_mac(k, link, epoch, pkt, len, mac);
	for (int i = 0; i < NODELINK_MAC_LEN; i++)
		diff |= (uint8_t)(mac[i] ^ pkt[len - NODELINK_MAC_LEN + i]);
	return diff == 0;
}

/* A keyed pseudo-random block for a purpose (3 letters), a link and two
 * more numbers: the address and the hop sequence come from here. */
static void key_prf(const struct nodelink_key *k, const char what[3], uint16_t link,
		    uint16_t a, uint16_t b, uint8_t out[32])
{
	struct nodelink_blake2s s = k->keyed;
	uint8_t msg[9];

	memcpy(msg, what, 3);
	nodelink_put16(msg + 3, link);
	nodelink_put16(msg + 5, a);
	nodelink_put16(msg + 7, b);
	nodelink_blake2s_update(&s, msg, sizeof msg);
	nodelink_blake2s_final(&s, out);
}

uint32_t nodelink_link_address(const struct nodelink_key *k, uint16_t link)
{
	uint8_t r[32];
	uint32_t addr;

	key_prf(k, "adr", link, 0, 0, r);
	addr = nodelink_get32(r);
	/* The nRF24L01+ datasheet advises against addresses that look like
	 * the preamble or carry no transitions (0x00, 0xff, 0x55, 0xaa in the
	 * first byte sent). */
	switch (addr & 0xffu) {
	case 0x00: case 0xff: case 0x55: case 0xaa:
		addr ^= 0x3c;
		break;
	}
	return addr;
}

void nodelink_hop_init(struct nodelink_hop *h, const struct nodelink_key *k, uint16_t link,
		       uint16_t seed)
{
	uint8_t r[64];

	key_prf(k, "hop", link, seed, 0, r);
	key_prf(k, "hop", link, seed, 1, r + 32);
	for (int i = 0; i < NODELINK_CHANNELS; i++)
		h->seq[i] = (uint8_t)(NODELINK_CHANNEL_FIRST + i);
	/* Fisher-Yates; the modulo bias of one byte over at most 40 is
	 * irrelevant here: the sequence only has to look random to others. */
	for (int i = NODELINK_CHANNELS - 1; i > 0; i--) {
		int j = r[i] % (i + 1);
		uint8_t t = h->seq[i];

		h->seq[i] = h->seq[j];
		h->seq[j] = t;
	}
}

/* ---- packets ------------------------------------------------------------------ */

int nodelink_beacon_encode(uint8_t *pkt, size_t cap, const struct nodelink_beacon *b)
{
	if (cap < NODELINK_BEACON_LEN || b->counter > NODELINK_COUNTER_MAX ||
	    b->period_us % 10 || b->period_us / 10 > 0xffff || b->period_us == 0 ||
	    b->slot_us % 10 || b->slot_us / 10 > 0xff || b->slot_us == 0 ||
	    b->period_us < (uint32_t)b->slot_us * (NODELINK_SLOT_UP + b->up_slots))
		return -1;
	memset(pkt, 0, NODELINK_BEACON_LEN);
	pkt[0] = (uint8_t)(NODELINK_BEACON << 5 | NODELINK_VERSION);
	nodelink_put24(pkt + 1, b->counter);
	nodelink_put32(pkt + 4, b->epoch);
	nodelink_put16(pkt + 8, (uint16_t)(b->period_us / 10));
	pkt[10] = (uint8_t)(b->slot_us / 10);
	pkt[11] = b->flags;
	pkt[12] = b->up_slots;
	pkt[13] = b->plan;
	nodelink_put16(pkt + 14, b->hop_seed);
	nodelink_put16(pkt + 16, b->echo_node);
	nodelink_put32(pkt + 18, b->echo_nonce);
	nodelink_put16(pkt + 22, b->ack_node);
	pkt[24] = b->ack_seq;
	return NODELINK_BEACON_LEN;
}

int nodelink_data_encode(uint8_t *pkt, size_t cap, unsigned frag, uint32_t counter,
			 const uint8_t slots[NODELINK_SLOTS])
{
	if (frag >= NODELINK_FRAGS || counter > NODELINK_COUNTER_MAX)
		return -1;
	unsigned len = nodelink_data_len(frag);
	unsigned n = len - NODELINK_DATA_HDR - NODELINK_MAC_LEN;

	if (cap < len)
		return -1;
	pkt[0] = (uint8_t)(NODELINK_DATA << 5 | frag);
	nodelink_put24(pkt + 1, counter);
	memcpy(pkt + NODELINK_DATA_HDR, slots + frag * NODELINK_FRAG_SLOTS, n);
	memset(pkt + len - NODELINK_MAC_LEN, 0, NODELINK_MAC_LEN);
	return (int)len;
}

int nodelink_msg_encode(uint8_t *pkt, size_t cap, const struct nodelink_msg *m)
{
	if (cap < NODELINK_MSG_LEN || (m->type != NODELINK_DOWN && m->type != NODELINK_UP) ||
	    m->code > 31 || m->counter > NODELINK_COUNTER_MAX)
		return -1;
	pkt[0] = (uint8_t)(m->type << 5 | m->code);
	nodelink_put24(pkt + 1, m->counter);
	nodelink_put16(pkt + 4, m->node);
	pkt[6] = m->seq;
	memcpy(pkt + 7, m->body, NODELINK_BODY_LEN);
	memset(pkt + 28, 0, NODELINK_MAC_LEN);
	return NODELINK_MSG_LEN;
}

static int expect_len(size_t len, size_t want)
{
	return len < want ? NODELINK_ESHORT : len > want ? NODELINK_ELONG : 0;
}

int nodelink_parse(const uint8_t *pkt, size_t len, struct nodelink_packet *out)
{
	int rc;

	if (len < 1)
		return NODELINK_ESHORT;
	if (len > NODELINK_PAYLOAD_MAX)
		return NODELINK_ELONG;
	unsigned type = pkt[0] >> 5, low = pkt[0] & 31u;

	switch (type) {
	case NODELINK_BEACON: {
		struct nodelink_beacon *b = &out->u.beacon;

		if ((rc = expect_len(len, NODELINK_BEACON_LEN)) != 0)
			return rc;
		if (low != NODELINK_VERSION)
			return NODELINK_EFIELD;
		b->counter = nodelink_get24(pkt + 1);
		b->epoch = nodelink_get32(pkt + 4);
		b->period_us = (uint32_t)nodelink_get16(pkt + 8) * 10u;
		b->slot_us = (uint16_t)(pkt[10] * 10u);
		b->flags = pkt[11];
		b->up_slots = pkt[12];
		b->plan = pkt[13];
		b->hop_seed = nodelink_get16(pkt + 14);
		b->echo_node = nodelink_get16(pkt + 16);
		b->echo_nonce = nodelink_get32(pkt + 18);
		b->ack_node = nodelink_get16(pkt + 22);
		b->ack_seq = pkt[24];
		/* a superframe must hold its own slots; plan 0 is the only plan */
		if (b->slot_us == 0 || b->plan != 0 ||
		    b->period_us < (uint32_t)b->slot_us * (NODELINK_SLOT_UP + b->up_slots))
			return NODELINK_EFIELD;
		break;
	}
	case NODELINK_DATA: {
		struct nodelink_data *d = &out->u.data;

		if (low >= NODELINK_FRAGS)
			return NODELINK_EFIELD;
		if ((rc = expect_len(len, nodelink_data_len(low))) != 0)
			return rc;
		d->frag = (uint8_t)low;
		d->counter = nodelink_get24(pkt + 1);
		d->slot_count = (uint8_t)(len - NODELINK_DATA_HDR - NODELINK_MAC_LEN);
		d->slots = pkt + NODELINK_DATA_HDR;
		break;
	}
	case NODELINK_DOWN:
	case NODELINK_UP: {
		struct nodelink_msg *m = &out->u.msg;

		if ((rc = expect_len(len, NODELINK_MSG_LEN)) != 0)
			return rc;
		if (low == 0)
			return NODELINK_EFIELD;
		m->type = (uint8_t)type;
		m->code = (uint8_t)low;
		m->counter = nodelink_get24(pkt + 1);
		m->node = nodelink_get16(pkt + 4);
		m->seq = pkt[6];
		memcpy(m->body, pkt + 7, NODELINK_BODY_LEN);
		break;
	}
	default:
		return NODELINK_ETYPE;
	}
	out->type = (enum nodelink_type)type;
	return 0;
}

const char *nodelink_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case NODELINK_ESHORT: return "packet too short for its type";
	case NODELINK_ELONG: return "packet too long for its type";
	case NODELINK_ETYPE: return "reserved packet type";
	case NODELINK_EFIELD: return "field out of range";
	default: return "unknown error";
	}
}

/* ---- configuration, status, hello bodies --------------------------------------- */

int nodelink_config_check(const struct nodelink_config *c, unsigned mask)
{
	if ((mask & NODELINK_CF_UNIVERSE) && (c->universe < 1 || c->universe > 63999))
		return -1;
	if ((mask & NODELINK_CF_START) && (c->start < 1 || c->start > NODELINK_SLOTS))
		return -1;
	if ((mask & NODELINK_CF_COUNT) && (c->count < 1 || c->count > NODELINK_SLOTS))
		return -1;
	if ((mask & (NODELINK_CF_START | NODELINK_CF_COUNT)) &&
	    c->start + c->count > NODELINK_SLOTS + 1)
		return -1;
	if ((mask & NODELINK_CF_FAILSAFE) && c->failsafe > NODELINK_FS_OFF)
		return -1;
	if ((mask & NODELINK_CF_TIMEOUT) && c->timeout_10ms == 0)
		return -1;
	if ((mask & NODELINK_CF_BREAK) &&
	    (c->break_us < NODELINK_BREAK_MIN || c->break_us > NODELINK_TIMING_MAX))
		return -1;
	if ((mask & NODELINK_CF_MAB) &&
	    (c->mab_us < NODELINK_MAB_MIN || c->mab_us > NODELINK_TIMING_MAX))
		return -1;
	return 0;
}

void nodelink_config_put(uint8_t body[NODELINK_BODY_LEN], unsigned mask,
			 const struct nodelink_config *c)
{
	memset(body, 0, NODELINK_BODY_LEN);
	nodelink_put16(body, (uint16_t)mask);
	nodelink_put16(body + 2, c->universe);
	nodelink_put16(body + 4, c->start);
	nodelink_put16(body + 6, c->count);
	body[8] = c->failsafe;
	nodelink_put16(body + 9, c->timeout_10ms);
	nodelink_put16(body + 11, c->break_us);
	nodelink_put16(body + 13, c->mab_us);
}

unsigned nodelink_config_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_config *c)
{
	c->universe = nodelink_get16(body + 2);
	c->start = nodelink_get16(body + 4);
	c->count = nodelink_get16(body + 6);
	c->failsafe = body[8];
	c->timeout_10ms = nodelink_get16(body + 9);
	c->break_us = nodelink_get16(body + 11);
	c->mab_us = nodelink_get16(body + 13);
	return nodelink_get16(body) & NODELINK_CF_ALL;
}

void nodelink_status_put(uint8_t body[NODELINK_BODY_LEN], const struct nodelink_status *s)
{
	memset(body, 0, NODELINK_BODY_LEN);
	body[0] = s->state;
	body[1] = s->rx_percent;
	body[2] = (uint8_t)s->rssi_dbm;
	nodelink_put16(body + 3, s->loss_permille);
	body[5] = (uint8_t)s->temperature_c;
	nodelink_put16(body + 6, s->fw_version);
	nodelink_put32(body + 8, s->uptime_s);
	nodelink_put16(body + 12, s->universe);
	nodelink_put16(body + 14, s->start);
	body[16] = s->failsafe;
	body[17] = s->cpu_percent;
	nodelink_put16(body + 18, s->dmx_rate_centihz);
	body[20] = s->flags;
}

void nodelink_status_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_status *s)
{
	s->state = body[0];
	s->rx_percent = body[1];
	s->rssi_dbm = (int8_t)body[2];
	s->loss_permille = nodelink_get16(body + 3);
	s->temperature_c = (int8_t)body[5];
	s->fw_version = nodelink_get16(body + 6);
	s->uptime_s = nodelink_get32(body + 8);
	s->universe = nodelink_get16(body + 12);
	s->start = nodelink_get16(body + 14);
	s->failsafe = body[16];
	s->cpu_percent = body[17];
	s->dmx_rate_centihz = nodelink_get16(body + 18);
	s->flags = body[20];
}

void nodelink_hello_put(uint8_t body[NODELINK_BODY_LEN], const struct nodelink_hello *h)
{
	memset(body, 0, NODELINK_BODY_LEN);
	nodelink_put32(body, h->nonce);
	nodelink_put16(body + 4, h->fw_version);
	body[6] = h->board;
}

void nodelink_hello_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_hello *h)
{
	h->nonce = nodelink_get32(body);
	h->fw_version = nodelink_get16(body + 4);
	h->board = body[6];
}

/* ---- firmware update bodies ------------------------------------------------------ */

void nodelink_fw_begin_put(uint8_t body[NODELINK_BODY_LEN], const struct nodelink_fw_begin *b)
{
	memset(body, 0, NODELINK_BODY_LEN);
	nodelink_put32(body, b->xfer);
	nodelink_put32(body + 4, b->size);
	nodelink_put16(body + 8, b->version);
	body[10] = b->board;
	body[11] = b->slot;
}

void nodelink_fw_begin_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_fw_begin *b)
{
	b->xfer = nodelink_get32(body);
	b->size = nodelink_get32(body + 4);
	b->version = nodelink_get16(body + 8);
	b->board = body[10];
	b->slot = body[11];
}

void nodelink_fw_chunk_put(uint8_t body[NODELINK_BODY_LEN], uint32_t xfer, uint16_t index,
			   const uint8_t data[NODELINK_FW_CHUNK_LEN])
{
	memset(body, 0, NODELINK_BODY_LEN);
	nodelink_put16(body, (uint16_t)xfer);
	nodelink_put16(body + 2, index);
	memcpy(body + 4, data, NODELINK_FW_CHUNK_LEN);
}

void nodelink_fw_info_put(uint8_t body[NODELINK_BODY_LEN], const struct nodelink_fw_info *i)
{
	memset(body, 0, NODELINK_BODY_LEN);
	nodelink_put16(body, i->version);
	body[2] = i->slot;
	body[3] = i->flags;
	body[4] = i->boot_version;
	nodelink_put16(body + 5, i->rollback_version);
	body[7] = i->rollback_reason;
	nodelink_put32(body + 8, i->xfer);
	body[12] = i->state;
	body[13] = i->reason;
	nodelink_put16(body + 14, i->contig);
	nodelink_put16(body + 16, i->chunks);
	body[18] = i->answered_code;
	body[19] = i->answered_seq;
	body[20] = i->board;
}

void nodelink_fw_info_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_fw_info *i)
{
	i->version = nodelink_get16(body);
	i->slot = body[2];
	i->flags = body[3];
	i->boot_version = body[4];
	i->rollback_version = nodelink_get16(body + 5);
	i->rollback_reason = body[7];
	i->xfer = nodelink_get32(body + 8);
	i->state = body[12];
	i->reason = body[13];
	i->contig = nodelink_get16(body + 14);
	i->chunks = nodelink_get16(body + 16);
	i->answered_code = body[18];
	i->answered_seq = body[19];
	i->board = body[20];
}

void nodelink_fw_chunks_put(uint8_t body[NODELINK_BODY_LEN], const struct nodelink_fw_chunks *c)
{
	memset(body, 0, NODELINK_BODY_LEN);
	nodelink_put16(body, c->xfer16);
	nodelink_put16(body + 2, c->contig);
	body[4] = c->state;
	memcpy(body + 5, c->window, sizeof c->window);
}

void nodelink_fw_chunks_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_fw_chunks *c)
{
	c->xfer16 = nodelink_get16(body);
	c->contig = nodelink_get16(body + 2);
	c->state = body[4];
	memcpy(c->window, body + 5, sizeof c->window);
}

/* ---- envelopes ------------------------------------------------------------------ */

#define AIR_VERSION 1

int nodelink_air_encode(uint8_t *buf, size_t cap, const struct nodelink_air *a)
{
	if (a->len < 1 || a->len > NODELINK_PAYLOAD_MAX || cap < (size_t)NODELINK_AIR_HDR + a->len)
		return -1;
	buf[0] = NODELINK_AIR_MAGIC0;
	buf[1] = NODELINK_AIR_MAGIC1;
	buf[2] = AIR_VERSION;
	buf[3] = a->flags;
	buf[4] = a->channel;
	buf[5] = (uint8_t)a->rssi_dbm;
	buf[6] = a->len;
	buf[7] = 0;
	nodelink_put32(buf + 8, a->address);
	nodelink_put32(buf + 12, (uint32_t)a->at_ns);
	nodelink_put32(buf + 16, (uint32_t)(a->at_ns >> 32));
	memcpy(buf + NODELINK_AIR_HDR, a->pkt, a->len);
	return NODELINK_AIR_HDR + a->len;
}

int nodelink_air_decode(const uint8_t *buf, size_t len, struct nodelink_air *a)
{
	if (len < NODELINK_AIR_HDR + 1)
		return NODELINK_ESHORT;
	if (buf[0] != NODELINK_AIR_MAGIC0 || buf[1] != NODELINK_AIR_MAGIC1 ||
	    buf[2] != AIR_VERSION)
		return NODELINK_ETYPE;
	a->flags = buf[3];
	a->channel = buf[4];
	a->rssi_dbm = (int8_t)buf[5];
	a->len = buf[6];
	if (a->len < 1 || a->len > NODELINK_PAYLOAD_MAX || a->channel > 125)
		return NODELINK_EFIELD;
	/* Ethernet pads short frames: bytes after the packet are allowed */
	if (len < (size_t)NODELINK_AIR_HDR + a->len)
		return NODELINK_ESHORT;
	a->address = nodelink_get32(buf + 8);
	a->at_ns = (uint64_t)nodelink_get32(buf + 12) | (uint64_t)nodelink_get32(buf + 16) << 32;
	memcpy(a->pkt, buf + NODELINK_AIR_HDR, a->len);
	return 0;
}

int nodelink_cobs_encode(uint8_t *out, size_t cap, const uint8_t *in, size_t len)
{
	size_t code_at = 0, o = 1;
	uint8_t code = 1;

	if (cap < 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (in[i] != 0) {
			if (o >= cap)
				return -1;
			out[o++] = in[i];
			code++;
		}
		if (in[i] == 0 || code == 0xff) {
			out[code_at] = code;
			code = 1;
			code_at = o;
			if (o >= cap)
				return -1;
			o++;
		}
	}
	out[code_at] = code;
	return (int)o;
}

int nodelink_cobs_decode(uint8_t *out, size_t cap, const uint8_t *in, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		uint8_t code = in[i++];

		if (code == 0)
			return -1;
		for (uint8_t k = 1; k < code; k++) {
			if (i >= len || in[i] == 0 || o >= cap)
				return -1;
			out[o++] = in[i++];
		}
		/* a block shorter than 254 stands for a zero, except at the end */
		if (code != 0xff && i < len) {
			if (o >= cap)
				return -1;
			out[o++] = 0;
		}
	}
	return (int)o;
}
