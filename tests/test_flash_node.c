/*
 * test_flash_node.c - firmware updates over the link, end to end on a
 * virtual clock (tests/tools/flash_world.c): the console's nodelink_fw and
 * nodelink_tx against real node cores with their flash and the real
 * bootloader choice at every start. Eight nodes flashed at once through
 * one transfer under 10 % loss; a node switched off in the middle resumes
 * from its boot log; an image that never passes its self-test rolls back
 * and says so; images signed by another key, altered after signing, older,
 * or for another board are refused with their reasons while the node runs
 * on; a node without a firmware key says so; a lost answer to FW_BOOT
 * does not send the image again; a node that counts superframes ahead of
 * the console (it lost time) finds the link again; a recording of the air
 * played back in bursts changes nothing.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tools/flash_world.h"

#define V1 0x0100
#define V2 0x0102
#define IMG_MAX (FW_SLOT_PAGES * FW_PAGE)

static uint8_t factory[IMG_MAX], update[IMG_MAX];
static size_t factory_len, update_len;

/* A world of `nodes` nodes (ids 11..) running V1 from slot A, on the link. */
static struct fw_world *world(int nodes, bool with_key)
{
	struct fw_world *w = fw_world_new();

	assert_non_null(w);
	factory_len = fw_world_image(w, factory, V1, 3000, false, NULL);
	update_len = fw_world_image(w, update, V2, 9000, false, NULL);
	for (int i = 0; i < nodes; i++)
		assert_non_null(fw_world_add_node(w, (uint16_t)(11 + i), NULL, with_key, factory,
						  factory_len));
	fw_world_run(w, w->now + 1500000, NULL, NULL);
	for (int i = 0; i < nodes; i++) {
		assert_true(w->nodes[i].node.fresh);
		if (with_key) {
			assert_int_equal(w->nodes[i].node.fw.version, V1);
			assert_int_equal(w->nodes[i].node.fw.slot, 0);
			assert_false(w->nodes[i].node.fw.trial);
		}
	}
	return w;
}

static void expect_phase(const struct nodelink_fw_target *t, uint8_t phase)
{
	assert_non_null(t);
	if (t->phase != phase)
		fail_msg("node %u: %s (%u: %s), want %s", t->node, nodelink_fw_phase_name(t->phase),
			 t->reason, t->reason ? nodelink_fw_strerror(t->reason) : "-",
			 nodelink_fw_phase_name(phase));
}

static void flash(struct fw_world *w, uint16_t node, const uint8_t *img, size_t len)
{
	assert_int_equal(nodelink_fw_add(&w->fw, node, img, len, 1, w->now * 1000), 0);
}

static void test_eight_at_once(void **state)
{
	struct fw_world *w = world(8, true);
	uint64_t start = w->now;

	(void)state;
	w->loss_pct = 10;
	for (int i = 0; i < 8; i++)
		flash(w, (uint16_t)(11 + i), update, update_len);
	assert_true(fw_world_run(w, w->now + 60000000, fw_world_all_finished, NULL));
	for (int i = 0; i < 8; i++) {
		const struct nodelink_fw_target *t = fw_world_target(w, (uint16_t)(11 + i));
		const struct fw_node *n = &w->nodes[i];
		uint8_t back[IMG_MAX];


		expect_phase(t, NODELINK_FWP_DONE);
		assert_int_equal(t->from_version, V1);
		assert_int_equal(t->to_version, V2);
		assert_int_equal(n->node.fw.version, V2);
		assert_int_equal(n->node.fw.slot, 1);
		assert_false(n->node.fw.trial);
		assert_int_equal(n->node.fw.log.confirmed, 1);
		/* slot B holds the image byte for byte */
		sim_flash_read((struct sim_flash *)&n->flash, (5 + FW_SLOT_PAGES) * FW_PAGE, back,
			       (uint32_t)update_len);
		assert_memory_equal(back, update, update_len);
	}
	/* one transfer for all eight: each chunk went out a few times at most
	 * (10 % loss on the way to each node), not eight times */
	printf("8 nodes, %zu-byte image (%u chunks), 10 %% loss: %u chunks sent, %.1f s\n",
	       update_len, w->fw.targets[0].chunks, w->fw.chunks_sent, (w->now - start) / 1e6);
	assert_true(w->fw.chunks_sent < 3u * w->fw.targets[0].chunks);
	fw_world_free(w);
}

static bool half_sent(struct fw_world *w, void *arg)
{
	const struct nodelink_fw_target *t = fw_world_target(w, 11);

	(void)arg;
	return t->phase == NODELINK_FWP_SEND && t->contig > t->chunks / 2;
}

static void test_resume(void **state)
{
	struct fw_world *w = world(1, true);
	struct fw_node *n = &w->nodes[0];
	const struct nodelink_fw_target *t;
	uint32_t written;

	(void)state;
	flash(w, 11, update, update_len);
	assert_true(fw_world_run(w, w->now + 30000000, half_sent, NULL));
	written = n->node.stats.fw_chunks;
	/* off for two seconds (its RAM is gone), then on: it reports, the
	 * console begins again, the node goes on from its boot log */
	fw_node_power_off(n);
	fw_world_run(w, w->now + 2000000, NULL, NULL);
	fw_node_power_on(w, n);
	assert_int_equal(n->node.fw.version, V1);
	assert_true(fw_world_run(w, w->now + 60000000, fw_world_all_finished, NULL));
	t = fw_world_target(w, 11);
	expect_phase(t, NODELINK_FWP_DONE);
	assert_int_equal(t->resumes, 1);
	assert_int_equal(n->node.fw.version, V2);
	/* it went on from the last whole 4 KiB it had noted, not from 0 */
	assert_true(t->resumed_at >= 256);
	assert_true(t->resumed_at <= written);
	printf("resumed at chunk %u of %u (%u written before the power went)\n", t->resumed_at,
	       t->chunks, written);
	fw_world_free(w);
}

static void test_rollback(void **state)
{
	struct fw_world *w = world(1, true);
	struct fw_node *n = &w->nodes[0];
	static uint8_t bad[IMG_MAX];
	size_t len = fw_world_image(w, bad, V2, 2000, true, NULL);
	const struct nodelink_fw_target *t;

	(void)state;
	flash(w, 11, bad, len);
	assert_true(fw_world_run(w, w->now + 60000000, fw_world_all_finished, NULL));
	t = fw_world_target(w, 11);
	expect_phase(t, NODELINK_FWP_ROLLED_BACK);
	assert_int_equal(t->reason, FW_IMG_NOT_CONFIRMED);
	/* it ran the new image on trial, then came back to the old one */
	assert_int_equal(n->boots, 3);
	assert_int_equal(n->node.fw.version, V1);
	assert_int_equal(n->node.fw.slot, 0);
	assert_int_equal(n->node.fw.log.rollback_version, V2);
	/* and the console heard of it */
	{
		const struct nodelink_tx_node *e = nodelink_tx_node(&w->tx, 11);

		assert_non_null(e);
		assert_true(e->fw.flags & NODELINK_FWF_ROLLED_BACK);
		assert_int_equal(e->fw.rollback_version, V2);
		assert_int_equal(e->fw.version, V1);
	}
	fw_world_free(w);
}

/* Flashes node 11; it must be refused for `reason` and run on as it did. */
static void expect_refused(struct fw_world *w, const uint8_t *img, size_t len, uint8_t reason)
{
	int8_t slot = w->nodes[0].node.fw.slot;

	const struct nodelink_fw_target *t;

	flash(w, 11, img, len);
	assert_true(fw_world_run(w, w->now + 30000000, fw_world_all_finished, NULL));
	t = fw_world_target(w, 11);
	if (t->phase != NODELINK_FWP_FAILED || t->reason != reason)
		fail_msg("phase %s reason %u (%s), want failed %u (%s)", nodelink_fw_phase_name(t->phase),
			 t->reason, nodelink_fw_strerror(t->reason), reason, nodelink_fw_strerror(reason));
	/* the node runs on, what it ran */
	assert_int_equal(w->nodes[0].node.fw.version, V1);
	assert_int_equal(w->nodes[0].node.fw.slot, slot);
	assert_int_equal(w->nodes[0].boots, 1);
}

static void test_refused(void **state)
{
	struct fw_world *w = world(1, true);
	static uint8_t img[IMG_MAX];
	uint8_t other_pk[32], other_sk[64];
	size_t len;

	(void)state;
	crypto_sign_keypair(other_pk, other_sk);
	len = fw_world_image(w, img, V2, 2000, false, other_sk);
	expect_refused(w, img, len, FW_IMG_SIGNATURE);
	len = fw_world_image(w, img, V2, 2000, false, NULL);
	img[FW_IMAGE_HEADER_LEN + 1500] ^= 0x40;
	expect_refused(w, img, len, FW_IMG_HASH);
	len = fw_world_image(w, img, 0x00f0, 2000, false, NULL);
	expect_refused(w, img, len, FW_IMG_DOWNGRADE);
	len = fw_world_image(w, img, V2, 2000, false, NULL);
	img[5] = NODELINK_BOARD_BLUEPILL;
	expect_refused(w, img, len, NODELINK_FWE_NO_IMAGE);
	fw_world_free(w);
}

static void test_no_key(void **state)
{
	struct fw_world *w = world(1, false);

	(void)state;
	expect_refused(w, update, update_len, FW_IMG_NO_KEY);
	fw_world_free(w);
}

/* The node restarts into the new image as it answers FW_BOOT, and that
 * answer is lost: the console repeats FW_BOOT, the new life answers it (it
 * knows no transfer), and the console takes that for the restart it is:
 * done on the new version, the image not sent again. */
static void test_boot_answer_lost(void **state)
{
	struct fw_world *w = world(1, true);
	struct fw_node *n = &w->nodes[0];
	const struct nodelink_fw_target *t;

	(void)state;
	w->drop_boot_answers = true;
	flash(w, 11, update, update_len);
	assert_true(fw_world_run(w, w->now + 60000000, fw_world_all_finished, NULL));
	t = fw_world_target(w, 11);
	expect_phase(t, NODELINK_FWP_DONE);
	assert_true(w->boot_answers_dropped >= 1);
	assert_int_equal(n->boots, 2);
	assert_int_equal(t->resumes, 0);
	assert_true(w->fw.chunks_sent < 2u * t->chunks);
	assert_int_equal(n->node.fw.version, V2);
	assert_int_equal(n->node.fw.slot, 1);
	assert_false(n->node.fw.trial);
	fw_world_free(w);
}

/* A node that lost a stretch of time and counts superframes ahead of the
 * console (every beacon looks old to it, and it listens where the
 * console is not) loses the link, scans, and takes data again. */
static void test_count_ahead(void **state)
{
	struct fw_world *w = world(1, true);
	struct fw_node *n = &w->nodes[0];
	uint32_t data, lost = n->node.stats.lost;

	(void)state;
	n->node.counter += 3;
	fw_world_run(w, w->now + 200000, NULL, NULL);
	data = n->node.stats.data;
	fw_world_run(w, w->now + 5000000, NULL, NULL);
	assert_int_equal(n->node.stats.lost, lost + 1);
	assert_true(n->node.fresh);
	assert_int_equal(n->node.sync, NODE_FOLLOW);
	assert_true(n->node.counter + 1 >= w->tx.counter);
	assert_true(n->node.stats.data > data + 1000);
	fw_world_free(w);
}

/* The console's air played back to a node that follows it, each recorded
 * packet straight to its core (on the channel it listens on), one and a
 * half seconds of beacons in a row, again and again: nothing recorded is taken,
 * the node keeps its count and its session, and its line follows the
 * console. */
static void test_replay_burst(void **state)
{
	struct fw_world *w = world(1, true);
	struct fw_node *n = &w->nodes[0];
	int beacons = 0;

	(void)state;
	w->reccap = 4096;
	w->rec = calloc((size_t)w->reccap, sizeof *w->rec);
	assert_non_null(w->rec);
	fw_world_run(w, w->now + 1000000, NULL, NULL);
	w->recn = 0;
	fw_world_run(w, w->now + 1500000, NULL, NULL);
	assert_true(w->recn < w->reccap);
	w->reccap = w->recn;
	fw_world_run(w, w->now + 500000, NULL, NULL);
	for (int round = 0; round < 5; round++) {
		uint32_t counter = n->node.counter, stale = n->node.stats.stale;
		uint32_t data = n->node.stats.data, commands = n->node.stats.commands;

		for (int i = 0; i < w->recn; i++) {
			if (w->rec[i].pkt[0] >> 5 != NODELINK_BEACON)
				continue;
			node_rx(&n->node, w->now, w->rec[i].pkt, w->rec[i].len, -50);
			beacons++;
		}
		for (int i = 0; i < w->recn; i++)
			if (w->rec[i].pkt[0] >> 5 != NODELINK_BEACON)
				node_rx(&n->node, w->now, w->rec[i].pkt, w->rec[i].len, -50);
		assert_true(n->node.fresh);
		assert_int_equal(n->node.counter, counter);
		assert_int_equal(n->node.stats.data, data);
		assert_int_equal(n->node.stats.commands, commands);
		assert_true(n->node.stats.stale - stale >= (uint32_t)w->recn / 2);
		fw_world_run(w, w->now + 300000, NULL, NULL);
		assert_true(n->node.fresh);
		assert_true(n->node.stats.data > data);
	}
	assert_true(beacons >= 5 * 3 / 2 * NODE_LOST_SUPERFRAMES);
	free(w->rec);
	fw_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eight_at_once),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_no_key),
		cmocka_unit_test(test_boot_answer_lost),
		cmocka_unit_test(test_count_ahead),
		cmocka_unit_test(test_replay_burst),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
