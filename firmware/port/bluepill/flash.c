/*
 * flash.c - the STM32F103's flash programming (RM0008, section 3: the
 * flash program and erase controller), as hal_flash regions (flash.h).
 * Every erase and write stalls the CPU while the controller works (about
 * 20 ms a page, 50 µs a half-word): the line and the radio wait.
 */
#include "flash.h"
#include "stm32f103.h"

#include <string.h>

#define PAGE 1024u

static int flash_wait(void)
{
	uint32_t sr;

	while ((sr = FLASH_SR) & FLASH_SR_BSY)
		;
	FLASH_SR = FLASH_SR_EOP | FLASH_SR_PGERR | FLASH_SR_WRPRTERR;
	return sr & (FLASH_SR_PGERR | FLASH_SR_WRPRTERR) ? -1 : 0;
}

static void flash_unlock(void)
{
	if (FLASH_CR & FLASH_CR_LOCK) {
		FLASH_KEYR = FLASH_KEY1;
		FLASH_KEYR = FLASH_KEY2;
	}
}

static int bp_erase(void *ctx, uint32_t page)
{
	const struct bp_flash *r = ctx;
	int rc;

	if (page >= r->pages)
		return -1;
	flash_unlock();
	FLASH_CR = FLASH_CR_PER;
	FLASH_AR = r->base + page * PAGE;
	FLASH_CR = FLASH_CR_PER | FLASH_CR_STRT;
	rc = flash_wait();
	FLASH_CR = FLASH_CR_LOCK;
	return rc;
}

static int bp_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	const struct bp_flash *r = ctx;
	const uint8_t *b = buf;
	int rc = 0;

	if (off > r->pages * PAGE || len > r->pages * PAGE - off || (off | len) & 1u)
		return -1;
	flash_unlock();
	FLASH_CR = FLASH_CR_PG;
	for (uint32_t i = 0; i < len && rc == 0; i += 2) {
		volatile uint16_t *at = (volatile uint16_t *)(uintptr_t)(r->base + off + i);
		uint16_t v = (uint16_t)(b[i] | b[i + 1] << 8);

		if (*at == v)
			continue;
		*at = v;
		rc = flash_wait();
	}
	FLASH_CR = FLASH_CR_LOCK;
	return rc;
}

static int bp_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	const struct bp_flash *r = ctx;

	if (off > r->pages * PAGE || len > r->pages * PAGE - off)
		return -1;
	memcpy(buf, (const void *)(uintptr_t)(r->base + off), len);
	return 0;
}

void bp_flash_hal(struct bp_flash *r, struct hal_flash *out)
{
	*out = (struct hal_flash){ r, PAGE, r->pages, bp_erase, bp_write, bp_read };
}
