/*
 * fuzz_sacn.c - libFuzzer target: the sACN data-packet parser on arbitrary
 * bytes. Whatever parses must rebuild into a packet that parses to the same
 * header and slots (the parser and the builder agree on the format).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/dmx/sacn/sacn_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sacn_data d, again;
	if (sacn_wire_parse_data(data, size, &d) != 0)
		return 0;
	uint8_t buf[SACN_OFF_SLOTS + 512];
	int len = sacn_wire_data(buf, sizeof buf, &d.hdr, d.slots, d.slot_count);
	if (len < 0 || sacn_wire_parse_data(buf, (size_t)len, &again) != 0)
		abort();
	if (memcmp(&again.hdr, &d.hdr, offsetof(struct sacn_data_hdr, source_name)) != 0 ||
	    strcmp(again.hdr.source_name, d.hdr.source_name) != 0 ||
	    again.hdr.universe != d.hdr.universe || again.hdr.sequence != d.hdr.sequence ||
	    again.hdr.options != d.hdr.options || again.hdr.priority != d.hdr.priority ||
	    again.slot_count != d.slot_count ||
	    memcmp(again.slots, d.slots, (size_t)d.slot_count) != 0)
		abort();
	return 0;
}
