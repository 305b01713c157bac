/*
 * flash_world.c - a console and wireless nodes on a virtual clock, for the
 * firmware-update tests (see flash_world.h). Test code; one thread.
 */
#include "flash_world.h"
#include "out_test.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEAD_US 2000u                /* the console builds a superframe this early */
#define KEY_OFF (3 * FW_PAGE)
#define LOG_OFF (4 * FW_PAGE)
#define SLOT_OFF(s) ((5 + (s) * FW_SLOT_PAGES) * FW_PAGE)

static uint32_t rnd(struct fw_world *w)
{
	return out_test_xorshift(&w->rng);
}

/* ---- a node's hal --------------------------------------------------------------- */

static struct fw_world *world_of_node;   /* radio_send needs the console */

static void radio_listen(void *ctx, uint8_t channel, uint32_t address)
{
	struct fw_node *n = ctx;

	n->tuned = channel;
	n->address = address;
}

static int radio_send(void *ctx, uint8_t channel, uint32_t address, const uint8_t *pkt, uint8_t len)
{
	struct fw_world *w = world_of_node;
	const struct fw_node *n = ctx;

	if (w->drop_boot_answers && n->node.fw.reset_pending) {
		w->boot_answers_dropped++;
		return 0;
	}
	if (w->loss_pct && rnd(w) % 100 < w->loss_pct)
		return 0;
	if (address == w->tx.address && channel == nodelink_channel_b(&w->tx.hop, w->tx.counter - 1))
		nodelink_tx_heard(&w->tx, w->now * 1000, pkt, len, -50);
	return 0;
}

static void dmx_start(void *ctx, uint64_t at, uint16_t brk, uint16_t mab, const uint8_t *buf,
		      uint16_t len, const struct hal_dmx_info *info)
{
	(void)ctx, (void)at, (void)brk, (void)mab, (void)buf, (void)len, (void)info;
}

static void dmx_stop(void *ctx)
{
	(void)ctx;
}

static uint32_t rng_next(void *ctx)
{
	(void)ctx;
	return rnd(world_of_node);
}

static void fw_reset(void *ctx)
{
	struct fw_node *n = ctx;

	n->reset_requested = true;
}

static bool fw_selftest(void *ctx)
{
	struct fw_node *n = ctx;

	return !n->selftest_never;
}

/* The bootloader, then the node's start: what a reset or power-on does. */
static void boot(struct fw_world *w, struct fw_node *n)
{
	struct hal_flash slot[2], log;
	struct fw_boot b = { .slot = { &slot[0], &slot[1] }, .log = &log,
			     .board = NODELINK_BOARD_SIM };
	struct node_settings prov;
	int s;

	sim_flash_region(&n->r_slot[0], &n->flash, SLOT_OFF(0), FW_PAGE, FW_SLOT_PAGES, false, &slot[0]);
	sim_flash_region(&n->r_slot[1], &n->flash, SLOT_OFF(1), FW_PAGE, FW_SLOT_PAGES, false, &slot[1]);
	sim_flash_region(&n->r_log, &n->flash, LOG_OFF, FW_PAGE, 1, false, &log);
	n->selftest_never = false;
	/* without a key nothing verifies: the node runs its built-in firmware */
	b.key = n->has_key ? n->key : NULL;
	s = fw_boot_select(&b, &n->ho);
	if (s >= 0) {
		char body[64] = "";

		sim_flash_read(&n->flash, SLOT_OFF(s) + FW_IMAGE_HEADER_LEN, body, sizeof body - 1);
		n->selftest_never = strstr(body, "selftest=never") != NULL;
	}
	n->hal = (struct node_hal){
		.radio = { n, radio_listen, radio_send },
		.dmx = { n, dmx_start, dmx_stop },
		.rng = { n, rng_next },
	};
	sim_flash_region(&n->r_set, &n->flash, 0, FW_PAGE, 3, false, &n->hal.flash);
	n->hal.fw.slot[0] = slot[0];
	n->hal.fw.slot[1] = slot[1];
	n->hal.fw.log = log;
	n->hal.fw.key = b.key;
	n->hal.fw.boot = &n->ho;
	n->hal.fw.ctx = n;
	n->hal.fw.reset = fw_reset;
	n->hal.fw.selftest = fw_selftest;
	n->hal.fw.selftest_us = w->selftest_us;
	node_settings_default(&prov);
	memcpy(prov.key, w->rig_key, sizeof w->rig_key);
	prov.has_key = 1;
	n->reset_requested = false;
	n->off = false;
	n->boots++;
	node_init(&n->node, &n->hal, n->id, NODELINK_BOARD_SIM, &prov, w->now);
}

/* ---- the world ------------------------------------------------------------------ */

struct fw_world *fw_world_new(void)
{
	struct fw_world *w = calloc(1, sizeof *w);

	if (!w || sodium_init() < 0)
		goto fail;
	w->qcap = 8192;
	w->q = calloc((size_t)w->qcap, sizeof *w->q);
	if (!w->q)
		goto fail;
	w->now = 1000000;
	w->rng = 0x243f6a8885a308d3ull;
	w->selftest_us = 3000000;
	for (int i = 0; i < NODELINK_KEY_LEN; i++)
		w->rig_key[i] = (uint8_t)(i * 7 + 3);
	crypto_sign_seed_keypair(w->fw_pk, w->fw_sk, w->rig_key);
	nodelink_tx_init(&w->tx, w->rig_key, 1, 5000, 0, 0x5eed);
	nodelink_fw_init(&w->fw);
	w->t0_next = w->now + 5000;
	world_of_node = w;
	return w;
fail:
	if (w)
		free(w->q);
	free(w);
	return NULL;
}

void fw_world_free(struct fw_world *w)
{
	if (!w)
		return;
	for (int i = 0; i < FW_NODES_MAX; i++)
		if (w->nodes[i].present)
			sim_flash_close(&w->nodes[i].flash);
	free(w->q);
	free(w);
	if (world_of_node == w)
		world_of_node = NULL;
}

struct fw_node *fw_world_add_node(struct fw_world *w, uint16_t id, const char *flash_path,
				  bool with_key, const uint8_t *factory, size_t factory_len)
{
	struct fw_node *n = NULL;
	uint8_t block[FW_KEYBLOCK_LEN], magic[2][4];

	for (int i = 0; i < FW_NODES_MAX && !n; i++)
		if (!w->nodes[i].present)
			n = &w->nodes[i];
	if (!n || sim_flash_open(&n->flash, flash_path, FW_FLASH_PAGES * FW_PAGE) != 0)
		return NULL;
	n->present = true;
	n->id = id;
	n->flash.cut_after = w->cut_after;
	/* the bench's provisioning: the key block, a factory image in A */
	sim_flash_read(&n->flash, KEY_OFF, block, sizeof block);
	n->has_key = fw_keyblock_get(block, n->key);
	if (with_key && !n->has_key) {
		fw_keyblock_put(block, w->fw_pk);
		sim_flash_program(&n->flash, KEY_OFF, block, sizeof block);
		memcpy(n->key, w->fw_pk, 32);
		n->has_key = true;
	}
	sim_flash_read(&n->flash, SLOT_OFF(0), magic[0], 4);
	sim_flash_read(&n->flash, SLOT_OFF(1), magic[1], 4);
	if (factory && memcmp(magic[0], "GLFW", 4) != 0 && memcmp(magic[1], "GLFW", 4) != 0)
		sim_flash_program(&n->flash, SLOT_OFF(0), factory, (uint32_t)factory_len);
	boot(w, n);
	return n;
}

void fw_node_power_off(struct fw_node *n)
{
	n->off = true;
}

void fw_node_power_on(struct fw_world *w, struct fw_node *n)
{
	boot(w, n);
}

size_t fw_world_image(const struct fw_world *w, uint8_t *out, uint16_t version, size_t body_len,
		      bool selftest_never, const uint8_t *sk)
{
	struct fw_image_header h = { .board = NODELINK_BOARD_SIM, .version = version,
				     .slot = FW_SLOT_ANY, .min_boot = 1, .body_len = (uint32_t)body_len };
	uint8_t *body = out + FW_IMAGE_HEADER_LEN;

	snprintf(h.name, sizeof h.name, "sim %u.%u", version >> 8, version & 0xff);
	fw_image_header_put(out, &h);
	for (size_t i = 0; i < body_len; i++)
		body[i] = (uint8_t)(i * 13 + version);
	if (selftest_never && body_len >= 16)
		memcpy(body, "selftest=never\n", 15);
	crypto_hash_sha512(body + body_len, out, FW_IMAGE_HEADER_LEN + body_len);
	crypto_sign_detached(body + body_len + 64, NULL, body + body_len, 64, sk ? sk : w->fw_sk);
	return FW_IMAGE_HEADER_LEN + body_len + FW_IMAGE_TRAILER_LEN;
}

static void enqueue(struct fw_world *w, const struct fw_air *p)
{
	int i;

	if (w->qn >= w->qcap)
		abort();
	for (i = w->qn; i > 0 && w->q[i - 1].at > p->at; i--)
		w->q[i] = w->q[i - 1];
	w->q[i] = *p;
	w->qn++;
}

static void superframe(struct fw_world *w)
{
	struct nodelink_tx_packet pk[NODELINK_TX_PACKETS + NODELINK_FW_TAIL_MAX];
	int n;

	for (int i = 0; i < NODELINK_SLOTS; i++)
		w->universe[i] = (uint8_t)(w->tx.counter + (uint32_t)i);
	nodelink_fw_step(&w->fw, &w->tx, w->now * 1000);
	n = nodelink_tx_superframe(&w->tx, w->universe, pk);
	if (n > 0 && nodelink_fw_sending(&w->fw))
		n += nodelink_fw_tail(&w->fw, &w->tx, pk + n, NODELINK_FW_TAIL_MAX);
	for (int i = 0; i < n; i++) {
		struct fw_air a = { .at = w->t0_next + nodelink_slot_end_us(w->tx.slot_us, pk[i].slot),
				    .channel = pk[i].channel, .len = pk[i].len };

		memcpy(a.pkt, pk[i].pkt, pk[i].len);
		if (w->rec && w->recn < w->reccap)
			w->rec[w->recn++] = a;
		enqueue(w, &a);
	}
	w->t0_next += w->tx.period_us;
}

static void deliver(struct fw_world *w, const struct fw_air *p)
{
	for (int i = 0; i < FW_NODES_MAX; i++) {
		struct fw_node *n = &w->nodes[i];

		if (!n->present || n->off)
			continue;
		node_poll(&n->node, p->at);
		if (n->reset_requested)
			continue;
		if (n->tuned == p->channel && n->address == w->tx.address &&
		    !(w->loss_pct && rnd(w) % 100 < w->loss_pct))
			node_rx(&n->node, p->at, p->pkt, p->len, -50);
	}
}

bool fw_world_run(struct fw_world *w, uint64_t until, bool (*stop)(struct fw_world *w, void *arg),
		  void *arg)
{
	for (;;) {
		uint64_t t = until;

		if (w->t0_next - LEAD_US < t)
			t = w->t0_next - LEAD_US;
		if (w->qn && w->q[0].at < t)
			t = w->q[0].at;
		for (int i = 0; i < FW_NODES_MAX; i++) {
			struct fw_node *n = &w->nodes[i];
			uint64_t nn;

			if (!n->present || n->off)
				continue;
			nn = node_next_us(&n->node);
			if (nn < t)
				t = nn > w->now ? nn : w->now;
		}
		w->now = t;
		if (w->t0_next - LEAD_US <= t)
			superframe(w);
		while (w->qn && w->q[0].at <= t) {
			struct fw_air p = w->q[0];

			memmove(w->q, w->q + 1, (size_t)(--w->qn) * sizeof *w->q);
			deliver(w, &p);
		}
		for (int i = 0; i < FW_NODES_MAX; i++) {
			struct fw_node *n = &w->nodes[i];

			if (!n->present || n->off)
				continue;
			node_poll(&n->node, t);
			/* a reset: the bootloader runs at once */
			if (n->reset_requested)
				boot(w, n);
		}
		if (stop && stop(w, arg))
			return true;
		if (t >= until)
			return false;
	}
}

bool fw_world_all_finished(struct fw_world *w, void *arg)
{
	(void)arg;
	for (int i = 0; i < NODELINK_FW_TARGETS; i++) {
		const struct nodelink_fw_target *t = &w->fw.targets[i];

		if (t->node && t->phase != NODELINK_FWP_DONE && t->phase != NODELINK_FWP_FAILED &&
		    t->phase != NODELINK_FWP_ROLLED_BACK)
			return false;
	}
	return true;
}

const struct nodelink_fw_target *fw_world_target(const struct fw_world *w, uint16_t id)
{
	for (int i = 0; i < NODELINK_FW_TARGETS; i++)
		if (w->fw.targets[i].node == id)
			return &w->fw.targets[i];
	return NULL;
}
