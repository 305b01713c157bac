/*
 * fuzz_nodelink.c - libFuzzer target: the node link's parsers on arbitrary
 * bytes, the way a node and the console meet them: the air envelope (UDP,
 * Ethernet), the packet inside it, its MAC check, and a COBS frame from the
 * transmitter's serial line. Whatever parses must rebuild into the same
 * bytes (the MAC and a beacon's reserved bytes aside), and COBS must
 * round-trip.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/dmx/nodelink/nodelink_wire.h"

static void check_packet(const uint8_t *pkt, size_t len)
{
	static struct nodelink_key key;
	static int key_ready;
	struct nodelink_packet p;
	uint8_t again[NODELINK_PAYLOAD_MAX];
	uint8_t slots[NODELINK_SLOTS];
	int n = -1;
	size_t same = 0;

	if (!key_ready) {
		uint8_t raw[NODELINK_KEY_LEN];

		for (int i = 0; i < NODELINK_KEY_LEN; i++)
			raw[i] = (uint8_t)(i * 29 + 3);
		nodelink_key_init(&key, raw);
		key_ready = 1;
	}
	(void)nodelink_verify(&key, 1, 1, pkt, len);
	if (nodelink_parse(pkt, len, &p) != 0)
		return;
	switch (p.type) {
	case NODELINK_BEACON:
		n = nodelink_beacon_encode(again, sizeof again, &p.u.beacon);
		same = 25;                     /* 25..27 reserved, then the MAC */
		break;
	case NODELINK_DATA:
		memset(slots, 0, sizeof slots);
		memcpy(slots + p.u.data.frag * NODELINK_FRAG_SLOTS, p.u.data.slots,
		       p.u.data.slot_count);
		n = nodelink_data_encode(again, sizeof again, p.u.data.frag, p.u.data.counter, slots);
		same = len - NODELINK_MAC_LEN;
		break;
	case NODELINK_DOWN:
	case NODELINK_UP:
		n = nodelink_msg_encode(again, sizeof again, &p.u.msg);
		same = len - NODELINK_MAC_LEN;
		break;
	}
	if (n != (int)len || memcmp(again, pkt, same) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nodelink_air air;
	uint8_t dec[1024], enc[1100], dec2[1024];
	int n, m;

	if (nodelink_air_decode(data, size, &air) == 0)
		check_packet(air.pkt, air.len);
	check_packet(data, size);

	n = nodelink_cobs_decode(dec, sizeof dec, data, size);
	if (n >= 0) {
		m = nodelink_cobs_encode(enc, sizeof enc, dec, (size_t)n);
		if (m < 0 || nodelink_cobs_decode(dec2, sizeof dec2, enc, (size_t)m) != n ||
		    memcmp(dec, dec2, (size_t)n) != 0)
			abort();
	}
	return 0;
}
