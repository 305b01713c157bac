/*
 * test_flash_image.c - signed firmware images and the boot-state log
 * (firmware/core/fwimage.c, fwboot.c) on the host: a good image is
 * accepted; a truncated one, one re-signed with another key, one with a
 * byte changed anywhere, a downgrade, another board's or slot's, one that
 * needs a newer bootloader or does not fit are refused, each with its own
 * reason; bundles are walked. The log: records folded in order, a torn
 * record ignored and written past, a full page started again; the
 * bootloader's choice in every state (a factory image, a trial that
 * verifies, fails to verify, or reset before it confirmed, a damaged
 * confirmed image, nothing valid, a full log).
 *
 * Images are made here with libsodium (as `ghostlight node sign` makes
 * them), so the node's verifier is checked against another signer.
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

#include "firmware/core/fwboot.h"
#include "firmware/core/fwimage.h"

#define BOARD 2                  /* NODELINK_BOARD_QEMU_MPS2 */
#define PAGE 1024
#define SLOT_PAGES 8

static uint8_t rig_pk[32], rig_sk[64], other_pk[32], other_sk[64];

/* An image as `node sign` writes it. Returns its length. */
static size_t make_image(uint8_t *out, uint8_t board, uint16_t version, uint8_t slot,
			 uint8_t min_boot, size_t body_len, const uint8_t *sk)
{
	struct fw_image_header h = { .board = board, .version = version, .slot = slot,
				     .min_boot = min_boot, .body_len = (uint32_t)body_len };

	snprintf(h.name, sizeof h.name, "test %u.%u", version >> 8, version & 0xff);
	fw_image_header_put(out, &h);
	for (size_t i = 0; i < body_len; i++)
		out[FW_IMAGE_HEADER_LEN + i] = (uint8_t)(i * 31 + version);
	crypto_hash_sha512(out + FW_IMAGE_HEADER_LEN + body_len, out, FW_IMAGE_HEADER_LEN + body_len);
	crypto_sign_detached(out + FW_IMAGE_HEADER_LEN + body_len + 64, NULL,
			     out + FW_IMAGE_HEADER_LEN + body_len, 64, sk);
	return FW_IMAGE_HEADER_LEN + body_len + FW_IMAGE_TRAILER_LEN;
}

static const struct fw_image_want want_b = {
	.board = BOARD, .slot = FW_SLOT_B, .min_version = 0x0100, .boot_version = 1,
	.capacity = SLOT_PAGES * PAGE,
};

static void test_image_good(void **state)
{
	uint8_t img[4096];
	size_t len = make_image(img, BOARD, 0x0102, FW_SLOT_B, 1, 3000, rig_sk);
	struct fw_image_header h;

	(void)state;
	assert_int_equal(fw_image_check_buffer(img, len, &want_b, rig_pk, &h), FW_IMG_OK);
	assert_int_equal(h.version, 0x0102);
	assert_int_equal(h.board, BOARD);
	assert_int_equal(h.body_len, 3000);
	assert_string_equal(h.name, "test 1.2");
	/* the same version as the running one is no downgrade */
	len = make_image(img, BOARD, 0x0100, FW_SLOT_ANY, 0, 100, rig_sk);
	assert_int_equal(fw_image_check_buffer(img, len, &want_b, rig_pk, &h), FW_IMG_OK);
	/* an image longer than it says (a slot's erased tail) is fine */
	assert_int_equal(fw_image_check_buffer(img, sizeof img, &want_b, rig_pk, &h), FW_IMG_OK);
}

static void expect(const uint8_t *img, size_t len, const struct fw_image_want *want,
		   const uint8_t *key, int reason, const char *words)
{
	struct fw_image_header h;
	int rc = fw_image_check_buffer(img, len, want, key, &h);

	if (rc != reason)
		fail_msg("refused with %d (%s), want %d (%s)", rc, fw_image_strerror(rc), reason,
			 fw_image_strerror(reason));
	assert_non_null(strstr(fw_image_strerror(rc), words));
}

static void test_image_refused(void **state)
{
	uint8_t img[4096], copy[4096];
	size_t len = make_image(img, BOARD, 0x0102, FW_SLOT_B, 1, 3000, rig_sk);
	struct fw_image_want w;

	(void)state;
	/* truncated: anywhere, the header included */
	expect(img, 100, &want_b, rig_pk, FW_IMG_TRUNCATED, "truncated");
	expect(img, FW_IMAGE_HEADER_LEN + 1000, &want_b, rig_pk, FW_IMG_TRUNCATED, "truncated");
	expect(img, len - 1, &want_b, rig_pk, FW_IMG_TRUNCATED, "truncated");
	/* signed by someone else (the hash is right: only the key is not) */
	make_image(copy, BOARD, 0x0102, FW_SLOT_B, 1, 3000, other_sk);
	expect(copy, len, &want_b, rig_pk, FW_IMG_SIGNATURE, "signature does not verify");
	/* a byte changed: in the header, the body, the hash, the signature */
	for (size_t at = 10; at < len; at += 397) {
		memcpy(copy, img, len);
		copy[at] ^= 0x20;
		if (at >= FW_IMAGE_HEADER_LEN + 3000 + 64)
			expect(copy, len, &want_b, rig_pk, FW_IMG_SIGNATURE, "signature");
		else if (at < 16)
			continue;                    /* magic, format, fields: see below */
		else
			expect(copy, len, &want_b, rig_pk, FW_IMG_HASH, "damaged or altered");
	}
	memcpy(copy, img, len);
	copy[FW_IMAGE_HEADER_LEN + 1234] ^= 1;
	expect(copy, len, &want_b, rig_pk, FW_IMG_HASH, "hash does not match");
	/* the version in the header raised by hand: the hash says no */
	memcpy(copy, img, len);
	copy[7] = 0x09;
	expect(copy, len, &want_b, rig_pk, FW_IMG_HASH, "hash");
	/* not an image, another format */
	memcpy(copy, img, len);
	copy[0] = 'X';
	expect(copy, len, &want_b, rig_pk, FW_IMG_MAGIC, "not a ghostlight firmware image");
	memcpy(copy, img, len);
	copy[4] = 2;
	expect(copy, len, &want_b, rig_pk, FW_IMG_FORMAT, "format");
	/* policy, on images that verify */
	len = make_image(img, BOARD, 0x00ff, FW_SLOT_B, 1, 300, rig_sk);
	expect(img, len, &want_b, rig_pk, FW_IMG_DOWNGRADE, "older than the firmware the node runs");
	len = make_image(img, BOARD + 1, 0x0200, FW_SLOT_B, 1, 300, rig_sk);
	expect(img, len, &want_b, rig_pk, FW_IMG_BOARD, "another board");
	len = make_image(img, BOARD, 0x0200, FW_SLOT_A, 1, 300, rig_sk);
	expect(img, len, &want_b, rig_pk, FW_IMG_SLOT, "other slot");
	len = make_image(img, BOARD, 0x0200, FW_SLOT_B, 2, 300, rig_sk);
	expect(img, len, &want_b, rig_pk, FW_IMG_BOOTLOADER, "newer bootloader");
	w = want_b;
	w.capacity = 600;
	expect(img, len, &w, rig_pk, FW_IMG_TOO_BIG, "does not fit");
	expect(img, len, &want_b, NULL, FW_IMG_NO_KEY, "no firmware key");
	/* every reason has its own text */
	for (int a = 0; a <= FW_IMG_UNKNOWN; a++)
		for (int b = a + 1; b <= FW_IMG_UNKNOWN; b++)
			assert_string_not_equal(fw_image_strerror(a), fw_image_strerror(b));
}

static void test_bundle(void **state)
{
	static uint8_t buf[16384];
	size_t a = make_image(buf, BOARD, 0x0200, FW_SLOT_A, 1, 1000, rig_sk);
	size_t b = make_image(buf + a, BOARD, 0x0200, FW_SLOT_B, 1, 1200, rig_sk);
	struct fw_image_header h;
	size_t at = 0;

	(void)state;
	assert_int_equal(fw_bundle_next(buf, a + b, &at, &h), FW_IMG_OK);
	assert_int_equal(h.slot, FW_SLOT_A);
	assert_int_equal(at, a);
	assert_int_equal(fw_bundle_next(buf, a + b, &at, &h), FW_IMG_OK);
	assert_int_equal(h.slot, FW_SLOT_B);
	assert_int_equal(fw_bundle_next(buf, a + b, &at, &h), -1);
	at = 0;
	assert_int_equal(fw_bundle_next(buf, a + b - 5, &at, &h), FW_IMG_OK);
	assert_int_equal(fw_bundle_next(buf, a + b - 5, &at, &h), FW_IMG_TRUNCATED);
}

/* ---- the log and the bootloader ------------------------------------------------- */

/* Flash in memory: two slots and a log page; `fail_write` makes the Nth
 * write tear (half of it lands) and fail. */
struct mem_flash {
	uint8_t bytes[SLOT_PAGES * PAGE];
	uint32_t pages;
	int writes, tear_at;
};

static struct mem_flash mem_slot[2], mem_log;

static int m_erase(void *ctx, uint32_t page)
{
	struct mem_flash *m = ctx;

	if (page >= m->pages)
		return -1;
	memset(m->bytes + page * PAGE, 0xff, PAGE);
	return 0;
}

static int m_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	struct mem_flash *m = ctx;
	uint32_t n = len;

	if (off + len > m->pages * PAGE)
		return -1;
	if (++m->writes == m->tear_at)
		n = len / 2;
	for (uint32_t i = 0; i < n; i++)
		m->bytes[off + i] &= ((const uint8_t *)buf)[i];
	return n == len ? 0 : -1;
}

static int m_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct mem_flash *m = ctx;

	if (off + len > m->pages * PAGE)
		return -1;
	memcpy(buf, m->bytes + off, len);
	return 0;
}

static struct hal_flash h_slot[2], h_log;

/* Per-test setup of the log and boot tests: erased slots and log page,
 * no write set to tear. */
static int mem_setup(void **state)
{
	(void)state;
	for (int s = 0; s < 2; s++) {
		memset(&mem_slot[s], 0, sizeof mem_slot[s]);
		memset(mem_slot[s].bytes, 0xff, sizeof mem_slot[s].bytes);
		mem_slot[s].pages = SLOT_PAGES;
		h_slot[s] = (struct hal_flash){ &mem_slot[s], PAGE, SLOT_PAGES, m_erase, m_write, m_read };
	}
	memset(&mem_log, 0, sizeof mem_log);
	memset(mem_log.bytes, 0xff, PAGE);
	mem_log.pages = 1;
	h_log = (struct hal_flash){ &mem_log, PAGE, 1, m_erase, m_write, m_read };
	return 0;
}

static void put_image(int slot, uint16_t version, const uint8_t *sk)
{
	uint8_t img[SLOT_PAGES * PAGE];
	size_t len = make_image(img, BOARD, version, (uint8_t)(slot + 1), 1, 2000, sk);

	memset(mem_slot[slot].bytes, 0xff, sizeof mem_slot[slot].bytes);
	memcpy(mem_slot[slot].bytes, img, len);
}

static int boot(struct fw_handover *ho)
{
	struct fw_boot b = { .slot = { &h_slot[0], &h_slot[1] }, .log = &h_log, .key = rig_pk,
			     .board = BOARD };
	int s = fw_boot_select(&b, ho);

	assert_true(fw_handover_valid(ho));
	assert_int_equal(ho->slot, s);
	return s;
}

static void append(uint8_t type, int slot, uint16_t version)
{
	struct fw_log log;
	struct fw_log_rec r = { .type = type, .slot = (uint8_t)slot, .version = version };

	assert_int_equal(fw_log_read(&h_log, &log), 0);
	assert_int_equal(fw_log_append(&h_log, &log, &r), 0);
}

static struct fw_log read_log(void)
{
	struct fw_log log;

	assert_int_equal(fw_log_read(&h_log, &log), 0);
	return log;
}

static void test_log_fold_and_tear(void **state)
{
	struct fw_log log;
	struct fw_log_rec x = { .type = FW_LOG_XFER, .slot = 1, .version = 0x0200, .count = 900,
				.xfer = 0xabcd1234 };
	struct fw_log_rec p = { .type = FW_LOG_PROGRESS, .count = 512, .xfer = 0xabcd1234 };

	(void)state;
	log = read_log();
	assert_int_equal(log.used, 0);
	assert_int_equal(log.capacity, PAGE / FW_LOG_REC_LEN);
	assert_int_equal(log.confirmed, -1);
	append(FW_LOG_CONFIRMED, 0, 0x0100);
	log = read_log();
	assert_int_equal(fw_log_append(&h_log, &log, &x), 0);
	assert_int_equal(fw_log_append(&h_log, &log, &p), 0);
	/* a progress of another transfer counts for nothing */
	p.xfer = 7;
	p.count = 800;
	assert_int_equal(fw_log_append(&h_log, &log, &p), 0);
	log = read_log();
	assert_int_equal(log.confirmed, 0);
	assert_int_equal(log.xfer_slot, 1);
	assert_int_equal(log.xfer_chunks, 900);
	assert_int_equal(log.xfer_done, 512);
	/* a torn record: ignored, its place taken */
	mem_log.tear_at = mem_log.writes + 1;
	p.xfer = 0xabcd1234;
	assert_int_not_equal(fw_log_append(&h_log, &log, &p), 0);
	log = read_log();
	assert_int_equal(log.torn, 1);
	assert_int_equal(log.used, 5);
	assert_int_equal(log.xfer_done, 512);
	assert_int_equal(fw_log_append(&h_log, &log, &p), 0);
	log = read_log();
	assert_int_equal(log.used, 6);
	assert_int_equal(log.xfer_done, 800);
	/* TRIAL ends the transfer; CONFIRMED of the trial ends the trial */
	append(FW_LOG_TRIAL, 1, 0x0200);
	log = read_log();
	assert_int_equal(log.trial, 1);
	assert_int_equal(log.xfer_slot, -1);
	append(FW_LOG_BOOTED, 1, 0x0200);
	append(FW_LOG_CONFIRMED, 1, 0x0200);
	log = read_log();
	assert_int_equal(log.trial, -1);
	assert_int_equal(log.confirmed, 1);
	assert_int_equal(log.confirmed_version, 0x0200);
}

static void test_boot_choices(void **state)
{
	struct fw_handover ho;
	struct fw_log log;

	(void)state;
	/* nothing anywhere */
	assert_int_equal(boot(&ho), -1);
	/* a factory image in A, an empty log: confirmed on the spot */
	put_image(0, 0x0100, rig_sk);
	assert_int_equal(boot(&ho), 0);
	assert_int_equal(ho.version, 0x0100);
	assert_false(ho.trial);
	log = read_log();
	assert_int_equal(log.confirmed, 0);
	/* the next boot writes nothing */
	assert_int_equal(boot(&ho), 0);
	assert_int_equal(read_log().used, 1);

	/* a trial of B: verified, BOOTED, run on trial */
	put_image(1, 0x0101, rig_sk);
	append(FW_LOG_TRIAL, 1, 0x0101);
	assert_int_equal(boot(&ho), 1);
	assert_true(ho.trial);
	assert_int_equal(ho.version, 0x0101);
	assert_true(read_log().trial_booted);
	/* reset before it confirmed: rolled back to A */
	assert_int_equal(boot(&ho), 0);
	assert_false(ho.trial);
	log = read_log();
	assert_int_equal(log.trial, -1);
	assert_int_equal(log.rollback_slot, 1);
	assert_int_equal(log.rollback_version, 0x0101);
	assert_int_equal(log.rollback_reason, FW_IMG_NOT_CONFIRMED);

	/* a trial that does not verify (damaged after TRIAL): rolled back
	 * without being run */
	append(FW_LOG_TRIAL, 1, 0x0101);
	mem_slot[1].bytes[FW_IMAGE_HEADER_LEN + 5] ^= 1;
	assert_int_equal(boot(&ho), 0);
	assert_int_equal(read_log().rollback_reason, FW_IMG_HASH);
	/* a trial signed by someone else, one older than the confirmed */
	put_image(1, 0x0101, other_sk);
	append(FW_LOG_TRIAL, 1, 0x0101);
	assert_int_equal(boot(&ho), 0);
	assert_int_equal(read_log().rollback_reason, FW_IMG_SIGNATURE);
	put_image(1, 0x00ff, rig_sk);
	append(FW_LOG_TRIAL, 1, 0x00ff);
	assert_int_equal(boot(&ho), 0);
	assert_int_equal(read_log().rollback_reason, FW_IMG_DOWNGRADE);

	/* a trial that confirms itself stays */
	put_image(1, 0x0102, rig_sk);
	append(FW_LOG_TRIAL, 1, 0x0102);
	assert_int_equal(boot(&ho), 1);
	append(FW_LOG_CONFIRMED, 1, 0x0102);
	assert_int_equal(boot(&ho), 1);
	assert_false(ho.trial);

	/* the confirmed image damaged: the other one, which verifies, runs
	 * (and is written down as confirmed) */
	mem_slot[1].bytes[FW_IMAGE_HEADER_LEN + 7] ^= 1;
	assert_int_equal(boot(&ho), 0);
	assert_int_equal(read_log().confirmed, 0);
	assert_int_equal(ho.verified, 2);
}

static void test_full_log(void **state)
{
	struct fw_handover ho;
	struct fw_log log;

	(void)state;
	put_image(0, 0x0100, rig_sk);
	put_image(1, 0x0101, rig_sk);
	append(FW_LOG_CONFIRMED, 0, 0x0100);
	while (read_log().used < read_log().capacity - 1)
		append(FW_LOG_PROGRESS, 1, 0);
	/* a trial, and no room for BOOTED: no trial without a way back. The
	 * log starts again around A; B is invalidated first */
	append(FW_LOG_TRIAL, 1, 0x0101);
	log = read_log();
	assert_int_equal(log.used, log.capacity);
	assert_int_equal(boot(&ho), 0);
	log = read_log();
	assert_int_equal(log.confirmed, 0);
	assert_int_equal(log.trial, -1);
	assert_true(log.used <= 2);
	assert_int_equal(log.rollback_reason, FW_IMG_FLASH);
	assert_memory_equal(mem_slot[1].bytes, "\0\0\0\0", 4);
	assert_int_equal(boot(&ho), 0);
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	crypto_sign_keypair(rig_pk, rig_sk);
	crypto_sign_keypair(other_pk, other_sk);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_good),
		cmocka_unit_test(test_image_refused),
		cmocka_unit_test(test_bundle),
		cmocka_unit_test_setup(test_log_fold_and_tear, mem_setup),
		cmocka_unit_test_setup(test_boot_choices, mem_setup),
		cmocka_unit_test_setup(test_full_log, mem_setup),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
