/*
 * test_nodelink_output.c - the nodes output's transmitter path on a pty
 * (the transmitter's serial port): options refused with a reason; the link
 * key made once, mode 0600, and reused; a superframe written as COBS frames
 * of air envelopes - beacon, two copies of 22 fragments carrying the
 * engine's universe, on the hop sequence's channels, each stamped with its
 * slot's end - every packet's MAC good under the stored key; a node's report
 * coming back over the line taken, and listed on the control socket; a
 * report with a bad MAC refused and counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "outputs/dmx/nodelink/nodelink_tx.h"
#include "outputs/dmx/output.h"
#include "tools/out_test.h"

extern const struct gl_output_ops gl_output_nodes;


static struct gl_output *configure(const char *device, int universes, char *err, size_t len)
{
	static int numbers[4] = { 5, 6, 7, 8 };
	struct gl_output_config cfg = { .name = "bench", .type = "nodes",
					.universe_count = universes, .universes = numbers };

	if (device) {
		snprintf(cfg.options[0].key, sizeof cfg.options[0].key, "device");
		snprintf(cfg.options[0].value, sizeof cfg.options[0].value, "%s", device);
		cfg.option_count = 1;
	}
	return gl_output_nodes.configure(&cfg, err, len);
}

static void test_options(void **state)
{
	char err[256];

	(void)state;
	/* a transmitter carries one universe */
	assert_null(configure("/dev/null", 2, err, sizeof err));
	assert_non_null(strstr(err, "one universe"));
	{
		struct gl_output_config cfg = { .name = "x", .type = "nodes", .universe_count = 1,
						.universes = (int[]){ 1 }, .option_count = 1 };

		snprintf(cfg.options[0].key, sizeof cfg.options[0].key, "period_ms");
		snprintf(cfg.options[0].value, sizeof cfg.options[0].value, "20");
		assert_null(gl_output_nodes.configure(&cfg, err, sizeof err));
		assert_non_null(strstr(err, "period_ms"));
	}
}

/* Reads COBS frames from the master side until `want` envelopes came or
 * a second passed. */
static int read_envelopes(int master, struct nodelink_air *out, int want)
{
	uint8_t buf[8192], frame[256];
	size_t flen = 0;
	int n = 0;

	while (n < want) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		ssize_t got;

		if (poll(&p, 1, 1000) != 1)
			break;
		got = read(master, buf, sizeof buf);
		if (got <= 0)
			break;
		for (ssize_t i = 0; i < got && n < want; i++) {
			uint8_t env[NODELINK_AIR_MAX];
			int len;

			if (buf[i]) {
				if (flen < sizeof frame)
					frame[flen++] = buf[i];
				continue;
			}
			len = nodelink_cobs_decode(env, sizeof env, frame, flen);
			flen = 0;
			assert_true(len > 0);
			assert_int_equal(nodelink_air_decode(env, (size_t)len, &out[n]), 0);
			n++;
		}
	}
	return n;
}

static void write_envelope(int master, const struct nodelink_air *a)
{
	uint8_t env[NODELINK_AIR_MAX], out[NODELINK_AIR_MAX + 8];
	int n = nodelink_air_encode(env, sizeof env, a);
	int c = nodelink_cobs_encode(out, sizeof out - 1, env, (size_t)n);

	out[c++] = 0;
	assert_int_equal(write(master, out, (size_t)c), c);
}

/* Sends a request to the control socket from an address of our own;
 * returns the socket the answer will come to. */
static int ask(const char *sock, const char *req)
{
	struct sockaddr_un to = { .sun_family = AF_UNIX }, me = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	snprintf(to.sun_path, sizeof to.sun_path, "%s", sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)), 0);
	assert_true(sendto(fd, req, strlen(req), 0, (struct sockaddr *)&to, sizeof to) > 0);
	return fd;
}

static void test_serial_transmitter(void **state)
{
	char err[256], path[256], key_path[300], text[80];
	uint8_t universe[2 * GL_DMX_SLOTS], raw[NODELINK_KEY_LEN];
	int numbers[2] = { 3, 5 };
	struct gl_frame frame = { .tick = 1, .universe_count = 2, .numbers = numbers, .dmx = universe };
	struct nodelink_air env[NODELINK_TX_PACKETS];
	struct nodelink_key key;
	struct nodelink_hop hop;
	struct nodelink_packet p;
	struct gl_output *out;
	const struct gl_output_status *st;
	struct stat sb;
	int master, n, fd;
	FILE *f;

	(void)state;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	snprintf(path, sizeof path, "%s", ptsname(master));
	for (int i = 0; i < 2 * GL_DMX_SLOTS; i++)
		universe[i] = (uint8_t)(i * 7 + 1);

	out = configure(path, 1, err, sizeof err);
	assert_non_null(out);
	st = gl_output_status(out);
	assert_int_equal(gl_output_nodes.open(out), 0);
	/* the key: made now, 0600, 64 hex digits */
	snprintf(key_path, sizeof key_path, "%s/nodelink.key", out_test_dir());
	assert_int_equal(stat(key_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	f = fopen(key_path, "r");
	assert_non_null(fgets(text, sizeof text, f));
	fclose(f);
	for (int i = 0; i < NODELINK_KEY_LEN; i++) {
		unsigned v;

		assert_int_equal(sscanf(text + 2 * i, "%2x", &v), 1);
		raw[i] = (uint8_t)v;
	}
	nodelink_key_init(&key, raw);

	/* before the engine's first frame: the beacon alone, no zeros that
	 * would black out nodes holding the look of a console that crashed */
	gl_output_nodes.service(out, gl_output_nodes.next_service_ns(out));
	n = read_envelopes(master, env, NODELINK_TX_PACKETS);
	assert_int_equal(n, 1);
	assert_int_equal(nodelink_parse(env[0].pkt, env[0].len, &p), 0);
	assert_int_equal(p.type, NODELINK_BEACON);

	assert_int_equal(gl_output_nodes.send(out, &frame, gl_now_ns()), 0);
	gl_output_nodes.service(out, gl_output_nodes.next_service_ns(out));
	n = read_envelopes(master, env, NODELINK_TX_PACKETS);
	assert_int_equal(n, 1 + 2 * NODELINK_FRAGS);
	/* the beacon: the epoch, the hop seed, its own MAC */
	assert_int_equal(nodelink_parse(env[0].pkt, env[0].len, &p), 0);
	assert_int_equal(p.type, NODELINK_BEACON);
	assert_true(nodelink_verify(&key, 5, p.u.beacon.epoch, env[0].pkt, env[0].len));
	nodelink_hop_init(&hop, &key, 5, p.u.beacon.hop_seed);
	{
		uint32_t epoch = p.u.beacon.epoch, counter = p.u.beacon.counter;
		uint8_t back[NODELINK_SLOTS];

		assert_int_equal(env[0].channel, nodelink_channel_a(&hop, counter));
		assert_int_equal(env[0].address, nodelink_link_address(&key, 5));
		assert_int_equal(env[0].at_ns, 1000ull * nodelink_slot_end_us(290, 0));
		for (int i = 1; i < n; i++) {
			unsigned slot = (unsigned)i;   /* beacon, copy A, copy B in order */

			assert_true(nodelink_verify(&key, 5, epoch, env[i].pkt, env[i].len));
			assert_int_equal(nodelink_parse(env[i].pkt, env[i].len, &p), 0);
			assert_int_equal(p.type, NODELINK_DATA);
			assert_int_equal(p.u.data.counter, counter);
			assert_int_equal(p.u.data.frag, (i - 1) % NODELINK_FRAGS);
			assert_int_equal(env[i].channel, i <= NODELINK_FRAGS ? nodelink_channel_a(&hop, counter)
									      : nodelink_channel_b(&hop, counter));
			assert_int_equal(env[i].at_ns, 1000ull * nodelink_slot_end_us(290, slot));
			memcpy(back + p.u.data.frag * NODELINK_FRAG_SLOTS, p.u.data.slots,
			       p.u.data.slot_count);
		}
		/* universe 5 is the frame's second */
		assert_memory_equal(back, universe + GL_DMX_SLOTS, NODELINK_SLOTS);

		/* a node's report over the line: taken, then listed */
		{
			struct nodelink_status s = { .state = NODELINK_ST_LIVE, .rx_percent = 99,
						     .universe = 5, .start = 1, .fw_version = 0x0100 };
			struct nodelink_msg m = { .type = NODELINK_UP, .code = NODELINK_REP_STATUS,
						  .counter = counter, .node = 42, .seq = 1 };
			struct nodelink_air a = { .flags = NODELINK_AIR_UP, .channel = env[30].channel,
						  .address = env[0].address, .len = NODELINK_MSG_LEN };
			char sock[300], reply[4096] = "";

			nodelink_status_put(m.body, &s);
			nodelink_msg_encode(a.pkt, sizeof a.pkt, &m);
			nodelink_seal(&key, 5, epoch, a.pkt, a.len);
			write_envelope(master, &a);
			/* and a stranger's, one bit off */
			m.node = 43;
			nodelink_msg_encode(a.pkt, sizeof a.pkt, &m);
			nodelink_seal(&key, 5, epoch, a.pkt, a.len);
			a.pkt[9] ^= 1;
			write_envelope(master, &a);
			usleep(20000);
			gl_output_nodes.service(out, gl_now_ns());
			assert_int_equal(gl_counter(&st->packets_received), 1);
			assert_int_equal(gl_counter(&st->packets_malformed), 1);

			snprintf(sock, sizeof sock, "%s/nodes-bench.sock", out_test_dir());
			fd = ask(sock, "list");
			usleep(20000);
			gl_output_nodes.service(out, gl_now_ns());
			{
				struct pollfd pf = { .fd = fd, .events = POLLIN };
				ssize_t got;

				assert_int_equal(poll(&pf, 1, 1000), 1);
				got = recv(fd, reply, sizeof reply - 1, 0);
				assert_true(got > 0);
				reply[got] = '\0';
			}
			close(fd);
			assert_non_null(strstr(reply, "node 5 42 "));
			assert_non_null(strstr(reply, " status=1 state=2 rx=99 "));
			assert_null(strstr(reply, "node 5 43 "));
		}
	}
	gl_output_nodes.close(out);
	/* the same key the next time */
	out = configure(path, 1, err, sizeof err);
	assert_int_equal(gl_output_nodes.open(out), 0);
	f = fopen(key_path, "r");
	{
		char again[80];

		assert_non_null(fgets(again, sizeof again, f));
		assert_string_equal(again, text);
	}
	fclose(f);
	gl_output_nodes.close(out);
	close(master);
}

static int setup(void **state)
{
	(void)state;
	return out_test_dir_make("gl-test-nodes", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_serial_transmitter),
	};
	return cmocka_run_group_tests(tests, setup, out_test_dir_remove);
}
