/*
 * test_flash_powercut.c - a power cut at every flash erase and write of a
 * node's update, and the node always starts a valid, signed image.
 *
 * The update: a node (flash in a file, the linux port's flash_file.c)
 * running 1.0 from the factory is flashed with 1.1, which confirms itself,
 * then with 1.2, which never passes its self-test and rolls back - over
 * the link, with the console's real code, on a virtual clock
 * (tools/flash_world.c). A dry run counts the erases and writes and notes
 * what each one touches; then for each one, N, a child process runs the
 * update on a fresh flash file and is ended by the power cut at the Nth
 * (half of it done: flash_file.h). After each cut the bootloader's choice
 * runs on what the file holds: it must start a slot whose image verifies
 * with the rig's key and is, byte for byte, one of the three images.
 * After every cut in the boot log, the settings or an erase, and every
 * eighth cut in an image chunk, the update is run again from that flash
 * without cuts (a console that starts over): it must end on 1.1,
 * confirmed, with 1.2 rolled back. Two workers share the cuts (two
 * cores). Prints how many cuts of each kind.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "tools/flash_world.h"
#include "tools/out_test.h"

#define V1 0x0100
#define V2 0x0101
#define V3 0x0102
#define BODY 300                     /* small: each chunk is a write to cut at */
#define MAX_OPS 4096
#define WORKERS 2

static char flash_path[300], count_path[300];
static uint32_t op_log[MAX_OPS];
static long ops;
static uint8_t images[3][BODY + 512];
static size_t image_len[3];

static bool fresh(struct fw_world *w, void *arg)
{
	(void)arg;
	return w->nodes[0].node.fresh;
}

/* The update, from whatever the flash holds; with `cut_after`, the power
 * goes at that erase or write (the process ends there). Returns 0 when it
 * ended on 1.1 confirmed with 1.2 rolled back; writes the number of
 * erases and writes it made to count_path. */
static int update(long cut_after)
{
	struct fw_world *w = fw_world_new();
	const struct nodelink_fw_target *t;
	struct fw_node *n;
	FILE *f;
	int rc = 0;

	if (!w)
		return 10;
	w->selftest_us = 3000000;
	w->cut_after = cut_after;
	/* the same keys as the parent's images: the world's are fixed */
	n = fw_world_add_node(w, 11, flash_path, true, images[0], image_len[0]);
	if (!n)
		return 11;
	n->flash.op_log = op_log;
	n->flash.op_log_cap = MAX_OPS;
	fw_world_run(w, w->now + 2000000, fresh, NULL);
	nodelink_fw_add(&w->fw, 11, images[1], image_len[1], 1, 0);
	fw_world_run(w, w->now + 30000000, fw_world_all_finished, NULL);
	t = fw_world_target(w, 11);
	if (t->phase != NODELINK_FWP_DONE) {
		fprintf(stderr, "1.1: %s (%s)\n", nodelink_fw_phase_name(t->phase),
			nodelink_fw_strerror(t->reason));
		rc = 12;
	}
	nodelink_fw_forget(&w->fw, 1);
	nodelink_fw_add(&w->fw, 11, images[2], image_len[2], 2, 0);
	fw_world_run(w, w->now + 30000000, fw_world_all_finished, NULL);
	t = fw_world_target(w, 11);
	if (!rc && t->phase != NODELINK_FWP_ROLLED_BACK)
		rc = 13;
	if (!rc && (n->node.fw.version != V2 || n->node.fw.trial))
		rc = 14;
	if ((f = fopen(count_path, "w"))) {
		/* what each erase and write touched (the add's own boot came
		 * before the log was set: none of the node's, as it was
		 * provisioned then) */
		for (long i = 0; i < n->flash.ops && i < MAX_OPS; i++)
			fprintf(f, "%" PRIu32 "\n", op_log[i]);
		fclose(f);
	}
	fw_world_free(w);
	return rc;
}

/* Runs the update in a child process; its exit status, or -1. */
static int child(long cut_after)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(update(cut_after));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* What a start after the cut would run: the bootloader's choice on the
 * file, and the chosen slot's bytes against the three images. Returns the
 * index of the image started, or -1 (with why on stderr). */
static int boot_after_cut(long cut)
{
	struct sim_flash f;
	struct sim_flash_region rs[2], rl;
	struct hal_flash slot[2], log;
	struct fw_handover ho;
	uint8_t block[FW_KEYBLOCK_LEN], key[32], bytes[BODY + 512];
	struct fw_boot b = { .slot = { &slot[0], &slot[1] }, .log = &log, .key = key,
			     .board = NODELINK_BOARD_SIM };
	int s, match = -1;

	if (sim_flash_open(&f, flash_path, FW_FLASH_PAGES * FW_PAGE) != 0)
		return -1;
	sim_flash_read(&f, 3 * FW_PAGE, block, sizeof block);
	if (!fw_keyblock_get(block, key)) {
		fprintf(stderr, "cut %ld: the key block is gone\n", cut);
		sim_flash_close(&f);
		return -1;
	}
	sim_flash_region(&rs[0], &f, 5 * FW_PAGE, FW_PAGE, FW_SLOT_PAGES, false, &slot[0]);
	sim_flash_region(&rs[1], &f, (5 + FW_SLOT_PAGES) * FW_PAGE, FW_PAGE, FW_SLOT_PAGES, false,
			 &slot[1]);
	sim_flash_region(&rl, &f, 4 * FW_PAGE, FW_PAGE, 1, false, &log);
	s = fw_boot_select(&b, &ho);
	if (s >= 0) {
		sim_flash_read(&f, (uint32_t)(5 + s * FW_SLOT_PAGES) * FW_PAGE, bytes, sizeof bytes);
		for (int i = 0; i < 3; i++)
			if (memcmp(bytes, images[i], image_len[i]) == 0 && ho.version == V1 + i)
				match = i;
	}
	sim_flash_close(&f);
	if (s < 0)
		fprintf(stderr, "cut %ld: nothing verifies, the node would not start\n", cut);
	else if (match < 0)
		fprintf(stderr, "cut %ld: slot %c verifies but is none of the images\n", cut, 'A' + s);
	return match;
}

/* The cuts k, k + WORKERS, ...: each a fresh flash, the cut, the boot
 * check, and (some) the update again. Exits 0, or 1 with why on stderr;
 * the images started go to `started` (a file per worker). */
static void worker(int k)
{
	unsigned started[3] = { 0 };
	FILE *f;

	snprintf(flash_path, sizeof flash_path, "%s/flash%d.bin", out_test_dir(), k);
	snprintf(count_path, sizeof count_path, "%s/ops%d", out_test_dir(), k);
	for (long cut = 1 + k; cut <= ops; cut += WORKERS) {
		uint32_t what = op_log[cut - 1];
		bool chunk = !(what & 1) && what >= 5 * FW_PAGE;
		int rc, v;

		unlink(flash_path);
		if ((rc = child(cut)) != SIM_FLASH_CUT_EXIT) {
			fprintf(stderr, "cut %ld of %ld: the update ended with %d, not at the cut\n",
				cut, ops, rc);
			_exit(1);
		}
		if ((v = boot_after_cut(cut)) < 0)
			_exit(1);
		started[v]++;
		if (chunk && cut % 8)
			continue;
		if ((rc = child(0)) != 0) {
			fprintf(stderr, "cut %ld of %ld: the update after it ended with %d\n", cut, ops, rc);
			_exit(1);
		}
	}
	snprintf(count_path, sizeof count_path, "%s/started%d", out_test_dir(), k);
	if ((f = fopen(count_path, "w"))) {
		fprintf(f, "%u %u %u\n", started[0], started[1], started[2]);
		fclose(f);
	}
	_exit(0);
}

static void test_cut_everywhere(void **state)
{
	unsigned started[3] = { 0 }, chunks = 0, log = 0, erases = 0;
	pid_t pids[WORKERS];
	uint32_t v;
	FILE *f;

	(void)state;
	/* the dry run: what the update erases and writes */
	unlink(flash_path);
	assert_int_equal(child(0), 0);
	f = fopen(count_path, "r");
	assert_non_null(f);
	while (ops < MAX_OPS && fscanf(f, "%" SCNu32, &v) == 1)
		op_log[ops++] = v;
	fclose(f);
	assert_true(ops > 50);
	for (long i = 0; i < ops; i++) {
		if (op_log[i] & 1)
			erases++;
		else if (op_log[i] >= 5 * FW_PAGE)
			chunks++;
		else
			log++;
	}
	for (int k = 0; k < WORKERS; k++) {
		pids[k] = fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0)
			worker(k);
	}
	for (int k = 0; k < WORKERS; k++) {
		int status;
		char path[320];

		assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("worker %d failed (its reason above)", k);
		snprintf(path, sizeof path, "%s/started%d", out_test_dir(), k);
		f = fopen(path, "r");
		assert_non_null(f);
		for (int i = 0; i < 3; i++) {
			unsigned n;

			assert_int_equal(fscanf(f, "%u", &n), 1);
			started[i] += n;
		}
		fclose(f);
	}
	printf("%ld power cuts, one at each flash erase and write of the update (%u erases, %u "
	       "writes to the boot log and settings, %u to image slots); after each the node "
	       "started a signed image: 1.0 %u times, 1.1 %u times, 1.2 (on trial) %u times\n", ops,
	       erases, log, chunks, started[0], started[1], started[2]);
}

static int setup(void **state)
{
	struct fw_world *w;

	(void)state;
	if (out_test_dir_make("gl-test-powercut", false) != 0)
		return -1;
	snprintf(flash_path, sizeof flash_path, "%s/flash.bin", out_test_dir());
	snprintf(count_path, sizeof count_path, "%s/ops", out_test_dir());
	w = fw_world_new();
	if (!w)
		return -1;
	image_len[0] = fw_world_image(w, images[0], V1, BODY, false, NULL);
	image_len[1] = fw_world_image(w, images[1], V2, BODY, false, NULL);
	image_len[2] = fw_world_image(w, images[2], V3, BODY, true, NULL);
	fw_world_free(w);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_everywhere),
	};
	return cmocka_run_group_tests(tests, setup, out_test_dir_remove);
}
