/*
 * flash_file.h - the simulator's flash: a file (or memory) that behaves
 * like NOR flash - erase sets a page to 0xff, a write can only clear bits
 * (what lands is old AND new) - cut into regions, each a hal_flash.
 *
 * Power cuts on demand: with `cut_after` = N, the Nth erase or write
 * (counted from open) is done halfway - a write programs its first half
 * and some bits of the next word, an erase clears the first half of the
 * page and only some bits of the rest - and the process ends at once with
 * SIM_FLASH_CUT_EXIT, as if the power had gone. What was written before
 * stays (it is in the file). gl-node-sim (--cut-after) and
 * tests/test_fw_powercut.c use it.
 *
 * One thread.
 */
#ifndef SIM_FLASH_FILE_H
#define SIM_FLASH_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/hal/flash.h"

#define SIM_FLASH_CUT_EXIT 99

struct sim_flash {
	int fd;                      /* -1: memory */
	uint8_t *mem;
	uint32_t size;
	long cut_after;              /* 0: never */
	long ops;                    /* erases and writes so far */
	/* when set, op i (from 0) is noted as its region's base, + 1 for an
	 * erase (tests tell what each cut hits) */
	uint32_t *op_log;
	long op_log_cap;
	uint64_t rng;
};

struct sim_flash_region {
	struct sim_flash *flash;
	uint32_t base;
	uint32_t page_size;
	uint32_t pages;
	bool sync;                   /* fdatasync after each erase/write (settings, the log) */
};

/* Opens (creating, and extending to `size` with 0xff) the file at path, or
 * memory when path is NULL. Returns 0, or -1 with errno. */
int sim_flash_open(struct sim_flash *f, const char *path, uint32_t size);
void sim_flash_close(struct sim_flash *f);

/* The hal_flash of a region (its ctx is the region, which must outlive it). */
void sim_flash_region(struct sim_flash_region *r, struct sim_flash *f, uint32_t base,
		      uint32_t page_size, uint32_t pages, bool sync, struct hal_flash *out);

/* Raw access, outside the fault counter (the simulator's factory setup). */
int sim_flash_read(struct sim_flash *f, uint32_t off, void *buf, uint32_t len);
int sim_flash_program(struct sim_flash *f, uint32_t off, const void *buf, uint32_t len);
int sim_flash_erase_raw(struct sim_flash *f, uint32_t off, uint32_t len);

#endif
