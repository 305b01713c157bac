/*
 * boot.c - the bootloader of the emulated board (boot-qemu.elf, at the
 * bottom of the AN385's code memory; layout.h): the rig's firmware key
 * from its key block, the factory image installed into slot A the first
 * time, then the choice of fwboot.c - the trial, the rollback, the
 * confirmed image, each verified (hash, Ed25519 signature, board, version)
 * before it runs - written down in the boot-state log, handed over at
 * LAYOUT_HANDOVER with the time verification took (TIMER0, 25 MHz; under
 * `-icount shift=0` a tick is 40 instructions), and the image started.
 *
 * With "boot-bench" on the semihosting command line it stops after the
 * choice and prints the figures (nodes_flash_qemu.sh). Exit codes
 * (semihosting): 5 no key, 6 no image verifies. One thread, no interrupts.
 */
#include <stdint.h>
#include <string.h>

#include "console.h"
#include "firmware/core/fwboot.h"
#include "firmware/port/common/cortex_boot.h"
#include "firmware/port/common/memflash.h"
#include "layout.h"
#include "mps2.h"
#include "outputs/dmx/nodelink/nodelink_wire.h"

static uint32_t ticks(void)
{
	return 0xffffffffu - TIMER_VALUE(TIMER0_BASE);    /* counts down from the top */
}

static bool bench_asked(void)
{
	static char cmdline[256];
	struct { char *buf; int len; } cl = { cmdline, sizeof cmdline - 1 };

	if (cm_semihost(SEMI_SYS_GET_CMDLINE, &cl) != 0)
		return false;
	for (const char *p = cmdline; *p; p++)
		if (memcmp(p, "boot-bench", 10) == 0)
			return true;
	return false;
}

/* The factory's image, waiting in the staging area: into slot A, once,
 * when neither slot holds an image. */
static void install_factory(const struct hal_flash *slot_a)
{
	const uint8_t *staged = (const uint8_t *)(uintptr_t)LAYOUT_STAGING;
	struct fw_image_header h;

	for (int s = 0; s < 2; s++)
		if (memcmp((const void *)(uintptr_t)LAYOUT_SLOT(s), "GLFW", 4) == 0)
			return;
	if (fw_image_header_get(staged, &h) != FW_IMG_OK || fw_image_len(&h) > LAYOUT_SLOT_SIZE)
		return;
	for (uint32_t p = 0; p * slot_a->page_size < fw_image_len(&h); p++)
		slot_a->erase(slot_a->ctx, p);
	slot_a->write(slot_a->ctx, 0, staged, fw_image_len(&h));
	con_print("boot: factory image installed in slot A\n");
}

int main(void)
{
	static struct memflash mem_slot[2] = {
		{ (uint8_t *)(uintptr_t)LAYOUT_SLOT(0), LAYOUT_SLOT_SIZE },
		{ (uint8_t *)(uintptr_t)LAYOUT_SLOT(1), LAYOUT_SLOT_SIZE },
	};
	static struct memflash mem_log = { (uint8_t *)(uintptr_t)LAYOUT_LOG, MEMFLASH_PAGE };
	struct fw_handover *ho = (struct fw_handover *)(uintptr_t)LAYOUT_HANDOVER;
	struct hal_flash slot[2], log;
	uint8_t key[FW_ED25519_KEY_LEN];
	struct fw_boot b = { .slot = { &slot[0], &slot[1] }, .log = &log, .key = key,
			     .board = NODELINK_BOARD_QEMU_MPS2 };
	uint32_t t0, dt;
	int s;

	cm_irq_disable();
	UART_BAUDDIV(UART0_BASE) = 16;
	UART_CTRL(UART0_BASE) = UART_CTRL_TXEN;
	TIMER_RELOAD(TIMER0_BASE) = 0xffffffffu;
	TIMER_VALUE(TIMER0_BASE) = 0xffffffffu;
	TIMER_CTRL(TIMER0_BASE) = TIMER_CTRL_EN;
	con_print_u("boot: ghostlight bootloader ", FW_BOOT_VERSION);
	con_print("\n");
	if (!fw_keyblock_get((const uint8_t *)(uintptr_t)LAYOUT_KEYBLOCK, key)) {
		con_print("boot: no firmware key in the key block: nothing can be verified\n");
		cm_semihost_exit(5);
	}
	memflash_hal(&mem_slot[0], &slot[0]);
	memflash_hal(&mem_slot[1], &slot[1]);
	memflash_hal(&mem_log, &log);
	install_factory(&slot[0]);
	t0 = ticks();
	s = fw_boot_select(&b, ho);
	dt = ticks() - t0;
	ho->verify_ticks = dt;
	con_print_u("boot: checked ", ho->verified);
	con_print_u(" slot(s) in ", dt / (MPS2_SYSCLK_HZ / 1000000u));
	con_print_u(" us (", dt);
	con_print(" ticks of 25 MHz)\n");
	if (s < 0) {
		con_print("boot: no image verifies\n");
		cm_semihost_exit(6);
	}
	con_print(s ? "boot: slot B" : "boot: slot A");
	con_print_u(", firmware ", ho->version >> 8);
	con_print_u(".", ho->version & 0xff);
	con_print(ho->trial ? " on trial\n" : "\n");
	if (bench_asked())
		cm_semihost_exit(0);
	TIMER_CTRL(TIMER0_BASE) = 0;
	cm_start_image(LAYOUT_SLOT(s) + FW_IMAGE_HEADER_LEN);
}
