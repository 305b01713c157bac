/*
 * test_dmxusb_wire.c - Enttec DMX USB Pro frames byte for byte: DMX
 * (label 6) full, short and empty; the 600-byte payload limit; requests;
 * break/MAB units; and the streaming parser: split input, several frames
 * per read, garbage, oversize lengths, a wrong end byte hiding a real
 * frame, and the decoders of replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/gl.h"
#include "outputs/dmx/dmxusb/pro_wire.h"

static void test_tx_dmx_full(void **state)
{
	uint8_t slots[512], buf[PRO_FRAME_MAX];
	for (int i = 0; i < 512; i++)
		slots[i] = (uint8_t)(i * 7 + 1);
	int n = pro_wire_tx_dmx(buf, sizeof buf, 0x00, slots, 512);
	assert_int_equal(n, 518);
	assert_int_equal(buf[0], 0x7E);
	assert_int_equal(buf[1], 6);
	assert_int_equal(buf[2], 0x01);  /* 513 = 0x0201, LSB first */
	assert_int_equal(buf[3], 0x02);
	assert_int_equal(buf[4], 0x00);  /* start code */
	assert_memory_equal(buf + 5, slots, 512);
	assert_int_equal(buf[517], 0xE7);
}

static void test_tx_dmx_short_and_empty(void **state)
{
	uint8_t slots[24], buf[64];
	memset(slots, 0xAB, sizeof slots);
	static const uint8_t head[] = { 0x7E, 0x06, 25, 0x00, 0xDD };
	int n = pro_wire_tx_dmx(buf, sizeof buf, 0xDD, slots, 24);
	assert_int_equal(n, 30);
	assert_memory_equal(buf, head, sizeof head);
	assert_memory_equal(buf + 5, slots, 24);
	assert_int_equal(buf[29], 0xE7);

	static const uint8_t empty[] = { 0x7E, 0x06, 0x01, 0x00, 0x00, 0xE7 };
	assert_int_equal(pro_wire_tx_dmx(buf, sizeof buf, 0x00, NULL, 0), 6);
	assert_memory_equal(buf, empty, sizeof empty);
}

static void test_limits(void **state)
{
	static uint8_t data[601], buf[PRO_FRAME_MAX + 8];
	memset(data, 0x55, sizeof data);
	assert_int_equal(pro_wire_frame(buf, sizeof buf, 99, data, 600), 605);
	assert_int_equal(buf[2], 600 & 0xff);
	assert_int_equal(buf[3], 600 >> 8);
	assert_int_equal(buf[604], 0xE7);
	assert_int_equal(pro_wire_frame(buf, sizeof buf, 99, data, 601), GL_ERANGE);
	assert_int_equal(pro_wire_tx_dmx(buf, sizeof buf, 0, data, 513), GL_ERANGE);
	/* a buffer one byte short is refused, not overrun */
	assert_int_equal(pro_wire_tx_dmx(buf, 517, 0, data, 512), GL_EINVAL);
	assert_int_equal(pro_wire_frame(buf, 604, 1, data, 600), GL_EINVAL);
}

static void test_requests(void **state)
{
	uint8_t buf[32];
	static const uint8_t get_params[] = { 0x7E, 3, 2, 0, 0, 0, 0xE7 };
	static const uint8_t get_serial[] = { 0x7E, 10, 0, 0, 0xE7 };
	static const uint8_t set_params[] = { 0x7E, 4, 5, 0, 0, 0, 17, 2, 40, 0xE7 };
	static const uint8_t rx_all[] = { 0x7E, 8, 1, 0, 0, 0xE7 };

	assert_int_equal(pro_wire_get_params(buf, sizeof buf), 7);
	assert_memory_equal(buf, get_params, 7);
	assert_int_equal(pro_wire_get_serial(buf, sizeof buf), 5);
	assert_memory_equal(buf, get_serial, 5);
	struct pro_params p = { .break_units = 17, .mab_units = 2, .rate_hz = 40 };
	assert_int_equal(pro_wire_set_params(buf, sizeof buf, &p), 10);
	assert_memory_equal(buf, set_params, 10);
	assert_int_equal(pro_wire_rx_on_change(buf, sizeof buf, false), 6);
	assert_memory_equal(buf, rx_all, 6);

	p.break_units = 8;     /* below the widget's 9 */
	assert_int_equal(pro_wire_set_params(buf, sizeof buf, &p), GL_ERANGE);
	p.break_units = 9;
	p.rate_hz = 41;
	assert_int_equal(pro_wire_set_params(buf, sizeof buf, &p), GL_ERANGE);
	p.rate_hz = 1;
	p.mab_units = 0;
	assert_int_equal(pro_wire_set_params(buf, sizeof buf, &p), GL_ERANGE);
}

static void test_units_round_up(void **state)
{
	/* 10.67 µs units, never shorter than asked */
	assert_int_equal(pro_break_units(92), 9);     /* 8.6 -> 9 = 96 µs */
	assert_int_equal(pro_break_units(176), 17);   /* 16.5 -> 17 = 181 µs */
	assert_int_equal(pro_break_units(10), 9);     /* clamped to the widget's minimum */
	assert_int_equal(pro_break_units(100000), 127);
	assert_int_equal(pro_mab_units(12), 2);       /* 1.12 -> 2 */
	assert_int_equal(pro_mab_units(10), 1);
	assert_true(pro_units_to_us(pro_break_units(176)) >= 176);
	assert_true(pro_units_to_us(pro_mab_units(12)) >= 12);
}

/* Feeds the input in chunks of `chunk` bytes; collects frames. */
static int parse_all(struct pro_parser *p, const uint8_t *in, size_t len, size_t chunk,
		     struct pro_msg *out, int max)
{
	int n = 0;
	struct pro_msg m;
	for (size_t off = 0; off < len || off == 0; off += chunk) {
		const uint8_t *d = in + off;
		size_t left = len - off < chunk ? len - off : chunk;
		while (pro_parser_next(p, &d, &left, &m))
			if (n < max)
				out[n++] = m;
		assert_int_equal(left, 0);
		if (len == 0)
			break;
	}
	return n;
}

static void test_parser_split_and_batched(void **state)
{
	uint8_t stream[2 * PRO_FRAME_MAX];
	uint8_t payload[600];
	for (int i = 0; i < 600; i++)
		payload[i] = (uint8_t)(i ^ 0x7E);  /* 0x7E and 0xE7 inside the data */
	int a = pro_wire_frame(stream, sizeof stream, 5, payload, 600);
	int b = pro_wire_frame(stream + a, sizeof stream - (size_t)a, 10, payload, 4);
	size_t len = (size_t)(a + b);
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 605, 2000 };

	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		struct pro_parser p;
		struct pro_msg out[4];
		pro_parser_init(&p);
		assert_int_equal(parse_all(&p, stream, len, chunks[c], out, 4), 2);
		assert_int_equal(out[0].label, 5);
		assert_int_equal(out[0].len, 600);
		assert_memory_equal(out[0].data, payload, 600);
		assert_int_equal(out[1].label, 10);
		assert_int_equal(out[1].len, 4);
		assert_int_equal(p.garbage_bytes, 0);
		assert_int_equal(p.bad_frames, 0);
	}
}

static void test_parser_resyncs_on_garbage(void **state)
{
	uint8_t s[256];
	size_t n = 0;
	static const uint8_t serial_frame[] = { 0x7E, 10, 4, 0, 0x78, 0x56, 0x34, 0x12, 0xE7 };
	/* plain garbage */
	static const uint8_t junk[] = { 0x00, 0xFF, 0xE7, 0x13 };
	memcpy(s + n, junk, sizeof junk);
	n += sizeof junk;
	/* a start byte with an impossible length (0xFFFF) */
	static const uint8_t huge[] = { 0x7E, 6, 0xFF, 0xFF };
	memcpy(s + n, huge, sizeof huge);
	n += sizeof huge;
	/* a frame whose length swallows a real frame and whose end byte is
	 * wrong: the real frame inside must still be found */
	static const uint8_t liar[] = { 0x7E, 5, 12, 0 };
	memcpy(s + n, liar, sizeof liar);
	n += sizeof liar;
	memcpy(s + n, serial_frame, sizeof serial_frame);
	n += sizeof serial_frame;
	s[n++] = 0x42;   /* liar's 12 payload bytes end here, then no 0xE7 */
	s[n++] = 0x43;
	/* and a last good frame */
	memcpy(s + n, serial_frame, sizeof serial_frame);
	n += sizeof serial_frame;

	for (size_t chunk = 1; chunk <= n; chunk = chunk * 2 + 1) {
		struct pro_parser p;
		struct pro_msg out[8];
		uint32_t serial = 0;
		char text[9];
		pro_parser_init(&p);
		int got = parse_all(&p, s, n, chunk, out, 8);
		assert_int_equal(got, 2);
		for (int i = 0; i < got; i++) {
			assert_int_equal(pro_wire_parse_serial(&out[i], &serial), 0);
			assert_int_equal(serial, 0x12345678);
		}
		pro_serial_format(serial, text);
		assert_string_equal(text, "12345678");
		assert_true(p.bad_frames >= 2);
		assert_true(p.garbage_bytes >= sizeof junk);
	}
}

static void test_parser_zero_length_and_pending(void **state)
{
	struct pro_parser p;
	struct pro_msg m;
	static const uint8_t f[] = { 0x7E, 14, 0, 0, 0xE7, 0x7E, 3 };
	const uint8_t *d = f;
	size_t left = sizeof f;
	pro_parser_init(&p);
	assert_int_equal(pro_parser_next(&p, &d, &left, &m), 1);
	assert_int_equal(m.label, 14);
	assert_int_equal(m.len, 0);
	/* the start of the next frame stays pending, not lost */
	assert_int_equal(pro_parser_next(&p, &d, &left, &m), 0);
	assert_int_equal(left, 0);
	assert_int_equal(p.raw_len, 2);
	static const uint8_t rest[] = { 5, 0, 0x44, 0x01, 9, 1, 40, 0xE7 };
	d = rest;
	left = sizeof rest;
	assert_int_equal(pro_parser_next(&p, &d, &left, &m), 1);
	struct pro_params prm;
	assert_int_equal(pro_wire_parse_params(&m, &prm), 0);
	assert_int_equal(prm.firmware, 0x0144);
	assert_int_equal(prm.break_units, 9);
	assert_int_equal(prm.mab_units, 1);
	assert_int_equal(prm.rate_hz, 40);
}

static void test_decoders(void **state)
{
	struct pro_msg m = { .label = 5, .len = 2 + 3, .data = { 0x00, 0x00, 10, 20, 30 } };
	uint8_t st, sc;
	const uint8_t *slots;
	size_t count;
	assert_int_equal(pro_wire_parse_rx_dmx(&m, &st, &sc, &slots, &count), 0);
	assert_int_equal(count, 3);
	assert_int_equal(slots[2], 30);
	m.len = 1;
	assert_int_equal(pro_wire_parse_rx_dmx(&m, &st, &sc, &slots, &count), GL_EINVAL);
	m.len = 600;    /* more than 512 slots: the rest is ignored */
	assert_int_equal(pro_wire_parse_rx_dmx(&m, &st, &sc, &slots, &count), 0);
	assert_int_equal(count, 512);

	struct pro_params p;
	m.label = 3;
	m.len = 4;
	assert_int_equal(pro_wire_parse_params(&m, &p), GL_EINVAL);
	uint32_t serial;
	m.label = 10;
	m.len = 3;
	assert_int_equal(pro_wire_parse_serial(&m, &serial), GL_EINVAL);
	m.label = 3;
	m.len = 4;
	assert_int_equal(pro_wire_parse_serial(&m, &serial), GL_EINVAL);  /* wrong label */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_dmx_full),
		cmocka_unit_test(test_tx_dmx_short_and_empty),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_units_round_up),
		cmocka_unit_test(test_parser_split_and_batched),
		cmocka_unit_test(test_parser_resyncs_on_garbage),
		cmocka_unit_test(test_parser_zero_length_and_pending),
		cmocka_unit_test(test_decoders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
