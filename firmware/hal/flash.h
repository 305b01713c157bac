/*
 * flash.h - one region of the node's flash: erase a page, write, read.
 * The core keeps its configuration (two pages, written in turn so a power
 * cut never loses both) and the failsafe scene (one page) in a region the
 * port gives it; the flashing of issue 19 will get regions of its own
 * (image slots) through the same interface.
 *
 * Offsets are from the region's start. Writes go to erased bytes only
 * (flash turns 1s into 0s); write lengths and offsets are multiples of 4.
 * Node thread only.
 */
#ifndef HAL_FLASH_H
#define HAL_FLASH_H

#include <stdint.h>

struct hal_flash {
	void *ctx;
	uint32_t page_size;          /* bytes, >= 1024 */
	uint32_t pages;
	/* Return 0 or negative. */
	int (*erase)(void *ctx, uint32_t page);
	int (*write)(void *ctx, uint32_t offset, const void *buf, uint32_t len);
	int (*read)(void *ctx, uint32_t offset, void *buf, uint32_t len);
};

#endif
