/*
 * memflash.c - memory as NOR flash (see memflash.h). Any context.
 */
#include "memflash.h"

#include <string.h>

static int mf_erase(void *ctx, uint32_t page)
{
	struct memflash *m = ctx;

	if ((page + 1) * MEMFLASH_PAGE > m->size)
		return -1;
	memset(m->base + page * MEMFLASH_PAGE, 0xff, MEMFLASH_PAGE);
	return 0;
}

static int mf_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	struct memflash *m = ctx;
	const uint8_t *b = buf;

	if (off > m->size || len > m->size - off)
		return -1;
	for (uint32_t i = 0; i < len; i++)
		m->base[off + i] &= b[i];
	return 0;
}

static int mf_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct memflash *m = ctx;

	if (off > m->size || len > m->size - off)
		return -1;
	memcpy(buf, m->base + off, len);
	return 0;
}

void memflash_hal(struct memflash *m, struct hal_flash *out)
{
	*out = (struct hal_flash){ m, MEMFLASH_PAGE, m->size / MEMFLASH_PAGE, mf_erase, mf_write,
				   mf_read };
}
