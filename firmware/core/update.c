/*
 * update.c - the node's side of firmware updates (see update.h; the
 * exchange in PROTOCOL.md, the log and the bootloader in fwboot.h).
 *
 * An image comes into the slot that does not run: FW_BEGIN checks what
 * the header will say (board, slot, size, version) before anything is
 * erased, erases the pages the image needs (the header page first: from
 * then on the slot holds no valid image) and notes XFER in the boot log;
 * FW_CHUNKs are written where they belong, in any order within a window of
 * NODELINK_FW_WINDOW chunks past the first gap, and each 4 KiB written
 * without a gap is noted as PROGRESS, so that after a reset the transfer
 * resumes there (the pages above are erased again: a chunk may have been
 * torn). FW_END verifies the image (hash, signature, board, slot, version,
 * bootloader), FW_BOOT notes TRIAL and resets; the bootloader starts it on
 * trial, and it confirms itself (CONFIRMED) once its self-test passes:
 * following the link with fresh data, NODE_SELFTEST_FRAMES DMX frames out,
 * and the port's own checks. A trial that does not pass within the
 * deadline resets, and the bootloader rolls back.
 *
 * Node thread only; no heap.
 */
#include "update.h"

#include <string.h>

#define PROGRESS_CHUNKS 256u             /* PROGRESS each 4 KiB */
#define CHUNKS_REPORT_US 25000u          /* FW_CHUNKS at most once a superframe */
#define CHUNKS_QUIET_REPORT_US 250000u   /* and this often without news */
#define RESET_AFTER_US 500000u           /* FW_BOOT's answer sent: reset even unacknowledged */
#define ANNOUNCE_REPEAT_US 500000u       /* news (FW_INFO) again until acknowledged */

static const struct hal_flash *slot_flash(const struct node *n, int s)
{
	return &n->hal->fw.slot[s];
}

static uint32_t capacity(const struct hal_flash *f)
{
	return f->page_size * f->pages;
}

static int slot_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	const struct hal_flash *f = ctx;

	return f->read(f->ctx, off, buf, len);
}

void node_update_init(struct node *n, uint64_t now)
{
	struct node_update *u = &n->fw;
	const struct node_fw_hal *h = &n->hal->fw;

	memset(u, 0, sizeof *u);
	u->slot = -1;
	u->target = -1;
	u->version = NODE_FW_VERSION;
	fw_log_init(&u->log, 0);
	if (h->boot && fw_handover_valid(h->boot)) {
		u->slot = h->boot->slot;
		u->trial = h->boot->slot >= 0 && h->boot->trial;
		u->boot_version = h->boot->boot_version;
		if (u->slot >= 0)
			u->version = h->boot->version;
		u->usable = h->key && h->slot[0].read && h->slot[1].read && h->slot[0].erase &&
			    h->slot[1].erase && h->log.read && h->log.erase &&
			    fw_log_read(&h->log, &u->log) == 0;
	}
	if (u->trial)
		u->selftest_deadline = now + (h->selftest_us ? h->selftest_us : NODE_SELFTEST_US);
	/* the console learns what runs (and what rolled back) once we are
	 * on the link */
	u->announce = true;
}

/* ---- reports ------------------------------------------------------------------ */

static void info_body(const struct node *n, uint8_t code, uint8_t seq, uint8_t result,
		      uint8_t body[NODELINK_BODY_LEN])
{
	const struct node_update *u = &n->fw;
	struct nodelink_fw_info i = {
		.version = u->version,
		.slot = u->slot >= 0 ? (uint8_t)u->slot : 0xff,
		.flags = (uint8_t)((u->trial ? NODELINK_FWF_TRIAL : 0) |
				   (u->usable ? NODELINK_FWF_UPDATABLE : 0) |
				   (u->log.rollback_slot >= 0 ? NODELINK_FWF_ROLLED_BACK : 0)),
		.boot_version = u->boot_version,
		.rollback_version = u->log.rollback_slot >= 0 ? u->log.rollback_version : 0,
		.rollback_reason = u->log.rollback_slot >= 0 ? u->log.rollback_reason : 0,
		.xfer = u->state != NODELINK_FW_IDLE ? u->xfer : 0,
		.state = u->state,
		.reason = code ? result : (u->state == NODELINK_FW_REFUSED ? u->reason : 0),
		.contig = u->contig,
		.chunks = u->chunks,
		.answered_code = code,
		.answered_seq = seq,
		.board = n->board,
	};

	nodelink_fw_info_put(body, &i);
}

static void answer(struct node *n, uint8_t code, uint8_t seq, uint8_t result)
{
	uint8_t body[NODELINK_BODY_LEN];

	info_body(n, code, seq, result, body);
	node_queue_report(n, NODELINK_REP_FW_INFO, body);
}

static void queue_own(struct node *n, uint8_t code, const uint8_t body[NODELINK_BODY_LEN])
{
	node_queue_report(n, code, body);
	n->fw.own_pending = true;
}

/* ---- the transfer ------------------------------------------------------------- */

static int log_add(struct node *n, uint8_t type, int slot, uint16_t version, uint16_t count,
		   uint32_t xfer)
{
	struct fw_log_rec r = { .type = type, .slot = (uint8_t)slot, .version = version,
				.count = count, .xfer = xfer };
	int rc = fw_log_append(&n->hal->fw.log, &n->fw.log, &r);

	if (rc != 0)
		n->stats.flash_errors++;
	return rc;
}

/* Erases the pages that hold image bytes from `from` on. */
static int erase_from(struct node *n, const struct hal_flash *f, uint32_t from, uint32_t size)
{
	for (uint32_t page = from / f->page_size; page * f->page_size < size; page++) {
		if (f->erase(f->ctx, page) != 0) {
			n->stats.flash_errors++;
			return -1;
		}
	}
	return 0;
}

static uint8_t begin(struct node *n, const struct nodelink_fw_begin *b)
{
	struct node_update *u = &n->fw;
	const struct node_fw_hal *h = &n->hal->fw;
	int target = u->slot >= 0 ? u->slot ^ 1 : 0;
	const struct hal_flash *f;
	struct fw_image_header hd;
	struct fw_image_want want;
	uint16_t chunks;
	uint32_t from = 0;
	bool resume;
	int rc;

	if (!u->usable)
		return h->boot && fw_handover_valid(h->boot) && !h->key ? FW_IMG_NO_KEY
									: FW_IMG_NO_SLOTS;
	if (u->trial)
		return FW_IMG_BUSY;
	f = slot_flash(n, target);
	if (b->size < FW_IMAGE_HEADER_LEN + FW_IMAGE_TRAILER_LEN || b->xfer == 0)
		return FW_IMG_TRUNCATED;
	memset(&hd, 0, sizeof hd);
	hd.board = b->board;
	hd.version = b->version;
	hd.slot = b->slot;
	hd.body_len = b->size - FW_IMAGE_HEADER_LEN - FW_IMAGE_TRAILER_LEN;
	want = (struct fw_image_want){
		.board = n->board, .slot = (uint8_t)(target + 1),
		.min_version = u->slot >= 0 ? u->version : 0, .boot_version = u->boot_version,
		.capacity = capacity(f), .avail = b->size,
	};
	if (b->slot != target + 1)
		return FW_IMG_SLOT;
	if ((rc = fw_image_allowed(&hd, &want)) != FW_IMG_OK)
		return (uint8_t)rc;
	chunks = (uint16_t)((b->size + NODELINK_FW_CHUNK_LEN - 1) / NODELINK_FW_CHUNK_LEN);
	if ((uint32_t)chunks * NODELINK_FW_CHUNK_LEN > capacity(f))
		return FW_IMG_TOO_BIG;
	/* the same transfer again (the console restarted, or our answer was
	 * lost): carry on */
	if (b->xfer == u->xfer && u->state != NODELINK_FW_IDLE && u->state != NODELINK_FW_REFUSED)
		return FW_IMG_OK;

	resume = u->log.xfer_slot == target && u->log.xfer_id == b->xfer &&
		 u->log.xfer_chunks == chunks && u->log.xfer_version == b->version &&
		 PROGRESS_CHUNKS * NODELINK_FW_CHUNK_LEN % f->page_size == 0;
	if (resume)
		from = u->log.xfer_done;
	/* The pages above what the log says is written (all of them, for a
	 * new transfer: the header page first, so the slot is invalid from
	 * the first erase on). */
	if (from < chunks && erase_from(n, f, from * NODELINK_FW_CHUNK_LEN, b->size) != 0)
		return FW_IMG_FLASH;
	if (resume) {
		n->stats.fw_resumes++;
		n->stats.fw_resumed_at = from;
	} else {
		/* room for the whole update in the log, or it starts again
		 * (safe: the free slot was just erased, so only the running
		 * image is valid) */
		if (fw_log_free(&u->log) < chunks / PROGRESS_CHUNKS + 8 &&
		    fw_log_restart(&h->log, &u->log, u->slot, u->version) != 0) {
			n->stats.flash_errors++;
			return FW_IMG_FLASH;
		}
		if (log_add(n, FW_LOG_XFER, target, b->version, chunks, b->xfer) != 0)
			return FW_IMG_FLASH;
	}
	u->xfer = b->xfer;
	u->size = b->size;
	u->chunks = chunks;
	u->new_version = b->version;
	u->target = (int8_t)target;
	u->contig = (uint16_t)from;
	memset(u->window, 0, sizeof u->window);
	u->window_changed = true;
	u->reason = 0;
	u->state = from >= chunks ? NODELINK_FW_COMPLETE : NODELINK_FW_RECEIVING;
	return FW_IMG_OK;
}

void node_update_chunk(struct node *n, const struct nodelink_msg *m)
{
	struct node_update *u = &n->fw;
	uint16_t xfer16 = nodelink_get16(m->body), index = nodelink_get16(m->body + 2);
	uint16_t before = u->contig;
	unsigned k;

	if (u->state != NODELINK_FW_RECEIVING || xfer16 != (uint16_t)u->xfer ||
	    index >= u->chunks || index < u->contig ||
	    index - u->contig >= NODELINK_FW_WINDOW ||
	    (u->window[(index - u->contig) / 8] >> ((index - u->contig) % 8) & 1)) {
		n->stats.fw_chunk_dups++;
		return;
	}
	if (slot_flash(n, u->target)->write(slot_flash(n, u->target)->ctx,
					     (uint32_t)index * NODELINK_FW_CHUNK_LEN, m->body + 4,
					     NODELINK_FW_CHUNK_LEN) != 0) {
		n->stats.flash_errors++;
		u->state = NODELINK_FW_REFUSED;
		u->reason = FW_IMG_FLASH;
		return;
	}
	n->stats.fw_chunks++;
	k = index - u->contig;
	u->window[k / 8] |= (uint8_t)(1u << (k % 8));
	u->window_changed = true;
	/* slide the window past what is whole */
	while (u->contig < u->chunks && (u->window[0] & 1)) {
		for (unsigned i = 0; i < sizeof u->window; i++)
			u->window[i] = (uint8_t)(u->window[i] >> 1 |
						 (i + 1 < sizeof u->window ? u->window[i + 1] << 7 : 0));
		u->contig++;
	}
	if (u->contig == u->chunks) {
		u->state = NODELINK_FW_COMPLETE;
		log_add(n, FW_LOG_PROGRESS, u->target, u->new_version, u->chunks, u->xfer);
	} else if (u->contig / PROGRESS_CHUNKS != before / PROGRESS_CHUNKS) {
		log_add(n, FW_LOG_PROGRESS, u->target, u->new_version,
			(uint16_t)(u->contig - u->contig % PROGRESS_CHUNKS), u->xfer);
	}
}

static uint8_t end(struct node *n, uint32_t xfer)
{
	struct node_update *u = &n->fw;
	const struct node_fw_hal *h = &n->hal->fw;
	struct fw_image_header hd;
	struct fw_image_want want;
	int rc;

	if (!u->usable || xfer != u->xfer || u->state == NODELINK_FW_IDLE)
		return FW_IMG_UNKNOWN;
	if (u->state == NODELINK_FW_VERIFIED)
		return FW_IMG_OK;
	if (u->state == NODELINK_FW_REFUSED)
		return u->reason;
	if (u->contig < u->chunks)
		return FW_IMG_INCOMPLETE;
	want = (struct fw_image_want){
		.board = n->board, .slot = (uint8_t)(u->target + 1),
		.min_version = u->slot >= 0 ? u->version : 0, .boot_version = u->boot_version,
		.capacity = capacity(slot_flash(n, u->target)), .avail = u->size,
	};
	rc = fw_image_check(slot_read, (void *)slot_flash(n, u->target), &want, h->key, &hd);
	if (rc == FW_IMG_OK) {
		u->state = NODELINK_FW_VERIFIED;
		u->new_version = hd.version;
	} else {
		u->state = NODELINK_FW_REFUSED;
		u->reason = (uint8_t)rc;
	}
	return (uint8_t)rc;
}

static uint8_t boot(struct node *n, uint32_t xfer)
{
	struct node_update *u = &n->fw;

	if (!u->usable || xfer != u->xfer || u->state == NODELINK_FW_IDLE)
		return FW_IMG_UNKNOWN;
	if (u->state == NODELINK_FW_REFUSED)
		return u->reason;
	if (u->state != NODELINK_FW_VERIFIED)
		return FW_IMG_INCOMPLETE;
	if (!u->reset_pending) {
		if (log_add(n, FW_LOG_TRIAL, u->target, u->new_version, 0, 0) != 0)
			return FW_IMG_FLASH;
		u->reset_pending = true;
	}
	return FW_IMG_OK;
}

bool node_update_command(struct node *n, uint64_t now, const struct nodelink_msg *m, bool repeat)
{
	struct node_update *u = &n->fw;
	uint8_t result;

	(void)now;
	if (repeat && m->code == u->last_code) {
		answer(n, m->code, m->seq, u->last_result);
		return true;
	}
	switch (m->code) {
	case NODELINK_CMD_FW_QUERY:
		result = FW_IMG_OK;
		break;
	case NODELINK_CMD_FW_BEGIN: {
		struct nodelink_fw_begin b;

		nodelink_fw_begin_get(m->body, &b);
		result = begin(n, &b);
		break;
	}
	case NODELINK_CMD_FW_END:
		result = end(n, nodelink_get32(m->body));
		break;
	case NODELINK_CMD_FW_BOOT:
		result = boot(n, nodelink_get32(m->body));
		break;
	default:
		return false;
	}
	u->last_code = m->code;
	u->last_result = result;
	answer(n, m->code, m->seq, result);
	return true;
}

/* ---- self-test, reset, reports --------------------------------------------------- */

static void reset(struct node *n)
{
	const struct node_fw_hal *h = &n->hal->fw;

	n->fw.resetting = true;
	if (h->reset)
		h->reset(h->ctx);
}

void node_update_poll(struct node *n, uint64_t now)
{
	struct node_update *u = &n->fw;
	const struct node_fw_hal *h = &n->hal->fw;

	if (u->resetting)
		return;
	if (u->reset_pending && u->reset_at && now >= u->reset_at) {
		reset(n);
		return;
	}
	if (u->trial) {
		if (node_state(n, now) == NODELINK_ST_LIVE && n->stats.frames >= NODE_SELFTEST_FRAMES &&
		    (!h->selftest || h->selftest(h->ctx))) {
			if (log_add(n, FW_LOG_CONFIRMED, u->slot, u->version, 0, 0) == 0) {
				u->trial = false;
				u->selftest_deadline = 0;
				u->announce = true;
				u->announce_queued = false;
				u->announce_at = 0;
			}
		} else if (now >= u->selftest_deadline) {
			/* the bootloader rolls back: it finds BOOTED without CONFIRMED */
			reset(n);
			return;
		}
	}
	if (n->sync != NODE_FOLLOW || !n->fresh || n->up_pending)
		return;
	if (u->announce && (!u->announce_at || now - u->announce_at >= ANNOUNCE_REPEAT_US)) {
		uint8_t body[NODELINK_BODY_LEN];

		info_body(n, 0, 0, 0, body);
		queue_own(n, NODELINK_REP_FW_INFO, body);
		u->announce_at = now;
		u->announce_seq = n->up_seq;
		u->announce_queued = true;
	} else if ((u->state == NODELINK_FW_RECEIVING || u->state == NODELINK_FW_COMPLETE) &&
		   ((u->window_changed && now - u->chunks_report_at >= CHUNKS_REPORT_US) ||
		    now - u->chunks_report_at >= CHUNKS_QUIET_REPORT_US)) {
		struct nodelink_fw_chunks c = { .xfer16 = (uint16_t)u->xfer, .contig = u->contig,
						.state = u->state };
		uint8_t body[NODELINK_BODY_LEN];

		memcpy(c.window, u->window, sizeof c.window);
		nodelink_fw_chunks_put(body, &c);
		queue_own(n, NODELINK_REP_FW_CHUNKS, body);
		u->window_changed = false;
		u->chunks_report_at = now;
	}
}

uint64_t node_update_next_us(const struct node *n)
{
	const struct node_update *u = &n->fw;

	if (u->resetting)
		return 0;
	if (u->reset_pending && u->reset_at)
		return u->reset_at;
	return u->trial ? u->selftest_deadline : 0;
}

void node_update_sent(struct node *n, uint64_t now, uint8_t code)
{
	struct node_update *u = &n->fw;

	/* FW_BOOT answered: reset once the console acknowledges it, or soon */
	if (u->reset_pending && code == NODELINK_REP_FW_INFO && !u->reset_at)
		u->reset_at = now + RESET_AFTER_US;
	u->own_pending = false;
}

void node_update_acked(struct node *n, uint64_t now, uint8_t code)
{
	struct node_update *u = &n->fw;

	if (code != NODELINK_REP_FW_INFO)
		return;
	/* the news arrived (an answer acknowledged does not tell) */
	if (u->announce_queued && n->up_sent_seq == u->announce_seq)
		u->announce = false;
	if (u->reset_pending && u->reset_at)
		u->reset_at = now;
}
