/*
 * memflash.h - a hal_flash over memory that stands in for flash (QEMU's
 * code RAM): 1 KiB pages, erase sets them to 0xff, a write can only clear
 * bits, as on NOR flash. One region per struct memflash. Node or
 * bootloader thread only.
 */
#ifndef MEMFLASH_H
#define MEMFLASH_H

#include <stdint.h>

#include "firmware/hal/flash.h"

#define MEMFLASH_PAGE 1024u

struct memflash {
	uint8_t *base;
	uint32_t size;               /* a multiple of MEMFLASH_PAGE */
};

/* The hal_flash of region m (which must outlive it). */
void memflash_hal(struct memflash *m, struct hal_flash *out);

#endif
