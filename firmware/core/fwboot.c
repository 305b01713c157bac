/*
 * fwboot.c - the boot-state log and the bootloader's choice (see
 * fwboot.h for the state machine and why every power cut is safe).
 * Bootloader or node thread only.
 */
#include "fwboot.h"

#include <string.h>

/* A record's check: the first 4 bytes of SHA-512("GLBS" | its 12 bytes).
 * A torn write (a prefix of the record written, the rest still erased, or
 * bits half-programmed) passes it with odds of 2^-32; an erased record
 * (all 0xff) is told apart before. */
static void rec_check(const uint8_t rec[FW_LOG_REC_LEN], uint8_t out[4])
{
	struct fw_sha512 s;
	uint8_t d[FW_SHA512_LEN];

	fw_sha512_init(&s);
	fw_sha512_update(&s, "GLBS", 4);
	fw_sha512_update(&s, rec, 12);
	fw_sha512_final(&s, d);
	memcpy(out, d, 4);
}

static void rec_put(uint8_t raw[FW_LOG_REC_LEN], const struct fw_log_rec *r)
{
	memset(raw, 0, FW_LOG_REC_LEN);
	raw[0] = r->type;
	raw[1] = r->slot;
	raw[2] = r->reason;
	raw[4] = (uint8_t)r->version;
	raw[5] = (uint8_t)(r->version >> 8);
	raw[6] = (uint8_t)r->count;
	raw[7] = (uint8_t)(r->count >> 8);
	raw[8] = (uint8_t)r->xfer;
	raw[9] = (uint8_t)(r->xfer >> 8);
	raw[10] = (uint8_t)(r->xfer >> 16);
	raw[11] = (uint8_t)(r->xfer >> 24);
	rec_check(raw, raw + 12);
}

/* 1: a record, 0: erased, -1: torn or garbage */
static int rec_get(const uint8_t raw[FW_LOG_REC_LEN], struct fw_log_rec *r)
{
	uint8_t check[4];
	int erased = 1;

	for (int i = 0; i < FW_LOG_REC_LEN; i++)
		if (raw[i] != 0xff)
			erased = 0;
	if (erased)
		return 0;
	rec_check(raw, check);
	if (memcmp(check, raw + 12, 4) != 0 || raw[1] > 1)
		return -1;
	r->type = raw[0];
	r->slot = raw[1];
	r->reason = raw[2];
	r->version = (uint16_t)(raw[4] | raw[5] << 8);
	r->count = (uint16_t)(raw[6] | raw[7] << 8);
	r->xfer = (uint32_t)raw[8] | (uint32_t)raw[9] << 8 | (uint32_t)raw[10] << 16 |
		  (uint32_t)raw[11] << 24;
	return 1;
}

void fw_log_init(struct fw_log *log, uint16_t capacity)
{
	memset(log, 0, sizeof *log);
	log->confirmed = log->trial = log->xfer_slot = log->rollback_slot = -1;
	log->capacity = capacity;
}

void fw_log_fold(struct fw_log *log, const struct fw_log_rec *r)
{
	int8_t s = (int8_t)r->slot;

	switch (r->type) {
	case FW_LOG_CONFIRMED:
		log->confirmed = s;
		log->confirmed_version = r->version;
		if (log->trial == s)
			log->trial = -1;
		if (log->xfer_slot == s)
			log->xfer_slot = -1;
		break;
	case FW_LOG_XFER:
		log->xfer_slot = s;
		log->xfer_version = r->version;
		log->xfer_id = r->xfer;
		log->xfer_chunks = r->count;
		log->xfer_done = 0;
		log->trial = -1;
		log->rollback_slot = -1;
		break;
	case FW_LOG_PROGRESS:
		if (log->xfer_slot >= 0 && r->xfer == log->xfer_id && r->count <= log->xfer_chunks &&
		    r->count > log->xfer_done)
			log->xfer_done = r->count;
		break;
	case FW_LOG_TRIAL:
		if (s != log->confirmed) {
			log->trial = s;
			log->trial_version = r->version;
			log->trial_booted = false;
			log->xfer_slot = -1;
		}
		break;
	case FW_LOG_BOOTED:
		if (log->trial == s)
			log->trial_booted = true;
		break;
	case FW_LOG_ROLLBACK:
		if (log->trial == s)
			log->trial = -1;
		log->rollback_slot = s;
		log->rollback_version = r->version;
		log->rollback_reason = r->reason;
		break;
	default:
		break;                   /* a type from a newer bootloader: no effect */
	}
}

int fw_log_read(const struct hal_flash *page, struct fw_log *log)
{
	uint16_t cap = (uint16_t)(page->page_size / FW_LOG_REC_LEN);

	fw_log_init(log, cap);
	for (uint16_t i = 0; i < cap; i++) {
		uint8_t raw[FW_LOG_REC_LEN];
		struct fw_log_rec r;
		int got;

		if (page->read(page->ctx, (uint32_t)i * FW_LOG_REC_LEN, raw, FW_LOG_REC_LEN) != 0)
			return FW_IMG_FLASH;
		got = rec_get(raw, &r);
		if (got == 0)
			continue;            /* erased (a torn erase can leave gaps) */
		/* whatever is not erased takes its place: appends go after it */
		log->used = (uint16_t)(i + 1);
		if (got < 0)
			log->torn++;
		else
			fw_log_fold(log, &r);
	}
	return 0;
}

int fw_log_append(const struct hal_flash *page, struct fw_log *log, const struct fw_log_rec *r)
{
	uint8_t raw[FW_LOG_REC_LEN];

	if (log->used >= log->capacity)
		return -1;
	rec_put(raw, r);
	/* the place is taken whether or not the write completes */
	log->used++;
	if (page->write(page->ctx, (uint32_t)(log->used - 1) * FW_LOG_REC_LEN, raw,
			FW_LOG_REC_LEN) != 0)
		return FW_IMG_FLASH;
	fw_log_fold(log, r);
	return 0;
}

int fw_log_restart(const struct hal_flash *page, struct fw_log *log, int slot, uint16_t version)
{
	struct fw_log_rec r = { .type = FW_LOG_CONFIRMED, .slot = (uint8_t)slot, .version = version };

	if (page->erase(page->ctx, 0) != 0)
		return FW_IMG_FLASH;
	fw_log_init(log, (uint16_t)(page->page_size / FW_LOG_REC_LEN));
	if (slot < 0)
		return 0;
	return fw_log_append(page, log, &r) == 0 ? 0 : FW_IMG_FLASH;
}

int fw_slot_invalidate(const struct hal_flash *slot)
{
	static const uint8_t zero[4];

	return slot->write(slot->ctx, 0, zero, sizeof zero) == 0 ? 0 : FW_IMG_FLASH;
}

/* ---- the key block ----------------------------------------------------------- */

static const uint8_t KEYBLOCK_MAGIC[4] = { 'G', 'L', 'K', '1' };

bool fw_keyblock_get(const uint8_t raw[FW_KEYBLOCK_LEN], uint8_t key[FW_ED25519_KEY_LEN])
{
	if (memcmp(raw, KEYBLOCK_MAGIC, 4) != 0)
		return false;
	for (int i = 4; i < 32; i++)
		if (raw[i] != 0)
			return false;
	memcpy(key, raw + 32, FW_ED25519_KEY_LEN);
	return true;
}

void fw_keyblock_put(uint8_t raw[FW_KEYBLOCK_LEN], const uint8_t key[FW_ED25519_KEY_LEN])
{
	memset(raw, 0, FW_KEYBLOCK_LEN);
	memcpy(raw, KEYBLOCK_MAGIC, 4);
	memcpy(raw + 32, key, FW_ED25519_KEY_LEN);
}

/* ---- the handover ---------------------------------------------------------- */

static uint32_t handover_check(const struct fw_handover *h)
{
	uint32_t x = 0x9e3779b9u ^ h->magic;

	x = (x ^ (uint8_t)h->slot) * 0x01000193u;
	x = (x ^ h->trial) * 0x01000193u;
	x = (x ^ h->boot_version) * 0x01000193u;
	x = (x ^ h->board) * 0x01000193u;
	x = (x ^ h->version) * 0x01000193u;
	x = (x ^ h->verified) * 0x01000193u;
	return x;
}

void fw_handover_seal(struct fw_handover *h)
{
	h->magic = FW_HANDOVER_MAGIC;
	h->check = handover_check(h);
}

bool fw_handover_valid(const struct fw_handover *h)
{
	return h->magic == FW_HANDOVER_MAGIC && h->check == handover_check(h) && h->slot >= -1 &&
	       h->slot <= 1;
}

/* ---- the bootloader's choice ------------------------------------------------ */

static int slot_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	const struct hal_flash *f = ctx;

	return f->read(f->ctx, off, buf, len);
}

struct choice {
	const struct fw_boot *b;
	struct fw_log log;
	int verdict[2];              /* fw_image_reason, or -1 not checked yet */
	uint16_t min[2];             /* the version floor it was checked against */
	struct fw_image_header hdr[2];
	uint16_t verified;
};

static int check_slot(struct choice *c, int s, uint16_t min_version)
{
	const struct hal_flash *f = c->b->slot[s];

	if (c->verdict[s] < 0 || c->min[s] != min_version) {
		struct fw_image_want want = {
			.board = c->b->board, .slot = s == 0 ? FW_SLOT_A : FW_SLOT_B,
			.min_version = min_version, .boot_version = FW_BOOT_VERSION,
			.capacity = f->page_size * f->pages, .avail = f->page_size * f->pages,
		};

		c->verdict[s] = fw_image_check(slot_read, (void *)f, &want, c->b->key, &c->hdr[s]);
		c->min[s] = min_version;
		c->verified++;
	}
	return c->verdict[s];
}

/* Appends a record. A full page is started again around one image that
 * verifies - `keep` if it does, else the other - after the other slot is
 * invalidated (see fwboot.h); then the record follows. */
static void record(struct choice *c, const struct fw_log_rec *r, int keep)
{
	if (fw_log_append(c->b->log, &c->log, r) != -1)
		return;
	if (check_slot(c, keep, 0) != FW_IMG_OK)
		keep ^= 1;
	if (check_slot(c, keep, 0) != FW_IMG_OK || fw_slot_invalidate(c->b->slot[keep ^ 1]) != 0)
		return;
	c->verdict[keep ^ 1] = FW_IMG_MAGIC;
	if (fw_log_restart(c->b->log, &c->log, keep, c->hdr[keep].version) == 0 &&
	    r->type != FW_LOG_CONFIRMED)
		fw_log_append(c->b->log, &c->log, r);
}

static int start(struct choice *c, struct fw_handover *out, int s, bool trial)
{
	memset(out, 0, sizeof *out);
	out->slot = (int8_t)s;
	out->trial = trial;
	out->boot_version = FW_BOOT_VERSION;
	out->board = c->b->board;
	out->version = s >= 0 ? c->hdr[s].version : 0;
	out->verified = c->verified;
	fw_handover_seal(out);
	return s;
}

int fw_boot_select(const struct fw_boot *b, struct fw_handover *out)
{
	struct choice c;
	int best = -1;

	memset(&c, 0, sizeof c);
	c.b = b;
	c.verdict[0] = c.verdict[1] = -1;
	if (fw_log_read(b->log, &c.log) != 0)
		fw_log_init(&c.log, 0);      /* unreadable: choose from the slots alone */

	if (c.log.trial >= 0) {
		int s = c.log.trial;
		uint16_t floor = c.log.confirmed >= 0 ? c.log.confirmed_version : 0;
		struct fw_log_rec r = { .slot = (uint8_t)s, .version = c.log.trial_version };
		int keep = c.log.confirmed >= 0 ? c.log.confirmed : s ^ 1;

		if (c.log.trial_booted) {
			/* it ran, and reset before it confirmed itself */
			r.type = FW_LOG_ROLLBACK;
			r.reason = FW_IMG_NOT_CONFIRMED;
			record(&c, &r, keep);
		} else if ((r.reason = (uint8_t)check_slot(&c, s, floor)) == FW_IMG_OK) {
			r.type = FW_LOG_BOOTED;
			if (fw_log_append(b->log, &c.log, &r) == 0)
				return start(&c, out, s, true);
			/* no room to note the trial: no trial (it could never
			 * roll back); the confirmed image runs */
			r.type = FW_LOG_ROLLBACK;
			r.reason = FW_IMG_FLASH;
			record(&c, &r, keep);
		} else {
			r.type = FW_LOG_ROLLBACK;
			record(&c, &r, keep);
		}
	}
	if (c.log.confirmed >= 0 && check_slot(&c, c.log.confirmed, 0) == FW_IMG_OK)
		return start(&c, out, c.log.confirmed, false);
	/* No confirmed image that verifies (a new node, a restarted log, a
	 * damaged slot): the newest one that does. */
	for (int s = 0; s < 2; s++) {
		if (check_slot(&c, s, 0) != FW_IMG_OK)
			continue;
		if (best < 0 || c.hdr[s].version > c.hdr[best].version)
			best = s;
	}
	if (best >= 0) {
		struct fw_log_rec r = { .type = FW_LOG_CONFIRMED, .slot = (uint8_t)best,
					.version = c.hdr[best].version };

		record(&c, &r, best);
	}
	return start(&c, out, best, false);
}
