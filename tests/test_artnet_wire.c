/*
 * test_artnet_wire.c - Art-Net 4 packets byte for byte: ArtDmx header and
 * padding, sequence wrap, Port-Address split, ArtPollReply field offsets
 * (239 bytes), ArtPoll validation, ArtSync, reply grouping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "outputs/dmx/artnet/artnet_wire.h"

static const uint8_t id[8] = { 'A', 'r', 't', '-', 'N', 'e', 't', 0 };

static void test_dmx_full(void **state)
{
	uint8_t slots[512], buf[600];
	int len;

	(void)state;
	for (int i = 0; i < 512; i++)
		slots[i] = (uint8_t)(i ^ 0xa5);
	memset(buf, 0xee, sizeof buf);
	/* Port-Address 0x0123: Net 1, Sub-Net 2, Universe 3. */
	len = artnet_wire_dmx(buf, sizeof buf, 42, 3, 0x0123, slots, 512);
	assert_int_equal(len, 530);
	assert_memory_equal(buf, id, 8);
	assert_int_equal(buf[8], 0x00);     /* OpCode 0x5000, low byte first */
	assert_int_equal(buf[9], 0x50);
	assert_int_equal(buf[10], 0);       /* ProtVer 14, high byte first */
	assert_int_equal(buf[11], 14);
	assert_int_equal(buf[12], 42);      /* Sequence */
	assert_int_equal(buf[13], 3);       /* Physical */
	assert_int_equal(buf[14], 0x23);    /* SubUni */
	assert_int_equal(buf[15], 0x01);    /* Net */
	assert_int_equal(buf[16], 0x02);    /* Length 512, high byte first */
	assert_int_equal(buf[17], 0x00);
	assert_memory_equal(buf + 18, slots, 512);
	assert_int_equal(buf[530], 0xee);
	assert_int_equal(artnet_wire_dmx(buf, 529, 1, 0, 0, slots, 512), GL_ERANGE);
}

static void test_dmx_short_and_padding(void **state)
{
	const uint8_t slots[3] = { 10, 20, 30 };
	uint8_t buf[64];
	int len;

	(void)state;
	memset(buf, 0xee, sizeof buf);
	len = artnet_wire_dmx(buf, sizeof buf, 1, 0, 0, slots, 3);
	assert_int_equal(len, 22);          /* odd 3 padded to even 4 */
	assert_int_equal(buf[16], 0);
	assert_int_equal(buf[17], 4);
	assert_int_equal(buf[18], 10);
	assert_int_equal(buf[19], 20);
	assert_int_equal(buf[20], 30);
	assert_int_equal(buf[21], 0);       /* the pad slot is zero */
	assert_int_equal(buf[22], 0xee);

	memset(buf, 0xee, sizeof buf);
	len = artnet_wire_dmx(buf, sizeof buf, 1, 0, 0, slots, 1);
	assert_int_equal(len, 20);          /* minimum Length is 2 */
	assert_int_equal(buf[17], 2);
	assert_int_equal(buf[18], 10);
	assert_int_equal(buf[19], 0);

	len = artnet_wire_dmx(buf, sizeof buf, 1, 0, 0, NULL, 0);
	assert_int_equal(len, 20);
	assert_int_equal(buf[17], 2);
	assert_int_equal(buf[18], 0);
	assert_int_equal(buf[19], 0);

	/* The pad byte counts against the buffer too. */
	assert_int_equal(artnet_wire_dmx(buf, 21, 1, 0, 0, slots, 3), GL_ERANGE);
	assert_int_equal(artnet_wire_dmx(buf, sizeof buf, 1, 0, 0, slots, 513), GL_EINVAL);
	assert_int_equal(artnet_wire_dmx(buf, sizeof buf, 1, 0, 0, NULL, 3), GL_EINVAL);
}

static void test_sequence_wrap(void **state)
{
	uint8_t seq = 0;

	(void)state;
	assert_int_equal(artnet_next_sequence(0), 1);
	assert_int_equal(artnet_next_sequence(1), 2);
	assert_int_equal(artnet_next_sequence(254), 255);
	assert_int_equal(artnet_next_sequence(255), 1);
	/* 0 ("sequencing off") never comes back once started. */
	for (int i = 0; i < 1000; i++) {
		seq = artnet_next_sequence(seq);
		assert_int_not_equal(seq, 0);
	}
}

static void test_port_address(void **state)
{
	uint8_t buf[64];

	(void)state;
	assert_int_equal(artnet_port_address(0, 0, 0), 0);
	assert_int_equal(artnet_port_address(0, 1, 0), 16);
	assert_int_equal(artnet_port_address(1, 0, 0), 256);
	assert_int_equal(artnet_port_address(127, 15, 15), 32767);
	assert_int_equal(artnet_pa_net(32767), 127);
	assert_int_equal(artnet_pa_sub_net(32767), 15);
	assert_int_equal(artnet_pa_universe(32767), 15);
	assert_int_equal(artnet_pa_net(0x0a5c), 0x0a);
	assert_int_equal(artnet_pa_sub_net(0x0a5c), 0x5);
	assert_int_equal(artnet_pa_universe(0x0a5c), 0xc);
	assert_int_equal(artnet_pa_sub_uni(0x0a5c), 0x5c);

	assert_int_equal(artnet_wire_dmx(buf, sizeof buf, 1, 0, 32767, NULL, 0), 20);
	assert_int_equal(buf[14], 0xff);
	assert_int_equal(buf[15], 0x7f);
	assert_int_equal(artnet_wire_dmx(buf, sizeof buf, 1, 0, 32768, NULL, 0), GL_EINVAL);
}

static void test_dmx_parse(void **state)
{
	uint8_t slots[7] = { 1, 2, 3, 4, 5, 6, 7 };
	uint8_t buf[64];
	struct artnet_dmx d;
	int len;

	(void)state;
	len = artnet_wire_dmx(buf, sizeof buf, 200, 2, 0x4321, slots, 7);
	assert_int_equal(artnet_wire_parse_dmx(buf, (size_t)len, &d), 0);
	assert_int_equal(d.sequence, 200);
	assert_int_equal(d.physical, 2);
	assert_int_equal(d.port_address, 0x4321);
	assert_int_equal(d.slot_count, 8);
	assert_memory_equal(d.slots, slots, 7);
	assert_int_equal(d.slots[7], 0);

	assert_int_equal(artnet_wire_parse_dmx(buf, (size_t)len - 1, &d), GL_EINVAL);
	buf[11] = 13;                       /* ProtVer 13 */
	assert_int_equal(artnet_wire_parse_dmx(buf, (size_t)len, &d), GL_EINVAL);
	buf[11] = 14;
	buf[17] = 7;                        /* odd Length */
	assert_int_equal(artnet_wire_parse_dmx(buf, (size_t)len, &d), GL_EINVAL);
	buf[17] = 8;
	buf[9] = 0x20;                      /* an ArtPoll OpCode */
	assert_int_equal(artnet_wire_parse_dmx(buf, (size_t)len, &d), GL_EINVAL);
}

static void test_sync(void **state)
{
	static const uint8_t expect[14] = {
		'A', 'r', 't', '-', 'N', 'e', 't', 0, 0x00, 0x52, 0, 14, 0, 0
	};
	uint8_t buf[14];

	(void)state;
	memset(buf, 0xee, sizeof buf);
	assert_int_equal(artnet_wire_sync(buf, sizeof buf), 14);
	assert_memory_equal(buf, expect, 14);
	assert_int_equal(artnet_wire_sync(buf, 13), GL_ERANGE);
}

static void make_poll(uint8_t *buf, size_t len)
{
	memset(buf, 0, len);
	memcpy(buf, id, 8);
	buf[8] = 0x00;
	buf[9] = 0x20;
	buf[10] = 0;
	buf[11] = 14;
	buf[12] = 0x02;     /* flags: reply on change */
	buf[13] = 0x10;     /* DpLow */
}

static void test_poll_parse(void **state)
{
	uint8_t buf[22];
	struct artnet_poll p;

	(void)state;
	make_poll(buf, sizeof buf);
	assert_int_equal(artnet_wire_parse_poll(buf, 14, &p), 0);
	assert_int_equal(p.prot_ver, 14);
	assert_int_equal(p.flags, 0x02);
	assert_int_equal(p.diag_priority, 0x10);
	assert_false(p.targeted);

	assert_int_equal(artnet_wire_parse_poll(buf, 13, &p), GL_EINVAL);
	assert_int_equal(artnet_wire_parse_poll(buf, 10, &p), GL_EINVAL);
	assert_int_equal(artnet_wire_parse_poll(buf, 0, &p), GL_EINVAL);
	assert_int_equal(artnet_wire_parse_poll(NULL, 14, &p), GL_EINVAL);

	buf[7] = 'x';                       /* ID without its NUL */
	assert_int_equal(artnet_wire_parse_poll(buf, 14, &p), GL_EINVAL);
	make_poll(buf, sizeof buf);
	buf[0] = 'a';
	assert_int_equal(artnet_wire_parse_poll(buf, 14, &p), GL_EINVAL);

	make_poll(buf, sizeof buf);
	buf[11] = 13;                       /* ProtVer 13: too old */
	assert_int_equal(artnet_wire_parse_poll(buf, 14, &p), GL_EINVAL);
	buf[10] = 1;                        /* ProtVer 269: newer is fine */
	assert_int_equal(artnet_wire_parse_poll(buf, 14, &p), 0);
	assert_int_equal(p.prot_ver, 269);

	make_poll(buf, sizeof buf);
	buf[9] = 0x21;                      /* an ArtPollReply is not a poll */
	assert_int_equal(artnet_wire_parse_poll(buf, 14, &p), GL_EINVAL);

	/* Targeted mode: range fields high byte first. */
	make_poll(buf, sizeof buf);
	buf[12] = 0x20;
	buf[14] = 0x01;
	buf[15] = 0x10;                     /* top 272 */
	buf[16] = 0x00;
	buf[17] = 0x10;                     /* bottom 16 */
	assert_int_equal(artnet_wire_parse_poll(buf, 22, &p), 0);
	assert_true(p.targeted);
	assert_int_equal(p.target_top, 272);
	assert_int_equal(p.target_bottom, 16);
	/* The bit without the fields (old, short poll) is a plain poll. */
	assert_int_equal(artnet_wire_parse_poll(buf, 14, &p), 0);
	assert_false(p.targeted);

	assert_int_equal(artnet_wire_opcode(buf, 22), 0x2000);
	assert_int_equal(artnet_wire_opcode(buf, 9), GL_EINVAL);
	assert_int_equal(artnet_wire_opcode((const uint8_t *)"hello world!", 12), GL_EINVAL);
}

static void test_poll_reply(void **state)
{
	struct artnet_poll_reply r;
	uint8_t buf[300];
	int len;

	(void)state;
	memset(&r, 0, sizeof r);
	r.ip[0] = 10;
	r.ip[1] = 1;
	r.ip[2] = 2;
	r.ip[3] = 3;
	r.udp_port = ARTNET_PORT;
	r.version_info = 0x0102;
	r.net_switch = 0x05;
	r.sub_switch = 0x0a;
	r.oem = ARTNET_OEM_UNKNOWN;
	r.status1 = ARTNET_STATUS1_DEFAULT;
	r.esta_man = 0x4c47;                /* "GL" read as LE text: 'G' 'L' */
	strcpy(r.short_name, "ghostlight");
	strcpy(r.long_name, "ghostlight: Test Show");
	strcpy(r.node_report, "#0001 [0001] ok");
	r.port_count = 3;
	for (int i = 0; i < 3; i++) {
		r.port_types[i] = ARTNET_PORT_INPUT | ARTNET_PORT_DMX512;
		r.good_input[i] = ARTNET_GOOD_DATA;
		r.good_output[i] = (uint8_t)(0x10 + i);
		r.sw_in[i] = (uint8_t)(i + 1);
		r.sw_out[i] = (uint8_t)(i + 0x12);   /* high nibble dropped */
	}
	r.style = ARTNET_ST_CONTROLLER;
	r.mac[5] = 0x66;
	r.bind_ip[0] = 10;
	r.bind_ip[3] = 9;
	r.bind_index = 2;
	r.status2 = ARTNET_STATUS2_PORT15;

	memset(buf, 0xee, sizeof buf);
	len = artnet_wire_poll_reply(buf, sizeof buf, &r);
	assert_int_equal(len, 239);
	assert_memory_equal(buf, id, 8);
	assert_int_equal(buf[8], 0x00);     /* OpCode 0x2100, low byte first */
	assert_int_equal(buf[9], 0x21);
	/* No ProtVer: the IP is at offset 10. */
	assert_int_equal(buf[10], 10);
	assert_int_equal(buf[11], 1);
	assert_int_equal(buf[12], 2);
	assert_int_equal(buf[13], 3);
	assert_int_equal(buf[14], 0x36);    /* port 0x1936, low byte first */
	assert_int_equal(buf[15], 0x19);
	assert_int_equal(buf[16], 0x01);    /* VersInfoH */
	assert_int_equal(buf[17], 0x02);
	assert_int_equal(buf[18], 0x05);    /* NetSwitch */
	assert_int_equal(buf[19], 0x0a);    /* SubSwitch */
	assert_int_equal(buf[20], 0x00);    /* OemHi */
	assert_int_equal(buf[21], 0xff);    /* Oem */
	assert_int_equal(buf[22], 0x00);    /* UbeaVersion */
	assert_int_equal(buf[23], 0xd0);    /* Status1 */
	assert_int_equal(buf[24], 0x47);    /* EstaManLo */
	assert_int_equal(buf[25], 0x4c);    /* EstaManHi */
	assert_string_equal((const char *)buf + 26, "ghostlight");
	for (int i = 26 + 10; i < 44; i++)
		assert_int_equal(buf[i], 0);
	assert_string_equal((const char *)buf + 44, "ghostlight: Test Show");
	for (int i = 44 + 21; i < 108; i++)
		assert_int_equal(buf[i], 0);
	assert_string_equal((const char *)buf + 108, "#0001 [0001] ok");
	for (int i = 108 + 15; i < 172; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[172], 0);      /* NumPortsHi */
	assert_int_equal(buf[173], 3);      /* NumPortsLo */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(buf[174 + i], 0x40);
		assert_int_equal(buf[178 + i], 0x80);
		assert_int_equal(buf[182 + i], 0x10 + i);
		assert_int_equal(buf[186 + i], i + 1);
		assert_int_equal(buf[190 + i], i + 2);
	}
	/* The fourth port is unused and zero everywhere. */
	assert_int_equal(buf[177], 0);
	assert_int_equal(buf[181], 0);
	assert_int_equal(buf[185], 0);
	assert_int_equal(buf[189], 0);
	assert_int_equal(buf[193], 0);
	for (int i = 194; i < 200; i++)     /* AcnPriority, SwMacro, SwRemote, spare */
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[200], 0x01);   /* Style */
	for (int i = 201; i < 206; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[206], 0x66);   /* MAC, high byte first */
	assert_int_equal(buf[207], 10);     /* BindIp */
	assert_int_equal(buf[208], 0);
	assert_int_equal(buf[209], 0);
	assert_int_equal(buf[210], 9);
	assert_int_equal(buf[211], 2);      /* BindIndex */
	assert_int_equal(buf[212], 0x08);   /* Status2 */
	for (int i = 213; i < 239; i++)     /* GoodOutputB .. Filler */
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[239], 0xee);

	/* Over-long names are cut and stay terminated. */
	memset(r.short_name, 's', sizeof r.short_name);
	memset(r.long_name, 'l', sizeof r.long_name);
	artnet_wire_poll_reply(buf, sizeof buf, &r);
	assert_int_equal(strlen((const char *)buf + 26), 17);
	assert_int_equal(strlen((const char *)buf + 44), 63);

	assert_int_equal(artnet_wire_poll_reply(buf, 238, &r), GL_ERANGE);
	r.port_count = 5;
	assert_int_equal(artnet_wire_poll_reply(buf, sizeof buf, &r), GL_EINVAL);
}

static void test_reply_group(void **state)
{
	const uint16_t pa[] = { 0, 1, 2, 3, 4, 16, 17, 300 };
	const int count = (int)(sizeof pa / sizeof pa[0]);

	(void)state;
	assert_int_equal(artnet_reply_group(pa, count, 0), 4);   /* 0..3, at most 4 */
	assert_int_equal(artnet_reply_group(pa, count, 4), 1);   /* 4 alone */
	assert_int_equal(artnet_reply_group(pa, count, 5), 2);   /* 16, 17: Sub-Net 1 */
	assert_int_equal(artnet_reply_group(pa, count, 7), 1);   /* 300 */
	assert_int_equal(artnet_reply_group(pa, count, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dmx_full),
		cmocka_unit_test(test_dmx_short_and_padding),
		cmocka_unit_test(test_sequence_wrap),
		cmocka_unit_test(test_port_address),
		cmocka_unit_test(test_dmx_parse),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_poll_parse),
		cmocka_unit_test(test_poll_reply),
		cmocka_unit_test(test_reply_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
