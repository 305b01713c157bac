/*
 * nodelink_fw.c - the console's side of firmware updates on one link (see
 * nodelink_fw.h and PROTOCOL.md). Pure; one thread per link.
 *
 * Each node walks QUERY -> BEGIN -> SEND -> VERIFY -> BOOT -> REBOOT ->
 * TRIAL -> DONE, one command at a time (nodelink_tx repeats it each
 * superframe until answered; a command that times out is queued again a
 * few times). The node's FW_INFO answers every command and comes as news
 * after each boot, so a node that restarted in the middle is seen (its
 * transfer state is gone): it gets FW_BEGIN again and resumes from what
 * its boot log says is written.
 *
 * Chunks: per transfer, the window of NODELINK_FW_WINDOW chunks from the
 * lowest first-gap among its nodes; a chunk some node lacks goes out
 * again once RESEND_SUPERFRAMES have passed without a report that it
 * arrived, sooner when the tail has slots to spare.
 */
#include "nodelink_fw.h"
#include "firmware/core/fwimage.h"

#include <string.h>

#define RESEND_SUPERFRAMES 3         /* reports take a superframe or two */
#define COMMAND_TRIES 4              /* a command repeated for 5 s, this many times */
#define LOST_SUPERFRAMES 1200        /* 30 s without a firmware report while sending */
#define REBOOT_SUPERFRAMES 2400      /* 60 s to come back after FW_BOOT */
#define TRIAL_SUPERFRAMES 3600       /* 90 s for the self-test (the node's own limit is 20 s) */
#define BUSY_SUPERFRAMES 2400        /* 60 s for a node's own trial to end before we begin */
#define BUSY_ASK_SUPERFRAMES 80      /* asking again every 2 s meanwhile */

void nodelink_fw_init(struct nodelink_fw *fw)
{
	memset(fw, 0, sizeof *fw);
	for (int i = 0; i < NODELINK_FW_TARGETS; i++)
		fw->targets[i].xfer = -1;
}

static bool finished(uint8_t phase)
{
	return phase == NODELINK_FWP_DONE || phase == NODELINK_FWP_ROLLED_BACK ||
	       phase == NODELINK_FWP_FAILED;
}

int nodelink_fw_add(struct nodelink_fw *fw, uint16_t node, const uint8_t *bundle, size_t len,
		    uint32_t job, uint64_t now_ns)
{
	struct nodelink_fw_target *t = NULL;

	/* the node's own entry, else a free one, else a finished one */
	for (int i = 0; i < NODELINK_FW_TARGETS; i++)
		if (fw->targets[i].node == node)
			t = &fw->targets[i];
	for (int i = 0; !t && i < NODELINK_FW_TARGETS; i++)
		if (!fw->targets[i].node)
			t = &fw->targets[i];
	for (int i = 0; !t && i < NODELINK_FW_TARGETS; i++)
		if (finished(fw->targets[i].phase))
			t = &fw->targets[i];
	if (!t)
		return -1;
	memset(t, 0, sizeof *t);
	t->node = node;
	t->phase = NODELINK_FWP_QUERY;
	t->job = job;
	t->bundle = bundle;
	t->bundle_len = len;
	t->xfer = -1;
	t->started_ns = now_ns;
	return 0;
}

/* ---- transfers ------------------------------------------------------------------ */

static bool xfer_in_use(const struct nodelink_fw *fw, int x)
{
	for (int k = 0; k < NODELINK_FW_TARGETS; k++)
		if (fw->targets[k].node && fw->targets[k].xfer == x)
			return true;
	return false;
}

/* The transfer of this image: the one with the same id (the first 4 bytes
 * of SHA-512 over every byte of it, its signature included: a node resumes
 * a transfer with the same id, so two images that differ anywhere must
 * not share one), or a new one in an entry nobody uses. Returns its index,
 * or -1 when all are in use. */
static int xfer_for(struct nodelink_fw *fw, const uint8_t *img, const struct fw_image_header *h)
{
	uint8_t digest[FW_SHA512_LEN];
	uint32_t id;
	struct nodelink_fw_xfer *x;

	fw_sha512(digest, img, fw_image_len(h));
	id = nodelink_get32(digest);
	if (!id)
		id = 1;                      /* 0 means none */
	for (int i = 0; i < NODELINK_FW_XFERS; i++)
		if (fw->xfers[i].id == id && fw->xfers[i].len == fw_image_len(h))
			return i;
	for (int i = 0; i < NODELINK_FW_XFERS; i++) {
		if (fw->xfers[i].id && xfer_in_use(fw, i))
			continue;
		x = &fw->xfers[i];
		memset(x, 0, sizeof *x);
		x->id = id;
		x->image = img;
		x->len = fw_image_len(h);
		x->chunks = (uint16_t)((x->len + NODELINK_FW_CHUNK_LEN - 1) / NODELINK_FW_CHUNK_LEN);
		x->version = h->version;
		x->board = h->board;
		x->slot = h->slot;
		return i;
	}
	return -1;
}

/* The image of the bundle for a node: its board, and linked for the slot
 * it will go to (or for any). */
static const uint8_t *pick_image(const struct nodelink_fw_target *t, uint8_t board, uint8_t slot,
				 struct fw_image_header *h)
{
	size_t at = 0, start = 0;

	while (fw_bundle_next(t->bundle, t->bundle_len, &at, h) == FW_IMG_OK) {
		if (h->board == board && (h->slot == FW_SLOT_ANY || h->slot == slot))
			return t->bundle + start;
		start = at;
	}
	return NULL;
}

/* ---- the nodes ---------------------------------------------------------------- */

static void set_phase(struct nodelink_fw_target *t, struct nodelink_tx *tx, uint8_t phase)
{
	/* a command still repeated would reach the node in its next phase,
	 * or its next life */
	if (t->ticket)
		nodelink_tx_command_cancel(tx, (uint32_t)t->ticket);
	t->phase = phase;
	t->phase_since = tx->counter;
	t->ticket = 0;
	t->tries = 0;
}

static void finish(struct nodelink_fw_target *t, struct nodelink_tx *tx, uint8_t phase,
		   uint8_t reason, uint64_t now_ns)
{
	set_phase(t, tx, phase);
	t->reason = reason;
	t->finished_ns = now_ns;
	t->xfer = -1;
}

/* Sends the command of the phase unless one is waiting; a command that
 * timed out, or was answered with something that did not move the node
 * on, goes again, COMMAND_TRIES times in all. Returns 0, or the reason it
 * cannot go on: the node never answered, or does not know the command
 * (firmware from before updates: it answers with a CONFIG report). */
static uint8_t command(struct nodelink_fw *fw, struct nodelink_fw_target *t,
		       struct nodelink_tx *tx, uint8_t code)
{
	uint8_t body[NODELINK_BODY_LEN], result = 0;
	int state = t->ticket ? nodelink_tx_command_state(tx, (uint32_t)t->ticket, &result)
			      : NODELINK_CMD_FREE;

	if (state == NODELINK_CMD_DONE && result == NODELINK_ANSWER_UNKNOWN)
		return NODELINK_FWE_NO_SUPPORT;
	if (state == NODELINK_CMD_PENDING || (int32_t)(tx->counter - t->wait_until) < 0)
		return 0;
	if (t->tries >= COMMAND_TRIES)
		return NODELINK_FWE_NO_ANSWER;
	memset(body, 0, sizeof body);
	if (code == NODELINK_CMD_FW_BEGIN) {
		const struct nodelink_fw_xfer *x = &fw->xfers[t->xfer];
		struct nodelink_fw_begin b = { .xfer = x->id, .size = x->len, .version = x->version,
					       .board = x->board, .slot = t->slot };

		nodelink_fw_begin_put(body, &b);
	} else if (code != NODELINK_CMD_FW_QUERY) {
		nodelink_put32(body, fw->xfers[t->xfer].id);
	}
	t->ticket = nodelink_tx_command(tx, t->node, code, body);
	if (t->ticket < 0)
		t->ticket = 0;           /* the queue is full: next superframe */
	else
		t->tries++;
	return 0;
}

/* The answer to this phase's command, if it came. */
static bool answered(const struct nodelink_fw_info *info, bool fresh, uint8_t code)
{
	return fresh && info->answered_code == code;
}

/* Where the node's answer to FW_END (in VERIFY) or FW_BOOT (in BOOT) leads,
 * by what it says of the image; any other reason ends the update. */
static const struct answer_step {
	uint8_t phase;               /* the phase that waited for the answer */
	uint8_t reason;              /* the answer's FW_IMG_* */
	uint8_t next;                /* the phase it leads to */
} answer_steps[] = {
	{ NODELINK_FWP_VERIFY, FW_IMG_OK, NODELINK_FWP_BOOT },
	{ NODELINK_FWP_VERIFY, FW_IMG_INCOMPLETE, NODELINK_FWP_SEND },
	{ NODELINK_FWP_VERIFY, FW_IMG_UNKNOWN, NODELINK_FWP_BEGIN },
	{ NODELINK_FWP_BOOT, FW_IMG_OK, NODELINK_FWP_REBOOT },
	{ NODELINK_FWP_BOOT, FW_IMG_INCOMPLETE, NODELINK_FWP_BEGIN },
};

static void follow_answer(struct nodelink_fw_target *t, struct nodelink_tx *tx, uint8_t reason,
			  uint64_t now_ns)
{
	for (size_t i = 0; i < sizeof answer_steps / sizeof answer_steps[0]; i++) {
		if (answer_steps[i].phase == t->phase && answer_steps[i].reason == reason) {
			set_phase(t, tx, answer_steps[i].next);
			return;
		}
	}
	finish(t, tx, NODELINK_FWP_FAILED, reason, now_ns);
}

static void query_done(struct nodelink_fw *fw, struct nodelink_fw_target *t,
		       struct nodelink_tx *tx, const struct nodelink_fw_info *info, uint64_t now_ns)
{
	struct fw_image_header h;
	const uint8_t *img;
	int x;

	if (info->flags & NODELINK_FWF_TRIAL) {
		/* its last update is on trial: wait until it confirms or rolls
		 * back (its self-test deadline), asking now and then */
		if (tx->counter - t->phase_since > BUSY_SUPERFRAMES) {
			finish(t, tx, NODELINK_FWP_FAILED, FW_IMG_BUSY, now_ns);
		} else {
			t->ticket = 0;
			t->tries = 0;
			t->wait_until = tx->counter + BUSY_ASK_SUPERFRAMES;
		}
		return;
	}
	t->slot = info->slot == 0 ? FW_SLOT_B : FW_SLOT_A;
	t->from_version = info->slot == 0xff ? 0 : info->version;
	img = pick_image(t, info->board, t->slot, &h);
	if (!img) {
		finish(t, tx, NODELINK_FWP_FAILED, NODELINK_FWE_NO_IMAGE, now_ns);
		return;
	}
	t->to_version = h.version;
	if (info->slot != 0xff && h.version < info->version) {
		finish(t, tx, NODELINK_FWP_FAILED, FW_IMG_DOWNGRADE, now_ns);
		return;
	}
	x = xfer_for(fw, img, &h);
	if (x < 0)
		return;                      /* every transfer busy: ask again later */
	t->xfer = (int8_t)x;
	t->chunks = fw->xfers[x].chunks;
	set_phase(t, tx, NODELINK_FWP_BEGIN);
}

static void step_target(struct nodelink_fw *fw, struct nodelink_fw_target *t,
			struct nodelink_tx *tx, uint64_t now_ns)
{
	const struct nodelink_tx_node *e = nodelink_tx_node(tx, t->node);
	struct nodelink_fw_info info;
	bool fresh_info = false;
	uint8_t code = 0, why;

	memset(&info, 0, sizeof info);
	if (e && e->fw_infos != t->infos_seen) {
		t->infos_seen = e->fw_infos;
		info = e->fw;
		fresh_info = true;
		t->heard = tx->counter;
	}
	if (e && e->fw_chunk_reports != t->chunk_reports_seen) {
		t->chunk_reports_seen = e->fw_chunk_reports;
		t->heard = tx->counter;
		if (t->phase == NODELINK_FWP_SEND && t->xfer >= 0 &&
		    e->fw_chunks.xfer16 == (uint16_t)fw->xfers[t->xfer].id &&
		    e->fw_chunks.contig >= t->contig) {
			t->contig = e->fw_chunks.contig;
			memcpy(t->window, e->fw_chunks.window, sizeof t->window);
		}
	}
	if (fresh_info && !info.answered_code && info.state == NODELINK_FW_IDLE) {
		/* a node that restarted while it received or verified (news of
		 * its own, nothing in RAM): the transfer again, from what its
		 * boot log says it holds */
		if (t->phase == NODELINK_FWP_SEND || t->phase == NODELINK_FWP_VERIFY) {
			t->resumes++;
			set_phase(t, tx, NODELINK_FWP_BEGIN);
		}
	}
	/* After FW_BOOT anything from a new life (an idle transfer: its news,
	 * or its answer to our FW_BOOT repeated because the first answer was
	 * lost) says it restarted: what runs now tells how it went. */
	if (fresh_info && info.state == NODELINK_FW_IDLE && t->phase == NODELINK_FWP_BOOT)
		set_phase(t, tx, NODELINK_FWP_REBOOT);

	switch (t->phase) {
	case NODELINK_FWP_QUERY:
		code = NODELINK_CMD_FW_QUERY;
		if (fresh_info) {
			query_done(fw, t, tx, &info, now_ns);
			return;
		}
		break;
	case NODELINK_FWP_BEGIN:
		code = NODELINK_CMD_FW_BEGIN;
		if (answered(&info, fresh_info, code)) {
			if (info.reason) {
				finish(t, tx, NODELINK_FWP_FAILED, info.reason, now_ns);
				return;
			}
			if (info.contig)
				t->resumed_at = info.contig;
			t->contig = info.contig;
			memset(t->window, 0, sizeof t->window);
			set_phase(t, tx, info.state == NODELINK_FW_COMPLETE ? NODELINK_FWP_VERIFY
									 : NODELINK_FWP_SEND);
			return;
		}
		break;
	case NODELINK_FWP_SEND:
		if (fresh_info && info.xfer == fw->xfers[t->xfer].id && info.contig > t->contig)
			t->contig = info.contig;
		if (t->contig >= t->chunks || (fresh_info && info.state == NODELINK_FW_COMPLETE)) {
			t->contig = t->chunks;
			set_phase(t, tx, NODELINK_FWP_VERIFY);
		} else if (tx->counter - t->heard > LOST_SUPERFRAMES &&
			   tx->counter - t->phase_since > LOST_SUPERFRAMES) {
			finish(t, tx, NODELINK_FWP_FAILED, NODELINK_FWE_LOST, now_ns);
		}
		return;
	case NODELINK_FWP_VERIFY:
	case NODELINK_FWP_BOOT:
		code = t->phase == NODELINK_FWP_VERIFY ? NODELINK_CMD_FW_END : NODELINK_CMD_FW_BOOT;
		if (answered(&info, fresh_info, code)) {
			follow_answer(t, tx, info.reason, now_ns);
			return;
		}
		break;
	case NODELINK_FWP_REBOOT:
	case NODELINK_FWP_TRIAL:
		/* what runs, from any report after the restart (one from before
		 * it still holds the verified transfer) */
		if (fresh_info && info.state == NODELINK_FW_IDLE) {
			bool on_new = info.version == t->to_version && info.slot == t->slot - 1;

			if (on_new && !(info.flags & NODELINK_FWF_TRIAL)) {
				finish(t, tx, NODELINK_FWP_DONE, 0, now_ns);
			} else if (on_new) {
				set_phase(t, tx, NODELINK_FWP_TRIAL);
			} else if ((info.flags & NODELINK_FWF_ROLLED_BACK) &&
				   info.rollback_version == t->to_version) {
				finish(t, tx, NODELINK_FWP_ROLLED_BACK, info.rollback_reason, now_ns);
			} else if (t->phase == NODELINK_FWP_REBOOT && ++t->reboots < 3) {
				/* back on the old image with no word of a trial (the
				 * power went before TRIAL was written): again; the
				 * image is still in its slot */
				set_phase(t, tx, NODELINK_FWP_BEGIN);
			} else {
				finish(t, tx, NODELINK_FWP_FAILED, NODELINK_FWE_NO_SWITCH, now_ns);
			}
			return;
		}
		if (tx->counter - t->phase_since > (t->phase == NODELINK_FWP_REBOOT ?
						     REBOOT_SUPERFRAMES : TRIAL_SUPERFRAMES))
			finish(t, tx, NODELINK_FWP_FAILED, NODELINK_FWE_NOT_BACK, now_ns);
		return;
	default:
		return;
	}
	if ((why = command(fw, t, tx, code)) != 0) {
		/* FW_BOOT unanswered: it may have reset before its answer
		 * reached us; its news after the reboot will tell */
		if (code == NODELINK_CMD_FW_BOOT && why == NODELINK_FWE_NO_ANSWER)
			set_phase(t, tx, NODELINK_FWP_REBOOT);
		else
			finish(t, tx, NODELINK_FWP_FAILED, why, now_ns);
	}
}

void nodelink_fw_step(struct nodelink_fw *fw, struct nodelink_tx *tx, uint64_t now_ns)
{
	for (int i = 0; i < NODELINK_FW_TARGETS; i++) {
		struct nodelink_fw_target *t = &fw->targets[i];

		if (!t->node || finished(t->phase))
			continue;
		step_target(fw, t, tx, now_ns);
		/* how long the chunks took (the transfer figure) */
		if (t->phase == NODELINK_FWP_SEND && !t->send_from_ns)
			t->send_from_ns = now_ns;
		if (t->phase >= NODELINK_FWP_VERIFY && t->send_from_ns && !t->send_to_ns)
			t->send_to_ns = now_ns;
	}
}

/* ---- chunks in the tail ------------------------------------------------------------- */

int nodelink_fw_tail_slots(const struct nodelink_tx *tx)
{
	/* from the end of the uplink window to a slot before the next
	 * superframe (the nodes tune to its channel A half a slot early) */
	int first = NODELINK_SLOT_UP + tx->up_slots;
	int last = (int)(tx->period_us / tx->slot_us) - 2;
	int n = last - first + 1;

	return n < 0 ? 0 : n > NODELINK_FW_TAIL_MAX ? NODELINK_FW_TAIL_MAX : n;
}

/* Whether some node of transfer x that is being sent to lacks chunk i. */
static bool wanted(const struct nodelink_fw *fw, int x, uint16_t i)
{
	for (int k = 0; k < NODELINK_FW_TARGETS; k++) {
		const struct nodelink_fw_target *t = &fw->targets[k];
		unsigned off;

		if (t->xfer != x || t->phase != NODELINK_FWP_SEND || i < t->contig)
			continue;
		off = (unsigned)(i - t->contig);
		if (off >= NODELINK_FW_WINDOW || !(t->window[off / 8] >> (off % 8) & 1))
			return true;
	}
	return false;
}

/* The window of transfer x: from the lowest first gap of its nodes. */
static bool window_of(const struct nodelink_fw *fw, int x, uint16_t *lo, uint16_t *hi)
{
	bool any = false;

	*lo = 0xffff;
	for (int k = 0; k < NODELINK_FW_TARGETS; k++) {
		const struct nodelink_fw_target *t = &fw->targets[k];

		if (t->xfer == x && t->phase == NODELINK_FWP_SEND && t->contig < *lo) {
			*lo = t->contig;
			any = true;
		}
	}
	if (!any || *lo >= fw->xfers[x].chunks)
		return false;
	*hi = (uint16_t)(*lo + NODELINK_FW_WINDOW < fw->xfers[x].chunks ? *lo + NODELINK_FW_WINDOW
									    : fw->xfers[x].chunks);
	return true;
}

/* The next chunk of transfer x to send in superframe `sf`: the first one
 * wanted and not sent in the last `quiet` superframes. Returns -1 when none. */
static int next_chunk(const struct nodelink_fw *fw, int x, uint32_t sf, uint32_t quiet)
{
	const struct nodelink_fw_xfer *xf = &fw->xfers[x];
	uint16_t lo, hi;

	if (!window_of(fw, x, &lo, &hi))
		return -1;
	for (uint16_t i = lo; i < hi; i++) {
		unsigned r = i % NODELINK_FW_WINDOW;
		bool recent = xf->sent_index[r] == i && xf->sent_at[r] &&
			      sf + 1 - xf->sent_at[r] < quiet;

		if (!recent && wanted(fw, x, i))
			return i;
	}
	return -1;
}

static void chunk_packet(const struct nodelink_tx *tx, const struct nodelink_fw_xfer *x, uint16_t i,
			 uint32_t sf, uint8_t slot, struct nodelink_tx_packet *p)
{
	struct nodelink_msg m = { .type = NODELINK_DOWN, .code = NODELINK_CMD_FW_CHUNK, .counter = sf,
				  .node = NODELINK_NODE_ALL };
	uint8_t data[NODELINK_FW_CHUNK_LEN];
	uint32_t off = (uint32_t)i * NODELINK_FW_CHUNK_LEN;
	uint32_t n = x->len - off < NODELINK_FW_CHUNK_LEN ? x->len - off : NODELINK_FW_CHUNK_LEN;

	/* past the image's end: erased flash */
	memset(data, 0xff, sizeof data);
	memcpy(data, x->image + off, n);
	nodelink_fw_chunk_put(m.body, x->id, i, data);
	p->slot = slot;
	p->channel = nodelink_channel_b(&tx->hop, sf);
	p->len = (uint8_t)nodelink_msg_encode(p->pkt, sizeof p->pkt, &m);
	nodelink_seal(&tx->key, tx->universe, tx->epoch, p->pkt, p->len);
}

int nodelink_fw_tail(struct nodelink_fw *fw, const struct nodelink_tx *tx,
		     struct nodelink_tx_packet *out, int max)
{
	uint32_t sf = tx->counter - 1;       /* the superframe just built */
	int slots = nodelink_fw_tail_slots(tx), n = 0;
	uint8_t first = (uint8_t)(NODELINK_SLOT_UP + tx->up_slots);

	if (max < slots)
		slots = max;
	/* first what has not gone out lately, then (spare slots) anything
	 * still wanted that did not go out in this superframe; transfers take
	 * turns */
	static const uint32_t quiet[2] = { RESEND_SUPERFRAMES, 1 };

	for (int pass = 0; pass < 2; pass++) {
		int idle = 0;

		while (n < slots && idle < NODELINK_FW_XFERS) {
			int x = (int)(fw->rr++ % NODELINK_FW_XFERS), i;

			if (!fw->xfers[x].id || (i = next_chunk(fw, x, sf, quiet[pass])) < 0) {
				idle++;
				continue;
			}
			idle = 0;
			chunk_packet(tx, &fw->xfers[x], (uint16_t)i, sf, (uint8_t)(first + n), &out[n]);
			fw->xfers[x].sent_at[i % NODELINK_FW_WINDOW] = sf + 1;
			fw->xfers[x].sent_index[i % NODELINK_FW_WINDOW] = (uint16_t)i;
			fw->xfers[x].chunks_sent++;
			fw->chunks_sent++;
			n++;
		}
	}
	return n;
}

bool nodelink_fw_sending(const struct nodelink_fw *fw)
{
	for (int i = 0; i < NODELINK_FW_TARGETS; i++)
		if (fw->targets[i].node && fw->targets[i].phase == NODELINK_FWP_SEND)
			return true;
	return false;
}

bool nodelink_fw_uses(const struct nodelink_fw *fw, uint32_t job)
{
	for (int i = 0; i < NODELINK_FW_TARGETS; i++)
		if (fw->targets[i].node && fw->targets[i].job == job)
			return true;
	return false;
}

void nodelink_fw_forget(struct nodelink_fw *fw, uint32_t job)
{
	for (int i = 0; i < NODELINK_FW_TARGETS; i++) {
		struct nodelink_fw_target *t = &fw->targets[i];

		if (t->node && t->job == job && finished(t->phase)) {
			memset(t, 0, sizeof *t);
			t->xfer = -1;
		}
	}
	/* transfers nobody points at any more */
	for (int x = 0; x < NODELINK_FW_XFERS; x++) {
		bool used = false;

		for (int i = 0; i < NODELINK_FW_TARGETS; i++)
			used |= fw->targets[i].node && fw->targets[i].xfer == x;
		if (!used)
			memset(&fw->xfers[x], 0, sizeof fw->xfers[x]);
	}
}

const char *nodelink_fw_phase_name(uint8_t phase)
{
	static const char *const names[] = {
		"-", "query", "begin", "send", "verify", "boot", "reboot", "trial", "done",
		"rolled-back", "failed",
	};

	return phase < sizeof names / sizeof names[0] ? names[phase] : "?";
}

const char *nodelink_fw_strerror(uint8_t reason)
{
	switch (reason) {
	case NODELINK_FWE_NO_ANSWER: return "the node did not answer";
	case NODELINK_FWE_NO_IMAGE: return "the image has nothing for this node's board and free slot";
	case NODELINK_FWE_LOST: return "the node stopped reporting during the transfer";
	case NODELINK_FWE_NOT_BACK: return "the node did not come back after its restart";
	case NODELINK_FWE_NO_SWITCH: return "the node came back on its old firmware, with no trial noted";
	case NODELINK_FWE_NO_SUPPORT: return "the node's firmware does not take updates (older than 1.0 with a bootloader?)";
	default: return fw_image_strerror(reason);
	}
}
