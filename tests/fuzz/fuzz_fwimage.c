/*
 * fuzz_fwimage.c - libFuzzer target: what a node and the console read of
 * firmware that comes from outside, on arbitrary bytes: an image bundle
 * (`node flash` reads one from a file, the nodes output from its control
 * socket) walked image by image and each checked whole (header, hash,
 * signature, policy); the bytes as an Ed25519 signature and key; the
 * bytes as a page of the boot-state log (flash a power cut left in any
 * state) folded and chosen from; and the FW report bodies, which must
 * rebuild into the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/core/fwboot.h"
#include "firmware/core/fwimage.h"
#include "outputs/dmx/nodelink/nodelink_wire.h"

static const uint8_t *page_bytes;
static size_t page_len;

static int page_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	(void)ctx;
	for (uint32_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = off + i < page_len ? page_bytes[off + i] : 0xff;
	return 0;
}

static int page_erase(void *ctx, uint32_t page)
{
	(void)ctx;
	(void)page;
	return 0;
}

static int page_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	(void)ctx;
	(void)off;
	(void)buf;
	(void)len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = { 0x3d, 0x40, 0x17, 0xc3, 0xe8, 0x43, 0x89, 0x5a,
					 0x92, 0xb7, 0x0a, 0xa7, 0x4d, 0x1b, 0x7e, 0xbc,
					 0x9c, 0x98, 0x2c, 0xcf, 0x2e, 0xc4, 0x96, 0x8c,
					 0xc0, 0xcd, 0x55, 0xf1, 0x2a, 0xf4, 0x66, 0x0c };
	const struct fw_image_want want = { .board = NODELINK_BOARD_SIM, .slot = FW_SLOT_B,
					    .min_version = 0x0100, .boot_version = FW_BOOT_VERSION,
					    .capacity = 1u << 20 };
	struct fw_image_header h;
	size_t at = 0, start = 0;
	int rc, images = 0;

	/* a bundle: every image in it, checked */
	while ((rc = fw_bundle_next(data, size, &at, &h)) == FW_IMG_OK && images++ < 8) {
		struct fw_image_header h2;

		if (fw_image_len(&h) > size - start)
			abort();
		rc = fw_image_check_buffer(data + start, fw_image_len(&h), &want, key, &h2);
		if (rc < 0 || rc > FW_IMG_UNKNOWN)
			abort();
		start = at;
	}
	(void)fw_image_strerror(rc);
	/* a signature and a key */
	if (size >= 96)
		(void)fw_ed25519_verify(data, data + 96, size - 96, data + 64);
	/* a boot-state page, and the choice from it (no slot verifies) */
	{
		struct hal_flash log = { NULL, 1024, 1, page_erase, page_write, page_read };
		struct hal_flash empty = log;
		struct fw_boot b = { .slot = { &empty, &empty }, .log = &log, .key = key,
				     .board = NODELINK_BOARD_SIM };
		struct fw_handover ho;
		struct fw_log l;

		page_bytes = data;
		page_len = size;
		if (fw_log_read(&log, &l) != 0 || l.used > l.capacity)
			abort();
		if (fw_boot_select(&b, &ho) != -1 && size < FW_IMAGE_HEADER_LEN)
			abort();
	}
	/* the FW report bodies */
	if (size >= NODELINK_BODY_LEN) {
		struct nodelink_fw_info info;
		struct nodelink_fw_chunks chunks;
		struct nodelink_fw_begin begin;
		uint8_t again[NODELINK_BODY_LEN];

		nodelink_fw_info_get(data, &info);
		nodelink_fw_info_put(again, &info);
		if (memcmp(again, data, NODELINK_BODY_LEN) != 0)
			abort();
		nodelink_fw_chunks_get(data, &chunks);
		nodelink_fw_chunks_put(again, &chunks);
		if (memcmp(again, data, NODELINK_BODY_LEN) != 0)
			abort();
		nodelink_fw_begin_get(data, &begin);
		nodelink_fw_begin_put(again, &begin);
		if (memcmp(again, data, 12) != 0)
			abort();
	}
	return 0;
}
