/*
 * flash_file.c - the simulator's NOR flash in a file, with power cuts on
 * demand (see flash_file.h). One thread.
 */
#include "flash_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sim_flash_open(struct sim_flash *f, const char *path, uint32_t size)
{
	struct stat st;

	memset(f, 0, sizeof f[0]);
	f->fd = -1;
	f->size = size;
	f->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	if (!path) {
		f->mem = malloc(size);
		if (!f->mem)
			return -1;
		memset(f->mem, 0xff, size);
		return 0;
	}
	f->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f->fd < 0 || fstat(f->fd, &st) != 0)
		return -1;
	/* a new file, or one from a simulator with less flash: the rest erased */
	for (off_t at = st.st_size; at < (off_t)size;) {
		uint8_t ff[4096];
		size_t n = (size_t)((off_t)size - at) < sizeof ff ? (size_t)((off_t)size - at) : sizeof ff;

		memset(ff, 0xff, n);
		if (pwrite(f->fd, ff, n, at) != (ssize_t)n)
			return -1;
		at += (off_t)n;
	}
	return 0;
}

void sim_flash_close(struct sim_flash *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->mem);
	f->fd = -1;
	f->mem = NULL;
}

int sim_flash_read(struct sim_flash *f, uint32_t off, void *buf, uint32_t len)
{
	if ((uint64_t)off + len > f->size)
		return -1;
	if (!f->mem)
		return pread(f->fd, buf, len, off) == (ssize_t)len ? 0 : -1;
	memcpy(buf, f->mem + off, len);
	return 0;
}

static int store(struct sim_flash *f, uint32_t off, const uint8_t *buf, uint32_t len, bool sync)
{
	if (!f->mem)
		return pwrite(f->fd, buf, len, off) == (ssize_t)len && (!sync || fdatasync(f->fd) == 0)
		       ? 0 : -1;
	memcpy(f->mem + off, buf, len);
	return 0;
}

int sim_flash_program(struct sim_flash *f, uint32_t off, const void *buf, uint32_t len)
{
	uint8_t *cur;
	int rc;

	if ((uint64_t)off + len > f->size || !(cur = malloc(len ? len : 1)))
		return -1;
	rc = sim_flash_read(f, off, cur, len);
	for (uint32_t i = 0; rc == 0 && i < len; i++)
		cur[i] &= ((const uint8_t *)buf)[i];      /* flash only clears bits */
	if (rc == 0)
		rc = store(f, off, cur, len, false);
	free(cur);
	return rc;
}

int sim_flash_erase_raw(struct sim_flash *f, uint32_t off, uint32_t len)
{
	uint8_t ff[4096];

	memset(ff, 0xff, sizeof ff);
	if ((uint64_t)off + len > f->size)
		return -1;
	while (len) {
		uint32_t n = len < sizeof ff ? len : (uint32_t)sizeof ff;

		if (store(f, off, ff, n, false) != 0)
			return -1;
		off += n;
		len -= n;
	}
	return 0;
}

static uint8_t random_byte(struct sim_flash *f)
{
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return (uint8_t)((f->rng * 2685821657736338717ull) >> 56);
}

/* Counts an operation; true when this is the one the power fails in. */
static bool cut_now(struct sim_flash *f, uint32_t base, bool erase)
{
	if (f->op_log && f->ops < f->op_log_cap)
		f->op_log[f->ops] = base + erase;
	f->ops++;
	return f->cut_after > 0 && f->ops == f->cut_after;
}

static int region_erase(void *ctx, uint32_t page)
{
	struct sim_flash_region *r = ctx;
	struct sim_flash *f = r->flash;
	uint8_t buf[4096];
	bool cut;

	if (page >= r->pages || r->page_size > sizeof buf)
		return -1;
	cut = cut_now(f, r->base, true);
	if (sim_flash_read(f, r->base + page * r->page_size, buf, r->page_size) != 0)
		return -1;
	for (uint32_t i = 0; i < r->page_size; i++)
		buf[i] = !cut || i < r->page_size / 2 ? 0xff : (uint8_t)(buf[i] | random_byte(f));
	if (store(f, r->base + page * r->page_size, buf, r->page_size, r->sync) != 0)
		return -1;
	if (cut)
		_exit(SIM_FLASH_CUT_EXIT);
	return 0;
}

static int region_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	struct sim_flash_region *r = ctx;
	struct sim_flash *f = r->flash;
	uint8_t cur[4096];
	const uint8_t *b = buf;
	uint32_t done;
	bool cut;

	if ((uint64_t)off + len > (uint64_t)r->page_size * r->pages || len > sizeof cur)
		return -1;
	cut = cut_now(f, r->base, false);
	if (sim_flash_read(f, r->base + off, cur, len) != 0)
		return -1;
	/* cut: the first half of the words, and some bits of the next one */
	done = cut ? len / 2 / 4 * 4 : len;
	for (uint32_t i = 0; i < len; i++) {
		if (i < done)
			cur[i] &= b[i];
		else if (i < done + 4)
			cur[i] &= (uint8_t)(b[i] | random_byte(f));
	}
	if (store(f, r->base + off, cur, len, r->sync) != 0)
		return -1;
	if (cut)
		_exit(SIM_FLASH_CUT_EXIT);
	return 0;
}

static int region_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct sim_flash_region *r = ctx;

	if ((uint64_t)off + len > (uint64_t)r->page_size * r->pages)
		return -1;
	return sim_flash_read(r->flash, r->base + off, buf, len);
}

void sim_flash_region(struct sim_flash_region *r, struct sim_flash *f, uint32_t base,
		      uint32_t page_size, uint32_t pages, bool sync, struct hal_flash *out)
{
	r->flash = f;
	r->base = base;
	r->page_size = page_size;
	r->pages = pages;
	r->sync = sync;
	*out = (struct hal_flash){ r, page_size, pages, region_erase, region_write, region_read };
}
