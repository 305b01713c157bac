/*
 * boot_main.c - the blue pill's bootloader (boot-bluepill, the first 12
 * KiB of flash; layout.h): the rig's firmware key from the key block
 * written at the bench (the last 64 bytes of these 12 KiB), the choice of
 * fwboot.c - the trial, the rollback, the confirmed image, each verified
 * (hash, Ed25519 signature, board, version) before it runs - written down
 * in the boot-state log, handed over above the application's RAM, and the
 * image started. What it did goes out on USART2 (115200), the node's
 * bench console. A node without a key, or without an image that
 * verifies, says so there and waits for the bench: its watchdog is not
 * running yet. One thread, no interrupts. Not run here; built and
 * size-checked.
 */
#include <stdint.h>

#include "board.h"
#include "firmware/core/fwboot.h"
#include "firmware/port/common/cortex_boot.h"
#include "flash.h"
#include "layout.h"
#include "outputs/dmx/nodelink/nodelink_wire.h"

static void say(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	serial_put((const uint8_t *)s, n);
}

static __attribute__((noreturn)) void halt(const char *why)
{
	for (;;) {
		say(why);
		for (uint64_t until = board_now_us() + 5000000; board_now_us() < until;)
			;
	}
}

int main(void)
{
	static struct bp_flash slots[2] = { { LAYOUT_SLOT(0), LAYOUT_SLOT_PAGES },
					    { LAYOUT_SLOT(1), LAYOUT_SLOT_PAGES } };
	static struct bp_flash log_region = { LAYOUT_LOG, 1 };
	struct fw_handover *ho = (struct fw_handover *)(uintptr_t)LAYOUT_HANDOVER;
	struct hal_flash slot[2], log;
	uint8_t key[FW_ED25519_KEY_LEN];
	struct fw_boot b = { .slot = { &slot[0], &slot[1] }, .log = &log, .key = key,
			     .board = NODELINK_BOARD_BLUEPILL };
	uint64_t t0;
	int s;

	board_clock_init();
	serial_init(115200);
	if (!fw_keyblock_get((const uint8_t *)(uintptr_t)LAYOUT_KEYBLOCK, key))
		halt("boot: no firmware key in the key block (0x08002fc0): write it at the bench\r\n");
	bp_flash_hal(&slots[0], &slot[0]);
	bp_flash_hal(&slots[1], &slot[1]);
	bp_flash_hal(&log_region, &log);
	t0 = board_now_us();
	s = fw_boot_select(&b, ho);
	ho->verify_ticks = (uint32_t)(board_now_us() - t0);
	if (s < 0)
		halt("boot: no image in slot A or B verifies with the firmware key\r\n");
	say(s ? "boot: slot B\r\n" : "boot: slot A\r\n");
	cm_start_image(LAYOUT_SLOT(s) + FW_IMAGE_HEADER_LEN);
}
