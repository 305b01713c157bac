/*
 * test_nodelink_wire.c - the node link's bytes: BLAKE2s against RFC 7693's
 * vector and against Python's hashlib.blake2s on thousands of random keys,
 * messages and digest lengths (an implementation that is not ours); the
 * truncated MAC the same way; every packet type round trip and byte
 * offsets; MAC rejection of a changed byte, key, epoch or link; the parser
 * on short, long and reserved input; the hop sequence; COBS and the air
 * envelope.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "outputs/dmx/nodelink/nodelink_wire.h"
#include "tools/out_test.h"

/* xorshift64*: reproducible random input */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	return out_test_xorshift(&rng_state);
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void test_blake2s_rfc7693(void **state)
{
	/* RFC 7693 Appendix B: BLAKE2s-256("abc") */
	static const uint8_t want[32] = {
		0x50, 0x8c, 0x5e, 0x8c, 0x32, 0x7c, 0x14, 0xe2, 0xe1, 0xa7, 0x2b, 0xa3,
		0x4e, 0xeb, 0x45, 0x2f, 0x37, 0x45, 0x8b, 0x20, 0x9e, 0xd6, 0x3a, 0x29,
		0x4d, 0x99, 0x9b, 0x4c, 0x86, 0x67, 0x59, 0x82,
	};
	uint8_t out[32];
	struct nodelink_blake2s s;

	(void)state;
	assert_int_equal(nodelink_blake2s(out, 32, NULL, 0, "abc", 3), 0);
	assert_memory_equal(out, want, 32);
	/* the same in pieces */
	assert_int_equal(nodelink_blake2s_init(&s, 32, NULL, 0), 0);
	nodelink_blake2s_update(&s, "a", 1);
	nodelink_blake2s_update(&s, "", 0);
	nodelink_blake2s_update(&s, "bc", 2);
	nodelink_blake2s_final(&s, out);
	assert_memory_equal(out, want, 32);
	/* lengths out of range are refused */
	assert_int_equal(nodelink_blake2s_init(&s, 0, NULL, 0), -1);
	assert_int_equal(nodelink_blake2s_init(&s, 33, NULL, 0), -1);
	assert_int_equal(nodelink_blake2s_init(&s, 32, out, 33), -1);
}

/* Python reads "outlen key msg digest" lines (hex; "-" for empty) and
 * prints the number of mismatches; a MAC line is "mac key link epoch pkt
 * mac". */
static const char checker[] =
	"import hashlib, struct, sys\n"
	"bad = n = 0\n"
	"h = lambda s: b'' if s == '-' else bytes.fromhex(s)\n"
	"for line in sys.stdin:\n"
	"    f = line.split()\n"
	"    n += 1\n"
	"    if f[0] == 'mac':\n"
	"        key, link, epoch, pkt, mac = h(f[1]), int(f[2]), int(f[3]), h(f[4]), h(f[5])\n"
	"        msg = struct.pack('<HI', link, epoch) + pkt[:-4]\n"
	"        ok = hashlib.blake2s(msg, key=key).digest()[:4] == mac\n"
	"    else:\n"
	"        ok = hashlib.blake2s(h(f[2]), key=h(f[1]), digest_size=int(f[0])).digest() == h(f[3])\n"
	"    if not ok:\n"
	"        bad += 1\n"
	"        if bad < 5: print('mismatch:', line.strip(), file=sys.stderr)\n"
	"print(bad, n)\n";

static void test_blake2s_against_python(void **state)
{
	char script[] = "/tmp/gl-test-blake2s-XXXXXX";
	char cmd[128], line[2048], result[64];
	int fd = mkstemp(script);
	FILE *py, *out;
	int bad = -1, n = 0;
	const int rounds = 3000, macs = 2000;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, checker, strlen(checker)), (ssize_t)strlen(checker));
	close(fd);
	/* the output goes to a file: Python's answer comes after all input */
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s > %s.out", script, script);
	py = popen(cmd, "w");
	if (!py) {
		unlink(script);
		fail_msg("cannot run /usr/bin/python3");
	}
	for (int i = 0; i < rounds; i++) {
		uint8_t key[32], msg[300], out_d[32];
		size_t keylen = i % 5 == 0 ? 0 : rnd() % 33;
		/* around the block edges, and beyond */
		size_t msglen = i % 3 == 0 ? 60 + rnd() % 10 : i % 3 == 1 ? 120 + rnd() % 20 : rnd() % 300;
		size_t outlen = i % 2 ? 32 : 1 + rnd() % 32;
		char khex[65], mhex[601], dhex[65];

		fill(key, keylen);
		fill(msg, msglen);
		assert_int_equal(nodelink_blake2s(out_d, outlen, key, keylen, msg, msglen), 0);
		hex(khex, key, keylen);
		hex(mhex, msg, msglen);
		hex(dhex, out_d, outlen);
		fprintf(py, "%zu %s %s %s\n", outlen, keylen ? khex : "-", msglen ? mhex : "-", dhex);
	}
	for (int i = 0; i < macs; i++) {
		uint8_t raw[32], pkt[32], mac[4];
		struct nodelink_key k;
		size_t len = 5 + rnd() % 28;
		uint16_t link = (uint16_t)rnd();
		uint32_t epoch = rnd();
		char khex[65], phex[65], mhex[9];

		fill(raw, sizeof raw);
		fill(pkt, len);
		nodelink_key_init(&k, raw);
		nodelink_mac(&k, link, epoch, pkt, len, mac);
		hex(khex, raw, 32);
		hex(phex, pkt, len);
		hex(mhex, mac, 4);
		fprintf(py, "mac %s %u %u %s %s\n", khex, link, epoch, phex, mhex);
	}
	assert_int_equal(pclose(py), 0);
	snprintf(line, sizeof line, "%s.out", script);
	out = fopen(line, "r");
	assert_non_null(out);
	if (fgets(result, sizeof result, out))
		sscanf(result, "%d %d", &bad, &n);
	fclose(out);
	unlink(line);
	unlink(script);
	assert_int_equal(n, rounds + macs);
	assert_int_equal(bad, 0);
}

static void make_key(struct nodelink_key *k, uint8_t seed)
{
	uint8_t raw[32];

	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(seed + i * 7);
	nodelink_key_init(k, raw);
}

static void test_beacon_round_trip(void **state)
{
	struct nodelink_beacon b;
	struct nodelink_packet p;
	struct nodelink_key k;
	uint8_t pkt[32];

	(void)state;
	/* zeroed whole, padding included, so that memory compares */
	memset(&b, 0, sizeof b);
	memset(&p, 0, sizeof p);
	b.counter = 0xabcdef;
	b.epoch = 0x01020304;
	b.period_us = 25000;
	b.slot_us = 290;
	b.flags = NODELINK_BF_DOWN;
	b.up_slots = 16;
	b.hop_seed = 0x5566;
	b.echo_node = 0x0708;
	b.echo_nonce = 0xdeadbeef;
	b.ack_node = 0x0a0b;
	b.ack_seq = 9;
	make_key(&k, 1);
	assert_int_equal(nodelink_beacon_encode(pkt, sizeof pkt, &b), 32);
	assert_int_equal(pkt[0], 0x01);            /* type 0, version 1 */
	assert_int_equal(nodelink_get24(pkt + 1), 0xabcdef);
	assert_int_equal(nodelink_get32(pkt + 4), 0x01020304);
	assert_int_equal(nodelink_get16(pkt + 8), 2500);
	assert_int_equal(pkt[10], 29);
	nodelink_seal(&k, 7, b.epoch, pkt, sizeof pkt);
	assert_true(nodelink_verify(&k, 7, b.epoch, pkt, sizeof pkt));
	assert_int_equal(nodelink_parse(pkt, sizeof pkt, &p), 0);
	assert_int_equal(p.type, NODELINK_BEACON);
	assert_memory_equal(&p.u.beacon, &b, sizeof b);

	/* a superframe too short for its slots, a period off the 10 µs grid,
	 * a counter over 24 bits: refused */
	b.period_us = 290 * (NODELINK_SLOT_UP + 16) - 10;
	assert_int_equal(nodelink_beacon_encode(pkt, sizeof pkt, &b), -1);
	b.period_us = 25005;
	assert_int_equal(nodelink_beacon_encode(pkt, sizeof pkt, &b), -1);
	b.period_us = 25000;
	b.counter = 0x1000000;
	assert_int_equal(nodelink_beacon_encode(pkt, sizeof pkt, &b), -1);
}

static void test_data_round_trip(void **state)
{
	uint8_t slots[NODELINK_SLOTS], pkt[32], back[NODELINK_SLOTS];
	struct nodelink_packet p;
	struct nodelink_key k;
	int total = 0;

	(void)state;
	make_key(&k, 2);
	for (int i = 0; i < NODELINK_SLOTS; i++)
		slots[i] = (uint8_t)(i * 13 + 5);
	memset(back, 0, sizeof back);
	for (unsigned f = 0; f < NODELINK_FRAGS; f++) {
		int len = nodelink_data_encode(pkt, sizeof pkt, f, 0x123456, slots);

		assert_int_equal(len, (int)nodelink_data_len(f));
		assert_true(len <= NODELINK_PAYLOAD_MAX);
		assert_int_equal(pkt[0], 0x20 | f);
		nodelink_seal(&k, 1, 42, pkt, (size_t)len);
		assert_int_equal(nodelink_parse(pkt, (size_t)len, &p), 0);
		assert_int_equal(p.type, NODELINK_DATA);
		assert_int_equal(p.u.data.frag, f);
		assert_int_equal(p.u.data.counter, 0x123456);
		memcpy(back + f * NODELINK_FRAG_SLOTS, p.u.data.slots, p.u.data.slot_count);
		total += p.u.data.slot_count;
		/* one byte short or long is not a fragment */
		assert_int_equal(nodelink_parse(pkt, (size_t)len - 1, &p), NODELINK_ESHORT);
	}
	assert_int_equal(total, NODELINK_SLOTS);
	assert_memory_equal(back, slots, sizeof slots);
	assert_int_equal(nodelink_data_len(NODELINK_FRAGS - 1), 4 + 8 + 4);
	assert_int_equal(nodelink_data_encode(pkt, sizeof pkt, NODELINK_FRAGS, 1, slots), -1);
}

static void test_msg_round_trip(void **state)
{
	struct nodelink_msg m = { .type = NODELINK_DOWN, .code = NODELINK_CMD_CONFIG,
				  .counter = 77, .node = 0x1234, .seq = 200 };
	struct nodelink_config c, c2;
	struct nodelink_status st, st2;
	struct nodelink_hello h, h2;
	struct nodelink_packet p;
	uint8_t pkt[32];

	(void)state;
	/* zeroed whole, padding included, so that memory compares */
	memset(&c, 0, sizeof c);
	memset(&c2, 0, sizeof c2);
	memset(&st, 0, sizeof st);
	memset(&st2, 0, sizeof st2);
	memset(&h, 0, sizeof h);
	memset(&h2, 0, sizeof h2);
	c = (struct nodelink_config){ .universe = 12, .start = 101, .count = 24, .failsafe = 2,
				      .timeout_10ms = 300, .break_us = 176, .mab_us = 16 };
	st.state = 2;
	st.rx_percent = 97;
	st.rssi_dbm = -61;
	st.loss_permille = 12;
	st.temperature_c = -5;
	st.fw_version = 0x0102;
	st.uptime_s = 123456;
	st.universe = 7;
	st.start = 1;
	st.failsafe = 3;
	st.cpu_percent = 14;
	st.dmx_rate_centihz = 4000;
	st.flags = 1;
	h.nonce = 0xcafef00d;
	h.fw_version = 0x0100;
	h.board = 2;
	nodelink_config_put(m.body, NODELINK_CF_ALL, &c);
	assert_int_equal(nodelink_msg_encode(pkt, sizeof pkt, &m), 32);
	assert_int_equal(pkt[0], 0x41);
	assert_int_equal(nodelink_parse(pkt, 32, &p), 0);
	assert_int_equal(p.type, NODELINK_DOWN);
	assert_int_equal(p.u.msg.code, NODELINK_CMD_CONFIG);
	assert_int_equal(p.u.msg.node, 0x1234);
	assert_int_equal(p.u.msg.seq, 200);
	assert_int_equal(nodelink_config_get(p.u.msg.body, &c2), NODELINK_CF_ALL);
	assert_memory_equal(&c2, &c, sizeof c);
	assert_int_equal(nodelink_config_check(&c, NODELINK_CF_ALL), 0);

	nodelink_status_put(m.body, &st);
	nodelink_status_get(m.body, &st2);
	assert_memory_equal(&st2, &st, sizeof st);
	nodelink_hello_put(m.body, &h);
	nodelink_hello_get(m.body, &h2);
	assert_memory_equal(&h2, &h, sizeof h);

	/* code 0 is no command; a DATA type cannot be a message */
	pkt[0] = 0x40;
	assert_int_equal(nodelink_parse(pkt, 32, &p), NODELINK_EFIELD);
	m.type = NODELINK_DATA;
	assert_int_equal(nodelink_msg_encode(pkt, sizeof pkt, &m), -1);
}

static void test_config_check(void **state)
{
	struct nodelink_config c = { .universe = 1, .start = 1, .count = 512, .failsafe = 0,
				     .timeout_10ms = 1, .break_us = 92, .mab_us = 12 };

	(void)state;
	assert_int_equal(nodelink_config_check(&c, NODELINK_CF_ALL), 0);
	c.start = 2;        /* 2 + 512 - 1 is past slot 512 */
	assert_int_equal(nodelink_config_check(&c, NODELINK_CF_ALL), -1);
	c.count = 511;
	assert_int_equal(nodelink_config_check(&c, NODELINK_CF_ALL), 0);
	c.break_us = 91;
	assert_int_equal(nodelink_config_check(&c, NODELINK_CF_ALL), -1);
	assert_int_equal(nodelink_config_check(&c, NODELINK_CF_ALL & ~NODELINK_CF_BREAK), 0);
	c.break_us = 176;
	c.mab_us = 11;
	assert_int_equal(nodelink_config_check(&c, NODELINK_CF_MAB), -1);
	c.mab_us = 12;
	c.universe = 64000;
	assert_int_equal(nodelink_config_check(&c, NODELINK_CF_UNIVERSE), -1);
	c.universe = 1;
	c.failsafe = 4;
	assert_int_equal(nodelink_config_check(&c, NODELINK_CF_FAILSAFE), -1);
}

/* Every byte, the key, the epoch and the link are covered by the MAC. */
static void test_mac_rejects(void **state)
{
	struct nodelink_key k, other;
	uint8_t slots[NODELINK_SLOTS] = { 0 }, pkt[32];
	int len;

	(void)state;
	make_key(&k, 3);
	make_key(&other, 4);
	len = nodelink_data_encode(pkt, sizeof pkt, 5, 1000, slots);
	nodelink_seal(&k, 9, 555, pkt, (size_t)len);
	assert_true(nodelink_verify(&k, 9, 555, pkt, (size_t)len));
	assert_false(nodelink_verify(&other, 9, 555, pkt, (size_t)len));
	assert_false(nodelink_verify(&k, 10, 555, pkt, (size_t)len));
	assert_false(nodelink_verify(&k, 9, 556, pkt, (size_t)len));
	for (int i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			pkt[i] ^= (uint8_t)(1 << bit);
			assert_false(nodelink_verify(&k, 9, 555, pkt, (size_t)len));
			pkt[i] ^= (uint8_t)(1 << bit);
		}
	}
	assert_false(nodelink_verify(&k, 9, 555, pkt, 4));
	assert_false(nodelink_verify(&k, 9, 555, pkt, 0));
}

static void test_parse_rejects(void **state)
{
	struct nodelink_packet p;
	uint8_t pkt[40] = { 0 };

	(void)state;
	assert_int_equal(nodelink_parse(pkt, 0, &p), NODELINK_ESHORT);
	assert_int_equal(nodelink_parse(pkt, 33, &p), NODELINK_ELONG);
	for (int t = 4; t < 8; t++) {
		pkt[0] = (uint8_t)(t << 5);
		assert_int_equal(nodelink_parse(pkt, 32, &p), NODELINK_ETYPE);
	}
	pkt[0] = 0x02;              /* beacon version 2 */
	assert_int_equal(nodelink_parse(pkt, 32, &p), NODELINK_EFIELD);
	pkt[0] = 0x20 | 22;         /* fragment 22 does not exist */
	assert_int_equal(nodelink_parse(pkt, 32, &p), NODELINK_EFIELD);
	pkt[0] = 0x01;              /* beacon, period 0 */
	assert_int_equal(nodelink_parse(pkt, 32, &p), NODELINK_EFIELD);
	assert_int_equal(nodelink_parse(pkt, 31, &p), NODELINK_ESHORT);
	assert_string_equal(nodelink_strerror(NODELINK_ETYPE), "reserved packet type");
}

static void test_hop(void **state)
{
	struct nodelink_key k;
	struct nodelink_hop h, h2, h3;
	int seen[128] = { 0 };

	(void)state;
	make_key(&k, 5);
	nodelink_hop_init(&h, &k, 1, 100);
	nodelink_hop_init(&h2, &k, 1, 100);
	assert_memory_equal(&h, &h2, sizeof h);
	for (uint32_t n = 0; n < NODELINK_CHANNELS; n++) {
		uint8_t a = nodelink_channel_a(&h, n), b = nodelink_channel_b(&h, n);

		assert_true(a >= 2 && a <= 41);
		assert_int_equal(b, a + 40);
		seen[a]++;
	}
	for (int c = 2; c <= 41; c++)
		assert_int_equal(seen[c], 1);     /* a permutation */
	nodelink_hop_init(&h2, &k, 2, 100);
	nodelink_hop_init(&h3, &k, 1, 101);
	assert_memory_not_equal(&h, &h2, sizeof h);
	assert_memory_not_equal(&h, &h3, sizeof h);
	assert_int_not_equal(nodelink_link_address(&k, 1), nodelink_link_address(&k, 2));
}

static void test_cobs(void **state)
{
	uint8_t in[700], enc[720], dec[720];

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = rnd() % 600;
		int elen, dlen;

		for (size_t i = 0; i < len; i++)
			in[i] = round % 4 == 0 ? (uint8_t)(1 + rnd() % 255) : rnd() % 3 ? (uint8_t)rnd() : 0;
		elen = nodelink_cobs_encode(enc, sizeof enc, in, len);
		assert_true(elen > 0 && (size_t)elen <= len + len / 254 + 1);
		assert_null(memchr(enc, 0, (size_t)elen));
		dlen = nodelink_cobs_decode(dec, sizeof dec, enc, (size_t)elen);
		assert_int_equal(dlen, (int)len);
		assert_memory_equal(dec, in, len);
	}
	/* a code byte that runs past the end, and a zero inside */
	assert_int_equal(nodelink_cobs_decode(dec, sizeof dec, (const uint8_t *)"\x05\x01\x02", 3), -1);
	assert_int_equal(nodelink_cobs_decode(dec, sizeof dec, (const uint8_t *)"\x03\x00\x02", 3), -1);
	assert_int_equal(nodelink_cobs_encode(enc, 3, in, 10), -1);
}

static void test_air(void **state)
{
	struct nodelink_air a = { .flags = NODELINK_AIR_UP, .channel = 77, .rssi_dbm = -70,
				  .address = 0xa1b2c3d4, .at_ns = 0x0102030405060708ull, .len = 16 }, b;
	uint8_t buf[80];
	int n;

	(void)state;
	for (int i = 0; i < 16; i++)
		a.pkt[i] = (uint8_t)i;
	n = nodelink_air_encode(buf, sizeof buf, &a);
	assert_int_equal(n, NODELINK_AIR_HDR + 16);
	memset(&b, 0, sizeof b);
	assert_int_equal(nodelink_air_decode(buf, (size_t)n, &b), 0);
	assert_memory_equal(&b, &a, sizeof a);
	/* padding after the packet (a short Ethernet frame) is fine */
	assert_int_equal(nodelink_air_decode(buf, (size_t)n + 10, &b), 0);
	assert_int_equal(nodelink_air_decode(buf, (size_t)n - 1, &b), NODELINK_ESHORT);
	buf[0] = 'X';
	assert_int_equal(nodelink_air_decode(buf, (size_t)n, &b), NODELINK_ETYPE);
	buf[0] = 'G';
	buf[6] = 33;
	assert_int_equal(nodelink_air_decode(buf, sizeof buf, &b), NODELINK_EFIELD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blake2s_rfc7693),
		cmocka_unit_test(test_blake2s_against_python),
		cmocka_unit_test(test_beacon_round_trip),
		cmocka_unit_test(test_data_round_trip),
		cmocka_unit_test(test_msg_round_trip),
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_mac_rejects),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_hop),
		cmocka_unit_test(test_cobs),
		cmocka_unit_test(test_air),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
