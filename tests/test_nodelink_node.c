/*
 * test_nodelink_node.c - the node's core (firmware/core) on a virtual
 * clock, against the console's real end of the link (nodelink_tx) over a
 * simulated radio that only delivers what the node is tuned to: sync and
 * freshness after boot, reassembly under loss and reordering, copy B filling
 * copy A's holes within the frame, replay and forgery rejection (before and
 * after a reboot), failsafe transitions in every mode, the DMX scheduler's
 * BREAK/MAB/period, commands answered and persisted, a new console epoch,
 * and the flash store surviving a torn write.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/core/node.h"
#include "outputs/dmx/nodelink/nodelink_tx.h"
#include "tools/out_test.h"

#define LEAD_US 2000u            /* the transmitter builds a superframe this early */
#define MAX_FRAMES 4000
#define QCAP 2048
#define PAGE 1024

static const uint8_t rig_key[NODELINK_KEY_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

struct air_pkt {
	uint64_t at;                 /* end of its slot: when a receiver has it */
	uint8_t channel;
	uint32_t address;
	uint8_t len;
	uint8_t pkt[NODELINK_PAYLOAD_MAX];
	uint32_t counter;            /* superframe (for recordings) */
	uint8_t slot;
	bool any_channel;            /* an attacker who follows the node's tuning */
};

struct frame {
	uint64_t at;
	uint16_t brk, mab, len;
	uint8_t bytes[1 + NODELINK_SLOTS];
	struct hal_dmx_info info;
};

struct link {
	bool on;
	struct nodelink_tx tx;
	uint64_t t0_next;            /* start of its next superframe */
	uint8_t universe[NODELINK_SLOTS];
	bool changing;               /* the universe changes every superframe */
	bool no_data;                /* superframes without data (no look yet) */
};

struct sim {
	uint64_t now;
	struct link links[2];
	struct air_pkt q[QCAP];
	int qn;
	unsigned loss_pct, reorder_pct, up_loss_pct;
	uint32_t drop_a_mask;        /* copy A of these fragments never arrives */
	uint64_t rng;
	/* a recording of what went on the air, for replays */
	bool recording;
	struct air_pkt *rec;
	int recn, reccap;
	/* the node */
	struct node node;
	struct node_hal hal;
	uint8_t tuned;
	uint32_t address;
	uint8_t flash[3][PAGE];
	unsigned ups;                /* reports the node sent */
	unsigned hellos;
	struct frame *frames;
	int nframes;
	const uint8_t *open_buf;
	const struct hal_dmx_info *open_info;
	struct frame open;
	bool is_open;
	int stops;
	/* history: the universe sent in superframe c (link 0) */
	uint8_t (*history)[NODELINK_SLOTS];
	uint32_t history_len;
};

static struct sim *S;

static uint32_t rnd(struct sim *s)
{
	return out_test_xorshift(&s->rng);
}

/* ---- the node's hal --------------------------------------------------------- */

static void radio_listen(void *ctx, uint8_t channel, uint32_t address)
{
	struct sim *s = ctx;

	s->tuned = channel;
	s->address = address;
}

static int radio_send(void *ctx, uint8_t channel, uint32_t address, const uint8_t *pkt, uint8_t len)
{
	struct sim *s = ctx;

	s->ups++;
	if ((pkt[0] & 31) == NODELINK_REP_HELLO)
		s->hellos++;
	if (s->up_loss_pct && rnd(s) % 100 < s->up_loss_pct)
		return 0;
	/* every transmitter on that channel and address hears it */
	for (int i = 0; i < 2; i++) {
		struct link *l = &s->links[i];

		if (l->on && l->tx.address == address &&
		    nodelink_channel_b(&l->tx.hop, l->tx.counter - 1) == channel)
			nodelink_tx_heard(&l->tx, s->now * 1000, pkt, len, -50);
	}
	return 0;
}

static void close_frame(struct sim *s)
{
	if (!s->is_open)
		return;
	memcpy(s->open.bytes, s->open_buf, s->open.len);
	s->open.info = *s->open_info;
	if (s->nframes < MAX_FRAMES)
		s->frames[s->nframes++] = s->open;
	s->is_open = false;
}

static void dmx_start(void *ctx, uint64_t at, uint16_t brk, uint16_t mab, const uint8_t *buf,
		      uint16_t len, const struct hal_dmx_info *info)
{
	struct sim *s = ctx;

	close_frame(s);
	s->open.at = at;
	s->open.brk = brk;
	s->open.mab = mab;
	s->open.len = len;
	s->open_buf = buf;
	s->open_info = info;
	s->is_open = true;
}

static void dmx_stop(void *ctx)
{
	struct sim *s = ctx;

	close_frame(s);
	s->stops++;
}

static int flash_erase(void *ctx, uint32_t page)
{
	struct sim *s = ctx;

	if (page >= 3)
		return -1;
	memset(s->flash[page], 0xff, PAGE);
	return 0;
}

static int flash_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	struct sim *s = ctx;
	uint8_t *f = &s->flash[0][0];
	const uint8_t *b = buf;

	if (off + len > sizeof s->flash)
		return -1;
	for (uint32_t i = 0; i < len; i++)
		f[off + i] &= b[i];      /* flash only clears bits */
	return 0;
}

static int flash_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct sim *s = ctx;

	if (off + len > sizeof s->flash)
		return -1;
	memcpy(buf, &s->flash[0][0] + off, len);
	return 0;
}

static uint32_t rng_next(void *ctx)
{
	return rnd(ctx);
}

/* ---- the simulation ----------------------------------------------------------- */

static void content(uint32_t counter, uint8_t *u)
{
	for (int i = 0; i < NODELINK_SLOTS; i++)
		u[i] = (uint8_t)(counter * 7u + (unsigned)i * 13u + 1u);
}

static void boot_node(struct sim *s)
{
	struct node_settings prov;

	node_settings_default(&prov);
	memcpy(prov.key, rig_key, sizeof rig_key);
	prov.has_key = 1;
	node_init(&s->node, &s->hal, 7, NODELINK_BOARD_SIM, &prov, s->now);
}

static struct sim *sim_new(void)
{
	struct sim *s = calloc(1, sizeof *s);

	assert_non_null(s);
	s->frames = calloc(MAX_FRAMES, sizeof *s->frames);
	s->history_len = 8192;
	s->history = calloc(s->history_len, sizeof *s->history);
	assert_non_null(s->frames);
	assert_non_null(s->history);
	s->rng = 0x1234567887654321ull;
	s->now = 1000000;            /* clocks do not start at 0 */
	memset(s->flash, 0xff, sizeof s->flash);
	s->hal = (struct node_hal){
		.radio = { s, radio_listen, radio_send },
		.dmx = { s, dmx_start, dmx_stop },
		.flash = { s, PAGE, 3, flash_erase, flash_write, flash_read },
		.rng = { s, rng_next },
	};
	nodelink_tx_init(&s->links[0].tx, rig_key, 1, 1000, 0, 0xbeef);
	s->links[0].on = true;
	s->links[0].t0_next = s->now + 3000;
	s->links[0].changing = true;
	boot_node(s);
	S = s;
	return s;
}

static void sim_free(struct sim *s)
{
	if (!s)
		return;
	if (S == s)
		S = NULL;
	free(s->frames);
	free(s->history);
	free(s->rec);
	free(s);
}

static void enqueue(struct sim *s, const struct air_pkt *p)
{
	int i;

	if (s->qn >= QCAP)
		fail_msg("air queue full");
	/* kept sorted by time */
	for (i = s->qn; i > 0 && s->q[i - 1].at > p->at; i--)
		s->q[i] = s->q[i - 1];
	s->q[i] = *p;
	s->qn++;
}

static void superframe(struct sim *s, int li)
{
	struct link *l = &s->links[li];
	struct nodelink_tx_packet out[NODELINK_TX_PACKETS];
	uint32_t counter = l->tx.counter;
	int n;

	if (l->changing && !l->no_data)
		content(counter, l->universe);
	if (li == 0 && counter < s->history_len)
		memcpy(s->history[counter], l->universe, NODELINK_SLOTS);
	n = nodelink_tx_superframe(&l->tx, l->no_data ? NULL : l->universe, out);
	assert_true(n > 0);
	if (l->no_data)
		assert_int_equal(out[0].slot, NODELINK_SLOT_BEACON);
	for (int i = 1; l->no_data && i < n; i++)
		assert_int_equal(out[i].slot, NODELINK_SLOT_DOWN);
	for (int i = 0; i < n; i++) {
		struct air_pkt p = {
			.at = l->t0_next + nodelink_slot_end_us(l->tx.slot_us, out[i].slot),
			.channel = out[i].channel, .address = l->tx.address, .len = out[i].len,
			.counter = counter, .slot = out[i].slot,
		};

		memcpy(p.pkt, out[i].pkt, out[i].len);
		if (s->recording && s->recn < s->reccap)
			s->rec[s->recn++] = p;
		if (out[i].slot >= NODELINK_SLOT_COPY_A && out[i].slot < NODELINK_SLOT_COPY_B &&
		    (s->drop_a_mask >> (out[i].slot - NODELINK_SLOT_COPY_A) & 1u))
			continue;
		if (s->loss_pct && rnd(s) % 100 < s->loss_pct)
			continue;
		/* reordering: a packet comes after the next one */
		if (s->reorder_pct && rnd(s) % 100 < s->reorder_pct)
			p.at += l->tx.slot_us + 1;
		enqueue(s, &p);
	}
	l->t0_next += l->tx.period_us;
}

static void deliver(struct sim *s, const struct air_pkt *p)
{
	node_poll(&s->node, p->at);
	if ((p->channel == s->tuned || p->any_channel) && p->address == s->address)
		node_rx(&s->node, p->at, p->pkt, p->len, -55);
}

/* Runs the world until `until` (µs). */
static void sim_run(struct sim *s, uint64_t until)
{
	int same = 0;

	for (;;) {
		uint64_t t = until;
		uint64_t nn = node_next_us(&s->node);

		for (int i = 0; i < 2; i++)
			if (s->links[i].on && s->links[i].t0_next - LEAD_US < t)
				t = s->links[i].t0_next - LEAD_US;
		if (s->qn && s->q[0].at < t)
			t = s->q[0].at;
		if (nn < t)
			t = nn > s->now ? nn : s->now;
		if (t == s->now && ++same > 1000)
			fail_msg("the node's next event does not move on (%llu)", (unsigned long long)t);
		if (t != s->now)
			same = 0;
		s->now = t;
		for (int i = 0; i < 2; i++)
			if (s->links[i].on && s->links[i].t0_next - LEAD_US <= t)
				superframe(s, i);
		while (s->qn && s->q[0].at <= t) {
			struct air_pkt p = s->q[0];

			memmove(s->q, s->q + 1, (size_t)(--s->qn) * sizeof *s->q);
			deliver(s, &p);
		}
		node_poll(&s->node, t);
		if (t >= until)
			break;
	}
}

static void link_off(struct sim *s, int li)
{
	s->links[li].on = false;
	/* what was already on the air still arrives */
}

/* The first frame at or after time t. */
static int frame_at(const struct sim *s, uint64_t t)
{
	for (int i = 0; i < s->nframes; i++)
		if (s->frames[i].at >= t)
			return i;
	return s->nframes;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_sync_and_follow(void **state)
{
	struct sim *s = sim_new();
	int live_from = -1, checked = 0;

	(void)state;
	sim_run(s, s->now + 3000000);
	assert_true(s->node.fresh);
	assert_int_equal(s->node.stats.syncs, 1);
	/* a console epoch the node has never seen is fresh by construction */
	assert_int_equal(s->node.set.epoch_floor, 1000);
	assert_int_equal(s->hellos, 0);
	assert_int_equal(s->node.stats.bad_mac, 0);
	assert_int_equal(s->node.stats.stale, 0);
	for (int i = 0; i < s->nframes; i++) {
		const struct frame *f = &s->frames[i];

		if (f->info.state != NODELINK_ST_LIVE)
			continue;
		if (live_from < 0)
			live_from = i;
		/* every frame: the whole universe of its own superframe */
		assert_int_equal(f->len, 513);
		assert_int_equal(f->bytes[0], 0);
		assert_int_equal(f->info.frags, NODELINK_FRAGS);
		assert_int_equal(f->info.fresh, NODELINK_FRAGS);
		assert_memory_equal(f->bytes + 1, s->history[f->info.counter], NODELINK_SLOTS);
		assert_int_equal(f->brk, 176);
		assert_int_equal(f->mab, 16);
		if (i > live_from) {
			/* one frame per superframe, BREAK at copy A's end + 300 µs */
			assert_int_equal(f->at - s->frames[i - 1].at, 25000);
			assert_int_equal(f->info.counter, s->frames[i - 1].info.counter + 1);
		}
		checked++;
	}
	/* synced within the first 0.3 s of 3 s */
	assert_true(live_from >= 0);
	assert_true(checked >= 105);
	/* the tx's superframe n started at 1003000 + 25000 n */
	{
		const struct frame *f = &s->frames[live_from];

		assert_int_equal(f->at, 1003000 + 25000ull * f->info.counter + 23 * 290 + 300);
	}
	/* the console heard the node's status: live, all packets, ~40 Hz */
	{
		const struct nodelink_tx_node *e = nodelink_tx_node(&s->links[0].tx, 7);

		assert_non_null(e);
		assert_true(e->has_status);
		assert_int_equal(e->status.state, NODELINK_ST_LIVE);
		assert_int_equal(e->status.rx_percent, 100);
		assert_int_equal(e->status.loss_permille, 0);
		assert_int_equal(e->status.fw_version, NODE_FW_VERSION);
		assert_true(e->status.dmx_rate_centihz >= 3990 && e->status.dmx_rate_centihz <= 4010);
	}
	sim_free(s);
}

/* Superframes without data, as the console sends before its engine's first
 * frame: the beacon alone, and a node that shows a look goes on showing it
 * (not zeros) until data comes again. */
static void test_superframe_without_data(void **state)
{
	struct sim *s = sim_new();
	uint8_t held[NODELINK_SLOTS];
	uint32_t first_empty;
	int checked = 0;

	(void)state;
	sim_run(s, s->now + 1000000);
	assert_true(s->node.fresh);
	s->links[0].no_data = true;
	first_empty = s->links[0].tx.counter;
	memcpy(held, s->links[0].universe, sizeof held);      /* the last look sent */
	sim_run(s, s->now + 400000);
	for (int i = 0; i < s->nframes; i++) {
		if (s->frames[i].info.counter < first_empty)
			continue;
		assert_memory_equal(s->frames[i].bytes + 1, held, NODELINK_SLOTS);
		assert_int_equal(s->frames[i].info.fresh, 0);
		checked++;
	}
	assert_true(checked >= 10);
	s->links[0].no_data = false;
	sim_run(s, s->now + 200000);
	{
		const struct frame *f = &s->frames[s->nframes - 1];

		assert_int_equal(f->info.fresh, NODELINK_FRAGS);
		assert_memory_equal(f->bytes + 1, s->history[f->info.counter], NODELINK_SLOTS);
	}
	sim_free(s);
}

/* Fragment f of frame `fr` holds the universe of a superframe no newer than
 * the frame's own (reassembly never invents or mixes within a fragment). */
static bool frag_from_past(const struct sim *s, const struct frame *fr, int f, uint32_t *which)
{
	int n = f == NODELINK_FRAGS - 1 ? 8 : NODELINK_FRAG_SLOTS;

	for (uint32_t c = fr->info.counter + 1; c-- > 0;) {
		if (memcmp(fr->bytes + 1 + f * 24, s->history[c] + f * 24, (size_t)n) == 0) {
			*which = c;
			return true;
		}
		if (fr->info.counter - c > 200)
			break;
	}
	return false;
}

static void run_loss(unsigned loss, unsigned reorder, double min_whole, double *whole_out)
{
	struct sim *s = sim_new();
	int frames = 0, whole = 0;
	uint64_t from;

	s->loss_pct = loss;
	s->reorder_pct = reorder;
	/* found and live within 4 s even when the scan channel loses beacons */
	sim_run(s, s->now + 4000000);
	assert_true(s->node.fresh);
	from = s->now;
	sim_run(s, s->now + 10000000);
	for (int i = frame_at(s, from); i < s->nframes; i++) {
		const struct frame *f = &s->frames[i];
		unsigned fresh = 0;

		frames++;
		if (i > frame_at(s, from)) {
			/* steady; a reordered (late) beacon nudges the phase by
			 * an eighth of its lateness */
			int64_t gap = (int64_t)(f->at - s->frames[i - 1].at);

			if (reorder)
				assert_true(gap >= 25000 - 40 && gap <= 25000 + 40);
			else
				assert_int_equal(gap, 25000);
		}
		for (int k = 0; k < NODELINK_FRAGS; k++) {
			uint32_t c;

			if (!frag_from_past(s, f, k, &c))
				fail_msg("frame %d (counter %u, at %llu, state %u): fragment %d from nowhere",
					 i, f->info.counter, (unsigned long long)f->at, f->info.state, k);
			fresh += c == f->info.counter;
		}
		assert_int_equal(fresh, f->info.fresh);
		whole += fresh == NODELINK_FRAGS;
	}
	/* 10 s at 40 Hz: the line never misses a beat */
	if (frames < 399 || frames > 401)
		fail_msg("%d frames in 10 s", frames);
	*whole_out = (double)whole / frames;
	print_message("loss %u%% reorder %u%%: %d frames, %.1f%% with every fragment fresh, "
		      "%u copy-B fragments in time\n", loss, reorder, frames, 100.0 * *whole_out,
		      s->node.stats.copy_b_in_time);
	assert_true(*whole_out >= min_whole);

	/* static content converges: every slot right within a second */
	s->links[0].changing = false;
	sim_run(s, s->now + 1000000);
	from = s->now;
	sim_run(s, s->now + 200000);
	for (int i = frame_at(s, from); i < s->nframes; i++)
		assert_memory_equal(s->frames[i].bytes + 1, s->links[0].universe, NODELINK_SLOTS);
	sim_free(s);
}

static void test_reassembly_under_loss(void **state)
{
	double whole;

	(void)state;
	run_loss(0, 30, 1.0, &whole);     /* reordering alone loses nothing */
	/* both copies lost: p^2 per fragment; whole frames (1 - p^2)^22 */
	run_loss(10, 10, 0.70, &whole);   /* expected 0.80 */
	run_loss(30, 0, 0.08, &whole);    /* expected 0.13 */
}

static void test_copy_b_in_time(void **state)
{
	struct sim *s = sim_new();
	uint64_t from;
	int i;

	(void)state;
	s->drop_a_mask = 1u << 0 | 1u << 5 | 1u << 21;
	sim_run(s, s->now + 1000000);
	from = s->now;
	sim_run(s, s->now + 1000000);
	for (i = frame_at(s, from); i < s->nframes; i++) {
		assert_int_equal(s->frames[i].info.fresh, NODELINK_FRAGS);
		assert_memory_equal(s->frames[i].bytes + 1, s->history[s->frames[i].info.counter],
				    NODELINK_SLOTS);
	}
	assert_true(s->node.stats.copy_b_in_time >= 3 * 39);

	/* A line that starts at slot 481 needs fragment 20 first; the node
	 * starts it late enough that copy B still makes it. */
	{
		struct nodelink_config c = { .start = 481, .count = 32 };

		assert_int_equal(node_configure(&s->node, &c, NODELINK_CF_START | NODELINK_CF_COUNT,
						s->now), 0);
	}
	s->drop_a_mask = 1u << 20 | 1u << 21;
	from = s->now + 100000;
	sim_run(s, s->now + 1000000);
	for (i = frame_at(s, from); i < s->nframes; i++) {
		const struct frame *f = &s->frames[i];
		uint32_t c = f->info.counter;

		assert_int_equal(f->len, 33);
		assert_int_equal(f->info.frags, 2);
		assert_int_equal(f->info.fresh, 2);
		assert_memory_equal(f->bytes + 1, s->history[c] + 480, 32);
		/* BREAK 236 µs before copy B of fragment 20 is due, + 21 µs */
		assert_int_equal((f->at - 1003000) % 25000, 44 * 290 + 21 - 236);
	}
	sim_free(s);
}

static void test_replay_rejected(void **state)
{
	struct sim *s = sim_new();
	uint32_t stale0;
	uint64_t from;

	(void)state;
	s->reccap = 2000;
	s->rec = calloc((size_t)s->reccap, sizeof *s->rec);
	sim_run(s, s->now + 500000);
	s->recording = true;
	sim_run(s, s->now + 500000);         /* 20 superframes recorded */
	s->recording = false;
	sim_run(s, s->now + 1000000);
	assert_true(s->recn >= 880);

	/* replayed an epoch later, each packet on its own channel at its own
	 * slot time in a current superframe */
	stale0 = s->node.stats.stale;
	from = s->now;
	{
		uint64_t base = s->links[0].t0_next;
		uint32_t c0 = s->rec[0].counter;

		for (int i = 0; i < s->recn; i++) {
			struct air_pkt p = s->rec[i];

			p.at = base + (p.counter - c0) * 25000ull +
			       nodelink_slot_end_us(290, p.slot) + 37;
			p.any_channel = true;
			enqueue(s, &p);
		}
	}
	sim_run(s, s->now + 1000000);
	assert_true(s->node.stats.stale - stale0 >= 500);
	for (int i = frame_at(s, from); i < s->nframes; i++)
		assert_memory_equal(s->frames[i].bytes + 1, s->history[s->frames[i].info.counter],
				    NODELINK_SLOTS);

	/* The node reboots (same flash) while the console is silent and the
	 * recording plays on the air: the node hears the link but asks for a
	 * fresh beacon first, so no recorded look ever reaches its line. */
	link_off(s, 0);
	sim_run(s, s->now + 100000);
	s->qn = 0;
	s->nframes = 0;
	s->is_open = false;          /* the old node's frame ends with its power */
	boot_node(s);
	{
		uint64_t base = s->now + 5000;
		uint32_t c0 = s->rec[0].counter;

		for (int i = 0; i < s->recn && s->qn < QCAP - 1; i++) {
			struct air_pkt p = s->rec[i];

			p.at = base + (p.counter - c0) * 25000ull + nodelink_slot_end_us(290, p.slot);
			p.any_channel = true;
			enqueue(s, &p);
		}
	}
	sim_run(s, s->now + 600000);
	assert_false(s->node.fresh);
	assert_int_equal(s->node.stats.data, 0);
	assert_int_equal(s->nframes, 0);      /* hold mode, no data yet: line off */
	assert_true(s->hellos >= 2);
	/* the console comes back: the node finds it, an echo, then live */
	s->links[0].on = true;
	s->links[0].t0_next = s->now + 3000;
	sim_run(s, s->now + 3000000);
	assert_true(s->node.fresh);
	assert_true(s->nframes > 5);
	assert_memory_equal(s->frames[s->nframes - 1].bytes + 1,
			    s->history[s->frames[s->nframes - 1].info.counter], NODELINK_SLOTS);
	sim_free(s);
}

static void test_forgery_rejected(void **state)
{
	struct sim *s = sim_new();
	struct nodelink_tx stranger;
	uint8_t wrong_key[NODELINK_KEY_LEN], evil[NODELINK_SLOTS];
	uint64_t from;

	(void)state;
	sim_run(s, s->now + 1000000);
	/* a stranger who knows the universe, the channels and the address
	 * (a leaked address, say), but not the key */
	memcpy(wrong_key, rig_key, sizeof wrong_key);
	wrong_key[0] ^= 1;
	nodelink_tx_init(&stranger, wrong_key, 1, 5000, s->links[0].tx.counter + 100, 0xbeef);
	memset(evil, 0xee, sizeof evil);
	from = s->now;
	for (int k = 0; k < 40; k++) {
		struct nodelink_tx_packet out[NODELINK_TX_PACKETS];
		uint64_t base = s->links[0].t0_next + k * 25000ull;
		uint32_t c = s->links[0].tx.counter + (uint32_t)k;
		int n = nodelink_tx_superframe(&stranger, evil, out);

		for (int i = 0; i < n; i++) {
			/* on the genuine link's channels, 100 µs after each genuine packet */
			struct air_pkt p = {
				.at = base + nodelink_slot_end_us(290, out[i].slot) + 100,
				.channel = out[i].slot < NODELINK_SLOT_COPY_B ?
					   nodelink_channel_a(&s->links[0].tx.hop, c) :
					   nodelink_channel_b(&s->links[0].tx.hop, c),
				.address = s->links[0].tx.address, .len = out[i].len,
			};

			memcpy(p.pkt, out[i].pkt, out[i].len);
			enqueue(s, &p);
			if (s->qn > QCAP - 100)
				break;
		}
		sim_run(s, base + 25000);
	}
	/* and a genuine packet with one slot changed */
	{
		struct air_pkt p = { 0 };
		uint8_t slots[NODELINK_SLOTS];
		uint32_t c = s->links[0].tx.counter;
		int len;

		memcpy(slots, s->links[0].universe, sizeof slots);
		len = nodelink_data_encode(p.pkt, sizeof p.pkt, 3, c, slots);
		nodelink_seal(&s->links[0].tx.key, 1, 1000, p.pkt, (size_t)len);
		p.pkt[10] ^= 0xff;
		p.len = (uint8_t)len;
		p.at = s->links[0].t0_next + nodelink_slot_end_us(290, 4) + 50;
		p.channel = nodelink_channel_a(&s->links[0].tx.hop, c);
		p.address = s->links[0].tx.address;
		enqueue(s, &p);
		sim_run(s, s->now + 100000);
	}
	assert_true(s->node.stats.bad_mac >= 40 * 20);
	for (int i = frame_at(s, from); i < s->nframes; i++) {
		assert_memory_equal(s->frames[i].bytes + 1, s->history[s->frames[i].info.counter],
				    NODELINK_SLOTS);
		assert_int_equal(s->frames[i].info.fresh, NODELINK_FRAGS);
	}
	sim_free(s);
}

/* Live, then the console goes silent: hold, then after the timeout the
 * failsafe mode; then back. */
static void run_failsafe(uint8_t mode)
{
	struct sim *s = sim_new();
	struct nodelink_config c = { .failsafe = mode, .timeout_10ms = 50 };
	uint8_t last[NODELINK_SLOTS], zeros[NODELINK_SLOTS] = { 0 };
	uint8_t scene[NODELINK_SLOTS];
	uint64_t quiet, t;
	int i, stops0;

	assert_int_equal(node_configure(&s->node, &c, NODELINK_CF_FAILSAFE | NODELINK_CF_TIMEOUT,
					s->now), 0);
	sim_run(s, s->now + 1000000);
	if (mode == NODELINK_FS_SCENE) {
		/* the scene: what the line shows when the command arrives */
		uint8_t body[NODELINK_BODY_LEN] = { 0 };
		int32_t ticket = nodelink_tx_command(&s->links[0].tx, 7, NODELINK_CMD_SCENE, body);
		uint8_t result = 9;

		s->links[0].changing = false;
		content(12345, s->links[0].universe);
		sim_run(s, s->now + 300000);
		memcpy(scene, s->links[0].universe, sizeof scene);
		assert_int_equal(nodelink_tx_command_state(&s->links[0].tx, (uint32_t)ticket, &result),
				 NODELINK_CMD_DONE);
		assert_int_equal(result, 0);
		assert_true(s->node.scene_valid);
		s->links[0].changing = true;
		sim_run(s, s->now + 300000);
	}
	link_off(s, 0);
	sim_run(s, s->now + 30000);           /* the last packets land */
	quiet = s->node.last_data;
	memcpy(last, s->links[0].universe, sizeof last);
	stops0 = s->stops;
	sim_run(s, s->now + 2000000);
	for (i = frame_at(s, quiet); i < s->nframes; i++) {
		const struct frame *f = &s->frames[i];

		t = f->at - quiet;
		if (i > frame_at(s, quiet))
			assert_int_equal(f->at - s->frames[i - 1].at, 25000);   /* free-running */
		if (t < 500000) {
			/* holding the last look */
			assert_int_equal(f->info.state, t < NODE_LIVE_US ? NODELINK_ST_LIVE
									  : NODELINK_ST_HOLD);
			assert_memory_equal(f->bytes + 1, last, NODELINK_SLOTS);
			continue;
		}
		assert_int_equal(f->info.state, NODELINK_ST_FAILSAFE);
		assert_int_not_equal(mode, NODELINK_FS_OFF);
		assert_memory_equal(f->bytes + 1, mode == NODELINK_FS_HOLD ? last :
				    mode == NODELINK_FS_ZERO ? zeros : scene, NODELINK_SLOTS);
	}
	t = s->frames[s->nframes - 1].at - quiet;
	if (mode == NODELINK_FS_OFF) {
		assert_int_equal(s->stops, stops0 + 1);
		assert_true(t < 500000 + 25000);
	} else {
		assert_true(t > 2000000 - 50000);
		assert_int_equal(s->stops, stops0);
	}
	/* the console is back: the node finds it again, live */
	s->links[0].on = true;
	s->links[0].t0_next = s->now + 3000;
	sim_run(s, s->now + 3000000);
	assert_int_equal(s->frames[s->nframes - 1].info.state, NODELINK_ST_LIVE);
	assert_memory_equal(s->frames[s->nframes - 1].bytes + 1,
			    s->history[s->frames[s->nframes - 1].info.counter], NODELINK_SLOTS);
	sim_free(s);
}

static void test_failsafe_modes(void **state)
{
	(void)state;
	run_failsafe(NODELINK_FS_HOLD);
	run_failsafe(NODELINK_FS_ZERO);
	run_failsafe(NODELINK_FS_SCENE);
	run_failsafe(NODELINK_FS_OFF);
}

static void test_scheduler_timing(void **state)
{
	struct sim *s = sim_new();
	struct nodelink_config c = { .break_us = 300, .mab_us = 40, .start = 1, .count = 100 };
	uint64_t from;
	int i, n = 0;

	(void)state;
	assert_int_equal(node_configure(&s->node, &c, NODELINK_CF_BREAK | NODELINK_CF_MAB |
					NODELINK_CF_START | NODELINK_CF_COUNT, s->now), 0);
	sim_run(s, s->now + 1000000);
	from = s->now;
	sim_run(s, s->now + 1000000);
	for (i = frame_at(s, from); i < s->nframes; i++, n++) {
		const struct frame *f = &s->frames[i];

		assert_int_equal(f->brk, 300);
		assert_int_equal(f->mab, 40);
		assert_int_equal(f->len, 101);
		assert_int_equal(f->at - s->frames[i - 1].at, 25000);
		assert_int_equal((f->at - 1003000 - 23 * 290 - 300) % 25000, 0);
	}
	assert_true(n >= 39 && n <= 41);
	assert_int_equal(nodelink_line_us(300, 40, 100), 300 + 40 + 44 * 101);
	sim_free(s);
}

static void test_commands_and_persistence(void **state)
{
	struct sim *s = sim_new();
	struct nodelink_config c = { .start = 10, .count = 24, .failsafe = NODELINK_FS_ZERO,
				     .timeout_10ms = 100 };
	uint8_t body[NODELINK_BODY_LEN], result = 9;
	int32_t ticket;
	const struct nodelink_tx_node *e;

	(void)state;
	sim_run(s, s->now + 1000000);
	nodelink_config_put(body, NODELINK_CF_START | NODELINK_CF_COUNT | NODELINK_CF_FAILSAFE |
			    NODELINK_CF_TIMEOUT, &c);
	ticket = nodelink_tx_command(&s->links[0].tx, 7, NODELINK_CMD_CONFIG, body);
	assert_true(ticket > 0);
	sim_run(s, s->now + 200000);
	assert_int_equal(nodelink_tx_command_state(&s->links[0].tx, (uint32_t)ticket, &result),
			 NODELINK_CMD_DONE);
	assert_int_equal(result, 0);
	e = nodelink_tx_node(&s->links[0].tx, 7);
	assert_true(e->has_config);
	assert_int_equal(e->config.start, 10);
	assert_int_equal(e->config.failsafe, NODELINK_FS_ZERO);
	assert_int_equal(s->node.stats.commands, 1);
	sim_run(s, s->now + 100000);
	{
		const struct frame *f = &s->frames[s->nframes - 1];

		assert_int_equal(f->len, 25);
		assert_memory_equal(f->bytes + 1, s->history[f->info.counter] + 9, 24);
	}
	/* refused whole: start 500 with 100 slots runs past 512 */
	c.start = 500;
	c.count = 100;
	nodelink_config_put(body, NODELINK_CF_START | NODELINK_CF_COUNT, &c);
	ticket = nodelink_tx_command(&s->links[0].tx, 7, NODELINK_CMD_CONFIG, body);
	sim_run(s, s->now + 200000);
	assert_int_equal(nodelink_tx_command_state(&s->links[0].tx, (uint32_t)ticket, &result),
			 NODELINK_CMD_DONE);
	assert_int_equal(result, 1);
	assert_int_equal(s->node.set.link.start, 10);
	/* a command for another node is not ours */
	ticket = nodelink_tx_command(&s->links[0].tx, 8, NODELINK_CMD_STATUS, body);
	sim_run(s, s->now + 200000);
	assert_int_equal(nodelink_tx_command_state(&s->links[0].tx, (uint32_t)ticket, NULL),
			 NODELINK_CMD_PENDING);

	/* kept across a reboot */
	boot_node(s);
	assert_int_equal(s->node.set.link.start, 10);
	assert_int_equal(s->node.set.link.count, 24);
	assert_int_equal(s->node.set.link.failsafe, NODELINK_FS_ZERO);
	assert_int_equal(s->node.set.epoch_floor, 1000);

	/* a new universe: the node answers on this link, then follows the
	 * other one */
	sim_run(s, s->now + 3000000);
	assert_true(s->node.fresh);
	nodelink_tx_init(&s->links[1].tx, rig_key, 2, 1000, 0, 0x1111);
	s->links[1].on = true;
	s->links[1].t0_next = s->now + 11000;
	memset(s->links[1].universe, 0x42, NODELINK_SLOTS);
	c.universe = 2;
	nodelink_config_put(body, NODELINK_CF_UNIVERSE, &c);
	ticket = nodelink_tx_command(&s->links[0].tx, 7, NODELINK_CMD_CONFIG, body);
	sim_run(s, s->now + 3000000);
	assert_int_equal(nodelink_tx_command_state(&s->links[0].tx, (uint32_t)ticket, &result),
			 NODELINK_CMD_DONE);
	assert_int_equal(result, 0);
	assert_int_equal(nodelink_tx_node(&s->links[0].tx, 7)->config.universe, 2);
	assert_int_equal(s->node.set.link.universe, 2);
	assert_true(s->node.fresh);
	assert_non_null(nodelink_tx_node(&s->links[1].tx, 7));
	{
		const struct frame *f = &s->frames[s->nframes - 1];
		uint8_t want[24];

		memset(want, 0x42, sizeof want);
		assert_int_equal(f->info.state, NODELINK_ST_LIVE);
		assert_memory_equal(f->bytes + 1, want, 24);
	}
	sim_free(s);
}

static void test_new_epoch(void **state)
{
	struct sim *s = sim_new();
	unsigned hellos;
	struct nodelink_tx old = { 0 };
	uint64_t from;

	(void)state;
	sim_run(s, s->now + 1000000);
	old = s->links[0].tx;
	/* the console restarts: a later epoch, counters from 0 again */
	hellos = s->hellos;
	nodelink_tx_init(&s->links[0].tx, rig_key, 1, 2000, 0, 0x7777);
	/* a new hop sequence: the node loses the old one and finds this */
	sim_run(s, s->now + 3000000);
	from = s->now - 500000;
	assert_int_equal(s->hellos, hellos);     /* fresh by construction: no HELLO */
	assert_int_equal(s->node.epoch, 2000);
	assert_int_equal(s->node.set.epoch_floor, 2000);
	for (int i = frame_at(s, from); i < s->nframes; i++)
		assert_memory_equal(s->frames[i].bytes + 1, s->history[s->frames[i].info.counter],
				    NODELINK_SLOTS);
	/* the old session's beacons are refused now */
	{
		struct nodelink_tx_packet out[NODELINK_TX_PACKETS];
		uint32_t stale = s->node.stats.stale;
		struct air_pkt p = { 0 };

		nodelink_tx_superframe(&old, s->links[0].universe, out);
		memcpy(p.pkt, out[0].pkt, out[0].len);
		p.len = out[0].len;
		p.at = s->now + 10;
		p.any_channel = true;
		p.address = s->address;
		enqueue(s, &p);
		sim_run(s, s->now + 1000);
		assert_int_equal(s->node.stats.stale, stale + 1);
	}
	sim_free(s);
}

static void test_store_torn_write(void **state)
{
	struct sim *s = sim_new();
	struct nodelink_config c = { .start = 100, .count = 50 };
	uint8_t page;

	(void)state;
	assert_int_equal(node_configure(&s->node, &c, NODELINK_CF_START | NODELINK_CF_COUNT, s->now), 0);
	c.start = 200;
	assert_int_equal(node_configure(&s->node, &c, NODELINK_CF_START, s->now), 0);
	page = s->node.store_page;
	/* the newest record half-written when the power went */
	memset(s->flash[page] + 30, 0xff, 20);
	boot_node(s);
	assert_int_equal(s->node.set.link.start, 100);
	/* both gone: the defaults and the provisioned key */
	memset(s->flash, 0xff, 2 * PAGE);
	boot_node(s);
	assert_int_equal(s->node.set.link.start, 1);
	assert_int_equal(s->node.set.has_key, 1);
	sim_free(s);
}

/* A failed assertion leaves its test's world behind: free it. */
static int teardown(void **state)
{
	(void)state;
	sim_free(S);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sync_and_follow, teardown),
		cmocka_unit_test_teardown(test_superframe_without_data, teardown),
		cmocka_unit_test_teardown(test_reassembly_under_loss, teardown),
		cmocka_unit_test_teardown(test_copy_b_in_time, teardown),
		cmocka_unit_test_teardown(test_replay_rejected, teardown),
		cmocka_unit_test_teardown(test_forgery_rejected, teardown),
		cmocka_unit_test_teardown(test_failsafe_modes, teardown),
		cmocka_unit_test_teardown(test_scheduler_timing, teardown),
		cmocka_unit_test_teardown(test_commands_and_persistence, teardown),
		cmocka_unit_test_teardown(test_new_epoch, teardown),
		cmocka_unit_test_teardown(test_store_torn_write, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
