/*
 * node.c - the wireless DMX node's core (see node.h, and PROTOCOL.md for
 * the link's rules). One thread; no heap; time comes in as arguments.
 *
 * Invariants:
 *  - `fresh` means `floor` and `epoch` were learnt from a beacon that is
 *    known not to be a recording (it echoed our nonce, or its epoch was
 *    new); no data or command is taken before that, and none with a
 *    counter below `floor` or below the current superframe after.
 *  - While following, `t0` is the start of superframe `counter` on our
 *    clock; each beacon re-anchors it, and it advances by `period_us` on
 *    its own when a beacon is lost.
 *  - line[line_cur] is the frame on (or next on) the line; its bytes change
 *    after its start only where the line has not yet reached them.
 */
#include "node.h"
#include "store.h"
#include "update.h"

#include <string.h>

#define COPY_B_SAFETY_US 20      /* a copy-B write must beat the line by this */

void node_settings_default(struct node_settings *s)
{
	memset(s, 0, sizeof *s);
	s->link.universe = 1;
	s->link.start = 1;
	s->link.count = NODELINK_SLOTS;
	s->link.failsafe = NODELINK_FS_HOLD;
	s->link.timeout_10ms = 200;
	s->link.break_us = 176;
	s->link.mab_us = 16;
}

static unsigned popcount32(uint32_t x)
{
	unsigned n = 0;

	while (x) {
		x &= x - 1;
		n++;
	}
	return n;
}

static uint32_t random32(struct node *n)
{
	return n->hal->rng.next ? n->hal->rng.next(n->hal->rng.ctx) : 0x2545f491u ^ n->id;
}

static void tune(struct node *n, uint8_t channel)
{
	n->tuned = channel;
	n->hal->radio.listen(n->hal->radio.ctx, channel, n->address);
}

static uint64_t slot_start(const struct node *n, unsigned slot)
{
	return n->t0 + (uint64_t)n->slot_us * slot;
}

/* ---- scanning and following ------------------------------------------------ */

static void start_scan(struct node *n, uint64_t now)
{
	n->sync = NODE_SCAN;
	n->on_b = 0;
	n->missed = 0;
	n->up_at = 0;
	/* channels 2..41 hold every A-channel; 7 steps jump across the band */
	n->scan_channel = (uint8_t)(NODELINK_CHANNEL_FIRST +
				    (n->scan_channel - NODELINK_CHANNEL_FIRST + 7) % NODELINK_CHANNELS);
	n->scan_until = now + NODE_SCAN_DWELL_US;
	tune(n, n->scan_channel);
	/* the line runs on at its last rate and phase */
	if (!n->next_line) {
		uint64_t next = n->line_start + n->period_us;

		while (next <= now)
			next += n->period_us;
		n->next_line = next;
	}
}

/* The link for the configured universe: its key schedule and address. */
static void link_setup(struct node *n, uint64_t now)
{
	nodelink_key_init(&n->key, n->set.key);
	n->address = nodelink_link_address(&n->key, n->set.link.universe);
	n->hop_ok = false;
	n->fresh = false;
	n->nonce = 0;
	n->up_pending = false;
	n->relink = false;
	start_scan(n, now);
}

void node_queue_report(struct node *n, uint8_t code, const uint8_t body[NODELINK_BODY_LEN])
{
	n->fw.own_pending = false;
	n->up_pending = true;
	n->up_code = code;
	memcpy(n->up_body, body, NODELINK_BODY_LEN);
	n->up_seq++;
	n->up_at = 0;
}

static void queue_hello(struct node *n)
{
	struct nodelink_hello h = { .fw_version = n->fw.version, .board = n->board };
	uint8_t body[NODELINK_BODY_LEN];

	if (n->nonce == 0)
		n->nonce = random32(n) | 1u;
	h.nonce = n->nonce;
	nodelink_hello_put(body, &h);
	node_queue_report(n, NODELINK_REP_HELLO, body);
}

/* ---- state and the line ---------------------------------------------------- */

/* Fragments the line carries: those overlapping universe slots
 * start .. start+count-1. */
static void line_frags(const struct node *n, uint32_t *first, uint32_t *last)
{
	*first = (n->set.link.start - 1u) / NODELINK_FRAG_SLOTS;
	*last = (n->set.link.start + n->set.link.count - 2u) / NODELINK_FRAG_SLOTS;
}

/* Whether the node has a look: every fragment its line carries heard at
 * least once. Until then a frame would show slots nobody sent. */
static bool has_look(const struct node *n)
{
	uint32_t first, last, mask;

	if (!n->last_data)
		return false;
	line_frags(n, &first, &last);
	mask = (uint32_t)((2ull << last) - (1ull << first));
	return (n->frag_have & mask) == mask;
}

uint8_t node_state(const struct node *n, uint64_t now)
{
	if (has_look(n)) {
		uint64_t quiet = now - n->last_data;

		if (quiet < NODE_LIVE_US)
			return NODELINK_ST_LIVE;
		if (quiet < (uint64_t)n->set.link.timeout_10ms * 10000u)
			return NODELINK_ST_HOLD;
		return NODELINK_ST_FAILSAFE;
	}
	if (n->sync == NODE_SCAN)
		return NODELINK_ST_SCAN;
	return NODELINK_ST_SYNCING;
}


/* When the frame of a superframe starts, from the superframe's start:
 * after copy A, and late enough that copy B of every fragment the line
 * carries still arrives before the line reaches it (for a line starting
 * at universe slot 1 that is copy A's end + the margin; a line that starts
 * high in the universe needs its first fragment early and waits longer). */
static uint32_t line_offset_us(const struct node *n)
{
	const struct nodelink_config *c = &n->set.link;
	uint32_t off = n->slot_us * NODELINK_SLOT_COPY_B + NODE_LINE_MARGIN_US;
	uint32_t first, last;

	line_frags(n, &first, &last);
	for (uint32_t f = first; f <= last; f++) {
		uint32_t lo = f * NODELINK_FRAG_SLOTS + 1u > c->start ? f * NODELINK_FRAG_SLOTS + 1u
								     : c->start;
		uint32_t arrives = n->slot_us * (NODELINK_SLOT_COPY_B + f + 1u) + COPY_B_SAFETY_US + 1u;
		uint32_t needed = c->break_us + c->mab_us + 44u * (lo - c->start + 1u);

		if (arrives > needed && arrives - needed > off)
			off = arrives - needed;
	}
	return off;
}

static void start_line(struct node *n, uint64_t at)
{
	const struct nodelink_config *c = &n->set.link;
	uint8_t state = node_state(n, at);
	uint8_t mode = c->failsafe;
	const uint8_t *src = NULL;      /* NULL: zeros */
	bool from_latest = false, output = true;
	uint8_t *buf;
	struct hal_dmx_info *info;
	uint32_t first, last;

	if (!has_look(n) || state == NODELINK_ST_FAILSAFE) {
		/* before any data there is no look to hold */
		if (mode == NODELINK_FS_OFF || (mode == NODELINK_FS_HOLD && !has_look(n)))
			output = false;
		else if (mode == NODELINK_FS_HOLD)
			src = n->latest, from_latest = true;
		else if (mode == NODELINK_FS_SCENE && n->scene_valid)
			src = n->scene;
	} else {
		src = n->latest;
		from_latest = true;
	}
	if (!output) {
		if (!n->line_off)
			n->hal->dmx.stop(n->hal->dmx.ctx);
		n->line_off = true;
		n->line_running = false;
		return;
	}
	/* One frame per superframe: when the phase moves earlier (the link
	 * found after running free), this superframe's frame is left out
	 * rather than sent close behind the last one; and never over the
	 * frame still on the line. */
	if (n->line_running && n->sync == NODE_FOLLOW &&
	    at + n->slot_us < n->line_start + n->period_us)
		return;
	if (n->line_running && at < n->line_start + n->line_us)
		at = n->line_start + n->line_us;
	n->line_cur ^= 1;
	buf = n->line[n->line_cur];
	info = &n->line_info[n->line_cur];
	buf[0] = 0;                     /* start code: dimmer data */
	if (!src)
		memset(buf + 1, 0, c->count);
	else if (src == n->scene)
		memcpy(buf + 1, n->scene, c->count);
	else
		memcpy(buf + 1, src + c->start - 1, c->count);
	line_frags(n, &first, &last);
	n->line_frag_first = first;
	n->line_frag_last = last;
	info->counter = n->counter;
	info->frags = (uint8_t)(last - first + 1);
	info->fresh = 0;
	info->state = state;
	n->line_fresh = 0;
	if (from_latest) {
		for (uint32_t f = first; f <= last; f++) {
			if ((n->frag_have >> f & 1u) && n->frag_counter[f] == n->counter) {
				n->line_fresh |= 1u << f;
				info->fresh++;
			}
		}
	}
	n->line_us = nodelink_line_us(c->break_us, c->mab_us, c->count);
	n->line_start = at;
	n->line_sf = n->counter;
	n->line_running = true;
	n->line_off = false;
	n->stats.frames++;
	if (!n->w_frames++)
		n->w_first_frame = at;
	n->w_last_frame = at;
	n->hal->dmx.start(n->hal->dmx.ctx, at, c->break_us, c->mab_us, buf,
			  (uint16_t)(1u + c->count), info);
}

/* A fragment of the frame on the line that arrived after its start
 * (copy B): written in when the line has not reached its first slot. */
static void line_update(struct node *n, uint64_t now, unsigned frag, const uint8_t *slots,
			unsigned count)
{
	const struct nodelink_config *c = &n->set.link;
	struct hal_dmx_info *info = &n->line_info[n->line_cur];
	unsigned u_first = frag * NODELINK_FRAG_SLOTS + 1u;   /* universe slot, 1-based */
	unsigned u_last = u_first + count - 1u;
	unsigned lo, hi;
	uint64_t deadline;

	if (!n->line_running || info->counter != n->counter || now >= n->line_start + n->line_us ||
	    frag < n->line_frag_first || frag > n->line_frag_last || (n->line_fresh >> frag & 1u))
		return;
	lo = u_first > c->start ? u_first : c->start;
	hi = u_last < c->start + c->count - 1u ? u_last : c->start + c->count - 1u;
	/* line byte p (start code = 0) leaves at break + MAB + 44 µs * p */
	deadline = n->line_start + c->break_us + c->mab_us + 44u * (lo - c->start + 1u);
	if (now + COPY_B_SAFETY_US >= deadline)
		return;
	memcpy(n->line[n->line_cur] + 1 + (lo - c->start), slots + (lo - u_first), hi - lo + 1u);
	n->line_fresh |= 1u << frag;
	info->fresh++;
	n->stats.copy_b_in_time++;
}

/* ---- commands --------------------------------------------------------------- */

/* The configuration with the fields of c named in mask, checked whole (a
 * start that fits only with the old count is refused). */
static int merged_config(const struct node *n, const struct nodelink_config *c, unsigned mask,
			 struct nodelink_config *next)
{
	*next = n->set.link;
	if (mask & NODELINK_CF_UNIVERSE)
		next->universe = c->universe;
	if (mask & NODELINK_CF_START)
		next->start = c->start;
	if (mask & NODELINK_CF_COUNT)
		next->count = c->count;
	if (mask & NODELINK_CF_FAILSAFE)
		next->failsafe = c->failsafe;
	if (mask & NODELINK_CF_TIMEOUT)
		next->timeout_10ms = c->timeout_10ms;
	if (mask & NODELINK_CF_BREAK)
		next->break_us = c->break_us;
	if (mask & NODELINK_CF_MAB)
		next->mab_us = c->mab_us;
	return nodelink_config_check(next, NODELINK_CF_ALL);
}

int node_configure(struct node *n, const struct nodelink_config *c, unsigned mask,
		   uint64_t now_us)
{
	struct nodelink_config next;
	bool relink;

	if (merged_config(n, c, mask, &next) != 0)
		return -1;
	relink = next.universe != n->set.link.universe;
	n->set.link = next;
	node_store_save(n);
	if (relink)
		link_setup(n, now_us);
	return 0;
}

static void answer_config(struct node *n, unsigned mask, uint8_t result, uint8_t seq)
{
	uint8_t body[NODELINK_BODY_LEN];

	nodelink_config_put(body, mask, &n->set.link);
	body[15] = result;
	body[16] = seq;
	node_queue_report(n, NODELINK_REP_CONFIG, body);
}

/* A STATUS report of the node as it is now, queued (the answer to a
 * status command, and the report every window closes with). */
static void queue_status(struct node *n, uint64_t now)
{
	const struct hal_sensors *s = &n->hal->sensors;
	uint8_t body[NODELINK_BODY_LEN];
	struct nodelink_status st = {
		.state = node_state(n, now),
		.rx_percent = n->rx_percent,
		.rssi_dbm = n->rssi_dbm,
		.loss_permille = n->loss_permille,
		.temperature_c = s->temperature_c ? s->temperature_c(s->ctx) : NODELINK_TEMP_UNKNOWN,
		.fw_version = n->fw.version,
		.uptime_s = (uint32_t)((now - n->boot_us) / 1000000u),
		.universe = n->set.link.universe,
		.start = n->set.link.start,
		.failsafe = n->set.link.failsafe,
		.cpu_percent = n->cpu_percent,
		.dmx_rate_centihz = n->dmx_rate_centihz,
		.flags = (uint8_t)((n->scene_valid ? NODELINK_SF_SCENE : 0) |
				   (n->reports_unacked ? NODELINK_SF_UP_LOSS : 0)),
	};

	nodelink_status_put(body, &st);
	node_queue_report(n, NODELINK_REP_STATUS, body);
}

static void on_command(struct node *n, uint64_t now, const struct nodelink_msg *m)
{
	struct nodelink_config c;
	unsigned mask;

	if (n->down_seen && m->seq == n->down_seq) {
		/* a repeat: the console did not hear our answer; answer again */
		if (m->code >= NODELINK_CMD_FW_FIRST && m->code <= NODELINK_CMD_FW_LAST &&
		    node_update_command(n, now, m, true))
			return;
		if (m->code == NODELINK_CMD_STATUS)
			queue_status(n, now);
		else
			answer_config(n, n->down_mask, n->down_result, m->seq);
		return;
	}
	n->down_seen = true;
	n->down_seq = m->seq;
	n->stats.commands++;
	if (m->code >= NODELINK_CMD_FW_FIRST && m->code <= NODELINK_CMD_FW_LAST &&
	    node_update_command(n, now, m, false))
		return;
	switch (m->code) {
	case NODELINK_CMD_CONFIG: {
		struct nodelink_config next;

		mask = nodelink_config_get(m->body, &c);
		n->down_mask = (uint16_t)mask;
		n->down_result = merged_config(n, &c, mask, &next) == 0 ? 0 : 1;
		if (n->down_result == 0) {
			/* A new universe is a new link: the answer goes out on
			 * this one, where the console waits for it, and the
			 * node moves after sending it (send_report). */
			if (next.universe != n->set.link.universe) {
				n->relink = true;
				n->relink_universe = next.universe;
			}
			node_configure(n, &c, mask & ~(unsigned)NODELINK_CF_UNIVERSE, now);
		}
		answer_config(n, n->down_mask, n->down_result, m->seq);
		if (n->relink)
			nodelink_put16(n->up_body + 2, n->relink_universe);
		break;
	}
	case NODELINK_CMD_STATUS:
		queue_status(n, now);
		break;
	case NODELINK_CMD_SCENE:
		/* what the line shows now, slot for slot */
		memset(n->scene, 0, sizeof n->scene);
		memcpy(n->scene, n->line[n->line_cur] + 1, n->set.link.count);
		n->scene_valid = node_store_save_scene(n) == 0;
		n->down_mask = 0;
		n->down_result = n->scene_valid ? 0 : 1;
		answer_config(n, 0, n->down_result, m->seq);
		break;
	default:
		n->down_mask = 0;
		n->down_result = 2;
		answer_config(n, 0, 2, m->seq);
		break;
	}
}

/* ---- receiving -------------------------------------------------------------- */

/* The session is known not to be a recording: data and commands count
 * from superframe `counter` on, and a HELLO waiting for its echo is done. */
static void session_fresh(struct node *n, uint32_t counter)
{
	n->fresh = true;
	n->floor = counter;
	n->nonce = 0;
	if (n->up_pending && n->up_code == NODELINK_REP_HELLO)
		n->up_pending = false;
}

/* Data and commands are taken only on a followed link whose session is
 * fresh, and only with a good MAC (counted as foreign or bad_mac). */
static bool link_packet_ok(struct node *n, const uint8_t *pkt, uint8_t len)
{
	if (n->sync != NODE_FOLLOW || !n->fresh) {
		n->stats.foreign++;
		return false;
	}
	if (!nodelink_verify(&n->key, n->set.link.universe, n->epoch, pkt, len)) {
		n->stats.bad_mac++;
		return false;
	}
	return true;
}

static void on_beacon(struct node *n, uint64_t now, const uint8_t *pkt, uint8_t len,
		      const struct nodelink_beacon *b)
{
	uint16_t link = n->set.link.universe;

	if (!nodelink_verify(&n->key, link, b->epoch, pkt, len)) {
		n->stats.bad_mac++;
		return;
	}
	if (b->epoch < n->set.epoch_floor || (n->fresh && b->epoch < n->epoch) ||
	    (n->fresh && b->epoch == n->epoch && b->counter < n->counter)) {
		n->stats.stale++;
		return;
	}
	if (b->epoch > n->set.epoch_floor) {
		/* A new session: epochs only grow, so no recording holds it. */
		n->set.epoch_floor = b->epoch;
		node_store_save(n);
		n->epoch = b->epoch;
		session_fresh(n, b->counter);
	} else if (!n->fresh || b->epoch != n->epoch) {
		n->epoch = b->epoch;
		if (b->echo_node == n->id && b->echo_nonce == n->nonce && n->nonce)
			session_fresh(n, b->counter);
		else if (!n->up_pending)
			queue_hello(n);
	}
	if (b->ack_node == n->id && b->ack_seq == n->up_sent_seq && n->up_awaiting) {
		n->up_awaiting = false;
		n->reports_unacked = 0;
		n->stats.reports_acked++;
		node_update_acked(n, now, n->up_sent_code);
	}

	/* timing: this beacon ended slot 0 of superframe b->counter */
	if (b->counter != n->counter || n->sync == NODE_SCAN) {
		n->sf_mask = 0;
		n->sf_rx = 0;
	}
	{
		uint64_t measured = now - b->slot_us;
		int64_t err = (int64_t)(measured - n->t0);

		/* Following: the clocks drift by microseconds per superframe, so
		 * a beacon that is off by more (a late delivery) only nudges
		 * t0, and the line keeps its rate. */
		if (n->sync == NODE_FOLLOW && b->counter == n->counter && b->slot_us == n->slot_us &&
		    err > -(int64_t)(2 * n->slot_us) && err < (int64_t)(2 * n->slot_us))
			n->t0 += err / 8;
		else
			n->t0 = measured;
	}
	n->counter = b->counter;
	n->period_us = b->period_us;
	n->slot_us = b->slot_us;
	n->up_slots = b->up_slots;
	if (!n->hop_ok || b->hop_seed != n->hop_seed) {
		nodelink_hop_init(&n->hop, &n->key, link, b->hop_seed);
		n->hop_seed = b->hop_seed;
		n->hop_ok = true;
	}
	if (n->sync == NODE_SCAN) {
		n->sync = NODE_FOLLOW;
		n->stats.syncs++;
	}
	n->beacon_seen = true;
	n->missed = 0;
	n->on_b = 0;
	if (n->tuned != nodelink_channel_a(&n->hop, n->counter))
		tune(n, nodelink_channel_a(&n->hop, n->counter));
	/* this superframe's frame, unless it has started already */
	if (n->line_sf != n->counter || !n->line_running)
		n->next_line = n->t0 + line_offset_us(n);
}

static void on_data(struct node *n, uint64_t now, const uint8_t *pkt, uint8_t len,
		    const struct nodelink_data *d)
{
	if (!link_packet_ok(n, pkt, len))
		return;
	if (d->counter < n->floor || d->counter < n->counter) {
		n->stats.stale++;
		return;
	}
	if (d->counter > n->counter) {
		/* beacons were lost and our count fell behind */
		n->counter = d->counter;
		n->sf_mask = 0;
		n->sf_rx = 0;
	}
	memcpy(n->latest + d->frag * NODELINK_FRAG_SLOTS, d->slots, d->slot_count);
	n->frag_counter[d->frag] = d->counter;
	n->frag_have |= 1u << d->frag;
	n->sf_mask |= 1u << d->frag;
	n->sf_rx++;
	n->last_data = now;
	n->stats.data++;
	line_update(n, now, d->frag, d->slots, d->slot_count);
}

static void on_down(struct node *n, uint64_t now, const uint8_t *pkt, uint8_t len,
		    const struct nodelink_msg *m)
{
	if (m->node != n->id && m->node != NODELINK_NODE_ALL) {
		n->stats.foreign++;
		return;
	}
	if (!link_packet_ok(n, pkt, len))
		return;
	if (m->counter < n->floor || m->counter + 1u < n->counter) {
		n->stats.stale++;
		return;
	}
	/* chunks go to every node of a transfer, unnumbered, never answered */
	if (m->code == NODELINK_CMD_FW_CHUNK) {
		node_update_chunk(n, m);
		return;
	}
	on_command(n, now, m);
}

void node_rx(struct node *n, uint64_t now_us, const uint8_t *pkt, uint8_t len, int8_t rssi_dbm)
{
	struct nodelink_packet p;

	node_poll(n, now_us);
	if (n->fw.resetting)
		return;
	n->stats.rx++;
	if (!n->set.has_key)
		return;
	if (nodelink_parse(pkt, len, &p) != 0) {
		n->stats.malformed++;
		return;
	}
	if (rssi_dbm) {
		n->w_rssi_sum += rssi_dbm;
		n->w_rssi_n++;
	}
	switch (p.type) {
	case NODELINK_BEACON:
		on_beacon(n, now_us, pkt, len, &p.u.beacon);
		break;
	case NODELINK_DATA:
		on_data(n, now_us, pkt, len, &p.u.data);
		break;
	case NODELINK_DOWN:
		on_down(n, now_us, pkt, len, &p.u.msg);
		break;
	default:
		n->stats.foreign++;       /* another node's report */
		break;
	}
}

/* ---- timers ------------------------------------------------------------------ */

enum { EV_NONE, EV_TUNE_B, EV_NEXT_SF, EV_LINE, EV_UP, EV_STATUS, EV_SCAN, EV_UPDATE };

static uint64_t tune_b_at(const struct node *n)
{
	return slot_start(n, NODELINK_SLOT_COPY_B) + n->slot_us / 2u;
}

static uint64_t next_sf_at(const struct node *n)
{
	return n->t0 + n->period_us - n->slot_us / 2u;
}

/* The uplink slot for the pending report: a random one of this
 * superframe's window if it has not begun, else of the next. */
static void choose_up_slot(struct node *n, uint64_t now)
{
	unsigned k = n->up_slots ? random32(n) % n->up_slots : 0;
	uint64_t at = slot_start(n, NODELINK_SLOT_UP + k);

	if (at <= now + n->slot_us)
		at += n->period_us;
	n->up_at = at;
}

static int next_event(const struct node *n, uint64_t *at)
{
	int ev = EV_NONE;
	uint64_t best = UINT64_MAX;

#define CONSIDER(t, e) do { if ((t) && (t) < best) { best = (t); ev = (e); } } while (0)
	if (n->sync == NODE_FOLLOW) {
		if (!n->on_b)
			CONSIDER(tune_b_at(n), EV_TUNE_B);
		CONSIDER(next_sf_at(n), EV_NEXT_SF);
		if (n->up_pending && n->up_at)
			CONSIDER(n->up_at, EV_UP);
	} else {
		CONSIDER(n->scan_until, EV_SCAN);
	}
	CONSIDER(n->next_line, EV_LINE);
	CONSIDER(n->next_status, EV_STATUS);
	CONSIDER(node_update_next_us(n), EV_UPDATE);
#undef CONSIDER
	*at = best;
	return ev;
}

uint64_t node_next_us(const struct node *n)
{
	uint64_t at;

	next_event(n, &at);
	/* a report without a slot gets one at once */
	if (n->sync == NODE_FOLLOW && n->up_pending && !n->up_at)
		return 0;
	return at;
}

static void end_superframe(struct node *n, uint64_t at)
{
	if (n->fresh) {
		n->w_expected += 2u * NODELINK_FRAGS;
		n->w_rx += n->sf_rx;
		n->w_frags += NODELINK_FRAGS;
		n->w_missing += NODELINK_FRAGS - popcount32(n->sf_mask);
	}
	if (!n->beacon_seen && ++n->missed >= NODE_LOST_SUPERFRAMES) {
		n->stats.lost++;
		start_scan(n, at);
		return;
	}
	n->counter++;
	n->t0 += n->period_us;
	n->beacon_seen = false;
	n->on_b = 0;
	n->sf_mask = 0;
	n->sf_rx = 0;
	tune(n, nodelink_channel_a(&n->hop, n->counter));
	n->next_line = n->t0 + line_offset_us(n);
}

static void send_report(struct node *n, uint64_t at)
{
	struct nodelink_msg m = {
		.type = NODELINK_UP, .code = n->up_code, .counter = n->counter, .node = n->id,
		.seq = n->up_seq,
	};
	uint8_t pkt[NODELINK_MSG_LEN];

	memcpy(m.body, n->up_body, NODELINK_BODY_LEN);
	if (nodelink_msg_encode(pkt, sizeof pkt, &m) == NODELINK_MSG_LEN) {
		nodelink_seal(&n->key, n->set.link.universe, n->epoch, pkt, sizeof pkt);
		if (n->hal->radio.send(n->hal->radio.ctx, nodelink_channel_b(&n->hop, n->counter),
				       n->address, pkt, sizeof pkt) == 0)
			n->stats.reports++;
	}
	if (n->up_awaiting)
		n->reports_unacked++;
	n->up_awaiting = true;
	n->up_sent_seq = n->up_seq;
	n->up_sent_code = n->up_code;
	n->up_at = 0;
	node_update_sent(n, at, n->up_code);
	/* HELLO stays until a beacon echoes it; the rest go once (a command
	 * is repeated by the console until it hears the answer) */
	if (n->up_code != NODELINK_REP_HELLO)
		n->up_pending = false;
	if (n->relink) {
		struct nodelink_config c = { .universe = n->relink_universe };

		n->relink = false;
		node_configure(n, &c, NODELINK_CF_UNIVERSE, at);
	}
}

static void window(struct node *n, uint64_t at)
{
	const struct hal_sensors *s = &n->hal->sensors;

	n->rx_percent = (uint8_t)(n->w_expected ? (n->w_rx * 100u + n->w_expected / 2) / n->w_expected
						: 0);
	if (n->rx_percent > 100)
		n->rx_percent = 100;
	n->loss_permille = (uint16_t)(n->w_frags ? n->w_missing * 1000u / n->w_frags : 0);
	/* frames between the window's first and last BREAK: exact for a
	 * steady line, whatever the window's length */
	n->dmx_rate_centihz = (uint16_t)(n->w_frames > 1 && n->w_last_frame > n->w_first_frame ?
		(uint64_t)(n->w_frames - 1) * 100000000u / (n->w_last_frame - n->w_first_frame) : 0);
	n->rssi_dbm = (int8_t)(n->w_rssi_n ? n->w_rssi_sum / (int32_t)n->w_rssi_n : 0);
	n->cpu_percent = s->cpu_percent ? s->cpu_percent(s->ctx) : 0;
	n->w_expected = n->w_rx = n->w_frags = n->w_missing = n->w_frames = 0;
	n->w_rssi_sum = 0;
	n->w_rssi_n = 0;
	if (n->sync == NODE_FOLLOW && n->fresh && (!n->up_pending || n->fw.own_pending))
		queue_status(n, at);
	/* jitter, so that the nodes of a link do not report in step */
	n->next_status = at + NODE_STATUS_US - 100000u + random32(n) % 200000u;
}

void node_poll(struct node *n, uint64_t now_us)
{
	if (n->fw.resetting)
		return;
	if (n->hal->watchdog.kick)
		n->hal->watchdog.kick(n->hal->watchdog.ctx);
	if (n->sync == NODE_FOLLOW && n->up_pending && !n->up_at)
		choose_up_slot(n, now_us);
	/* bounded: every event moves its own time forward */
	for (int guard = 0; guard < 64; guard++) {
		uint64_t at;
		int ev = next_event(n, &at);

		if (ev == EV_NONE || at > now_us)
			break;
		switch (ev) {
		case EV_TUNE_B:
			n->on_b = 1;
			tune(n, nodelink_channel_b(&n->hop, n->counter));
			break;
		case EV_NEXT_SF:
			end_superframe(n, at);
			break;
		case EV_LINE:
			n->next_line = 0;
			start_line(n, at);
			/* without a link the line runs on at the last rate */
			if (n->sync != NODE_FOLLOW)
				n->next_line = at + n->period_us;
			break;
		case EV_UP:
			send_report(n, at);
			break;
		case EV_STATUS:
			window(n, at);
			break;
		case EV_SCAN:
			start_scan(n, at);
			break;
		case EV_UPDATE:
			node_update_poll(n, at);
			break;
		}
		if (n->fw.resetting)
			return;
		if (n->sync == NODE_FOLLOW && n->up_pending && !n->up_at)
			choose_up_slot(n, at);
	}
	node_update_poll(n, now_us);
	if (n->sync == NODE_FOLLOW && n->up_pending && !n->up_at && !n->fw.resetting)
		choose_up_slot(n, now_us);
}

void node_init(struct node *n, const struct node_hal *hal, uint16_t id, uint8_t board,
	       const struct node_settings *provision, uint64_t now_us)
{
	memset(n, 0, sizeof *n);
	n->hal = hal;
	n->id = id;
	n->board = board;
	node_settings_default(&n->set);
	if (!node_store_load(n) || !n->set.has_key) {
		if (provision && provision->has_key) {
			n->set = *provision;
			node_store_save(n);
		}
	}
	n->scene_valid = node_store_load_scene(n);
	n->period_us = NODELINK_PERIOD_US_DEFAULT;
	n->slot_us = NODELINK_SLOT_US_DEFAULT;
	n->up_slots = NODELINK_UP_SLOTS_DEFAULT;
	n->boot_us = now_us;
	node_update_init(n, now_us);
	n->next_status = now_us + NODE_STATUS_US;
	n->scan_channel = (uint8_t)(NODELINK_CHANNEL_FIRST + random32(n) % NODELINK_CHANNELS);
	link_setup(n, now_us);
	n->next_line = now_us + n->period_us;
}
