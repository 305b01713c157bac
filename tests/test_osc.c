/*
 * test_osc.c - the OSC adapter's pure parts: pattern matching, bundle
 * walking and its limits, TCP stream framing (length prefix and SLIP, byte
 * for byte), CIDR text, and the /gl dispatch against a small engine
 * (commands produced, release ignored, drops with their reasons), the cost
 * bounds on wildcard patterns, and the outgoing peers (osc_peer.c) over
 * real loopback sockets: nothing blocks, a TCP peer connects through the
 * poll loop, a refused one backs off with a bounded queue. The peer tests'
 * sockets and peers are held (struct held) and closed by their teardown,
 * so a failure half-way leaves nothing open for the next test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "outputs/control/osc/osc_dispatch.h"
#include "outputs/control/osc/osc_peer.h"
#include "outputs/control/osc/osc_wire.h"

static void test_pattern(void **state)
{
	(void)state;
	assert_true(osc_pattern_match("/gl/go", "/gl/go"));
	assert_false(osc_pattern_match("/gl/go", "/gl/goo"));
	assert_true(osc_pattern_match("/gl/fader/*", "/gl/fader/12"));
	assert_false(osc_pattern_match("/gl/*", "/gl/fader/12"));   /* * stops at / */
	assert_true(osc_pattern_match("/gl/fader/[1-3]", "/gl/fader/2"));
	assert_false(osc_pattern_match("/gl/fader/[!1-3]", "/gl/fader/2"));
	assert_true(osc_pattern_match("/gl/{go,back}", "/gl/back"));
	assert_false(osc_pattern_match("/gl/{go,back}", "/gl/stop"));
	assert_true(osc_pattern_match("/gl/f?der/*1", "/gl/fader/11"));
	assert_false(osc_pattern_match("/gl/[", "/gl/x"));
	/* a pathological pattern stops within its step budget */
	assert_false(osc_pattern_match("/**************************************a", "/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
}

static int count_fn(void *ud, uint64_t tt, const uint8_t *msg, size_t len)
{
	(void)msg;
	(void)len;
	uint64_t *last = ud;
	last[0]++;
	last[1] = tt;
	return 0;
}

static size_t put_msg(uint8_t *out, const char *addr)
{
	size_t n = strlen(addr) + 1;
	memset(out, 0, 64);
	memcpy(out, addr, n);
	n = (n + 3) & ~(size_t)3;
	memcpy(out + n, ",\0\0\0", 4);
	return n + 4;
}

static size_t put_bundle(uint8_t *out, uint64_t tt, const uint8_t *el, size_t len)
{
	memmove(out + 20, el, len);     /* first: el may be out itself */
	memcpy(out, "#bundle", 8);
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(tt >> (56 - 8 * i));
	out[16] = (uint8_t)(len >> 24);
	out[17] = (uint8_t)(len >> 16);
	out[18] = (uint8_t)(len >> 8);
	out[19] = (uint8_t)len;
	return len + 20;
}

static void test_walk(void **state)
{
	(void)state;
	uint8_t msg[64], pkt[4096], deep[4096];
	uint64_t seen[2] = { 0, 0 };
	const char *why;
	size_t n = put_msg(msg, "/gl/go");

	assert_int_equal(osc_wire_walk(msg, n, count_fn, seen, &why), 1);
	assert_int_equal(seen[1], OSC_TIMETAG_IMMEDIATE);
	size_t b = put_bundle(pkt, 0x1234ull << 32, msg, n);
	seen[0] = 0;
	assert_int_equal(osc_wire_walk(pkt, b, count_fn, seen, &why), 1);
	assert_int_equal(seen[1], 0x1234ull << 32);
	/* an element running past the end: nothing delivered */
	pkt[19] += 4;
	seen[0] = 0;
	assert_int_equal(osc_wire_walk(pkt, b, count_fn, seen, &why), GL_EINVAL);
	assert_int_equal(seen[0], 0);
	/* nested too deep */
	memcpy(deep, msg, n);
	size_t d = n;
	for (int i = 0; i < OSC_BUNDLE_DEPTH_MAX + 1; i++)
		d = put_bundle(deep, 1, deep, d);
	assert_int_equal(osc_wire_walk(deep, d, count_fn, seen, &why), GL_ERANGE);
	assert_int_equal(seen[0], 0);
	/* not 4-aligned */
	assert_int_equal(osc_wire_walk(msg, n - 1, count_fn, seen, &why), GL_EINVAL);
}

static int collect(void *ud, const uint8_t *p, size_t len)
{
	uint8_t *out = ud;
	out[0]++;
	memcpy(out + 1, p, len);
	return 0;
}

static void test_stream(void **state)
{
	(void)state;
	uint8_t msg[64], framed[256], buf[128], got[256];
	struct osc_stream st;
	size_t n = put_msg(msg, "/gl/go");

	/* SLIP, byte for byte: END, escapes, END */
	uint8_t esc_in[4] = { 0xC0, 0xDB, 1, 2 };
	uint8_t esc_out[] = { 0xC0, 0xDB, 0xDC, 0xDB, 0xDD, 1, 2, 0xC0 };
	assert_int_equal(osc_frame_slip(framed, sizeof framed, esc_in, 4), 8);
	assert_memory_equal(framed, esc_out, 8);
	int f = osc_frame_slip(framed, sizeof framed, msg, n);
	osc_stream_init(&st, buf, sizeof buf);
	memset(got, 0, sizeof got);
	/* split delivery: one byte, then the rest */
	assert_int_equal(osc_stream_feed(&st, framed, 1, collect, got), 0);
	assert_int_equal(osc_stream_feed(&st, framed + 1, (size_t)f - 1, collect, got), 0);
	assert_int_equal(got[0], 1);
	assert_memory_equal(got + 1, msg, n);

	/* length prefix */
	f = osc_frame_length(framed, sizeof framed, msg, n);
	assert_int_equal(f, (int)n + 4);
	assert_int_equal(framed[3], n);
	osc_stream_init(&st, buf, sizeof buf);
	memset(got, 0, sizeof got);
	for (int i = 0; i < f; i++)
		assert_int_equal(osc_stream_feed(&st, framed + i, 1, collect, got), 0);
	assert_int_equal(got[0], 1);
	assert_memory_equal(got + 1, msg, n);
	/* an absurd prefix cannot be resynchronised */
	uint8_t bad[4] = { 0x00, 0x10, 0x00, 0x00 };
	osc_stream_init(&st, buf, sizeof buf);
	assert_int_equal(osc_stream_feed(&st, bad, 4, collect, got), GL_ERANGE);
}

static void test_cidr(void **state)
{
	(void)state;
	uint32_t net, mask;
	assert_int_equal(osc_cidr_parse("192.168.1.77/24", &net, &mask), 0);
	assert_int_equal(net, 0xC0A80100u);
	assert_int_equal(mask, 0xFFFFFF00u);
	assert_int_equal(osc_cidr_parse("10.0.0.1", &net, &mask), 0);
	assert_int_equal(mask, 0xFFFFFFFFu);
	assert_int_equal(osc_cidr_parse("0.0.0.0/0", &net, &mask), 0);
	assert_int_equal(mask, 0);
	assert_int_equal(osc_cidr_parse("256.0.0.1", &net, &mask), GL_EINVAL);
	assert_int_equal(osc_cidr_parse("1.2.3.4/33", &net, &mask), GL_EINVAL);
	assert_int_equal(osc_cidr_parse("1.2.3", &net, &mask), GL_EINVAL);
}

static struct gl_engine *make_engine(void)
{
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type dim = { .name = "dim", .channel_count = 1 };
	dim.channels[0].attr = GL_ATTR_INTENSITY;
	dim.channels[0].bytes = 1;
	assert_int_equal(gl_fixture_type_finish(&dim), 0);
	assert_true(gl_engine_add_fixture(e, &dim, "dim 1", 1, 1, NULL) >= 0);
	int g[1] = { 0 };
	gl_engine_add_group(e, "g", g, 1);
	for (int l = 0; l < 2; l++) {
		int id = gl_engine_add_cuelist(e, l ? "Fx" : "Main", false);
		for (int c = 0; c < 2; c++) {
			struct gl_cue_def def;
			gl_cue_def_init(&def);
			def.number = c + 1;
			snprintf(def.number_text, sizeof def.number_text, "%d", c + 1);
			assert_true(gl_engine_add_cue(e, id, &def) >= 0);
		}
	}
	for (int f = 1; f <= 3; f++)
		gl_engine_add_fader(e, f, GL_FADER_GROUP, 0, "f", 1.0f);
	assert_int_equal(gl_engine_finalize(e), 0);
	return e;
}

#define ARG_F(v) { .type = 'f', .f = (v) }
#define ARG_I(v) { .type = 'i', .i = (v) }
#define ARG_S(v) { .type = 's', .s = (v) }

static void test_dispatch(void **state)
{
	(void)state;
	struct gl_engine *e = make_engine();
	struct osc_dispatch_result r;

	osc_dispatch(e, "/gl/go", NULL, 0, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_NONE);
	assert_int_equal(r.cmd_count, 1);
	assert_int_equal(r.cmds[0].type, GL_CMD_GO);
	assert_int_equal(r.cmds[0].list, 0);

	struct gl_ctl_arg release[1] = { ARG_F(0.0) };
	osc_dispatch(e, "/gl/go", release, 1, &r);         /* button release */
	assert_true(r.ignored);
	assert_int_equal(r.cmd_count, 0);
	assert_int_equal(r.drop, GL_CONTROL_DROP_NONE);

	struct gl_ctl_arg list_cue[2] = { ARG_S("Fx"), ARG_I(2) };
	osc_dispatch(e, "/gl/go", list_cue, 2, &r);
	assert_int_equal(r.cmds[0].type, GL_CMD_GOTO);
	assert_int_equal(r.cmds[0].list, 1);
	assert_int_equal(r.cmds[0].index, 1);

	osc_dispatch(e, "/gl/cue/Fx/2/go", NULL, 0, &r);
	assert_int_equal(r.cmd_count, 1);
	assert_int_equal(r.cmds[0].list, 1);

	struct gl_ctl_arg half[1] = { ARG_F(0.5) }, one_i[1] = { ARG_I(1) };
	osc_dispatch(e, "/gl/fader/*", half, 1, &r);        /* wildcard: 3 faders */
	assert_int_equal(r.cmd_count, 3);
	assert_int_equal(r.cmds[2].type, GL_CMD_FADER);
	assert_int_equal(r.cmds[2].index, 3);
	osc_dispatch(e, "/gl/gm", one_i, 1, &r);             /* int accepted */
	assert_int_equal(r.cmds[0].type, GL_CMD_GRAND_MASTER);
	assert_true(r.cmds[0].value == 1.0f);

	struct gl_ctl_arg big[1] = { ARG_F(1.5) }, word[1] = { ARG_S("x") };
	osc_dispatch(e, "/gl/fader/1", big, 1, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_RANGE);
	assert_int_equal(r.cmd_count, 0);
	osc_dispatch(e, "/gl/fader/1", word, 1, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_WRONG_TYPE);
	osc_dispatch(e, "/gl/fader/9", half, 1, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_NO_SUCH_TARGET);
	osc_dispatch(e, "/gl/*", NULL, 0, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_AMBIGUOUS);
	osc_dispatch(e, "/gl/nope", NULL, 0, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_UNKNOWN_ADDRESS);
	osc_dispatch(e, "/gl/fixture/1/intensity", half, 1, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_NONE);
	assert_int_equal(r.cmd_count, 1);
	assert_int_equal(r.cmds[0].type, GL_CMD_SET_PARAM);
	assert_int_equal(r.cmds[0].index, gl_engine_param(e, 0, GL_ATTR_INTENSITY));
	assert_float_equal(r.cmds[0].value, 0.5f, 1e-6);
	osc_dispatch(e, "/gl/fixture/1/pan", half, 1, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_NO_SUCH_TARGET);
	osc_dispatch(e, "/gl/fixture/2/intensity", half, 1, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_NO_SUCH_TARGET);
	osc_dispatch(e, "/gl/clear", NULL, 0, &r);
	assert_int_equal(r.cmd_count, 1);
	assert_int_equal(r.cmds[0].type, GL_CMD_CLEAR_PARAM);
	assert_int_equal(r.cmds[0].index, -1);
	osc_dispatch(e, "/house/open", NULL, 0, &r);
	assert_true(r.unmatched);

	osc_dispatch(e, "/gl/panic", NULL, 0, &r);
	assert_int_equal(r.cmd_count, 2);
	assert_int_equal(r.cmds[0].type, GL_CMD_STOP);
	assert_int_equal(r.cmds[0].list, -1);
	assert_int_equal(r.cmds[1].type, GL_CMD_BLACKOUT);

	struct gl_ctl_arg port[1] = { ARG_I(9000) };
	osc_dispatch(e, "/gl/subscribe", port, 1, &r);
	assert_true(r.subscribe);
	assert_int_equal(r.subscribe_port, 9000);
	/* unsubscribe and refresh name a subscription the same way */
	osc_dispatch(e, "/gl/unsubscribe", port, 1, &r);
	assert_true(r.unsubscribe);
	assert_false(r.subscribe);
	assert_int_equal(r.subscribe_port, 9000);
	osc_dispatch(e, "/gl/refresh", NULL, 0, &r);
	assert_true(r.refresh);
	assert_int_equal(r.subscribe_port, 0);
	struct gl_ctl_arg bad_port[1] = { ARG_I(70000) };
	osc_dispatch(e, "/gl/unsubscribe", bad_port, 1, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_RANGE);

	/* /gl/memory: an adapter action (the reply), no engine command */
	osc_dispatch(e, "/gl/memory", NULL, 0, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_NONE);
	assert_true(r.memory);
	assert_int_equal(r.cmd_count, 0);
	osc_dispatch(e, "/gl/memory", port, 1, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_WRONG_TYPE);
	assert_false(r.memory);
	gl_engine_destroy(e);
}

/* Each drop reason (one table for every adapter) has its own name: "queue
 * full" no longer stands for a timetag too far ahead, subscriber slots or
 * TCP connections. */
static void test_drop_names(void **state)
{
	(void)state;
	for (int a = 0; a < GL_CONTROL_DROP_COUNT; a++) {
		assert_string_not_equal(gl_control_drop_name((enum gl_control_drop)a), "?");
		for (int b = a + 1; b < GL_CONTROL_DROP_COUNT; b++)
			assert_string_not_equal(gl_control_drop_name((enum gl_control_drop)a),
						gl_control_drop_name((enum gl_control_drop)b));
	}
	assert_string_equal(gl_control_drop_name(GL_CONTROL_DROP_TIMETAG_AHEAD),
			    "timetag too far ahead");
	assert_string_equal(gl_control_drop_name(GL_CONTROL_DROP_SUBSCRIBERS),
			    "too many subscribers");
	assert_string_equal(gl_control_drop_name(GL_CONTROL_DROP_CONNECTIONS),
			    "too many TCP connections");
}

/* The cost of a wildcard is bounded: too many groups or alternatives are
 * refused before any matching; what is matched shares one step budget. */
static void test_pattern_cost(void **state)
{
	(void)state;
	struct gl_engine *e = make_engine();
	struct osc_dispatch_result r;
	const char *why = NULL;
	char addr[256], group[64];
	int steps;

	/* the 191-byte address: three 60-way groups */
	memset(group, ',', sizeof group);
	group[0] = '{';
	group[60] = '}';
	group[61] = '\0';
	snprintf(addr, sizeof addr, "/gl/%s%s%sgo", group, group, group);
	assert_int_equal(osc_pattern_check(addr, &why), GL_ERANGE);
	assert_non_null(strstr(why, "alternatives"));
	osc_dispatch(e, addr, NULL, 0, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_TOO_COSTLY);
	assert_int_equal(r.cmd_count, 0);
	assert_false(r.unmatched);          /* not handed to on_osc either */
	assert_int_equal(osc_pattern_check("/a/[ab]/[cd]/{e,f}/{g,h}/[ij]", &why), GL_ERANGE);
	assert_int_equal(osc_pattern_check("/gl/fader/{1,2,3}", &why), 0);
	assert_int_equal(osc_pattern_check("/a,b,c", &why), 0);   /* commas outside {} */

	/* within the limits but costly: 4 x 16 alternatives run out of steps */
	char g16[40] = "{";
	for (int i = 0; i < 15; i++)
		strcat(g16, ",");
	strcat(g16, "}");
	snprintf(addr, sizeof addr, "/gl/fader/%s%s%s%sx", g16, g16, g16, g16);
	assert_int_equal(osc_pattern_check(addr, &why), 0);
	osc_dispatch(e, addr, (struct gl_ctl_arg[]){ ARG_F(0.5) }, 1, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_TOO_COSTLY);
	steps = 100;
	assert_false(osc_pattern_match_budget(addr + 10, "1", &steps));
	assert_true(steps < 0);
	assert_false(osc_pattern_match_budget("1", "1", &steps));  /* spent stays spent */
	steps = 100;
	assert_true(osc_pattern_match_budget("{1,2}", "2", &steps));
	assert_true(steps > 0 && steps < 100);
	/* ordinary wildcards still work under the shared budget */
	osc_dispatch(e, "/gl/fader/[1-3]", (struct gl_ctl_arg[]){ ARG_F(0.5) }, 1, &r);
	assert_int_equal(r.drop, GL_CONTROL_DROP_NONE);
	assert_int_equal(r.cmd_count, 3);
	gl_engine_destroy(e);
}

static void test_url_parse(void **state)
{
	(void)state;
	char host[64];
	bool tcp;
	int port;

	assert_int_equal(osc_url_parse("osc.tcp://10.0.0.5:9000/", &tcp, host, sizeof host, &port), 0);
	assert_true(tcp);
	assert_string_equal(host, "10.0.0.5");
	assert_int_equal(port, 9000);
	assert_int_equal(osc_url_parse("osc.udp://tablet.local:8000", &tcp, host, sizeof host, &port), 0);
	assert_false(tcp);
	assert_string_equal(host, "tablet.local");
	assert_int_equal(osc_url_parse("osc.udp://h:0", &tcp, host, sizeof host, &port), GL_EINVAL);
	assert_int_equal(osc_url_parse("http://h:80", &tcp, host, sizeof host, &port), GL_EINVAL);
	assert_int_equal(osc_url_parse("osc.udp://:80", &tcp, host, sizeof host, &port), GL_EINVAL);
}

/* ---- outgoing peers over loopback --------------------------------------- */

static int logged;
static void count_log(void *ud, bool error, const char *text)
{
	(void)ud;
	(void)error;
	(void)text;
	logged++;
}

static int listen_tcp(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Runs the peers' share of a poll loop for up to 2 s or until done(). */
static void pump(struct osc_peers *p, int extra_fd, bool (*done)(void *), void *ud)
{
	for (int i = 0; i < 200 && !(done && done(ud)); i++) {
		struct pollfd fds[OSC_PEERS_MAX + 1];
		int n = osc_peers_poll_fds(p, fds, OSC_PEERS_MAX);

		if (extra_fd >= 0)
			fds[n++] = (struct pollfd){ .fd = extra_fd, .events = POLLIN };
		poll(fds, (nfds_t)n, 10);
		osc_peers_service(p, fds, n, gl_now_ns());
	}
}

struct tcp_rx {
	int listen_fd, fd;
	uint8_t buf[4096];
	size_t len;
	size_t want;
};

/* What a peer test opened: teardown closes what is still open. */
static struct held {
	int udp, rx;                 /* the adapter's socket, a receiver */
	struct tcp_rx tcp;           /* the TCP remote */
	struct osc_peers *peers;
} held;

static int peer_setup(void **state)
{
	(void)state;
	memset(&held, 0, sizeof held);
	held.udp = held.rx = held.tcp.listen_fd = held.tcp.fd = -1;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int peer_teardown(void **state)
{
	(void)state;
	osc_peers_destroy(held.peers);
	held.peers = NULL;
	close_fd(&held.udp);
	close_fd(&held.rx);
	close_fd(&held.tcp.fd);
	close_fd(&held.tcp.listen_fd);
	return 0;
}

static bool tcp_rx_done(void *ud)
{
	struct tcp_rx *rx = ud;

	if (rx->fd < 0) {
		rx->fd = accept4(rx->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (rx->fd < 0)
			return false;
	}
	ssize_t got = recv(rx->fd, rx->buf + rx->len, sizeof rx->buf - rx->len, MSG_DONTWAIT);
	if (got > 0)
		rx->len += (size_t)got;
	return rx->len >= rx->want;
}

static void test_peer_tcp(void **state)
{
	(void)state;
	uint8_t msg[64];
	size_t n = put_msg(msg, "/x");
	uint16_t port;
	char url[64];
	struct osc_peer_stats st;
	struct tcp_rx *rx = &held.tcp;
	struct osc_peers *p;

	held.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	rx->listen_fd = listen_tcp(&port);
	p = held.peers = osc_peers_create(held.udp, count_log, NULL);

	/* three messages queue while the connect runs; they arrive framed,
	 * in order, once the poll loop has finished it */
	snprintf(url, sizeof url, "osc.tcp://127.0.0.1:%u", port);
	int peer = osc_peers_get(p, url, true, gl_now_ns());
	assert_true(peer >= 0);
	assert_int_equal(osc_peers_get(p, url, false, gl_now_ns()), peer);
	for (int i = 0; i < 3; i++)
		assert_int_equal(osc_peers_send(p, peer, msg, n, gl_now_ns()), 0);
	rx->want = 3 * (n + 4);
	pump(p, rx->listen_fd, tcp_rx_done, rx);
	assert_int_equal(rx->len, 3 * (n + 4));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rx->buf[i * (n + 4) + 3], n);
		assert_memory_equal(rx->buf + i * (n + 4) + 4, msg, n);
	}
	osc_peers_stats(p, &st);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.dropped, 0);

	/* the remote goes away: the next send notices, reconnects later */
	close_fd(&rx->fd);
	close_fd(&rx->listen_fd);
	pump(p, -1, NULL, NULL);
	logged = 0;
	/* nothing listens now: connects fail and back off; the queue holds
	 * what fits and drops (and counts) the rest, never blocking */
	int dropped_rc = 0;
	for (int i = 0; i < 2000; i++)
		if (osc_peers_send(p, peer, msg, n, gl_now_ns()) == GL_EFULL)
			dropped_rc++;
	pump(p, -1, NULL, NULL);
	osc_peers_stats(p, &st);
	assert_true(dropped_rc > 0);
	assert_true(st.dropped >= (uint64_t)dropped_rc);
	assert_true(st.connect_failures >= 1);
	assert_true(st.waiting > 0 && st.waiting * (n + 4) <= OSC_PEER_QUEUE_BYTES);
	assert_true(logged >= 1);
	/* backing off: the next attempt is in the future, not now */
	assert_true(osc_peers_next_timer(p) > gl_now_ns());
}

static bool udp_rx_done(void *ud)
{
	int *fd = ud;
	uint8_t buf[256];

	return recv(*fd, buf, sizeof buf, MSG_DONTWAIT) > 0;
}

/* UDP to a number goes out at once, through the adapter's socket; to a
 * name it waits for the background resolution. */
static void test_peer_udp(void **state)
{
	(void)state;
	uint8_t msg[64], buf[256];
	size_t n = put_msg(msg, "/y");
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int rx = held.rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char url[64];

	held.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(rx, (struct sockaddr *)&sa, &len), 0);
	struct osc_peers *p = held.peers = osc_peers_create(held.udp, count_log, NULL);
	snprintf(url, sizeof url, "osc.udp://127.0.0.1:%u/", ntohs(sa.sin_port));
	int peer = osc_peers_get(p, url, false, gl_now_ns());
	assert_int_equal(osc_peers_send(p, peer, msg, n, gl_now_ns()), 0);
	assert_int_equal(recv(rx, buf, sizeof buf, 0), (ssize_t)n);
	assert_memory_equal(buf, msg, n);

	snprintf(url, sizeof url, "osc.udp://localhost:%u", ntohs(sa.sin_port));
	peer = osc_peers_get(p, url, false, gl_now_ns());
	assert_int_equal(osc_peers_send(p, peer, msg, n, gl_now_ns()), 0);
	pump(p, -1, udp_rx_done, &rx);
	struct osc_peer_stats st;
	osc_peers_stats(p, &st);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.waiting, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_pattern_cost),
		cmocka_unit_test(test_url_parse),
		cmocka_unit_test_setup_teardown(test_peer_tcp, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_peer_udp, peer_setup, peer_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
