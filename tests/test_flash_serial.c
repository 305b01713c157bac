/*
 * test_flash_serial.c - a firmware update through the transmitter's serial
 * line (a node on the bench): the nodes output on a pty, this test on the
 * other end as the transmitter and a scripted node. The node answers the
 * console's FW commands as PROTOCOL.md says; while chunks flow, each
 * superframe on the line carries the beacon, copy A and up to 22 chunks in
 * copy B's place (the line has room for no more), every chunk sealed, on
 * copy B's channel in a tail slot, its bytes the image's; the node's
 * reports over the line move the console on, and `fwstate` on the control
 * socket follows it to the end: confirmed.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "firmware/core/fwimage.h"
#include "outputs/dmx/nodelink/nodelink_fw.h"
#include "outputs/dmx/output.h"
#include "tools/out_test.h"

extern const struct gl_output_ops gl_output_nodes;

#define UNIVERSE 5
#define NODE 42
#define BODY 1200


/* The line from the output: COBS frames, one envelope each. */
struct line_in {
	int fd;
	uint8_t frame[256];
	size_t len;
};

/* The next envelope waiting on the line, or false. */
static bool next_envelope(struct line_in *in, struct nodelink_air *a)
{
	uint8_t c;

	while (read(in->fd, &c, 1) == 1) {
		uint8_t env[NODELINK_AIR_MAX];
		int n;

		if (c) {
			if (in->len < sizeof in->frame)
				in->frame[in->len++] = c;
			continue;
		}
		n = nodelink_cobs_decode(env, sizeof env, in->frame, in->len);
		in->len = 0;
		assert_true(n > 0);
		assert_int_equal(nodelink_air_decode(env, (size_t)n, a), 0);
		return true;
	}
	return false;
}

/* The scripted node: what it says, sealed, over the line. */
struct scripted {
	int fd;
	struct nodelink_key key;
	uint32_t epoch, counter;
	uint8_t seq;
	uint32_t address;
	uint8_t channel;
};

static void report(struct scripted *n, uint8_t code, const uint8_t body[NODELINK_BODY_LEN])
{
	struct nodelink_msg m = { .type = NODELINK_UP, .code = code, .counter = n->counter,
				  .node = NODE, .seq = ++n->seq };
	struct nodelink_air a = { .flags = NODELINK_AIR_UP, .channel = n->channel,
				  .address = n->address, .len = NODELINK_MSG_LEN };
	uint8_t env[NODELINK_AIR_MAX], out[NODELINK_AIR_MAX + 8];
	int len, c;

	memcpy(m.body, body, NODELINK_BODY_LEN);
	nodelink_msg_encode(a.pkt, sizeof a.pkt, &m);
	nodelink_seal(&n->key, UNIVERSE, n->epoch, a.pkt, a.len);
	len = nodelink_air_encode(env, sizeof env, &a);
	c = nodelink_cobs_encode(out, sizeof out - 1, env, (size_t)len);
	out[c++] = 0;
	assert_int_equal(write(n->fd, out, (size_t)c), c);
}

static void info(struct scripted *n, uint16_t version, uint8_t slot, uint8_t state,
		 uint32_t xfer, uint16_t contig, uint16_t chunks, uint8_t code, uint8_t seq)
{
	struct nodelink_fw_info i = { .version = version, .slot = slot,
				      .flags = NODELINK_FWF_UPDATABLE, .boot_version = 1,
				      .xfer = xfer, .state = state, .contig = contig,
				      .chunks = chunks, .answered_code = code, .answered_seq = seq,
				      .board = NODELINK_BOARD_SIM };
	uint8_t body[NODELINK_BODY_LEN];

	nodelink_fw_info_put(body, &i);
	report(n, NODELINK_REP_FW_INFO, body);
}

static int ask(const char *req, const void *data, size_t len, char *reply, size_t cap,
	       struct gl_output *out)
{
	struct sockaddr_un to = { .sun_family = AF_UNIX }, me = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0), size = 1 << 20;
	uint8_t *msg = malloc(strlen(req) + len);
	ssize_t got = -1;

	snprintf(to.sun_path, sizeof to.sun_path, "%s/nodes-bench.sock", out_test_dir());
	assert_non_null(msg);
	memcpy(msg, req, strlen(req));
	if (len)
		memcpy(msg + strlen(req), data, len);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	assert_int_equal(bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)), 0);
	assert_true(sendto(fd, msg, strlen(req) + len, 0, (struct sockaddr *)&to, sizeof to) > 0);
	free(msg);
	for (int i = 0; i < 100 && got < 0; i++) {
		gl_output_nodes.service(out, gl_now_ns());
		got = recv(fd, reply, cap - 1, MSG_DONTWAIT);
		if (got < 0)
			usleep(2000);
	}
	close(fd);
	assert_true(got > 0);
	reply[got] = '\0';
	return (int)got;
}

static void test_flash_over_serial(void **state)
{
	uint8_t image[FW_IMAGE_HEADER_LEN + BODY + FW_IMAGE_TRAILER_LEN], pk[32], sk[64], raw[32];
	uint8_t universe[GL_DMX_SLOTS], got[sizeof image];
	bool have[(sizeof image + 15) / 16] = { false };
	int numbers[1] = { UNIVERSE };
	struct gl_frame frame = { .tick = 1, .universe_count = 1, .numbers = numbers, .dmx = universe };
	struct gl_output_config cfg = { .name = "bench", .type = "nodes", .universe_count = 1,
					.universes = numbers, .option_count = 1 };
	struct fw_image_header h = { .board = NODELINK_BOARD_SIM, .version = 0x0101,
				     .body_len = BODY, .min_boot = 1 };
	struct line_in in = { 0 };
	struct scripted node = { 0 };
	struct gl_output *out;
	char err[256], reply[8192], path[128], text[80];
	unsigned chunk_superframes = 0, chunks_seen = 0, max_in_sf = 0;
	bool done = false, booted = false;
	uint32_t xfer = 0;
	int master;
	FILE *f;

	(void)state;
	/* a small signed image (the output does not check signatures) */
	crypto_sign_keypair(pk, sk);
	fw_image_header_put(image, &h);
	randombytes_buf(image + FW_IMAGE_HEADER_LEN, BODY);
	crypto_hash_sha512(image + FW_IMAGE_HEADER_LEN + BODY, image, FW_IMAGE_HEADER_LEN + BODY);
	crypto_sign_detached(image + FW_IMAGE_HEADER_LEN + BODY + 64, NULL,
			     image + FW_IMAGE_HEADER_LEN + BODY, 64, sk);
	memset(got, 0xff, sizeof got);
	memset(universe, 7, sizeof universe);

	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	snprintf(path, sizeof path, "%s", ptsname(master));
	fcntl(master, F_SETFL, O_NONBLOCK);
	snprintf(cfg.options[0].key, sizeof cfg.options[0].key, "device");
	snprintf(cfg.options[0].value, sizeof cfg.options[0].value, "%s", path);
	out = gl_output_nodes.configure(&cfg, err, sizeof err);
	assert_non_null(out);
	assert_int_equal(gl_output_nodes.open(out), 0);
	snprintf(path, sizeof path, "%s/nodelink.key", out_test_dir());
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof text, f));
	fclose(f);
	for (int i = 0; i < 32; i++) {
		unsigned v;

		assert_int_equal(sscanf(text + 2 * i, "%2x", &v), 1);
		raw[i] = (uint8_t)v;
	}
	nodelink_key_init(&node.key, raw);
	node.fd = master;
	in.fd = master;

	for (int sf = 0; sf < 800 && !done; sf++) {
		struct nodelink_air a;
		unsigned in_sf = 0;
		bool copy_b = false;

		assert_int_equal(gl_output_nodes.send(out, &frame, gl_now_ns()), 0);
		{
			uint64_t at = gl_output_nodes.next_service_ns(out), now = gl_now_ns();

			if (at > now)
				usleep((useconds_t)((at - now) / 1000));
		}
		gl_output_nodes.service(out, gl_now_ns());
		usleep(3000);
		while (next_envelope(&in, &a)) {
			struct nodelink_packet p;
			unsigned slot = (unsigned)(a.at_ns / 1000 / 290 - 1);

			assert_int_equal(nodelink_parse(a.pkt, a.len, &p), 0);
			if (p.type == NODELINK_BEACON) {
				node.epoch = p.u.beacon.epoch;
				node.counter = p.u.beacon.counter;
				node.address = a.address;
				continue;
			}
			assert_true(nodelink_verify(&node.key, UNIVERSE, node.epoch, a.pkt, a.len));
			if (p.type == NODELINK_DATA) {
				copy_b |= slot >= NODELINK_SLOT_COPY_B && slot < NODELINK_SLOT_DOWN;
				continue;
			}
			assert_int_equal(p.type, NODELINK_DOWN);
			node.channel = a.channel;
			if (p.u.msg.code == NODELINK_CMD_FW_CHUNK) {
				uint16_t i = nodelink_get16(p.u.msg.body + 2);

				/* in the tail, after the uplink window */
				assert_true(slot >= NODELINK_SLOT_UP + NODELINK_UP_SLOTS_DEFAULT);
				assert_int_equal(nodelink_get16(p.u.msg.body), (uint16_t)xfer);
				assert_true((size_t)i * 16 < sizeof image);
				memcpy(got + i * 16, p.u.msg.body + 4,
				       sizeof image - i * 16u < 16 ? sizeof image - i * 16u : 16);
				have[i] = true;
				in_sf++;
				chunks_seen++;
				continue;
			}
			switch (p.u.msg.code) {
			case NODELINK_CMD_FW_QUERY:
				info(&node, 0x0100, 0, NODELINK_FW_IDLE, 0, 0, 0, p.u.msg.code, p.u.msg.seq);
				break;
			case NODELINK_CMD_FW_BEGIN: {
				struct nodelink_fw_begin b;

				nodelink_fw_begin_get(p.u.msg.body, &b);
				assert_int_equal(b.size, sizeof image);
				assert_int_equal(b.slot, FW_SLOT_B);
				assert_int_equal(b.version, 0x0101);
				xfer = b.xfer;
				info(&node, 0x0100, 0, NODELINK_FW_RECEIVING, xfer, 0,
				     (uint16_t)((sizeof image + 15) / 16), p.u.msg.code, p.u.msg.seq);
				break;
			}
			case NODELINK_CMD_FW_END:
				assert_memory_equal(got, image, sizeof image);
				info(&node, 0x0100, 0, NODELINK_FW_VERIFIED, xfer, (uint16_t)((sizeof image + 15) / 16),
				     (uint16_t)((sizeof image + 15) / 16), p.u.msg.code, p.u.msg.seq);
				break;
			case NODELINK_CMD_FW_BOOT:
				info(&node, 0x0100, 0, NODELINK_FW_VERIFIED, xfer, 0, 0, p.u.msg.code, p.u.msg.seq);
				booted = true;
				break;
			}
		}
		if (sf == 2)
			info(&node, 0x0100, 0, NODELINK_FW_IDLE, 0, 0, 0, 0, 0);   /* heard */
		if (sf == 4) {
			/* now the show hears node 42: flash it */
			char req[32];

			snprintf(req, sizeof req, "flash %u\n", NODE);
			ask(req, image, sizeof image, reply, sizeof reply, out);
			assert_non_null(strstr(reply, "node 42 5\n"));
		}
		if (in_sf) {
			uint16_t contig = 0;
			struct nodelink_fw_chunks c = { .xfer16 = (uint16_t)xfer,
							.state = NODELINK_FW_RECEIVING };
			uint8_t body[NODELINK_BODY_LEN];

			/* copy B gave way to the chunks */
			assert_false(copy_b);
			assert_true(in_sf <= NODELINK_FRAGS);
			if (in_sf > max_in_sf)
				max_in_sf = in_sf;
			chunk_superframes++;
			while (contig < (sizeof image + 15) / 16 && have[contig])
				contig++;
			c.contig = contig;
			for (unsigned k = 0; k < NODELINK_FW_WINDOW; k++)
				if (contig + k < (sizeof image + 15) / 16 && have[contig + k])
					c.window[k / 8] |= (uint8_t)(1u << (k % 8));
			if (contig == (sizeof image + 15) / 16)
				c.state = NODELINK_FW_COMPLETE;
			nodelink_fw_chunks_put(body, &c);
			report(&node, NODELINK_REP_FW_CHUNKS, body);
		}
		if (booted && sf % 10 == 0) {
			/* back, on the new image, confirmed */
			info(&node, 0x0101, 1, NODELINK_FW_IDLE, 0, 0, 0, 0, 0);
		}
		if (booted && sf % 10 == 5) {
			ask("fwstate 1", NULL, 0, reply, sizeof reply, out);
			done = strstr(reply, "phase=done") != NULL;
		}
	}
	assert_true(done);
	assert_true(chunk_superframes > 0);
	assert_true(max_in_sf > 1);
	printf("over the serial line: %u chunks in %u superframes (up to %u a superframe, in copy B's "
	       "place) for a %zu-byte image\n", chunks_seen, chunk_superframes, max_in_sf, sizeof image);
	gl_output_nodes.close(out);
	close(master);
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	return out_test_dir_make("gl-test-flash-serial", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flash_over_serial),
	};
	return cmocka_run_group_tests(tests, setup, out_test_dir_remove);
}
