/*
 * fwimage.c - the firmware image format (see fwimage.h). Any thread.
 */
#include "fwimage.h"

#include <string.h>

static const uint8_t MAGIC[4] = { 'G', 'L', 'F', 'W' };

const char *fw_image_strerror(int reason)
{
	switch (reason) {
#define FW_IMAGE_TEXT(name, code, text) case code: return text;
	FW_IMAGE_REASONS(FW_IMAGE_TEXT)
#undef FW_IMAGE_TEXT
	default: return "unknown reason";
	}
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int fw_image_header_get(const uint8_t raw[FW_IMAGE_HEADER_LEN], struct fw_image_header *h)
{
	if (memcmp(raw, MAGIC, 4) != 0)
		return FW_IMG_MAGIC;
	h->format = raw[4];
	if (h->format != FW_IMAGE_FORMAT)
		return FW_IMG_FORMAT;
	h->board = raw[5];
	h->version = (uint16_t)(raw[6] | raw[7] << 8);
	h->min_boot = raw[8];
	h->slot = raw[9];
	h->body_len = get32(raw + 12);
	memcpy(h->name, raw + 32, FW_IMAGE_NAME_LEN);
	h->name[FW_IMAGE_NAME_LEN] = '\0';
	if (h->slot > FW_SLOT_B)
		return FW_IMG_FORMAT;
	if (h->body_len > FW_IMAGE_BODY_MAX)
		return FW_IMG_TOO_BIG;
	return FW_IMG_OK;
}

void fw_image_header_put(uint8_t raw[FW_IMAGE_HEADER_LEN], const struct fw_image_header *h)
{
	size_t n = 0;

	memset(raw, 0, FW_IMAGE_HEADER_LEN);
	memcpy(raw, MAGIC, 4);
	raw[4] = FW_IMAGE_FORMAT;
	raw[5] = h->board;
	raw[6] = (uint8_t)h->version;
	raw[7] = (uint8_t)(h->version >> 8);
	raw[8] = h->min_boot;
	raw[9] = h->slot;
	put32(raw + 12, h->body_len);
	while (n < FW_IMAGE_NAME_LEN && h->name[n])
		n++;
	memcpy(raw + 32, h->name, n);
}

int fw_image_allowed(const struct fw_image_header *h, const struct fw_image_want *want)
{
	if (h->board != want->board)
		return FW_IMG_BOARD;
	if (h->slot != FW_SLOT_ANY && h->slot != want->slot)
		return FW_IMG_SLOT;
	if (fw_image_len(h) > want->capacity)
		return FW_IMG_TOO_BIG;
	if (h->version < want->min_version)
		return FW_IMG_DOWNGRADE;
	if (h->min_boot > want->boot_version)
		return FW_IMG_BOOTLOADER;
	return FW_IMG_OK;
}

int fw_image_check(fw_image_read_fn read, void *ctx, const struct fw_image_want *want,
		   const uint8_t key[FW_ED25519_KEY_LEN], struct fw_image_header *h)
{
	uint8_t buf[FW_IMAGE_HEADER_LEN], digest[FW_SHA512_LEN];
	struct fw_sha512 s;
	uint32_t at, end;
	int rc;

	if (!key)
		return FW_IMG_NO_KEY;
	if (want->avail < FW_IMAGE_HEADER_LEN)
		return FW_IMG_TRUNCATED;
	if (read(ctx, 0, buf, FW_IMAGE_HEADER_LEN) != 0)
		return FW_IMG_FLASH;
	if ((rc = fw_image_header_get(buf, h)) != FW_IMG_OK)
		return rc;
	if (fw_image_len(h) > want->capacity)
		return FW_IMG_TOO_BIG;
	if (fw_image_len(h) > want->avail)
		return FW_IMG_TRUNCATED;
	/* integrity: the hash over header and body, read a block at a time */
	fw_sha512_init(&s);
	fw_sha512_update(&s, buf, FW_IMAGE_HEADER_LEN);
	end = FW_IMAGE_HEADER_LEN + h->body_len;
	for (at = FW_IMAGE_HEADER_LEN; at < end;) {
		uint32_t n = end - at < sizeof buf ? end - at : (uint32_t)sizeof buf;

		if (read(ctx, at, buf, n) != 0)
			return FW_IMG_FLASH;
		fw_sha512_update(&s, buf, n);
		at += n;
	}
	fw_sha512_final(&s, digest);
	if (read(ctx, end, buf, FW_IMAGE_TRAILER_LEN) != 0)
		return FW_IMG_FLASH;
	if (memcmp(digest, buf, FW_SHA512_LEN) != 0)
		return FW_IMG_HASH;
	/* authenticity: the signature is over the hash */
	if (fw_ed25519_verify(buf + FW_SHA512_LEN, digest, FW_SHA512_LEN, key) != FW_ED25519_OK)
		return FW_IMG_SIGNATURE;
	return fw_image_allowed(h, want);
}

struct mem {
	const uint8_t *p;
	size_t len;
};

static int mem_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	const struct mem *m = ctx;

	if ((size_t)off + len > m->len)
		return -1;
	memcpy(buf, m->p + off, len);
	return 0;
}

int fw_image_check_buffer(const uint8_t *img, size_t len, const struct fw_image_want *want,
			  const uint8_t key[FW_ED25519_KEY_LEN], struct fw_image_header *h)
{
	struct mem m = { img, len };
	struct fw_image_want w = *want;

	w.avail = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	return fw_image_check(mem_read, &m, &w, key, h);
}

int fw_bundle_next(const uint8_t *buf, size_t len, size_t *offset, struct fw_image_header *h)
{
	size_t at = *offset;
	int rc;

	if (at >= len)
		return -1;
	if (len - at < FW_IMAGE_HEADER_LEN)
		return FW_IMG_TRUNCATED;
	if ((rc = fw_image_header_get(buf + at, h)) != FW_IMG_OK)
		return rc;
	if (len - at < fw_image_len(h))
		return FW_IMG_TRUNCATED;
	*offset = at + fw_image_len(h);
	return FW_IMG_OK;
}
