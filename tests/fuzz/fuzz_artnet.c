/*
 * fuzz_artnet.c - libFuzzer target: what the Art-Net output reads from the
 * network (ArtPoll) and the ArtDmx parser, on arbitrary bytes. A parsed
 * ArtDmx must rebuild into the same packet.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/dmx/artnet/artnet_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct artnet_poll poll;
	struct artnet_dmx dmx;
	(void)artnet_wire_opcode(data, size);
	if (artnet_wire_parse_poll(data, size, &poll) == 0 && poll.prot_ver < 14)
		abort();
	if (artnet_wire_parse_dmx(data, size, &dmx) == 0) {
		uint8_t buf[18 + 512];
		int len = artnet_wire_dmx(buf, sizeof buf, dmx.sequence, dmx.physical,
					  dmx.port_address, dmx.slots, dmx.slot_count);
		struct artnet_dmx again;
		if (len != 18 + dmx.slot_count || artnet_wire_parse_dmx(buf, (size_t)len, &again) != 0 ||
		    again.port_address != dmx.port_address || again.slot_count != dmx.slot_count ||
		    memcmp(again.slots, dmx.slots, (size_t)dmx.slot_count) != 0)
			abort();
	}
	return 0;
}
