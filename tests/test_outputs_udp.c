/*
 * test_outputs_udp.c - the sACN and Art-Net drivers over real loopback
 * sockets: configure, open, send hand-built frames at a fake clock, read
 * what arrives and parse it with the wire code. Covers send-on-change,
 * repeats and keep-alives, sequence numbers, sync, discovery, the CID file
 * (kept when it does not parse, locked against a second process),
 * stream termination at close, ArtPoll answers, and option errors.
 *
 * All traffic stays on 127.0.0.1. Waits for expected packets use a poll()
 * timeout only as a safety net; loopback delivers during sendto(). The
 * sockets and outputs a test opens are held (struct held) and closed by
 * its teardown, so a test that fails half-way leaves nothing open.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outputs/dmx/output.h"
#include "outputs/dmx/artnet/artnet_wire.h"
#include "outputs/dmx/sacn/sacn_wire.h"
#include "tools/out_test.h"
#include "tools/packet_fields.h"

#define MS (1000000ull)
#define T0 (5ull * GL_NS_PER_S)

extern const struct gl_output_ops gl_output_sacn;
extern const struct gl_output_ops gl_output_artnet;

/* ---- helpers -------------------------------------------------------------- */

/* What the running test opened: teardown closes what is left. */
static struct held {
	int fds[8];
	int fd_count;
	struct {
		const struct gl_output_ops *ops;
		struct gl_output *out;
	} outs[4];
	int out_count;
} held;

static int hold_setup(void **state)
{
	(void)state;
	memset(&held, 0, sizeof held);
	return 0;
}

static int hold_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < held.out_count; i++)
		held.outs[i].ops->close(held.outs[i].out);
	for (int i = 0; i < held.fd_count; i++)
		close(held.fds[i]);
	memset(&held, 0, sizeof held);
	setenv("GHOSTLIGHT_STATE_DIR", out_test_dir(), 1);   /* a test may point it elsewhere */
	return 0;
}

/* A configured output (out may be NULL: a refusal), closed by teardown
 * unless output_close() closes it first. */
static struct gl_output *hold_output(const struct gl_output_ops *ops, struct gl_output *out)
{
	if (out) {
		assert_true(held.out_count < 4);
		held.outs[held.out_count].ops = ops;
		held.outs[held.out_count++].out = out;
	}
	return out;
}

static void output_close(struct gl_output *out)
{
	for (int i = 0; i < held.out_count; i++)
		if (held.outs[i].out == out) {
			held.outs[i].ops->close(out);
			held.outs[i] = held.outs[--held.out_count];
			return;
		}
	fail_msg("output_close: not a held output");
}

/* ops configured with cfg, held; a refusal fails the test with its message. */
static struct gl_output *configured(const struct gl_output_ops *ops,
				    const struct gl_output_config *cfg)
{
	char err[256] = "";
	struct gl_output *out = hold_output(ops, ops->configure(cfg, err, sizeof err));

	if (!out)
		fail_msg("configure: %s", err);
	return out;
}

static int udp_socket_unheld(uint16_t port, uint16_t *bound_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	if (bound_port)
		*bound_port = ntohs(sa.sin_port);
	return fd;
}

/* An open file descriptor, closed by teardown unless fd_close() closes it
 * first. */
static int hold_fd(int fd)
{
	if (held.fd_count == 8)
		close(fd);
	assert_true(held.fd_count < 8);
	held.fds[held.fd_count++] = fd;
	return fd;
}

static void fd_close(int fd)
{
	for (int i = 0; i < held.fd_count; i++)
		if (held.fds[i] == fd) {
			close(fd);
			held.fds[i] = held.fds[--held.fd_count];
			return;
		}
	fail_msg("fd_close: %d is not a held descriptor", fd);
}

/* A bound UDP socket on loopback, closed by teardown. */
static int udp_socket(uint16_t port, uint16_t *bound_port)
{
	return hold_fd(udp_socket_unheld(port, bound_port));
}

/* A free port: bind, read the number, close. */
static uint16_t free_port(void)
{
	uint16_t port;
	int fd = udp_socket_unheld(0, &port);

	close(fd);
	return port;
}

/* Next datagram, waiting up to 2 s; -1 when none came. */
static int recv_wait(int fd, uint8_t *buf, size_t len, struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t flen = sizeof *from;

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return (int)recvfrom(fd, buf, len, 0, (struct sockaddr *)from, from ? &flen : NULL);
}

/* Next datagram already queued, or -1: for "nothing was sent". */
static int recv_now(int fd, uint8_t *buf, size_t len)
{
	return (int)recv(fd, buf, len, MSG_DONTWAIT);
}

static int drain(int fd)
{
	uint8_t buf[2048];
	int n = 0;

	while (recv_now(fd, buf, sizeof buf) >= 0)
		n++;
	return n;
}

static void cfg_init(struct gl_output_config *cfg, const char *type,
		     const int *universes, int count)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->name, sizeof cfg->name, "test-%s", type);
	snprintf(cfg->type, sizeof cfg->type, "%s", type);
	snprintf(cfg->show_name, sizeof cfg->show_name, "Test Show");
	cfg->universes = malloc(sizeof(int) * (size_t)count);
	assert_non_null(cfg->universes);
	memcpy(cfg->universes, universes, sizeof(int) * (size_t)count);
	cfg->universe_count = count;
}

static void cfg_set(struct gl_output_config *cfg, const char *key, const char *fmt, ...)
{
	struct gl_option *opt = &cfg->options[cfg->option_count++];
	va_list ap;

	assert_true(cfg->option_count <= GL_OPTION_MAX);
	snprintf(opt->key, sizeof opt->key, "%s", key);
	va_start(ap, fmt);
	vsnprintf(opt->value, sizeof opt->value, fmt, ap);
	va_end(ap);
	opt->line = 10 + cfg->option_count;
}

struct test_frame {
	struct gl_frame frame;
	int numbers[8];
	uint8_t dmx[8 * GL_DMX_SLOTS];
};

static void frame_init(struct test_frame *f, const int *numbers, int count)
{
	memset(f, 0, sizeof *f);
	memcpy(f->numbers, numbers, sizeof(int) * (size_t)count);
	f->frame.universe_count = count;
	f->frame.numbers = f->numbers;
	f->frame.dmx = f->dmx;
}

static const struct gl_frame *frame_at(struct test_frame *f, uint64_t t)
{
	f->frame.tick++;
	f->frame.time_ns = t;
	return &f->frame;
}

static uint8_t *slots_of(struct test_frame *f, int index)
{
	return f->dmx + (size_t)index * GL_DMX_SLOTS;
}

/* An output under test and the loopback socket rx that receives what it
 * sends: the output's configuration, the output once configured, the
 * frames it is given and room for a packet. The socket and the output are
 * held, so teardown closes them when a test fails half-way. */
struct rig {
	const struct gl_output_ops *ops;
	struct gl_output_config cfg;
	struct gl_output *out;
	struct test_frame f;
	uint8_t buf[1500];
	uint16_t port;          /* rx's port: where the output is told to send */
	int rx;
};

/* A rig for ops on these universes: its socket, the configuration without
 * options and the frames, all slots 0. A test adds options, then calls
 * rig_open(). */
static void rig_init(struct rig *r, const struct gl_output_ops *ops, const int *universes,
		     int count)
{
	r->ops = ops;
	r->out = NULL;
	r->rx = udp_socket(0, &r->port);
	cfg_init(&r->cfg, ops->name, universes, count);
	frame_init(&r->f, universes, count);
}

/* Configures and opens the output; a refusal fails the test. */
static void rig_open(struct rig *r)
{
	r->out = configured(r->ops, &r->cfg);
	assert_int_equal(r->ops->open(r->out), 0);
}

/* The next frame, at time t, to the output's send(); returns what it did. */
static int rig_send(struct rig *r, uint64_t t)
{
	return r->ops->send(r->out, frame_at(&r->f, t), t);
}

/* Closes the output (what it sends as it closes is queued on rx) and frees
 * the configuration; the socket stays open. */
static void rig_close(struct rig *r)
{
	output_close(r->out);
	gl_output_config_free(&r->cfg);
}

/* Options that make the rig's output send to the rig's socket: its option
 * for where to send (dest_key: "unicast", "nodes", "broadcast") set to
 * loopback, and "port" to the socket's port. */
static void cfg_send_to_rx(struct rig *r, const char *dest_key)
{
	cfg_set(&r->cfg, dest_key, "127.0.0.1");
	cfg_set(&r->cfg, "port", "%u", r->port);
}

/* Asserts that nothing more has arrived on the rig's socket. */
static void expect_nothing_queued(struct rig *r)
{
	assert_int_equal(recv_now(r->rx, r->buf, sizeof r->buf), -1);
}

/* Receives one sACN data packet and parses it. */
static void recv_sacn(struct rig *r, struct sacn_data *d)
{
	int n = recv_wait(r->rx, r->buf, sizeof r->buf, NULL);

	assert_true(n > 0);
	assert_int_equal(sacn_wire_parse_data(r->buf, (size_t)n, d), 0);
}

/* Receives the next sACN data packet, which must be for universe. */
static void recv_sacn_of(struct rig *r, int universe, struct sacn_data *d)
{
	recv_sacn(r, d);
	assert_int_equal(d->hdr.universe, universe);
}

static int make_state_dir(void **state)
{
	(void)state;
	return out_test_dir_make("gl-outputs-test", true);
}

/* ---- registry ------------------------------------------------------------- */

static void test_registry(void **state)
{
	const struct gl_output_ops *const *all = gl_output_all();
	struct gl_output_config cfg;
	int count = 0;

	(void)state;
	assert_ptr_equal(gl_output_find("sacn"), &gl_output_sacn);
	assert_ptr_equal(gl_output_find("artnet"), &gl_output_artnet);
	assert_null(gl_output_find("dmx512"));
	assert_null(gl_output_find(NULL));
	/* every registered output is found by its own name (USB, OSC... join
	 * the two network outputs) */
	while (all[count]) {
		assert_ptr_equal(gl_output_find(all[count]->name), all[count]);
		assert_int_equal(all[count]->version, 1);
		count++;
	}
	assert_true(count >= 2);
	assert_int_equal(gl_output_sacn.version, 1);
	assert_string_equal(gl_output_sacn.name, "sacn");
	assert_string_equal(gl_output_artnet.name, "artnet");

	/* the options themselves: tests/test_options.c */
	cfg_init(&cfg, "sacn", (const int[]){ 1 }, 1);
	gl_output_config_free(&cfg);
	assert_null(cfg.universes);
	gl_output_config_free(&cfg);        /* twice is harmless */
}

/* ---- sACN ----------------------------------------------------------------- */

/* Options that make an sACN output unicast to the rig's socket, discovery
 * off. */
static void sacn_to_rx(struct rig *r)
{
	cfg_send_to_rx(r, "unicast");
	cfg_set(&r->cfg, "discovery", "false");
}

/* An sACN rig sending to its socket; a test adds its own options. */
static void sacn_rig(struct rig *r, const int *universes, int count)
{
	rig_init(r, &gl_output_sacn, universes, count);
	sacn_to_rx(r);
}

static void test_sacn_send_keepalive_close(void **state)
{
	static const int numbers[2] = { 1, 2 };
	struct rig r;
	struct sacn_data d;
	const struct gl_output_status *st;
	uint8_t file_cid[16];
	char text[64] = "";
	char path[128];
	FILE *fp;
	uint64_t t = T0;

	(void)state;
	sacn_rig(&r, numbers, 2);
	rig_open(&r);
	assert_int_equal(gl_output_sacn.poll_fd(r.out), -1);

	slots_of(&r.f, 0)[0] = 255;
	slots_of(&r.f, 0)[511] = 7;
	slots_of(&r.f, 1)[100] = 42;
	assert_int_equal(rig_send(&r, t), 0);

	recv_sacn_of(&r, 1, &d);
	assert_int_equal(d.hdr.sequence, 0);
	assert_int_equal(d.hdr.priority, 100);
	assert_int_equal(d.hdr.options, 0);
	assert_int_equal(d.hdr.sync_address, 0);
	assert_int_equal(d.hdr.start_code, 0);
	assert_string_equal(d.hdr.source_name, "ghostlight: Test Show");
	assert_int_equal(d.slot_count, 512);
	assert_memory_equal(d.slots, slots_of(&r.f, 0), 512);

	/* The CID is the one saved in the state directory. */
	snprintf(path, sizeof path, "%s/sacn-cid", out_test_dir());
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(text, sizeof text, fp));
	fclose(fp);
	text[strcspn(text, "\n")] = '\0';
	assert_int_equal(sacn_uuid_parse(text, file_cid), 0);
	assert_memory_equal(d.hdr.cid, file_cid, 16);
	assert_int_equal(file_cid[6] >> 4, 4);      /* a v4 UUID */

	recv_sacn_of(&r, 2, &d);
	assert_int_equal(d.hdr.sequence, 0);
	assert_int_equal(d.slots[100], 42);
	expect_nothing_queued(&r);

	/* Unchanged: three more frames carry it, then silence. */
	for (int rep = 1; rep <= 3; rep++) {
		t += 23 * MS;
		rig_send(&r, t);
		recv_sacn_of(&r, 1, &d);
		assert_int_equal(d.hdr.sequence, rep);
		recv_sacn_of(&r, 2, &d);
		assert_int_equal(d.hdr.sequence, rep);
	}
	uint64_t last = t;
	for (int i = 0; i < 30; i++) {
		t += 23 * MS;
		if (t - last >= 800 * MS)
			break;
		rig_send(&r, t);
		expect_nothing_queued(&r);
	}
	assert_int_equal(gl_output_sacn.next_service_ns(r.out), last + 800 * MS);

	/* Keep-alive 800 ms after the last packet. */
	t = last + 800 * MS;
	rig_send(&r, t);
	recv_sacn_of(&r, 1, &d);
	assert_int_equal(d.hdr.sequence, 4);
	recv_sacn_of(&r, 2, &d);
	expect_nothing_queued(&r);

	/* A change goes out at once, for that universe only. */
	t += 23 * MS;
	slots_of(&r.f, 1)[0] = 1;
	rig_send(&r, t);
	recv_sacn_of(&r, 2, &d);
	assert_int_equal(d.hdr.sequence, 5);
	assert_int_equal(d.slots[0], 1);
	expect_nothing_queued(&r);

	/* With no frames at all, service() keeps the universes alive. */
	last = t;
	assert_int_equal(gl_output_sacn.next_service_ns(r.out), last - 23 * MS + 800 * MS);
	t = last + 800 * MS;
	gl_output_sacn.service(r.out, t);
	recv_sacn(&r, &d);
	recv_sacn(&r, &d);
	expect_nothing_queued(&r);

	st = gl_output_status(r.out);
	assert_int_equal(st->send_errors, 0);
	assert_int_equal(st->packets_sent, 2 + 6 + 2 + 1 + 2);
	assert_string_equal(GL_REPORT_TEXT(&st->error), "");

	/* close(): three terminated packets per universe. */
	rig_close(&r);
	for (int i = 0; i < 6; i++) {
		recv_sacn(&r, &d);
		assert_int_equal(d.hdr.options, SACN_OPT_TERMINATED);
		assert_int_equal(d.hdr.universe, 1 + i % 2);
	}
	expect_nothing_queued(&r);

	/* A second run keeps the installation's CID. */
	cfg_init(&r.cfg, "sacn", numbers, 1);
	sacn_to_rx(&r);
	rig_open(&r);
	rig_send(&r, t);
	recv_sacn(&r, &d);
	assert_memory_equal(d.hdr.cid, file_cid, 16);
	rig_close(&r);
}

static void test_sacn_sequence_wrap_and_options(void **state)
{
	static const int numbers[1] = { 63999 };
	struct rig r;
	struct sacn_data d;
	uint64_t t = T0;

	(void)state;
	sacn_rig(&r, numbers, 1);
	cfg_set(&r.cfg, "priority", "200");
	cfg_set(&r.cfg, "source_name", "FOH \xc3\xa9");
	cfg_set(&r.cfg, "cid", "0D5E3A5C-4F9B-4C1E-9A43-6B1F0E2D7C88");
	cfg_set(&r.cfg, "ttl", "4");
	cfg_set(&r.cfg, "interface", "127.0.0.1");
	rig_open(&r);
	for (int i = 0; i < 300; i++) {
		slots_of(&r.f, 0)[0] = (uint8_t)i;
		t += 23 * MS;
		assert_int_equal(rig_send(&r, t), 0);
		recv_sacn(&r, &d);
		assert_int_equal(d.hdr.sequence, (uint8_t)i);
		assert_int_equal(d.slots[0], (uint8_t)i);
	}
	assert_int_equal(d.hdr.universe, 63999);
	assert_int_equal(d.hdr.priority, 200);
	assert_string_equal(d.hdr.source_name, "FOH \xc3\xa9");
	assert_int_equal(d.hdr.cid[0], 0x0d);
	assert_int_equal(d.hdr.cid[15], 0x88);
	rig_close(&r);
	assert_int_equal(drain(r.rx), 3);
}

static void test_sacn_sync(void **state)
{
	static const int numbers[2] = { 10, 11 };
	struct rig r;
	struct sacn_data d;
	uint64_t t = T0;

	(void)state;
	sacn_rig(&r, numbers, 2);
	cfg_set(&r.cfg, "sync_universe", "7");
	rig_open(&r);

	for (int frame = 0; frame < 2; frame++) {
		rig_send(&r, t);
		recv_sacn_of(&r, 10, &d);
		assert_int_equal(d.hdr.sync_address, 7);
		recv_sacn_of(&r, 11, &d);
		assert_int_equal(d.hdr.sync_address, 7);
		/* Then exactly one sync packet for the frame. */
		const struct packet_field sync[] = {
			{ 21, 1, 0x08, "root vector: extended" },
			{ 43, 1, 0x01, "framing vector: synchronization" },
			{ 44, 1, (uint32_t)frame, "sequence (its own)" },
			{ 45, 2, 7, "sync address" },
		};
		int n = recv_wait(r.rx, r.buf, sizeof r.buf, NULL);
		assert_int_equal(n, 49);
		assert_int_equal(sacn_wire_parse_data(r.buf, 49, &d), GL_ENOENT);
		PACKET_CHECK_FIELDS(r.buf, sync);
		expect_nothing_queued(&r);
		t += 23 * MS;
	}
	/* Second and third repeat, each with its sync; then no data packet
	 * and no sync. */
	rig_send(&r, t);
	assert_int_equal(drain(r.rx), 3);
	rig_send(&r, t);
	assert_int_equal(drain(r.rx), 3);
	rig_send(&r, t);
	assert_int_equal(drain(r.rx), 0);
	t += 23 * MS;
	rig_send(&r, t);
	expect_nothing_queued(&r);
	rig_close(&r);
}

static void test_sacn_discovery(void **state)
{
	static const int numbers[3] = { 300, 5, 17 };
	static const int sorted[3] = { 5, 17, 300 };    /* whatever the show's order */
	/* one page, then the universe list */
	static const struct packet_field discovery[] = {
		{ 21, 1, 0x08, "root vector: extended" },
		{ 43, 1, 0x02, "framing vector: universe discovery" },
		{ 117, 1, 0x01, "list vector: universe list" },
		{ 118, 1, 0, "page" },
		{ 119, 1, 0, "last page" },
	};
	struct rig r;
	uint64_t t = T0;

	(void)state;
	rig_init(&r, &gl_output_sacn, numbers, 3);
	cfg_send_to_rx(&r, "unicast");

	/* The first one goes at open. */
	rig_open(&r);
	int n = recv_wait(r.rx, r.buf, sizeof r.buf, NULL);
	assert_int_equal(n, 120 + 6);
	PACKET_CHECK_FIELDS(r.buf, discovery);
	for (int i = 0; i < 3; i++)
		assert_int_equal(r.buf[120 + 2 * i] << 8 | r.buf[121 + 2 * i], sorted[i]);
	assert_string_equal((const char *)r.buf + 44, "ghostlight: Test Show");

	rig_send(&r, t);
	assert_int_equal(drain(r.rx), 3);
	assert_int_equal(gl_output_sacn.next_service_ns(r.out), t + 800 * MS);

	/* Then every 10 s, from service() when frames are not due. */
	gl_output_sacn.service(r.out, t + 9 * GL_NS_PER_S);
	assert_int_equal(drain(r.rx), 3);                   /* keep-alives only */
	gl_output_sacn.service(r.out, t + 10 * GL_NS_PER_S);
	assert_int_equal(drain(r.rx), 3 + 1);
	gl_output_sacn.service(r.out, t + 10 * GL_NS_PER_S + 1);
	assert_int_equal(drain(r.rx), 0);
	rig_close(&r);
	assert_int_equal(drain(r.rx), 9);
}

static void test_sacn_cid_unwritable(void **state)
{
	static const int numbers[1] = { 1 };
	struct rig r;
	struct sacn_data d;
	char file[128];
	FILE *fp;

	(void)state;
	/* The state "directory" is a regular file: nothing can be saved. */
	snprintf(file, sizeof file, "%s/not-a-dir", out_test_dir());
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	setenv("GHOSTLIGHT_STATE_DIR", file, 1);

	sacn_rig(&r, numbers, 1);
	rig_open(&r);
	assert_non_null(strstr(GL_REPORT_TEXT(&gl_output_status(r.out)->note), "temporary CID"));
	assert_string_equal(GL_REPORT_TEXT(&gl_output_status(r.out)->error), "");
	rig_send(&r, T0);
	recv_sacn(&r, &d);
	assert_int_equal(d.hdr.cid[6] >> 4, 4);
	rig_close(&r);
	drain(r.rx);

	setenv("GHOSTLIGHT_STATE_DIR", out_test_dir(), 1);
	unlink(file);
}

/* ---- the CID file: kept, never replaced, locked -------------------------- */

/* Opens an sACN output on the current state directory, sends one frame
 * and returns the CID it carried; note gets the output's note. */
static void cid_of_run(uint8_t cid[16], char *note, size_t note_len)
{
	static const int numbers[1] = { 1 };
	struct rig r;
	struct sacn_data d;

	sacn_rig(&r, numbers, 1);
	rig_open(&r);
	gl_report_get(&gl_output_status(r.out)->note, note, note_len);
	rig_send(&r, T0);
	recv_sacn(&r, &d);
	memcpy(cid, d.hdr.cid, 16);
	rig_close(&r);
	drain(r.rx);
	fd_close(r.rx);
}

static void put_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* The file's bytes, to check nothing touched it. */
static size_t get_file(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, cap, fp);
	fclose(fp);
	return n;
}

static const uint8_t known_cid[16] = { 0x0d, 0x5e, 0x3a, 0x5c, 0x4f, 0x9b, 0x4c, 0x1e,
				       0x9a, 0x43, 0x6b, 0x1f, 0x0e, 0x2d, 0x7c, 0x88 };

static void test_sacn_cid_file_kept(void **state)
{
	static const char bom_comments[] = "\xef\xbb\xbf# the console's identity\r\n\r\n"
		"  0d5e3a5c-4f9b-4c1e-9a43-6b1f0e2d7c88 \r\n# keep\r\n";
	static const char *const bad[] = {
		"not a uuid\n",
		"0d5e3a5c-4f9b-4c1e-9a43-6b1f0e2d7c88\n1b4e28ba-2fa1-11d2-883f-0016d3cca427\n",
		"# only a comment\n",
		"",
	};
	char dir[128], path[160], note[GL_REPORT_TEXT_MAX], before[256], after[256];
	uint8_t cid[16], again[16];
	struct stat st;

	(void)state;
	snprintf(dir, sizeof dir, "%s/kept", out_test_dir());
	assert_int_equal(mkdir(dir, 0700), 0);
	setenv("GHOSTLIGHT_STATE_DIR", dir, 1);
	snprintf(path, sizeof path, "%s/sacn-cid", dir);

	/* A BOM, CRLF, blanks, spaces and comment lines: read, not replaced. */
	put_file(path, bom_comments, sizeof bom_comments - 1);
	cid_of_run(cid, note, sizeof note);
	assert_memory_equal(cid, known_cid, 16);
	assert_string_equal(note, "");
	assert_int_equal(get_file(path, after, sizeof after), sizeof bom_comments - 1);
	assert_memory_equal(after, bom_comments, sizeof bom_comments - 1);

	/* What does not parse is left alone: a temporary CID, and a note. */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = strlen(bad[i]);

		put_file(path, bad[i], len);
		cid_of_run(cid, note, sizeof note);
		assert_non_null(strstr(note, "temporary CID"));
		assert_non_null(strstr(note, "file left as it is"));
		assert_int_equal(cid[6] >> 4, 4);
		assert_memory_not_equal(cid, known_cid, 16);
		assert_int_equal(get_file(path, after, sizeof after), len);
		assert_memory_equal(after, bad[i], len);
		cid_of_run(again, note, sizeof note);
		assert_memory_not_equal(again, cid, 16);       /* temporary: per run */
	}

	/* Unreadable (mode 000; root reads it anyway): never replaced. */
	put_file(path, bom_comments, sizeof bom_comments - 1);
	assert_int_equal(chmod(path, 0), 0);
	cid_of_run(cid, note, sizeof note);
	if (geteuid() == 0) {
		assert_memory_equal(cid, known_cid, 16);
	} else {
		assert_non_null(strstr(note, "cannot read"));
		assert_memory_not_equal(cid, known_cid, 16);
	}
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(get_file(path, before, sizeof before), sizeof bom_comments - 1);
	unlink(path);

	/* Not a file at all (a directory in its place). */
	assert_int_equal(mkdir(path, 0700), 0);
	cid_of_run(cid, note, sizeof note);
	assert_non_null(strstr(note, "not a regular file"));
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	rmdir(path);

	/* No file: one is made, and kept from then on. */
	cid_of_run(cid, note, sizeof note);
	assert_string_equal(note, "");
	cid_of_run(again, note, sizeof note);
	assert_memory_equal(again, cid, 16);
	unlink(path);
	rmdir(dir);
	setenv("GHOSTLIGHT_STATE_DIR", out_test_dir(), 1);
}

/* Another process holding the CID (its flock on the file, taken here on an
 * open file of our own): this one sends as a temporary CID and says so;
 * the outputs of one process share the CID without a note. */
static void test_sacn_cid_locked(void **state)
{
	static const int numbers[1] = { 2 };
	char path[160], note[GL_REPORT_TEXT_MAX], text[64];
	uint8_t file_cid[16], cid[16];
	struct rig r;
	int fd;

	(void)state;
	cid_of_run(file_cid, note, sizeof note);       /* makes the file */
	snprintf(path, sizeof path, "%s/sacn-cid", out_test_dir());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	hold_fd(fd);            /* a failure here must not keep the lock */
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);

	cid_of_run(cid, note, sizeof note);
	assert_memory_not_equal(cid, file_cid, 16);
	assert_non_null(strstr(note, "in use by another ghostlight"));
	sacn_uuid_format(file_cid, text);
	assert_non_null(strstr(note, text));
	sacn_uuid_format(cid, text);
	assert_non_null(strstr(note, text));
	fd_close(fd);                                   /* the other one ends */

	/* one output holds the CID; a second of the same process shares it */
	sacn_rig(&r, numbers, 1);
	rig_open(&r);
	cid_of_run(cid, note, sizeof note);
	assert_memory_equal(cid, file_cid, 16);
	assert_string_equal(note, "");
	/* while it is open, another process would be refused */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	hold_fd(fd);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	rig_close(&r);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);   /* released at close */
}

/* A send the kernel refuses is counted, noted with the universe and
 * retried with the next frame; the output keeps going. (255.255.255.255
 * without SO_BROADCAST fails in sendto(): nothing leaves the machine.) */
static void test_sacn_send_errors(void **state)
{
	static const int numbers[2] = { 1, 2 };
	struct rig r;
	const struct gl_output_status *st;

	(void)state;
	rig_init(&r, &gl_output_sacn, numbers, 2);
	cfg_set(&r.cfg, "unicast", "255.255.255.255");
	cfg_set(&r.cfg, "discovery", "false");
	rig_open(&r);
	st = gl_output_status(r.out);
	assert_int_equal(rig_send(&r, T0), GL_EIO);
	assert_int_equal(st->send_errors, 2);
	assert_int_equal(st->packets_sent, 0);
	assert_int_equal(gl_report_get(&st->error, NULL, 0), T0);
	assert_non_null(strstr(GL_REPORT_TEXT(&st->error), "universe 2"));
	assert_non_null(strstr(GL_REPORT_TEXT(&st->error), "255.255.255.255:5568"));
	assert_non_null(strstr(GL_REPORT_TEXT(&st->error), strerror(EACCES)));
	/* Nothing went out, so nothing to keep alive: no busy service loop. */
	assert_int_equal(gl_output_sacn.next_service_ns(r.out), 0);
	assert_int_equal(rig_send(&r, T0 + 23 * MS), GL_EIO);
	assert_int_equal(st->send_errors, 4);
	rig_close(&r);
}

/* Configures with one option set; expects NULL and `expect` in the message. */
static void expect_bad(const struct gl_output_ops *ops, const int *universes, int count,
		       const char *key, const char *value, const char *expect)
{
	struct gl_output_config cfg;
	struct gl_output *out;
	char err[256] = "";

	cfg_init(&cfg, ops->name, universes, count);
	if (key)
		cfg_set(&cfg, key, "%s", value);
	out = ops->configure(&cfg, err, sizeof err);
	if (out) {
		ops->close(out);
		fail_msg("%s=%s accepted", key ? key : "-", value ? value : "-");
	}
	if (!strstr(err, expect))
		fail_msg("%s=%s: message '%s' lacks '%s'", key ? key : "-",
			 value ? value : "-", err, expect);
	gl_output_config_free(&cfg);
}

static void test_sacn_bad_options(void **state)
{
	static const int one[1] = { 1 };
	struct gl_output_config cfg;
	struct gl_output *out;
	char err[256] = "";

	(void)state;
	expect_bad(&gl_output_sacn, one, 1, "bogus", "1", "unknown option 'bogus'");
	expect_bad(&gl_output_sacn, one, 1, "priority", "300",
		   "priority: must be a whole number 0..200, not \"300\"");
	expect_bad(&gl_output_sacn, one, 1, "priority", "-1", "priority");
	expect_bad(&gl_output_sacn, one, 1, "priority", "1.5", "priority");
	expect_bad(&gl_output_sacn, one, 1, "priority", "high", "priority");
	expect_bad(&gl_output_sacn, one, 1, "unicast", "300.1.2.3",
		   "unicast: must be an IPv4 address");
	expect_bad(&gl_output_sacn, one, 1, "unicast", "", "unicast");
	expect_bad(&gl_output_sacn, one, 1, "cid", "not-a-uuid", "cid: must be a UUID");
	expect_bad(&gl_output_sacn, one, 1, "sync_universe", "64000", "sync_universe");
	expect_bad(&gl_output_sacn, one, 1, "discovery", "maybe", "discovery");
	expect_bad(&gl_output_sacn, one, 1, "port", "0", "port");
	expect_bad(&gl_output_sacn, one, 1, "ttl", "256", "ttl");
	expect_bad(&gl_output_sacn, one, 1, "interface", "eth0", "interface");
	expect_bad(&gl_output_sacn, one, 1, "source_name",
		   "0123456789012345678901234567890123456789012345678901234567890123",
		   "source_name");
	expect_bad(&gl_output_sacn, (const int[]){ 0 }, 1, NULL, NULL, "universe 0");
	expect_bad(&gl_output_sacn, (const int[]){ 64000 }, 1, NULL, NULL, "universe 64000");
	expect_bad(&gl_output_sacn, (const int[]){ 3, 4, 3 }, 3, NULL, NULL, "universe 3 listed twice");

	/* A typo is named with what is known (the show loader adds file:line). */
	cfg_init(&cfg, "sacn", one, 1);
	cfg_set(&cfg, "priority", "50");
	cfg_set(&cfg, "priority_x", "1");
	assert_null(gl_output_sacn.configure(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "unknown option 'priority_x' (known: unicast, priority,"));
	gl_output_config_free(&cfg);

	/* Too many universes. */
	cfg_init(&cfg, "sacn", one, 1);
	cfg.universe_count = GL_OUTPUT_MAX_UNIVERSES + 1;
	assert_null(gl_output_sacn.configure(&cfg, err, sizeof err));
	gl_output_config_free(&cfg);

	/* Every default accepted; configure() alone allocates, close frees. */
	cfg_init(&cfg, "sacn", one, 1);
	out = configured(&gl_output_sacn, &cfg);
	assert_int_equal(gl_output_sacn.next_service_ns(out), 0);
	output_close(out);
	gl_output_sacn.close(NULL);
	gl_output_config_free(&cfg);
}

/* ---- Art-Net -------------------------------------------------------------- */

/* Receives one ArtDmx packet and parses it. */
static void recv_artdmx(struct rig *r, struct artnet_dmx *d)
{
	int n = recv_wait(r->rx, r->buf, sizeof r->buf, NULL);

	assert_true(n > 0);
	assert_int_equal(artnet_wire_parse_dmx(r->buf, (size_t)n, d), 0);
}

static void send_to(int fd, uint16_t port, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof sa), (ssize_t)len);
}

static size_t make_poll(uint8_t *buf, bool targeted, uint16_t bottom, uint16_t top)
{
	memset(buf, 0, 22);
	memcpy(buf, "Art-Net", 8);
	buf[9] = 0x20;
	buf[11] = 14;
	if (!targeted)
		return 14;
	buf[12] = ARTNET_POLL_TARGETED;
	buf[14] = (uint8_t)(top >> 8);
	buf[15] = (uint8_t)top;
	buf[16] = (uint8_t)(bottom >> 8);
	buf[17] = (uint8_t)bottom;
	return 22;
}

/* An Art-Net rig that sends to its socket and listens on listen_port on
 * loopback; a test adds its own options. */
static void artnet_rig(struct rig *r, uint16_t listen_port, const int *universes, int count)
{
	rig_init(r, &gl_output_artnet, universes, count);
	cfg_send_to_rx(r, "nodes");
	cfg_set(&r->cfg, "bind", "127.0.0.1");
	cfg_set(&r->cfg, "listen_port", "%u", listen_port);
}

/* One Sub-Net group of an Art-Net output, as its ArtPollReply shows it. */
struct reply_group {
	uint8_t sub_switch;
	uint8_t num_ports;
	uint32_t port_types;    /* PortTypes[0..2] */
	uint32_t sw_in;         /* SwIn[0..1] */
};

/* Checks an ArtPollReply (Art-Net 4 offsets) of an Art-Net rig's output,
 * bound to 127.0.0.1 for show "Test Show", for group g as its BindIndex
 * bind_index. */
static void check_poll_reply(const uint8_t *buf, int len, const struct reply_group *g,
			     int bind_index)
{
	const struct packet_field fields[] = {
		{ 10, 4, 0x7f000001, "IP address 127.0.0.1" },
		{ 14, 2, 0x3619, "port 6454, low byte first" },
		{ 18, 1, 0, "NetSwitch" },
		{ 19, 1, g->sub_switch, "SubSwitch" },
		{ 20, 2, ARTNET_OEM_UNKNOWN, "OEM code" },
		{ 173, 1, g->num_ports, "NumPorts" },
		{ 174, 3, g->port_types, "PortTypes[0..2]" },
		{ 178, 1, 0x80, "GoodInput[0]: data flowing" },
		{ 186, 2, g->sw_in, "SwIn[0..1]" },
		{ 200, 1, ARTNET_ST_CONTROLLER, "Style" },
		{ 207, 4, 0x7f000001, "BindIp 127.0.0.1" },
		{ 211, 1, (uint32_t)bind_index, "BindIndex" },
		{ 212, 1, ARTNET_STATUS2_PORT15, "Status2" },
	};

	assert_int_equal(len, 239);
	assert_int_equal(artnet_wire_opcode(buf, (size_t)len), ARTNET_OP_POLL_REPLY);
	PACKET_CHECK_FIELDS(buf, fields);
	assert_string_equal((const char *)buf + 26, "ghostlight");
	assert_string_equal((const char *)buf + 44, "ghostlight: Test Show");
	assert_int_equal(strncmp((const char *)buf + 108, "#0001 [", 7), 0);
}

static void test_artnet_send_and_poll(void **state)
{
	static const int numbers[3] = { 1, 2, 17 };
	/* One ArtPollReply per Sub-Net group: Port-Addresses 0 and 1 (Net 0,
	 * Sub-Net 0, two ports), then 16 (Sub-Net 1, Universe 0, one port). */
	static const struct reply_group groups[2] = {
		{ .sub_switch = 0, .num_ports = 2, .port_types = 0x404000, .sw_in = 0x0001 },
		{ .sub_switch = 1, .num_ports = 1, .port_types = 0x400000, .sw_in = 0x0000 },
	};
	struct rig r;
	struct artnet_dmx d;
	struct sockaddr_in from;
	uint8_t *buf = r.buf;         /* the packet last received */
	const struct gl_output_status *st;
	uint16_t listen_port = free_port();
	uint64_t t = T0;

	(void)state;
	artnet_rig(&r, listen_port, numbers, 3);
	cfg_set(&r.cfg, "listen", "true");
	rig_open(&r);
	st = gl_output_status(r.out);
	assert_string_equal(GL_REPORT_TEXT(&st->error), "");
	assert_true(gl_output_artnet.poll_fd(r.out) >= 0);

	slots_of(&r.f, 0)[0] = 11;
	slots_of(&r.f, 1)[1] = 22;
	slots_of(&r.f, 2)[511] = 33;
	assert_int_equal(rig_send(&r, t), 0);
	recv_artdmx(&r, &d);
	assert_int_equal(d.port_address, 0);         /* universe 1 = 0:0:0 */
	assert_int_equal(d.sequence, 1);
	assert_int_equal(d.slot_count, 512);
	assert_int_equal(d.slots[0], 11);
	int n = recv_wait(r.rx, buf, sizeof r.buf, &from);
	assert_int_equal(n, 530);
	/* Sent from the listening socket: source port is the Art-Net port. */
	assert_int_equal(ntohs(from.sin_port), listen_port);
	assert_int_equal(artnet_wire_parse_dmx(buf, (size_t)n, &d), 0);
	assert_int_equal(d.port_address, 1);
	assert_int_equal(d.slots[1], 22);
	recv_artdmx(&r, &d);
	assert_int_equal(d.port_address, 16);        /* universe 17 = 0:1:0 */
	assert_int_equal(buf[14], 0x10);
	assert_int_equal(buf[15], 0x00);
	assert_int_equal(d.slots[511], 33);
	expect_nothing_queued(&r);

	/* Unchanged: nothing until a second has passed. */
	for (int i = 1; i < 43; i++) {
		rig_send(&r, t + (uint64_t)i * 23 * MS);
		expect_nothing_queued(&r);
	}
	assert_int_equal(gl_output_artnet.next_service_ns(r.out), t + GL_NS_PER_S);
	t += GL_NS_PER_S;
	rig_send(&r, t);
	for (int i = 0; i < 3; i++) {
		recv_artdmx(&r, &d);
		assert_int_equal(d.sequence, 2);
	}
	expect_nothing_queued(&r);

	/* A change goes out at once, alone; sequences wrap 255 -> 1. Steps
	 * of 3 ms keep the other universes' keep-alives out of the way. */
	for (int i = 0; i < 300; i++) {
		t += 3 * MS;
		slots_of(&r.f, 1)[0] = (uint8_t)(i + 1);
		rig_send(&r, t);
		recv_artdmx(&r, &d);
		assert_int_equal(d.port_address, 1);
		assert_int_equal(d.sequence, (i + 2) % 255 + 1);
		expect_nothing_queued(&r);
	}

	/* ArtPoll -> ArtPollReply to the poller, one per Sub-Net group. */
	n = (int)make_poll(buf, false, 0, 0);
	send_to(r.rx, listen_port, buf, (size_t)n);
	gl_output_artnet.service(r.out, t);
	for (int reply = 0; reply < 2; reply++) {
		n = recv_wait(r.rx, buf, sizeof r.buf, &from);
		assert_int_equal(ntohs(from.sin_port), listen_port);
		check_poll_reply(buf, n, &groups[reply], reply + 1);
	}
	expect_nothing_queued(&r);

	/* A targeted poll for 16..20 gets one reply; one for 100..200 none. */
	n = (int)make_poll(buf, true, 16, 20);
	send_to(r.rx, listen_port, buf, (size_t)n);
	n = (int)make_poll(buf, true, 100, 200);
	send_to(r.rx, listen_port, buf, (size_t)n);
	gl_output_artnet.service(r.out, t);
	n = recv_wait(r.rx, buf, sizeof r.buf, NULL);
	check_poll_reply(buf, n, &groups[1], 1);
	expect_nothing_queued(&r);

	/* Malformed input is counted and ignored; other Art-Net is ignored. */
	send_to(r.rx, listen_port, (const uint8_t *)"hello", 5);
	n = (int)make_poll(buf, false, 0, 0);
	send_to(r.rx, listen_port, buf, 13);                  /* short ArtPoll */
	buf[11] = 13;
	send_to(r.rx, listen_port, buf, 14);                  /* ProtVer 13 */
	n = artnet_wire_sync(buf, sizeof r.buf);
	send_to(r.rx, listen_port, buf, (size_t)n);           /* ArtSync: not ours */
	gl_output_artnet.service(r.out, t);
	expect_nothing_queued(&r);
	assert_int_equal(st->packets_received, 3 + 4);
	assert_int_equal(st->packets_malformed, 3);
	assert_non_null(strstr(GL_REPORT_TEXT(&st->error), "malformed"));
	assert_int_equal(st->send_errors, 0);

	/* service() keeps universes alive when frames stop. */
	gl_output_artnet.service(r.out, t + GL_NS_PER_S);
	assert_int_equal(drain(r.rx), 3);

	rig_close(&r);
}

static void test_artnet_sync_port_addresses(void **state)
{
	static const int numbers[2] = { 1, 2 };
	struct rig r;
	struct artnet_dmx d;
	uint64_t t = T0;

	(void)state;
	/* The "broadcast" address is where ArtSync goes; loopback here. */
	rig_init(&r, &gl_output_artnet, numbers, 2);
	cfg_send_to_rx(&r, "broadcast");
	cfg_set(&r.cfg, "listen", "false");
	cfg_set(&r.cfg, "sync", "true");
	cfg_set(&r.cfg, "port_addresses", "32767, 1:2:3");
	rig_open(&r);
	assert_int_equal(gl_output_artnet.poll_fd(r.out), -1);
	rig_send(&r, t);
	recv_artdmx(&r, &d);
	assert_int_equal(d.port_address, 32767);
	assert_int_equal(r.buf[14], 0xff);
	assert_int_equal(r.buf[15], 0x7f);
	recv_artdmx(&r, &d);
	assert_int_equal(d.port_address, 0x123);
	int n = recv_wait(r.rx, r.buf, sizeof r.buf, NULL);
	assert_int_equal(n, 14);
	assert_int_equal(artnet_wire_opcode(r.buf, 14), ARTNET_OP_SYNC);
	expect_nothing_queued(&r);
	/* Nothing sent, no sync. */
	t += 23 * MS;
	rig_send(&r, t);
	expect_nothing_queued(&r);
	rig_close(&r);
}

static void test_artnet_port_taken(void **state)
{
	static const int numbers[1] = { 1 };
	struct rig r;
	struct artnet_dmx d;
	uint16_t taken_port;

	(void)state;
	udp_socket(0, &taken_port);    /* held: no SO_REUSEADDR, so exclusive */
	artnet_rig(&r, taken_port, numbers, 1);
	/* Not fatal: the output sends, says it cannot listen. */
	rig_open(&r);
	assert_non_null(strstr(GL_REPORT_TEXT(&gl_output_status(r.out)->error), "cannot listen"));
	assert_int_equal(gl_output_artnet.poll_fd(r.out), -1);
	assert_int_equal(rig_send(&r, T0), 0);
	recv_artdmx(&r, &d);
	assert_int_equal(d.port_address, 0);
	gl_output_artnet.service(r.out, T0);          /* nothing to read, no crash */
	rig_close(&r);
}

/* Keep-alives that fail are retried 100 ms later, not at once, so the
 * output thread never spins on a dead network; data that changes is
 * retried with every frame. Sends are broken by shutting the socket
 * down for writing. */
static void test_artnet_send_errors(void **state)
{
	static const int numbers[1] = { 1 };
	struct rig r;
	struct artnet_dmx d;
	const struct gl_output_status *st;
	uint64_t t = T0;

	(void)state;
	artnet_rig(&r, free_port(), numbers, 1);
	rig_open(&r);
	st = gl_output_status(r.out);
	assert_int_equal(rig_send(&r, t), 0);
	recv_artdmx(&r, &d);
	assert_int_equal(d.sequence, 1);

	shutdown(gl_output_artnet.poll_fd(r.out), SHUT_WR);
	t += GL_NS_PER_S;
	assert_int_equal(rig_send(&r, t), GL_EIO);
	assert_int_equal(st->send_errors, 1);
	assert_non_null(strstr(GL_REPORT_TEXT(&st->error), "universe 1 to 127.0.0.1"));
	assert_int_equal(gl_output_artnet.next_service_ns(r.out), t + 100 * MS);
	gl_output_artnet.service(r.out, t + 100 * MS);
	assert_int_equal(st->send_errors, 2);
	assert_int_equal(gl_output_artnet.next_service_ns(r.out), t + 200 * MS);
	/* A change is tried with the next frame regardless. */
	slots_of(&r.f, 0)[0] = 1;
	rig_send(&r, t + 123 * MS);
	assert_int_equal(st->send_errors, 3);
	expect_nothing_queued(&r);
	rig_close(&r);
}

static void test_artnet_bad_options(void **state)
{
	static const int one[1] = { 1 };
	static const int two[2] = { 1, 2 };

	(void)state;
	expect_bad(&gl_output_artnet, one, 1, "unicast", "127.0.0.1", "unknown option 'unicast'");
	expect_bad(&gl_output_artnet, one, 1, "nodes", "1.2.3", "nodes: \"1.2.3\" is not an IPv4");
	expect_bad(&gl_output_artnet, one, 1, "nodes", "10.0.0.1,,10.0.0.2", "nodes");
	expect_bad(&gl_output_artnet, one, 1, "broadcast", "everyone", "broadcast");
	expect_bad(&gl_output_artnet, one, 1, "sync", "yes please", "sync");
	expect_bad(&gl_output_artnet, one, 1, "listen", "maybe", "listen");
	expect_bad(&gl_output_artnet, one, 1, "bind", "localhost", "bind");
	expect_bad(&gl_output_artnet, one, 1, "port", "70000", "port: must be a whole number 1..65535");
	expect_bad(&gl_output_artnet, one, 1, "listen_port", "0", "listen_port");
	expect_bad(&gl_output_artnet, one, 1, "short_name", "a name of eighteen", "short_name");
	expect_bad(&gl_output_artnet, two, 2, "port_addresses", "1", "one entry per universe");
	expect_bad(&gl_output_artnet, one, 1, "port_addresses", "32768", "port_addresses");
	expect_bad(&gl_output_artnet, one, 1, "port_addresses", "0:16:0", "port_addresses");
	expect_bad(&gl_output_artnet, two, 2, "port_addresses", "5, 0:0:5", "used by two");
	expect_bad(&gl_output_artnet, (const int[]){ 40000 }, 1, NULL, NULL, "set port_addresses");
	expect_bad(&gl_output_artnet, (const int[]){ 0 }, 1, NULL, NULL, "universe 0");
}

int main(void)
{
#define HELD(test) cmocka_unit_test_setup_teardown(test, hold_setup, hold_teardown)
	const struct CMUnitTest tests[] = {
		HELD(test_registry),
		HELD(test_sacn_send_keepalive_close),
		HELD(test_sacn_sequence_wrap_and_options),
		HELD(test_sacn_sync),
		HELD(test_sacn_discovery),
		HELD(test_sacn_cid_unwritable),
		HELD(test_sacn_cid_file_kept),
		HELD(test_sacn_cid_locked),
		HELD(test_sacn_send_errors),
		HELD(test_sacn_bad_options),
		HELD(test_artnet_send_and_poll),
		HELD(test_artnet_sync_port_addresses),
		HELD(test_artnet_port_taken),
		HELD(test_artnet_send_errors),
		HELD(test_artnet_bad_options),
	};

	return cmocka_run_group_tests(tests, make_state_dir, out_test_dir_remove);
}
