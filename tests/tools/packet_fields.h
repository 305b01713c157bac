/*
 * packet_fields.h - a packet's fixed fields checked against the values its
 * layout gives them: a table of {offset, size, value, name} rows, as a
 * specification lists them, read by one loop. A failure names the field,
 * its offset and both values, where a run of assert_int_equal(buf[N], V)
 * says only "0x40 != 0x80". Header-only, for the cmocka tests (include it
 * after cmocka.h); any thread.
 */
#ifndef GL_TEST_PACKET_FIELDS_H
#define GL_TEST_PACKET_FIELDS_H

#include <stddef.h>
#include <stdint.h>

/* One field: size bytes (1 to 4) at offset, read big-endian (network
 * order); a little-endian field is written as its single bytes. */
struct packet_field {
	size_t offset;
	size_t size;
	uint32_t value;
	const char *name;
};

static inline uint32_t packet_field_get(const uint8_t *packet, const struct packet_field *f)
{
	uint32_t v = 0;

	for (size_t i = 0; i < f->size; i++)
		v = v << 8 | packet[f->offset + i];
	return v;
}

/* Asserts every field of want[0..count) in packet; fails at the first
 * that differs. */
static inline void packet_check_fields(const uint8_t *packet, const struct packet_field *want,
				       size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct packet_field *f = &want[i];
		uint32_t got = packet_field_get(packet, f);

		if (got != f->value)
			fail_msg("%s (offset %zu, %zu byte%s): 0x%0*x, want 0x%0*x", f->name,
				 f->offset, f->size, f->size == 1 ? "" : "s", (int)(2 * f->size),
				 (unsigned)got, (int)(2 * f->size), (unsigned)f->value);
	}
}

/* The whole of a table of fields (an array, not a pointer). */
#define PACKET_CHECK_FIELDS(packet, want) \
	packet_check_fields((packet), (want), sizeof(want) / sizeof((want)[0]))

#endif
