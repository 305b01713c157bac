/*
 * tx_main.c - the blue pill as the console's transmitter: a radio modem
 * on a USB-serial adapter (USART2, 1 Mbaud 8N1). The console builds every
 * packet, MAC and all (nodelink.c); each arrives as a COBS frame holding an
 * air envelope whose `at` is the end of its slot in the superframe. The
 * transmitter keeps the superframe's time: a beacon starts the next
 * superframe (one period after the last, or at once when the console
 * fell behind), each packet goes out at its slot, and in the uplink
 * window it listens on copy B's channel and sends what it hears back to
 * the console, COBS-framed, flagged as from a node. The key never reaches
 * it. One thread; the serial input lands in a DMA ring.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "outputs/dmx/nodelink/nodelink_wire.h"
#include "stm32f103.h"

#define QUEUE 64
#define SERIAL_FRAME (NODELINK_AIR_MAX + 8)

static struct nodelink_air queue[QUEUE];
static uint32_t q_head, q_len;
static uint8_t frame[SERIAL_FRAME];
static uint32_t frame_len;

/* Serial bytes into envelopes. */
static void take_serial(void)
{
	uint8_t buf[64];
	uint32_t n;

	while ((n = serial_get(buf, sizeof buf))) {
		for (uint32_t i = 0; i < n; i++) {
			uint8_t env[NODELINK_AIR_MAX];
			int len;

			if (buf[i] != 0) {
				if (frame_len < sizeof frame)
					frame[frame_len++] = buf[i];
				continue;
			}
			len = nodelink_cobs_decode(env, sizeof env, frame, frame_len);
			frame_len = 0;
			if (len > 0 && q_len < QUEUE &&
			    nodelink_air_decode(env, (size_t)len, &queue[(q_head + q_len) % QUEUE]) == 0)
				q_len++;
		}
	}
}

static void to_console(const uint8_t *pkt, uint8_t len, uint8_t channel, uint32_t address,
		       int8_t rssi)
{
	struct nodelink_air a = { .flags = NODELINK_AIR_UP, .channel = channel, .rssi_dbm = rssi,
				  .address = address, .len = len };
	uint8_t env[NODELINK_AIR_MAX], out[NODELINK_AIR_MAX + 4];
	int n, c;

	memcpy(a.pkt, pkt, len);
	n = nodelink_air_encode(env, sizeof env, &a);
	c = n > 0 ? nodelink_cobs_encode(out, sizeof out - 1, env, (size_t)n) : -1;
	if (c < 0)
		return;
	out[c++] = 0;
	serial_put(out, (uint32_t)c);
}

int main(void)
{
	uint64_t t0 = 0, period = NODELINK_PERIOD_US_DEFAULT, window_end = 0;
	uint32_t slot = NODELINK_SLOT_US_DEFAULT;
	uint8_t listen_channel = 0;
	uint32_t listen_address = 0;
	bool in_superframe = false;

	board_init();
	serial_init(1000000);
	for (;;) {
		uint64_t now = board_now_us();
		uint8_t pkt[NODELINK_PAYLOAD_MAX], len;
		int8_t rssi;

		board_watchdog_kick();
		take_serial();
		/* the uplink window: forward what the nodes say */
		while ((len = nrf_receive(pkt, &rssi)))
			to_console(pkt, len, listen_channel, listen_address, rssi);
		if (!q_len || (in_superframe && now < window_end && (queue[q_head].pkt[0] >> 5) == NODELINK_BEACON))
			continue;
		{
			struct nodelink_air *a = &queue[q_head];
			struct nodelink_packet p;

			if ((a->pkt[0] >> 5) == NODELINK_BEACON && nodelink_parse(a->pkt, a->len, &p) == 0) {
				/* a new superframe: its clock from ours */
				t0 = in_superframe || t0 ? t0 + period : now + 500;
				if (t0 < now + 200)
					t0 = now + 500;
				period = p.u.beacon.period_us;
				slot = p.u.beacon.slot_us;
				window_end = t0 + (uint64_t)slot * (NODELINK_SLOT_UP + p.u.beacon.up_slots);
				in_superframe = true;
			}
			/* `at` is the slot's end from the superframe's start */
			if (now + slot < t0 + a->at_ns / 1000u)
				continue;
			nrf_send(a->channel, a->address, a->pkt, a->len);
			/* after each send, listen where the nodes answer: copy B's
			 * channel is the last one used */
			listen_channel = a->channel;
			listen_address = a->address;
			nrf_listen(listen_channel, listen_address);
			q_head = (q_head + 1) % QUEUE;
			q_len--;
		}
	}
}
