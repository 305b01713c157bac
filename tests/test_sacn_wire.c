/*
 * test_sacn_wire.c - E1.31 packets byte for byte: data packets (full and
 * short), every header field at its offset, flags-and-length fields,
 * options bits, sync and discovery packets (paging), multicast addresses,
 * the data parser and UUID text round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "outputs/dmx/sacn/sacn_wire.h"
#include "tools/packet_fields.h"

static const uint8_t test_cid[16] = {
	0x0d, 0x5e, 0x3a, 0x5c, 0x4f, 0x9b, 0x4c, 0x1e,
	0x9a, 0x43, 0x6b, 0x1f, 0x0e, 0x2d, 0x7c, 0x88,
};
static const char test_cid_text[] = "0d5e3a5c-4f9b-4c1e-9a43-6b1f0e2d7c88";

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void make_hdr(struct sacn_data_hdr *h)
{
	memset(h, 0, sizeof *h);
	memcpy(h->cid, test_cid, sizeof test_cid);
	strcpy(h->source_name, "ghostlight: Test");
	h->priority = 150;
	h->sync_address = 0;
	h->sequence = 7;
	h->options = 0;
	h->universe = 0x1234;
	h->start_code = 0x00;
}

/* The root layer every packet kind shares. */
static void check_root(const uint8_t *b, int len, uint32_t vector)
{
	static const uint8_t id[12] = { 0x41, 0x53, 0x43, 0x2d, 0x45, 0x31, 0x2e, 0x31,
					0x37, 0x00, 0x00, 0x00 };
	const struct packet_field root[] = {
		{ 0, 2, 0x0010, "preamble size" },
		{ 2, 2, 0x0000, "postamble size" },
		{ 16, 2, 0x7000 | (uint32_t)(len - 16), "root flags and length" },
		{ 18, 4, vector, "root vector" },
	};

	PACKET_CHECK_FIELDS(b, root);
	assert_memory_equal(b + 4, id, 12);
	assert_memory_equal(b + 22, test_cid, 16);
}

/* A data packet of len bytes up to its slots: the root layer, the framing
 * layer carrying h (the source name aside) and the DMP layer announcing
 * slot_count slots after h's start code. */
static void check_data_header(const uint8_t *b, int len, const struct sacn_data_hdr *h,
			      int slot_count)
{
	const struct packet_field fields[] = {
		{ 38, 2, 0x7000 | (uint32_t)(len - 38), "framing flags and length" },
		{ 40, 4, 0x00000002, "framing vector: data" },
		{ 108, 1, h->priority, "priority" },
		{ 109, 2, h->sync_address, "sync address" },
		{ 111, 1, h->sequence, "sequence" },
		{ 112, 1, h->options, "options" },
		{ 113, 2, h->universe, "universe" },
		{ 115, 2, 0x7000 | (uint32_t)(len - 115), "DMP flags and length" },
		{ 117, 1, 0x02, "DMP vector" },
		{ 118, 1, 0xa1, "address and data type" },
		{ 119, 2, 0x0000, "first property address" },
		{ 121, 2, 0x0001, "address increment" },
		{ 123, 2, (uint32_t)slot_count + 1, "property value count" },
		{ 125, 1, h->start_code, "start code" },
	};

	check_root(b, len, 0x00000004);
	PACKET_CHECK_FIELDS(b, fields);
}

static void test_data_full(void **state)
{
	struct sacn_data_hdr h;
	uint8_t slots[512], buf[700];
	int len;

	(void)state;
	make_hdr(&h);
	for (int i = 0; i < 512; i++)
		slots[i] = (uint8_t)(i * 7 + 3);
	memset(buf, 0xee, sizeof buf);
	len = sacn_wire_data(buf, sizeof buf, &h, slots, 512);
	assert_int_equal(len, 638);

	/* lengths 622 = 0x26e (root), 600 = 0x258 (framing), 523 = 0x20b (DMP) */
	check_data_header(buf, len, &h, 512);
	assert_string_equal((const char *)buf + 44, "ghostlight: Test");
	for (int i = 44 + 16; i < 108; i++)
		assert_int_equal(buf[i], 0);
	assert_memory_equal(buf + 126, slots, 512);
	/* Nothing written past the packet. */
	assert_int_equal(buf[638], 0xee);
}

static void test_data_short(void **state)
{
	struct sacn_data_hdr h;
	const uint8_t slots[3] = { 255, 128, 1 };
	uint8_t buf[129];
	int len;

	(void)state;
	make_hdr(&h);
	h.universe = 1;
	h.start_code = 0xdd;
	len = sacn_wire_data(buf, sizeof buf, &h, slots, 3);
	assert_int_equal(len, 129);
	check_data_header(buf, len, &h, 3);       /* lengths 113, 91 and 14 */
	assert_memory_equal(buf + 126, slots, 3);

	/* One byte short of the packet: refused, not truncated. */
	assert_int_equal(sacn_wire_data(buf, 128, &h, slots, 3), GL_ERANGE);
	/* No slots at all is a valid (start-code only) packet. */
	assert_int_equal(sacn_wire_data(buf, sizeof buf, &h, NULL, 0), 126);
	assert_int_equal(be16(buf + 123), 1);
}

static void test_data_options_and_sync(void **state)
{
	/* the options byte (offset 112) each flag sets, from the standard */
	static const struct {
		uint8_t options;
		uint8_t byte;
	} option_bits[] = {
		{ SACN_OPT_PREVIEW, 0x80 },
		{ SACN_OPT_TERMINATED, 0x40 },
		{ SACN_OPT_FORCE_SYNC, 0x20 },
		{ SACN_OPT_PREVIEW | SACN_OPT_TERMINATED | SACN_OPT_FORCE_SYNC, 0xe0 },
	};
	struct sacn_data_hdr h;
	uint8_t buf[638];

	(void)state;
	make_hdr(&h);
	for (size_t i = 0; i < sizeof option_bits / sizeof option_bits[0]; i++) {
		h.options = option_bits[i].options;
		assert_int_equal(sacn_wire_data(buf, sizeof buf, &h, NULL, 0), 126);
		assert_int_equal(buf[112], option_bits[i].byte);
	}

	h.sync_address = 63999;
	sacn_wire_data(buf, sizeof buf, &h, NULL, 0);
	assert_int_equal(buf[109], 0xf9);
	assert_int_equal(buf[110], 0xff);

	/* Sequence numbers are a plain byte: 255 then 0. */
	h.sequence = 255;
	sacn_wire_data(buf, sizeof buf, &h, NULL, 0);
	assert_int_equal(buf[111], 255);
	h.sequence++;
	sacn_wire_data(buf, sizeof buf, &h, NULL, 0);
	assert_int_equal(buf[111], 0);
}

static void test_data_bad_args(void **state)
{
	struct sacn_data_hdr h;
	uint8_t slots[513] = { 0 };
	uint8_t buf[700];

	(void)state;
	make_hdr(&h);
	assert_int_equal(sacn_wire_data(buf, sizeof buf, &h, slots, 513), GL_EINVAL);
	assert_int_equal(sacn_wire_data(buf, sizeof buf, &h, slots, -1), GL_EINVAL);
	assert_int_equal(sacn_wire_data(buf, sizeof buf, &h, NULL, 10), GL_EINVAL);
	assert_int_equal(sacn_wire_data(buf, sizeof buf, NULL, slots, 10), GL_EINVAL);
	h.priority = 201;
	assert_int_equal(sacn_wire_data(buf, sizeof buf, &h, slots, 10), GL_EINVAL);
	h.priority = 200;
	assert_int_equal(sacn_wire_data(buf, sizeof buf, &h, slots, 10), 136);
	h.universe = 0;
	assert_int_equal(sacn_wire_data(buf, sizeof buf, &h, slots, 10), GL_EINVAL);
	h.universe = 64000;
	assert_int_equal(sacn_wire_data(buf, sizeof buf, &h, slots, 10), GL_EINVAL);
	h.universe = 1;
	h.sync_address = 64000;
	assert_int_equal(sacn_wire_data(buf, sizeof buf, &h, slots, 10), GL_EINVAL);
}

static void test_source_name_cut(void **state)
{
	struct sacn_data_hdr h;
	uint8_t buf[638];

	(void)state;
	make_hdr(&h);
	/* 64 bytes without a terminator: 63 go out, then the NUL. */
	memset(h.source_name, 'x', sizeof h.source_name);
	sacn_wire_data(buf, sizeof buf, &h, NULL, 0);
	for (int i = 44; i < 44 + 63; i++)
		assert_int_equal(buf[i], 'x');
	assert_int_equal(buf[107], 0);
	assert_int_equal(buf[108], 150);

	/* A two-byte character across byte 63 is dropped whole. */
	memset(h.source_name, 'y', sizeof h.source_name);
	h.source_name[62] = (char)0xc3;   /* U+00E9 = c3 a9 */
	h.source_name[63] = (char)0xa9;
	sacn_wire_data(buf, sizeof buf, &h, NULL, 0);
	assert_int_equal(buf[44 + 61], 'y');
	assert_int_equal(buf[44 + 62], 0);
	assert_int_equal(buf[44 + 63], 0);
}

static void test_sync_packet(void **state)
{
	static const uint8_t expect[49] = {
		0x00, 0x10, 0x00, 0x00,
		0x41, 0x53, 0x43, 0x2d, 0x45, 0x31, 0x2e, 0x31, 0x37, 0x00, 0x00, 0x00,
		0x70, 0x21,                     /* 49 - 16 = 33 */
		0x00, 0x00, 0x00, 0x08,         /* VECTOR_ROOT_E131_EXTENDED */
		0x0d, 0x5e, 0x3a, 0x5c, 0x4f, 0x9b, 0x4c, 0x1e,
		0x9a, 0x43, 0x6b, 0x1f, 0x0e, 0x2d, 0x7c, 0x88,
		0x70, 0x0b,                     /* 49 - 38 = 11 */
		0x00, 0x00, 0x00, 0x01,         /* VECTOR_E131_EXTENDED_SYNCHRONIZATION */
		0xfe,                           /* sequence */
		0x1f, 0x40,                     /* sync address 8000 */
		0x00, 0x00,                     /* reserved */
	};
	uint8_t buf[64];

	(void)state;
	assert_int_equal(sacn_wire_sync(buf, sizeof buf, test_cid, 0xfe, 8000), 49);
	assert_memory_equal(buf, expect, 49);
	assert_int_equal(sacn_wire_sync(buf, 48, test_cid, 0, 1), GL_ERANGE);
	assert_int_equal(sacn_wire_sync(buf, sizeof buf, test_cid, 0, 0), GL_EINVAL);
	assert_int_equal(sacn_wire_sync(buf, sizeof buf, test_cid, 0, 64000), GL_EINVAL);
}

/* A universe discovery packet around its list: the root layer, the
 * framing layer (universe discovery; its reserved word) and the list
 * layer with its page numbers. */
static void check_discovery_page(const uint8_t *b, int len, int page, int last_page)
{
	const struct packet_field fields[] = {
		{ 38, 2, 0x7000 | (uint32_t)(len - 38), "framing flags and length" },
		{ 40, 4, 0x00000002, "framing vector: universe discovery" },
		{ 108, 4, 0, "reserved" },
		{ 112, 2, 0x7000 | (uint32_t)(len - 112), "list flags and length" },
		{ 114, 4, 0x00000001, "list vector: universe list" },
		{ 118, 1, (uint32_t)page, "page" },
		{ 119, 1, (uint32_t)last_page, "last page" },
	};

	check_root(b, len, 0x00000008);
	PACKET_CHECK_FIELDS(b, fields);
}

static void test_discovery_paging(void **state)
{
	uint16_t universes[600];
	uint8_t buf[SACN_DISCOVERY_MAX_LEN];
	int len;

	(void)state;
	for (int i = 0; i < 600; i++)
		universes[i] = (uint16_t)(i * 3 + 1);   /* 1, 4, ..., 1798 */
	assert_int_equal(sacn_wire_discovery_pages(600), 2);
	assert_int_equal(sacn_wire_discovery_pages(512), 1);
	assert_int_equal(sacn_wire_discovery_pages(513), 2);
	assert_int_equal(sacn_wire_discovery_pages(0), 1);

	len = sacn_wire_discovery(buf, sizeof buf, test_cid, "ghostlight: Test",
				  universes, 600, 0);
	assert_int_equal(len, 120 + 2 * 512);
	check_discovery_page(buf, len, 0, 1);
	assert_string_equal((const char *)buf + 44, "ghostlight: Test");
	for (int i = 44 + 16; i < 108; i++)
		assert_int_equal(buf[i], 0);
	for (int i = 0; i < 512; i++)
		assert_int_equal(be16(buf + 120 + 2 * i), universes[i]);

	len = sacn_wire_discovery(buf, sizeof buf, test_cid, "ghostlight: Test",
				  universes, 600, 1);
	assert_int_equal(len, 120 + 2 * 88);
	check_discovery_page(buf, len, 1, 1);
	for (int i = 0; i < 88; i++)
		assert_int_equal(be16(buf + 120 + 2 * i), universes[512 + i]);

	assert_int_equal(sacn_wire_discovery(buf, sizeof buf, test_cid, "x", universes, 600, 2),
			 GL_EINVAL);
	assert_int_equal(sacn_wire_discovery(buf, sizeof buf, test_cid, "x", universes, 600, -1),
			 GL_EINVAL);
	assert_int_equal(sacn_wire_discovery(buf, 1000, test_cid, "x", universes, 600, 0),
			 GL_ERANGE);

	/* The list must be sorted and free of duplicates. */
	universes[10] = universes[9];
	assert_int_equal(sacn_wire_discovery(buf, sizeof buf, test_cid, "x", universes, 600, 0),
			 GL_EINVAL);
	universes[10] = 2;
	assert_int_equal(sacn_wire_discovery(buf, sizeof buf, test_cid, "x", universes, 600, 0),
			 GL_EINVAL);

	/* An empty list is one empty page. */
	len = sacn_wire_discovery(buf, sizeof buf, test_cid, "x", NULL, 0, 0);
	assert_int_equal(len, 120);
	check_discovery_page(buf, len, 0, 0);        /* list flags and length 0x7008 */
}

static void test_multicast_addr(void **state)
{
	(void)state;
	assert_int_equal(sacn_wire_multicast_addr(1), 0xefff0001u);        /* 239.255.0.1 */
	assert_int_equal(sacn_wire_multicast_addr(256), 0xefff0100u);      /* 239.255.1.0 */
	assert_int_equal(sacn_wire_multicast_addr(63999), 0xeffff9ffu);    /* 239.255.249.255 */
	assert_int_equal(sacn_wire_multicast_addr(SACN_DISCOVERY_UNIVERSE), 0xeffffad6u);
}

static void test_parse_round_trip(void **state)
{
	struct sacn_data_hdr h;
	struct sacn_data d;
	uint8_t slots[512], buf[638];
	int len;

	(void)state;
	make_hdr(&h);
	h.sync_address = 9;
	h.options = SACN_OPT_TERMINATED;
	for (int i = 0; i < 512; i++)
		slots[i] = (uint8_t)(255 - i);
	len = sacn_wire_data(buf, sizeof buf, &h, slots, 512);
	assert_int_equal(sacn_wire_parse_data(buf, (size_t)len, &d), 0);
	assert_memory_equal(d.hdr.cid, test_cid, 16);
	assert_string_equal(d.hdr.source_name, "ghostlight: Test");
	assert_int_equal(d.hdr.priority, 150);
	assert_int_equal(d.hdr.sync_address, 9);
	assert_int_equal(d.hdr.sequence, 7);
	assert_int_equal(d.hdr.options, 0x40);
	assert_int_equal(d.hdr.universe, 0x1234);
	assert_int_equal(d.hdr.start_code, 0);
	assert_int_equal(d.slot_count, 512);
	assert_ptr_equal(d.slots, buf + 126);
	assert_memory_equal(d.slots, slots, 512);

	/* Short packets parse to their own slot count. */
	len = sacn_wire_data(buf, sizeof buf, &h, slots, 24);
	assert_int_equal(sacn_wire_parse_data(buf, (size_t)len, &d), 0);
	assert_int_equal(d.slot_count, 24);
}

static void test_parse_rejects(void **state)
{
	static const int offsets[] = {
		0, 1, 3, 4, 12, 15, 16, 17, 18, 21, 38, 39, 40, 43,
		115, 116, 117, 118, 120, 122, 123, 124,
	};
	struct sacn_data_hdr h;
	struct sacn_data d;
	uint8_t slots[100] = { 0 };
	uint8_t good[226], bad[226];
	int len;

	(void)state;
	make_hdr(&h);
	len = sacn_wire_data(good, sizeof good, &h, slots, 100);
	assert_int_equal(len, 226);
	assert_int_equal(sacn_wire_parse_data(good, 226, &d), 0);

	/* Each header byte that is checked, corrupted alone, fails the packet. */
	for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		memcpy(bad, good, sizeof good);
		bad[offsets[i]] ^= 0x5a;
		assert_int_equal(sacn_wire_parse_data(bad, 226, &d), GL_EINVAL);
	}
	/* Truncated or padded packets disagree with their lengths. */
	assert_int_equal(sacn_wire_parse_data(good, 225, &d), GL_EINVAL);
	assert_int_equal(sacn_wire_parse_data(good, 125, &d), GL_EINVAL);
	assert_int_equal(sacn_wire_parse_data(good, 10, &d), GL_EINVAL);
	assert_int_equal(sacn_wire_parse_data(NULL, 226, &d), GL_EINVAL);

	/* Priority above 200. */
	memcpy(bad, good, sizeof good);
	bad[108] = 201;
	assert_int_equal(sacn_wire_parse_data(bad, 226, &d), GL_EINVAL);

	/* Universe 0 is reserved. */
	memcpy(bad, good, sizeof good);
	bad[113] = 0;
	bad[114] = 0;
	assert_int_equal(sacn_wire_parse_data(bad, 226, &d), GL_EINVAL);

	/* A sender that forgot the terminator still yields a C string. */
	memcpy(bad, good, sizeof good);
	memset(bad + 44, 'z', 64);
	assert_int_equal(sacn_wire_parse_data(bad, 226, &d), 0);
	assert_int_equal(strlen(d.hdr.source_name), 63);

	/* Sync and discovery packets are E1.31 but not data. */
	len = sacn_wire_sync(bad, sizeof bad, test_cid, 1, 5);
	assert_int_equal(sacn_wire_parse_data(bad, (size_t)len, &d), GL_ENOENT);
	{
		uint16_t list[1] = { 5 };
		uint8_t disc[SACN_DISCOVERY_HDR_LEN + 2];

		len = sacn_wire_discovery(disc, sizeof disc, test_cid, "x", list, 1, 0);
		assert_int_equal(sacn_wire_parse_data(disc, (size_t)len, &d), GL_ENOENT);
	}
}

static void test_uuid(void **state)
{
	uint8_t uuid[16], again[16];
	char text[SACN_UUID_TEXT_LEN];

	(void)state;
	assert_int_equal(sacn_uuid_parse(test_cid_text, uuid), 0);
	assert_memory_equal(uuid, test_cid, 16);
	sacn_uuid_format(uuid, text);
	assert_string_equal(text, test_cid_text);
	assert_int_equal(sacn_uuid_parse("0D5E3A5C-4F9B-4C1E-9A43-6B1F0E2D7C88", again), 0);
	assert_memory_equal(again, test_cid, 16);

	memset(again, 0x77, sizeof again);
	assert_int_equal(sacn_uuid_parse("0d5e3a5c-4f9b-4c1e-9a43-6b1f0e2d7c8", again), GL_EINVAL);
	assert_int_equal(sacn_uuid_parse("0d5e3a5c-4f9b-4c1e-9a43-6b1f0e2d7c889", again), GL_EINVAL);
	assert_int_equal(sacn_uuid_parse("0d5e3a5c4f9b-4c1e-9a43-6b1f0e2d7c88a", again), GL_EINVAL);
	assert_int_equal(sacn_uuid_parse("0d5e3a5c-4f9b-4c1e-9a43-6b1f0e2d7cg8", again), GL_EINVAL);
	assert_int_equal(sacn_uuid_parse(" 0d5e3a5c-4f9b-4c1e-9a43-6b1f0e2d7c8", again), GL_EINVAL);
	assert_int_equal(sacn_uuid_parse("", again), GL_EINVAL);
	/* A failed parse leaves the output alone. */
	for (int i = 0; i < 16; i++)
		assert_int_equal(again[i], 0x77);

	memset(uuid, 0xff, sizeof uuid);
	sacn_uuid_make_v4(uuid);
	assert_int_equal(uuid[6], 0x4f);
	assert_int_equal(uuid[8], 0xbf);
	memset(uuid, 0x00, sizeof uuid);
	sacn_uuid_make_v4(uuid);
	assert_int_equal(uuid[6], 0x40);
	assert_int_equal(uuid[8], 0x80);
	sacn_uuid_format(uuid, text);
	assert_string_equal(text, "00000000-0000-4000-8000-000000000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_full),
		cmocka_unit_test(test_data_short),
		cmocka_unit_test(test_data_options_and_sync),
		cmocka_unit_test(test_data_bad_args),
		cmocka_unit_test(test_source_name_cut),
		cmocka_unit_test(test_sync_packet),
		cmocka_unit_test(test_discovery_paging),
		cmocka_unit_test(test_multicast_addr),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_uuid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
