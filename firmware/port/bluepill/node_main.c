/*
 * node_main.c - the blue pill as a wireless DMX node: the core
 * (firmware/core) on the nRF24L01+ and the RS-485 line (line.c). At the
 * first start, with no rig key in flash, it waits on USART2 (115200 8N1)
 * for a line "key <64 hex digits>" (the console's nodelink.key) and keeps
 * it. Its node number comes from the chip's unique ID. One thread: the
 * loop receives, runs the core's timers, starts DMX frames, and sleeps
 * (WFI) until the next of them or the radio's IRQ.
 *
 * Linked for image slot A (node-bluepill) or B (node-bluepill-b) and
 * started by the bootloader (boot_main.c): firmware updates go to the
 * other slot (layout.h), with the bootloader's key and handover; a reset
 * is SYSRESETREQ.
 */
#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "firmware/core/node.h"
#include "flash.h"
#include "layout.h"
#include "line.h"
#include "stm32f103.h"

static struct node N;
static uint64_t busy_us, idle_us, mark_busy, mark_idle;

static void listen(void *ctx, uint8_t channel, uint32_t address)
{
	(void)ctx;
	nrf_listen(channel, address);
}

static int send(void *ctx, uint8_t channel, uint32_t address, const uint8_t *pkt, uint8_t len)
{
	(void)ctx;
	return nrf_send(channel, address, pkt, len);
}

static void kick(void *ctx)
{
	(void)ctx;
	board_watchdog_kick();
}

static uint32_t random32(void *ctx)
{
	(void)ctx;
	return board_random();
}

static int8_t temperature(void *ctx)
{
	(void)ctx;
	return board_temperature_c();
}

static uint8_t cpu(void *ctx)
{
	uint64_t b = busy_us - mark_busy, i = idle_us - mark_idle;

	(void)ctx;
	mark_busy = busy_us;
	mark_idle = idle_us;
	return (uint8_t)(b + i ? b * 100u / (b + i) : 0);
}

static void fw_reset(void *ctx)
{
	(void)ctx;
	cm_reset();
}

static void say(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	serial_put((const uint8_t *)s, n);
}

static int hexval(uint8_t c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Blocks until "key <64 hex>" arrives: a node without its rig's key has
 * nothing to listen to. */
static void wait_for_key(struct node_settings *s)
{
	uint8_t line[80];
	uint32_t n = 0;

	say("node: waiting for the rig key: key <64 hex digits>\r\n");
	for (;;) {
		uint8_t c;

		board_watchdog_kick();
		if (!serial_get(&c, 1))
			continue;
		if (c != '\n' && c != '\r') {
			if (n < sizeof line)
				line[n++] = c;
			continue;
		}
		if (n == 4 + 2 * NODELINK_KEY_LEN && line[0] == 'k' && line[1] == 'e' &&
		    line[2] == 'y' && line[3] == ' ') {
			bool ok = true;

			for (int i = 0; i < NODELINK_KEY_LEN && ok; i++) {
				int hi = hexval(line[4 + 2 * i]), lo = hexval(line[5 + 2 * i]);

				ok = hi >= 0 && lo >= 0;
				s->key[i] = (uint8_t)(hi << 4 | lo);
			}
			if (ok) {
				s->has_key = 1;
				say("node: key kept\r\n");
				return;
			}
		}
		say("node: not a key line\r\n");
		n = 0;
	}
}

int main(void)
{
	static const struct node_hal hal = {
		.radio = { NULL, listen, send },
		.dmx = { NULL, 0, 0 },          /* set below: line_hal */
		.watchdog = { NULL, kick },
		.rng = { NULL, random32 },
		.sensors = { NULL, temperature, cpu },
	};
	static struct bp_flash settings = { LAYOUT_SETTINGS, 3 }, log = { LAYOUT_LOG, 1 };
	static struct bp_flash slots[2] = { { LAYOUT_SLOT(0), LAYOUT_SLOT_PAGES },
					    { LAYOUT_SLOT(1), LAYOUT_SLOT_PAGES } };
	static uint8_t fw_key[FW_ED25519_KEY_LEN];
	static struct node_hal h;
	struct node_settings prov;

	board_init();
	serial_init(115200);
	line_init();
	h = hal;
	h.dmx = line_hal;
	bp_flash_hal(&settings, &h.flash);
	bp_flash_hal(&slots[0], &h.fw.slot[0]);
	bp_flash_hal(&slots[1], &h.fw.slot[1]);
	bp_flash_hal(&log, &h.fw.log);
	if (fw_keyblock_get((const uint8_t *)(uintptr_t)LAYOUT_KEYBLOCK, fw_key))
		h.fw.key = fw_key;
	h.fw.boot = (const struct fw_handover *)(uintptr_t)LAYOUT_HANDOVER;
	h.fw.reset = fw_reset;
	node_init(&N, &h, board_id(), NODELINK_BOARD_BLUEPILL, NULL, board_now_us());
	if (!N.set.has_key) {
		/* first start: the settings come with the key, then are kept */
		node_settings_default(&prov);
		wait_for_key(&prov);
		node_init(&N, &h, board_id(), NODELINK_BOARD_BLUEPILL, &prov, board_now_us());
	}
	for (;;) {
		uint64_t now = board_now_us(), next, t;
		uint8_t pkt[NODELINK_PAYLOAD_MAX], len;
		int8_t rssi;

		while ((len = nrf_receive(pkt, &rssi)))
			node_rx(&N, now, pkt, len, rssi);
		node_poll(&N, now);
		next = node_next_us(&N);
		t = line_service(board_now_us());
		if (t < next)
			next = t;
		busy_us += board_now_us() - now;
		idle_us += board_sleep_until(next);
	}
}
