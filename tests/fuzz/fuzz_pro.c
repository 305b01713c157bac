/*
 * fuzz_pro.c - libFuzzer target: the Enttec Pro streaming parser on
 * arbitrary bytes, as a widget (or a broken cable) could send them. The
 * first byte picks the read size, as a serial port splits the stream
 * anywhere. Every frame it returns must be within the 600-byte limit,
 * rebuild byte for byte into a frame that parses alone to the same frame,
 * and survive every decoder; every input byte must be consumed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/dmx/dmxusb/pro_wire.h"

static void check_frame(const struct pro_msg *m)
{
	uint8_t buf[PRO_FRAME_MAX];
	struct pro_parser again;
	struct pro_msg m2;
	struct pro_params params;
	uint32_t serial;
	uint8_t st, sc, hw;
	const uint8_t *slots;
	size_t count;

	if (m->len > PRO_PAYLOAD_MAX)
		abort();
	int len = pro_wire_frame(buf, sizeof buf, m->label, m->data, m->len);
	if (len != m->len + 5)
		abort();
	pro_parser_init(&again);
	const uint8_t *d = buf;
	size_t left = (size_t)len;
	if (pro_parser_next(&again, &d, &left, &m2) != 1 || left != 0 ||
	    m2.label != m->label || m2.len != m->len || memcmp(m2.data, m->data, m->len) != 0 ||
	    again.garbage_bytes != 0 || again.bad_frames != 0)
		abort();
	if (pro_wire_parse_rx_dmx(m, &st, &sc, &slots, &count) == 0 &&
	    (count > 512 || slots + count > m->data + PRO_PAYLOAD_MAX))
		abort();
	pro_wire_parse_params(m, &params);
	pro_wire_parse_serial(m, &serial);
	pro_wire_parse_hw_version(m, &hw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pro_parser p;
	struct pro_msg m;
	size_t chunk;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++;
	size--;
	pro_parser_init(&p);
	for (size_t off = 0; off < size; off += chunk) {
		const uint8_t *d = data + off;
		size_t left = size - off < chunk ? size - off : chunk;

		while (pro_parser_next(&p, &d, &left, &m))
			check_frame(&m);
		if (left != 0 || p.raw_len > PRO_FRAME_MAX || (p.raw_len && p.raw[0] != PRO_SOM))
			abort();
	}
	return 0;
}
