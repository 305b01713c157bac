/*
 * cortex_boot.h - starting an image from a bootloader on a Cortex-M3:
 * its vector table becomes the active one (VTOR), its initial stack
 * pointer is loaded, and its reset handler is jumped to. The image's own
 * startup then sets up everything it uses; interrupts stay as the
 * bootloader left them (off: the ports take none). Bootloader only.
 */
#ifndef CORTEX_BOOT_H
#define CORTEX_BOOT_H

#include <stdint.h>

#include "cortex_m.h"

__attribute__((noreturn)) static inline void cm_start_image(uint32_t vectors)
{
	uint32_t sp = ((const volatile uint32_t *)(uintptr_t)vectors)[0];
	uint32_t pc = ((const volatile uint32_t *)(uintptr_t)vectors)[1];

	SCB_VTOR = vectors;
	__asm__ volatile ("dsb\n\tisb\n\tmsr msp, %0\n\tbx %1" :: "r"(sp), "r"(pc) : "memory");
	__builtin_unreachable();
}

#endif
