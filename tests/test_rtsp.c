/*
 * test_rtsp.c - the RTSP client: its wire code byte for byte (requests,
 * the reply parser with folded headers, missing CSeq, wrong
 * Content-Length, interleaved $ frames between and inside replies,
 * pipelined replies, a stream cut at every byte; header values, SDP, URLs,
 * Basic and Digest answers against RFC 2617's own example), and the
 * adapter itself (outputs/media/rtsp through control.h) against a server
 * scripted in this process on a real loopback socket: preload and the
 * commands, Digest on 401 and a refused password (never printed), a
 * redirect, frames in the middle of replies, a pipelined seek while
 * paused, keep-alive, a forgotten session, a malformed reply, a server
 * that stops answering and one that hangs up - each reported and recovered
 * without the test waiting on anything but the poll loop.
 *
 * Behaviour, not durations: waits are "until the server saw X" with
 * deadlines of seconds that only a broken client misses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <nettle/md5.h>

#include "outputs/control/control.h"
#include "outputs/media/rtsp/rtsp_wire.h"

/* ---- wire: requests ---------------------------------------------------------------------- */

static void test_request_format(void **state)
{
	char buf[512];
	struct rtsp_request r = {
		.method = "PLAY", .url = "rtsp://10.0.0.9:8554/clip/", .cseq = 7, .session = "abc",
		.range = "npt=30.000-", .scale = "2.000", .user_agent = "ghostlight/x",
	};
	const char *want = "PLAY rtsp://10.0.0.9:8554/clip/ RTSP/1.0\r\nCSeq: 7\r\n"
			   "Session: abc\r\nRange: npt=30.000-\r\nScale: 2.000\r\n"
			   "User-Agent: ghostlight/x\r\n\r\n";

	(void)state;
	assert_int_equal(rtsp_request_format(buf, sizeof buf, &r), (int)strlen(want));
	assert_string_equal(buf, want);
	/* a value can never start a header of its own */
	r.session = "abc\r\nX-Evil: 1";
	assert_int_equal(rtsp_request_format(buf, sizeof buf, &r), GL_EINVAL);
	r.session = "abc";
	r.url = "rtsp://h/a b";
	assert_int_equal(rtsp_request_format(buf, sizeof buf, &r), GL_EINVAL);
	r.url = "rtsp://h/a";
	r.method = "play";
	assert_int_equal(rtsp_request_format(buf, sizeof buf, &r), GL_EINVAL);
	r.method = "PLAY";
	assert_int_equal(rtsp_request_format(buf, 40, &r), GL_ERANGE);
	assert_int_equal(rtsp_reply_format(buf, sizeof buf, 501, "Not Implemented", 4),
			 (int)strlen("RTSP/1.0 501 Not Implemented\r\nCSeq: 4\r\n\r\n"));
	assert_string_equal(buf, "RTSP/1.0 501 Not Implemented\r\nCSeq: 4\r\n\r\n");
}

/* ---- wire: parsing --------------------------------------------------------------------------- */

static struct rtsp_msg msg;

static struct rtsp_item parse(const char *text, size_t len)
{
	struct rtsp_item item;

	rtsp_parse((const uint8_t *)text, len, &msg, &item);
	return item;
}

static void test_parse_reply(void **state)
{
	static const char sdp[] = "v=0\r\nm=video 0 RTP/AVP 96\r\na=control:stream=0\r\n";
	char text[512];
	struct rtsp_item item;
	int n;

	(void)state;
	n = snprintf(text, sizeof text, "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://h/clip/\r\n"
		     "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", strlen(sdp), sdp);
	item = parse(text, (size_t)n);
	assert_int_equal(item.kind, RTSP_ITEM_REPLY);
	assert_int_equal(item.size, n);
	assert_int_equal(msg.status, 200);
	assert_string_equal(msg.reason, "OK");
	assert_int_equal(msg.cseq, 2);
	assert_string_equal(rtsp_msg_header(&msg, "content-base", 0), "rtsp://h/clip/");
	assert_int_equal(msg.body_len, strlen(sdp));
	assert_memory_equal(msg.body, sdp, strlen(sdp));
	/* every prefix: more bytes needed, never a wrong answer */
	for (int cut = 0; cut < n; cut++)
		if (parse(text, (size_t)cut).kind != RTSP_ITEM_NONE)
			fail_msg("cut at %d of %d: %d", cut, n, parse(text, (size_t)cut).kind);
	/* bare LF line ends, empty lines before the message, no reason phrase */
	item = parse("\r\n\nRTSP/1.0 454\nCSeq: 9\n\n", 25);
	assert_int_equal(item.kind, RTSP_ITEM_REPLY);
	assert_int_equal(item.size, 25);
	assert_int_equal(msg.status, 454);
	assert_string_equal(msg.reason, "");
}

static void test_parse_folded(void **state)
{
	const char *text = "RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\n"
			   "WWW-Authenticate: Digest realm=\"r\",\r\n   nonce=\"n1\",\r\n\tqop=\"auth\"\r\n"
			   "Session:  abc ;timeout=30 \r\n\r\n";
	struct rtsp_item item = parse(text, strlen(text));
	char id[64];
	int timeout;

	(void)state;
	assert_int_equal(item.kind, RTSP_ITEM_REPLY);
	assert_string_equal(rtsp_msg_header(&msg, "WWW-Authenticate", 0),
			    "Digest realm=\"r\", nonce=\"n1\", qop=\"auth\"");
	assert_int_equal(rtsp_session_parse(rtsp_msg_header(&msg, "session", 0), id, sizeof id,
					    &timeout), 0);
	assert_string_equal(id, "abc");
	assert_int_equal(timeout, 30);
	/* a continuation with nothing to continue */
	item = parse("RTSP/1.0 200 OK\r\n folded\r\n\r\n", 29);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	assert_non_null(strstr(item.error, "continuation"));
}

static void test_parse_cseq(void **state)
{
	(void)state;
	/* missing CSeq parses; what to do with it is the client's choice */
	assert_int_equal(parse("RTSP/1.0 200 OK\r\nServer: x\r\n\r\n", 30).kind, RTSP_ITEM_REPLY);
	assert_int_equal(msg.cseq, -1);
	assert_int_equal(parse("RTSP/1.0 200 OK\r\nCSeq: x7\r\n\r\n", 29).kind, RTSP_ITEM_REPLY);
	assert_int_equal(msg.cseq, -1);
	assert_int_equal(parse("RTSP/1.0 200 OK\r\ncseq:  12 \r\n\r\n", 31).kind, RTSP_ITEM_REPLY);
	assert_int_equal(msg.cseq, 12);
}

static void test_parse_content_length(void **state)
{
	const char *two = "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 3\r\n\r\nabcdefRTSP/1.0 200 OK\r\n"
			  "CSeq: 2\r\n\r\n";
	struct rtsp_item item;

	(void)state;
	assert_int_equal(parse("RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n", 39).kind,
			 RTSP_ITEM_ERROR);
	assert_int_equal(parse("RTSP/1.0 200 OK\r\nContent-Length: 1x\r\n\r\n", 39).kind,
			 RTSP_ITEM_ERROR);
	item = parse("RTSP/1.0 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", 61);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	assert_non_null(strstr(item.error, "differ"));
	item = parse("RTSP/1.0 200 OK\r\nContent-Length: 9999999\r\n\r\n", 44);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	assert_non_null(strstr(item.error, "at most"));
	/* too short: the rest of the body is not taken for the next reply */
	item = parse(two, strlen(two));
	assert_int_equal(item.kind, RTSP_ITEM_REPLY);
	assert_int_equal(msg.body_len, 3);
	item = parse(two + item.size, strlen(two) - item.size);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	assert_non_null(strstr(item.error, "not an RTSP message: \"defRTSP/1.0 200 OK\""));
	/* too long: it waits for a body that never comes (the client's reply
	 * timeout ends that), and never reads the next reply as the body's end */
	item = parse("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 50\r\n\r\nshortRTSP/1.0 200 OK\r\n"
		     "CSeq: 2\r\n\r\n", 91);
	assert_int_equal(item.kind, RTSP_ITEM_NONE);
}

static void test_parse_frames(void **state)
{
	/* frame, reply, frame, reply, and a frame cut by the buffer's end */
	static const uint8_t stream[] = "$\x00\x00\x03" "abc"
		"RTSP/1.0 200 OK\r\nCSeq: 4\r\n\r\n"
		"$\x01\x00\x01" "z"
		"RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession: s\r\n\r\n"
		"$\x02\x01\x00" "partial";
	size_t len = sizeof stream - 1, off = 0;
	struct rtsp_item item;
	int kinds[8], n = 0;
	long cseqs[2];
	int replies = 0;

	(void)state;
	while (off < len) {
		rtsp_parse(stream + off, len - off, &msg, &item);
		kinds[n++] = item.kind;
		if (item.kind == RTSP_ITEM_REPLY)
			cseqs[replies++] = msg.cseq;
		if (item.kind == RTSP_ITEM_NONE || item.kind == RTSP_ITEM_ERROR)
			break;
		if (item.kind == RTSP_ITEM_FRAME && item.at + item.size > len - off) {
			assert_int_equal(item.channel, 2);
			assert_int_equal(item.size, 4 + 256);
			break;
		}
		off += item.kind == RTSP_ITEM_FRAME ? item.at + item.size : item.size;
	}
	assert_int_equal(n, 5);
	assert_int_equal(kinds[0], RTSP_ITEM_FRAME);
	assert_int_equal(kinds[1], RTSP_ITEM_REPLY);
	assert_int_equal(kinds[2], RTSP_ITEM_FRAME);
	assert_int_equal(kinds[3], RTSP_ITEM_REPLY);
	assert_int_equal(kinds[4], RTSP_ITEM_FRAME);
	assert_int_equal(cseqs[0], 4);
	assert_int_equal(cseqs[1], 5);
}

static void test_parse_frame_inside(void **state)
{
	/* a server that put a frame between a reply's header lines */
	uint8_t buf[128];
	const char *head = "RTSP/1.0 200 OK\r\nCSeq: 6\r\n", *tail = "Session: s\r\n\r\n";
	size_t a = strlen(head), t = strlen(tail), len;
	struct rtsp_item item;

	(void)state;
	memcpy(buf, head, a);
	memcpy(buf + a, "$\x00\x00\x02xy", 6);
	memcpy(buf + a + 6, tail, t);
	len = a + 6 + t;
	rtsp_parse(buf, len, &msg, &item);
	assert_int_equal(item.kind, RTSP_ITEM_FRAME);
	assert_int_equal(item.at, a);
	assert_int_equal(item.size, 6);
	memmove(buf + item.at, buf + item.at + item.size, len - item.at - item.size);
	len -= item.size;
	rtsp_parse(buf, len, &msg, &item);
	assert_int_equal(item.kind, RTSP_ITEM_REPLY);
	assert_int_equal(item.size, len);
	assert_int_equal(msg.cseq, 6);
	assert_string_equal(rtsp_msg_header(&msg, "Session", 0), "s");
}

/* What the client gets from a byte stream arriving one read of `step`
 * bytes at a time (rtsp_stream, as rtsp_target.c reads): the items as
 * "F<ch> R<cseq> Q<method>" text. */
static void consume(const uint8_t *data, size_t len, size_t step, char *out, size_t out_len)
{
	static uint8_t in[RTSP_HEAD_MAX + RTSP_BODY_MAX];
	struct rtsp_stream st = { .buf = in, .cap = sizeof in };
	struct rtsp_item item;
	size_t used = 0;

	out[0] = '\0';
	for (size_t at = 0; at < len; at += step) {
		size_t k = len - at < step ? len - at : step;

		memcpy(in + st.len, data + at, k);      /* a recv() into the free space */
		rtsp_stream_added(&st, k);
		for (;;) {
			rtsp_stream_next(&st, &msg, &item);
			if (item.kind == RTSP_ITEM_NONE)
				break;
			assert_int_not_equal(item.kind, RTSP_ITEM_ERROR);
			if (item.kind == RTSP_ITEM_FRAME)
				used += (size_t)snprintf(out + used, out_len - used, "F%d ", item.channel);
			else if (item.kind == RTSP_ITEM_REPLY)
				used += (size_t)snprintf(out + used, out_len - used, "R%ld ", msg.cseq);
			else
				used += (size_t)snprintf(out + used, out_len - used, "Q%s ", msg.method);
		}
		assert_false(rtsp_stream_compact(&st));
	}
}

static void test_parse_pipelined_split(void **state)
{
	/* pipelined replies, a request from the server, frames between and
	 * inside replies: cut into reads of every size from 1 byte, the
	 * client gets the same items */
	static const uint8_t stream[] =
		"RTSP/1.0 200 OK\r\nCSeq: 7\r\nRange: npt=30-\r\n\r\n"
		"RTSP/1.0 200 OK\r\nCSeq: 8\r\n\r\n"
		"$\x00\x00\x05" "hello"
		"RTSP/1.0 200 OK\r\nCSeq: 9\r\n" "$\x01\x00\x03" "rtc" "Content-Length: 4\r\n\r\nbody"
		"ANNOUNCE rtsp://h/clip RTSP/1.0\r\nCSeq: 1\r\n\r\n"
		"\r\n$\x02\x00\x00";
	const char *want = "R7 R8 F0 F1 R9 QANNOUNCE F2 ";
	char got[128];

	(void)state;
	for (size_t step = 1; step <= sizeof stream; step++) {
		consume(stream, sizeof stream - 1, step, got, sizeof got);
		if (strcmp(got, want) != 0)
			fail_msg("reads of %zu bytes: \"%s\", not \"%s\"", step, got, want);
	}
}

static void test_parse_errors(void **state)
{
	static char big[RTSP_HEAD_MAX + 64];
	struct rtsp_item item;
	int n;

	(void)state;
	item = parse("HTTP/1.1 200 OK\r\n\r\n", 19);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	assert_non_null(strstr(item.error, "not an RTSP message"));
	item = parse("RTSP/2.0 200 OK\r\n\r\n", 19);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	item = parse("RTSP/1.0 2x0 OK\r\n\r\n", 19);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	item = parse("RTSP/1.0 200 OK\r\nno colon here\r\n\r\n", 34);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	assert_non_null(strstr(item.error, "without a name"));
	item = parse("RTSP/1.0 200 OK\r\nX: a\x01" "b\r\n\r\n", 26);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	assert_non_null(strstr(item.error, "\\x01"));     /* shown escaped */
	item = parse("RTSP/1.0 200 OK\r\nX: a\0b\r\n\r\n", 26);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	/* a head that never ends, and one with too many headers */
	n = snprintf(big, sizeof big, "RTSP/1.0 200 OK\r\nX: ");
	memset(big + n, 'a', sizeof big - (size_t)n);
	item = parse(big, sizeof big);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	n = snprintf(big, sizeof big, "RTSP/1.0 200 OK\r\n");
	for (int i = 0; i <= RTSP_HEADERS_MAX; i++)
		n += snprintf(big + n, sizeof big - (size_t)n, "X-%d: v\r\n", i);
	n += snprintf(big + n, sizeof big - (size_t)n, "\r\n");
	item = parse(big, (size_t)n);
	assert_int_equal(item.kind, RTSP_ITEM_ERROR);
	assert_non_null(strstr(item.error, "headers"));
}

/* ---- wire: values ------------------------------------------------------------------------ */

static void test_values(void **state)
{
	char id[RTSP_SESSION_ID_MAX];
	int timeout;
	double a, b, scale;
	struct rtsp_transport tr;

	(void)state;
	assert_int_equal(rtsp_session_parse("SYO-wR6SROA_c-fO", id, sizeof id, &timeout), 0);
	assert_string_equal(id, "SYO-wR6SROA_c-fO");
	assert_int_equal(timeout, RTSP_SESSION_TIMEOUT_DEFAULT);
	assert_int_equal(rtsp_session_parse("12345678;timeout=0", id, sizeof id, &timeout), 0);
	assert_int_equal(timeout, RTSP_SESSION_TIMEOUT_DEFAULT);
	assert_int_equal(rtsp_session_parse(" ;timeout=5", id, sizeof id, &timeout), GL_EINVAL);

	assert_int_equal(rtsp_range_parse("npt=10-", &a, &b), 0);
	assert_true(a == 10.0 && isnan(b));
	assert_int_equal(rtsp_range_parse("npt=31.002114122-120.5", &a, &b), 0);
	assert_true(fabs(a - 31.002114122) < 1e-9 && b == 120.5);
	assert_int_equal(rtsp_range_parse("npt=now-", &a, &b), 0);
	assert_true(isnan(a) && isnan(b));
	assert_int_equal(rtsp_range_parse("npt=1:02:03.5-", &a, &b), 0);
	assert_true(a == 3723.5);
	assert_int_equal(rtsp_range_parse("npt = 0-;time=19970123T153600Z", &a, &b), 0);
	assert_int_equal(rtsp_range_parse("smpte=10:07:00-", &a, &b), GL_EINVAL);
	assert_int_equal(rtsp_range_parse("npt=1e9-", &a, &b), GL_EINVAL);
	assert_int_equal(rtsp_range_parse("npt=1:75:00-", &a, &b), GL_EINVAL);
	char range[32];
	assert_int_equal(rtsp_range_format(30, range, sizeof range), 11);
	assert_string_equal(range, "npt=30.000-");

	assert_true(rtsp_public_has("OPTIONS, DESCRIBE, GET_PARAMETER, PAUSE", "GET_PARAMETER"));
	assert_false(rtsp_public_has("OPTIONS, GET_PARAMETERS", "GET_PARAMETER"));
	assert_int_equal(rtsp_transport_parse("RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=D01608AC;"
					      "mode=\"PLAY\"", &tr), 0);
	assert_true(tr.tcp && tr.interleaved[0] == 2 && tr.interleaved[1] == 3);
	assert_int_equal(rtsp_transport_parse("RTP/AVP;unicast;client_port=4588-4589;"
					      "server_port=6256-6257", &tr), 0);
	assert_true(!tr.tcp && tr.client_port[0] == 4588 && tr.server_port[1] == 6257);
	assert_int_equal(rtsp_transport_parse("RAW/RAW/UDP;unicast", &tr), GL_EINVAL);
	assert_int_equal(rtsp_scale_parse(" 1.000", &scale), 0);
	assert_true(scale == 1.0);
	assert_int_equal(rtsp_scale_parse("0", &scale), GL_EINVAL);
	assert_int_equal(rtsp_scale_parse("inf", &scale), GL_EINVAL);
}

static void test_sdp(void **state)
{
	/* what gst-rtsp-server describes (tests/tools/rtsp_server.py) */
	static const char sdp[] =
		"v=0\r\no=- 1512 1 IN IP4 127.0.0.1\r\ns=Session streamed with GStreamer\r\n"
		"t=0 0\r\na=control:*\r\na=range:npt=0-120.5\r\nm=video 0 RTP/AVP 96\r\n"
		"a=rtpmap:96 RAW/90000\r\na=control:stream=0\r\nm=audio 0 RTP/AVP 97\r\n"
		"a=control:stream=1\r\n";
	struct rtsp_sdp s;
	char why[128], url[RTSP_URL_MAX];

	(void)state;
	assert_int_equal(rtsp_sdp_parse(sdp, strlen(sdp), &s, why, sizeof why), 0);
	assert_string_equal(s.control, "*");
	assert_true(s.duration_s == 120.5);
	assert_int_equal(s.track_count, 2);
	assert_string_equal(s.tracks[0].media, "video");
	assert_string_equal(s.tracks[1].control, "stream=1");
	assert_int_equal(rtsp_url_resolve("rtsp://h/clip/", s.tracks[1].control, url, sizeof url), 0);
	assert_string_equal(url, "rtsp://h/clip/stream=1");
	assert_int_equal(rtsp_sdp_parse("v=0\r\ns=x\r\n", 10, &s, why, sizeof why), GL_EINVAL);
	assert_non_null(strstr(why, "no media"));
}

static void test_urls(void **state)
{
	struct rtsp_url u;
	char why[160], out[RTSP_URL_MAX];

	(void)state;
	assert_int_equal(rtsp_url_parse("rtsp://10.0.0.9/clip", &u, why, sizeof why), 0);
	assert_string_equal(u.host, "10.0.0.9");
	assert_int_equal(u.port, 554);
	assert_false(u.has_userinfo);
	assert_int_equal(rtsp_url_parse("rtsp://user:pw@[::1]:8554/a/b?x=1", &u, why, sizeof why), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 8554);
	assert_true(u.has_userinfo);
	assert_string_equal(u.clean, "rtsp://[::1]:8554/a/b?x=1");     /* no password in it */
	assert_int_equal(rtsp_url_parse("rtsp://media.local", &u, why, sizeof why), 0);
	assert_string_equal(u.clean, "rtsp://media.local");
	assert_int_equal(rtsp_url_parse("rtsps://h/x", &u, why, sizeof why), GL_EINVAL);
	assert_non_null(strstr(why, "TLS"));
	assert_int_equal(rtsp_url_parse("http://h/x", &u, why, sizeof why), GL_EINVAL);
	assert_int_equal(rtsp_url_parse("rtsp://h:0/x", &u, why, sizeof why), GL_EINVAL);
	assert_int_equal(rtsp_url_parse("rtsp://h:99999/x", &u, why, sizeof why), GL_EINVAL);
	assert_int_equal(rtsp_url_parse("rtsp:///x", &u, why, sizeof why), GL_EINVAL);
	assert_int_equal(rtsp_url_parse("rtsp://h/a b", &u, why, sizeof why), GL_EINVAL);
	assert_int_equal(rtsp_url_parse("rtsp://h\x01/x", &u, why, sizeof why), GL_EINVAL);

	assert_int_equal(rtsp_url_resolve("rtsp://h/clip", "trackID=1", out, sizeof out), 0);
	assert_string_equal(out, "rtsp://h/clip/trackID=1");
	assert_int_equal(rtsp_url_resolve("rtsp://h/clip", "*", out, sizeof out), 0);
	assert_string_equal(out, "rtsp://h/clip");
	assert_int_equal(rtsp_url_resolve("rtsp://h:8554/clip/", "/other", out, sizeof out), 0);
	assert_string_equal(out, "rtsp://h:8554/other");
	assert_int_equal(rtsp_url_resolve("rtsp://h/clip", "rtsp://g/x", out, sizeof out), 0);
	assert_string_equal(out, "rtsp://g/x");
	/* a scheme-looking text later in a relative URL is not a scheme */
	assert_int_equal(rtsp_url_resolve("rtsp://h/c", "t=1?u=a://b", out, sizeof out), 0);
	assert_string_equal(out, "rtsp://h/c/t=1?u=a://b");
	assert_int_equal(rtsp_url_resolve("rtsp://h/c", "", out, sizeof out), GL_EINVAL);
	assert_int_equal(rtsp_url_resolve("rtsp://h/c", "x", out, 12), GL_ERANGE);
}

static void test_auth(void **state)
{
	struct rtsp_auth ch;
	char out[1024];
	struct rtsp_item item;

	(void)state;
	/* RFC 2617 3.5's example */
	assert_int_equal(rtsp_auth_parse("Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
					 "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
					 "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"", &ch), 0);
	assert_int_equal(ch.scheme, RTSP_AUTH_DIGEST);
	assert_true(ch.qop_auth);
	assert_true(rtsp_auth_answer(&ch, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1,
				     "0a4f113b", out, sizeof out) > 0);
	assert_string_equal(out, "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
			    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
			    "response=\"6629fae49393a05397450978507c4ef1\", "
			    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001, "
			    "cnonce=\"0a4f113b\"");
	/* gst-rtsp-server's challenge: no qop, no opaque */
	assert_int_equal(rtsp_auth_parse("Digest realm=\"GStreamer RTSP Server\", "
					 "nonce=\"b7fdf6f95bd1ee09\"", &ch), 0);
	assert_true(rtsp_auth_answer(&ch, "video", "s3cret", "DESCRIBE",
				     "rtsp://127.0.0.1:8554/clip", 1, "c", out, sizeof out) > 0);
	assert_non_null(strstr(out, "response=\"cbcbdbe194fea3787b2c750acf732ba7\""));
	assert_null(strstr(out, "qop"));
	assert_null(strstr(out, "s3cret"));
	/* MD5-sess */
	assert_int_equal(rtsp_auth_parse("Digest realm=r,nonce=n1,algorithm=MD5-sess,qop=auth", &ch), 0);
	assert_true(rtsp_auth_answer(&ch, "video", "pw", "PLAY", "rtsp://h/x", 2, "c1", out,
				     sizeof out) > 0);
	assert_non_null(strstr(out, "response=\"fa0c6326f8b1c47100f7490c4b9d5667\""));
	assert_non_null(strstr(out, "algorithm=MD5-sess"));
	/* Basic: RFC 2617 2's example */
	assert_int_equal(rtsp_auth_parse("Basic realm=\"WallyWorld\"", &ch), 0);
	assert_true(rtsp_auth_answer(&ch, "Aladdin", "open sesame", "PLAY", "rtsp://h/x", 0, "", out,
				     sizeof out) > 0);
	assert_string_equal(out, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
	/* what cannot be answered */
	assert_int_equal(rtsp_auth_parse("Digest realm=r,nonce=n,algorithm=SHA-256", &ch), GL_ENOENT);
	assert_int_equal(rtsp_auth_parse("Bearer realm=r", &ch), GL_ENOENT);
	assert_int_equal(rtsp_auth_parse("Digest realm=r", &ch), GL_EINVAL);
	assert_int_equal(rtsp_auth_parse("Digest realm=\"unterminated", &ch), GL_EINVAL);
	/* Digest is taken over Basic, whichever comes first */
	item = parse("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Basic realm=\"b\"\r\n"
		     "WWW-Authenticate: Digest realm=\"d\", nonce=\"x\"\r\n\r\n", 122);
	assert_int_equal(item.kind, RTSP_ITEM_REPLY);
	assert_int_equal(rtsp_auth_choose(&msg, &ch, out, sizeof out), 0);
	assert_int_equal(ch.scheme, RTSP_AUTH_DIGEST);
	assert_string_equal(ch.realm, "d");
	parse("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Negotiate x\r\n\r\n", 72);
	assert_int_equal(rtsp_auth_choose(&msg, &ch, out, sizeof out), GL_ENOENT);
	assert_non_null(strstr(out, "cannot answer"));
}

/* ---- the adapter against a scripted server ------------------------------------------------- */

#define SECRET "Pa55-w0rd!"
#define REQS_MAX 128

struct req {                      /* what the server was sent */
	char method[24];
	char url[256];
	char range[48], session[64], transport[96], scale[24], auth[600];
	long cseq;
	int conn;                     /* which accepted connection */
};

struct srv {
	int listen_fd, port, fd, conns;
	uint8_t in[16384];
	size_t in_len;
	struct req reqs[REQS_MAX];
	int count;
	/* behaviour */
	bool digest;                  /* 401 until Digest with SECRET */
	int redirect_port;            /* DESCRIBE answers 302 to this port */
	bool mute;                    /* reads, answers nothing */
	bool frames;                  /* RTP frames between and inside replies */
	bool forget;                  /* the next PLAY answers 454 */
	bool garbage;                 /* the next reply is malformed */
	bool hang_up;                 /* closes after the next PLAY */
	char nonce[32];
	int nonces;
};

static struct srv srv_a, srv_b;
static char logs[256][400];
static int log_count;
static char last_state[32];
static double last_position;
static const char *declared_url;
static const char *declared_extra[8];  /* key, value pairs */

static void srv_start(struct srv *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int one = 1;

	memset(s, 0, sizeof *s);
	s->fd = -1;
	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(s->listen_fd >= 0);
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(s->listen_fd, 8), 0);
	getsockname(s->listen_fd, (struct sockaddr *)&sa, &len);
	s->port = ntohs(sa.sin_port);
}

static void srv_stop(struct srv *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->fd = s->listen_fd = -1;
}

static void srv_write(struct srv *s, const void *data, size_t len)
{
	if (s->fd >= 0)
		assert_int_equal(send(s->fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

static const char *hdr(const char *name)
{
	const char *v = rtsp_msg_header(&msg, name, 0);

	return v ? v : "";
}

/* The Digest answer checked here, independently of rtsp_wire.c. */
static bool digest_ok(const struct srv *s, const char *auth, const char *method)
{
	char user[64] = "", uri[300] = "", response[40] = "", nonce[40] = "";
	struct { const char *key; char *out; size_t len; } f[] = {
		{ "username=\"", user, sizeof user }, { "uri=\"", uri, sizeof uri },
		{ "response=\"", response, sizeof response }, { "nonce=\"", nonce, sizeof nonce },
	};
	struct md5_ctx ctx;
	uint8_t d[16];
	char ha1[33], ha2[33], resp[33], text[512];

	if (strncmp(auth, "Digest ", 7) != 0)
		return false;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		const char *p = strstr(auth, f[i].key);
		size_t n;

		if (!p)
			return false;
		p += strlen(f[i].key);
		n = strcspn(p, "\"");
		if (n >= f[i].len)
			return false;
		memcpy(f[i].out, p, n);
		f[i].out[n] = '\0';
	}
	if (strcmp(nonce, s->nonce) != 0)
		return false;
#define HEX(out, ...) do { \
		snprintf(text, sizeof text, __VA_ARGS__); \
		md5_init(&ctx); \
		md5_update(&ctx, strlen(text), (const uint8_t *)text); \
		md5_digest(&ctx, 16, d); \
		for (int k = 0; k < 16; k++) \
			snprintf(out + 2 * k, 3, "%02x", d[k]); \
	} while (0)
	HEX(ha1, "%s:test:%s", user, SECRET);
	HEX(ha2, "%s:%s", method, uri);
	HEX(resp, "%s:%s:%s", ha1, nonce, ha2);
#undef HEX
	return strcmp(resp, response) == 0;
}

static void srv_reply(struct srv *s, long cseq, const char *status, const char *extra,
		      const char *body)
{
	char text[2048];
	int n = snprintf(text, sizeof text, "RTSP/1.0 %s\r\nCSeq: %ld\r\n%s", status, cseq, extra);

	if (body)
		n += snprintf(text + n, sizeof text - (size_t)n, "Content-Length: %zu\r\n\r\n%s",
			      strlen(body), body);
	else
		n += snprintf(text + n, sizeof text - (size_t)n, "\r\n");
	if (s->garbage) {
		s->garbage = false;
		srv_write(s, "RTSP/1.0 200 OK\r\nthis is no header\r\n\r\n", 39);
		return;
	}
	if (s->frames) {
		/* a frame before, one inside the head, one after */
		const char *mid = strstr(text, "\r\n") + 2;

		srv_write(s, "$\x00\x00\x04rtp0", 8);
		srv_write(s, text, (size_t)(mid - text));
		srv_write(s, "$\x01\x00\x02rc", 6);
		srv_write(s, mid, strlen(mid));
		srv_write(s, "$\x00\x00\x03" "abc", 7);
		return;
	}
	srv_write(s, text, (size_t)n);
}

static void srv_request(struct srv *s)
{
	struct req *r = &s->reqs[s->count < REQS_MAX ? s->count++ : REQS_MAX - 1];
	char extra[512];
	const char *m = msg.method;
	long cseq = msg.cseq;

	memset(r, 0, sizeof *r);
	snprintf(r->method, sizeof r->method, "%s", m);
	snprintf(r->url, sizeof r->url, "%s", msg.url);
	snprintf(r->range, sizeof r->range, "%s", hdr("Range"));
	snprintf(r->session, sizeof r->session, "%s", hdr("Session"));
	snprintf(r->transport, sizeof r->transport, "%s", hdr("Transport"));
	snprintf(r->scale, sizeof r->scale, "%s", hdr("Scale"));
	snprintf(r->auth, sizeof r->auth, "%s", hdr("Authorization"));
	r->cseq = cseq;
	r->conn = s->conns;
	if (s->mute)
		return;
	if (s->digest && strcmp(m, "OPTIONS") != 0 && !digest_ok(s, r->auth, m)) {
		snprintf(s->nonce, sizeof s->nonce, "n%d", ++s->nonces);
		snprintf(extra, sizeof extra, "WWW-Authenticate: Digest realm=\"test\", nonce=\"%s\"\r\n",
			 s->nonce);
		srv_reply(s, cseq, "401 Unauthorized", extra, NULL);
		return;
	}
	if (strcmp(m, "OPTIONS") == 0) {
		srv_reply(s, cseq, "200 OK", "Public: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, "
			  "GET_PARAMETER\r\n", NULL);
	} else if (strcmp(m, "DESCRIBE") == 0) {
		if (s->redirect_port) {
			snprintf(extra, sizeof extra, "Location: rtsp://127.0.0.1:%d/moved\r\n",
				 s->redirect_port);
			srv_reply(s, cseq, "302 Moved Temporarily", extra, NULL);
			return;
		}
		snprintf(extra, sizeof extra, "Content-Type: application/sdp\r\nContent-Base: "
			 "rtsp://127.0.0.1:%d/clip/\r\n", s->port);
		srv_reply(s, cseq, "200 OK", extra, "v=0\r\ns=test\r\na=control:*\r\n"
			  "m=video 0 RTP/AVP 96\r\na=control:stream=0\r\nm=audio 0 RTP/AVP 97\r\n"
			  "a=control:stream=1\r\n");
	} else if (strcmp(m, "SETUP") == 0) {
		snprintf(extra, sizeof extra, "Session: sess%d;timeout=60\r\nTransport: %s\r\n",
			 s->conns, hdr("Transport"));
		srv_reply(s, cseq, "200 OK", extra, NULL);
	} else if (strcmp(m, "PLAY") == 0) {
		if (s->forget) {
			s->forget = false;
			srv_reply(s, cseq, "454 Session Not Found", "", NULL);
			return;
		}
		snprintf(extra, sizeof extra, "Session: sess%d\r\nRange: %s\r\n", s->conns,
			 r->range[0] ? r->range : "npt=now-");
		srv_reply(s, cseq, "200 OK", extra, NULL);
		if (s->hang_up) {
			s->hang_up = false;
			close(s->fd);
			s->fd = -1;
		}
	} else {
		srv_reply(s, cseq, "200 OK", "", NULL);
	}
}

static void srv_readable(struct srv *s)
{
	struct rtsp_item item;
	ssize_t got = recv(s->fd, s->in + s->in_len, sizeof s->in - s->in_len, MSG_DONTWAIT);

	if (got <= 0) {
		if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(s->fd);
			s->fd = -1;
			s->in_len = 0;
		}
		return;
	}
	s->in_len += (size_t)got;
	for (;;) {
		rtsp_parse(s->in, s->in_len, &msg, &item);
		if (item.kind != RTSP_ITEM_REQUEST)
			break;
		srv_request(s);
		memmove(s->in, s->in + item.size, s->in_len - item.size);
		s->in_len -= item.size;
		if (s->fd < 0)
			break;
	}
}

/* What the adapter was given and told. */
static void host_log(void *ud, bool error, const char *text)
{
	(void)ud;
	(void)error;
	if (log_count < 256)
		snprintf(logs[log_count++], sizeof logs[0], "%s", text);
}

static const struct gl_option *host_declaration(void *ud, const char *adapter, int i, int *count)
{
	static struct gl_option opts[8];
	int n = 0;

	(void)ud;
	if (strcmp(adapter, "rtsp") != 0 || i > 0)
		return NULL;
	memset(opts, 0, sizeof opts);
	snprintf(opts[n].key, sizeof opts[n].key, "name");
	snprintf(opts[n++].value, sizeof opts[0].value, "wall");
	snprintf(opts[n].key, sizeof opts[n].key, "url");
	snprintf(opts[n++].value, sizeof opts[0].value, "%s", declared_url);
	for (int k = 0; declared_extra[k]; k += 2) {
		snprintf(opts[n].key, sizeof opts[n].key, "%s", declared_extra[k]);
		snprintf(opts[n++].value, sizeof opts[0].value, "%s", declared_extra[k + 1]);
	}
	*count = n;
	return opts;
}

static void host_media(void *ud, const struct gl_media_state *ms)
{
	(void)ud;
	snprintf(last_state, sizeof last_state, "%s", ms->state);
	last_position = ms->position_s;
	assert_string_equal(ms->kind, "video");
	assert_string_equal(ms->target, "wall");
}

struct rig {
	const struct gl_control_ops *ops;
	struct gl_control *c;
	char url[128];
};

static struct rig *live;      /* a failed test's adapter, for its teardown */

static void rig_start(struct rig *r, struct srv *s, const char *const *extra, const char *opts)
{
	struct gl_control_config cfg = { .type = "rtsp", .declared = true };
	struct gl_control_host host = { .log = host_log, .declaration = host_declaration,
					.media_state = host_media };
	char err[300] = "";

	log_count = 0;
	last_state[0] = '\0';
	snprintf(r->url, sizeof r->url, "rtsp://127.0.0.1:%d/clip", s->port);
	declared_url = r->url;
	memset(declared_extra, 0, sizeof declared_extra);
	for (int k = 0; extra && extra[k]; k++)
		declared_extra[k] = extra[k];
	/* short waits: the tests see retries without waiting long */
	for (const char *p = opts ? opts : ""; *p;) {
		struct gl_option *o = &cfg.options[cfg.option_count++];
		size_t n = strcspn(p, "=");

		snprintf(o->key, sizeof o->key, "%.*s", (int)n, p);
		p += n + 1;
		n = strcspn(p, " ");
		snprintf(o->value, sizeof o->value, "%.*s", (int)n, p);
		p += n + (p[n] == ' ');
	}
	r->ops = gl_control_find("rtsp");
	assert_non_null(r->ops);
	r->c = r->ops->create(&cfg, &host, err, sizeof err);
	live = r;
	if (!r->c)
		fail_msg("create: %s", err);
}

static void rig_stop(struct rig *r)
{
	r->ops->destroy(r->c);
	r->c = NULL;
	live = NULL;
	for (int i = 0; i < log_count; i++)
		if (strstr(logs[i], SECRET))
			fail_msg("the password was printed: %s", logs[i]);
}

/* Runs the adapter and the servers until cond() or a deadline of seconds. */
static bool pump(struct rig *r, double seconds, bool (*cond)(void))
{
	uint64_t end = gl_now_ns() + (uint64_t)(seconds * 1e9);

	while (!(cond && cond())) {
		struct pollfd fds[80];
		struct srv *srvs[2] = { &srv_a, &srv_b };
		int n = r->ops->poll_fds(r->c, fds, 64), base = n;
		uint64_t now = gl_now_ns(), next = r->ops->next_timer_ns(r->c);
		int timeout = 20;

		if (now >= end)
			return cond == NULL;
		for (int k = 0; k < 2; k++) {
			fds[n++] = (struct pollfd){ .fd = srvs[k]->listen_fd, .events = POLLIN };
			fds[n++] = (struct pollfd){ .fd = srvs[k]->fd, .events = POLLIN };
		}
		if (next && next > now && (next - now) / 1000000 < (uint64_t)timeout)
			timeout = (int)((next - now) / 1000000) + 1;
		if (next && next <= now)
			timeout = 0;
		poll(fds, (nfds_t)n, timeout);
		for (int k = 0; k < 2; k++) {
			struct pollfd *lf = &fds[base + 2 * k], *cf = &fds[base + 2 * k + 1];

			if (cf->fd >= 0 && (cf->revents & (POLLIN | POLLHUP | POLLERR)))
				srv_readable(srvs[k]);
			if (lf->fd >= 0 && (lf->revents & POLLIN)) {
				int fd = accept4(lf->fd, NULL, NULL, SOCK_NONBLOCK);

				if (fd >= 0) {
					if (srvs[k]->fd >= 0)
						close(srvs[k]->fd);
					srvs[k]->fd = fd;
					srvs[k]->in_len = 0;
					srvs[k]->conns++;
				}
			}
		}
		r->ops->service(r->c, fds, base, gl_now_ns());
	}
	return true;
}

static int seen(const struct srv *s, const char *method)
{
	int n = 0;

	for (int i = 0; i < s->count; i++)
		n += strcmp(s->reqs[i].method, method) == 0;
	return n;
}

static const struct req *last(const struct srv *s, const char *method)
{
	for (int i = s->count - 1; i >= 0; i--)
		if (strcmp(s->reqs[i].method, method) == 0)
			return &s->reqs[i];
	return NULL;
}

static bool logged(const char *text)
{
	for (int i = 0; i < log_count; i++)
		if (strstr(logs[i], text))
			return true;
	return false;
}

static int send_cmd(struct rig *r, const char *cmd, double at, double scale)
{
	struct gl_ctl_arg args[2] = { { .type = isnan(at) ? 'N' : 'f', .f = at },
				      { .type = scale ? 'f' : 'N', .f = scale } };
	struct gl_ctl_msg m = { .peer = "wall", .address = cmd, .argc = 2, .argv = args };

	return r->ops->send(r->c, &m);
}

static bool is_ready(void) { return strcmp(last_state, "ready") == 0; }
static bool is_playing(void) { return strcmp(last_state, "playing") == 0; }
static bool is_paused(void) { return strcmp(last_state, "paused") == 0; }
static bool is_retrying(void) { return strcmp(last_state, "retrying") == 0; }
static bool a_two_plays(void) { return seen(&srv_a, "PLAY") >= 2; }
static bool playing_at_30(void) { return is_playing() && last_position >= 30 && last_position < 31; }
static bool a_keepalive(void) { return seen(&srv_a, "GET_PARAMETER") >= 1; }
static bool a_teardown(void) { return seen(&srv_a, "TEARDOWN") >= 1; }

static int setup(void **state)
{
	(void)state;
	srv_start(&srv_a);
	srv_start(&srv_b);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (live && live->c)
		live->ops->destroy(live->c);
	live = NULL;
	srv_stop(&srv_a);
	srv_stop(&srv_b);
	return 0;
}

static void test_adapter_commands(void **state)
{
	struct rig r;
	const struct req *q;

	(void)state;
	rig_start(&r, &srv_a, NULL, NULL);
	/* preloaded: the session is set up before any command */
	assert_true(pump(&r, 5, is_ready));
	assert_int_equal(seen(&srv_a, "OPTIONS"), 1);
	assert_int_equal(seen(&srv_a, "DESCRIBE"), 1);
	assert_int_equal(seen(&srv_a, "SETUP"), 2);
	assert_string_equal(srv_a.reqs[2].transport, "RTP/AVP/TCP;unicast;interleaved=0-1");
	assert_string_equal(srv_a.reqs[3].transport, "RTP/AVP/TCP;unicast;interleaved=2-3");
	assert_non_null(strstr(srv_a.reqs[3].url, "/clip/stream=1"));
	assert_string_equal(srv_a.reqs[3].session, "sess1");
	/* a play is one request, with the position asked for */
	assert_int_equal(send_cmd(&r, "play", 12.5, 0), 0);
	assert_true(pump(&r, 5, is_playing));
	q = last(&srv_a, "PLAY");
	assert_string_equal(q->range, "npt=12.500-");
	assert_string_equal(q->session, "sess1");
	assert_string_equal(q->scale, "");
	assert_non_null(strstr(q->url, "/clip/"));
	assert_true(last_position >= 12.5 && last_position < 20);
	/* seek while playing: PLAY with a Range; pause; resume without one */
	assert_int_equal(send_cmd(&r, "seek", 30, 0), 0);
	assert_true(pump(&r, 5, a_two_plays));
	assert_string_equal(last(&srv_a, "PLAY")->range, "npt=30.000-");
	/* a PLAY while playing would wait for the range playing now (RFC
	 * 2326 10.5): a seek is PAUSE, PLAY */
	assert_string_equal(srv_a.reqs[srv_a.count - 2].method, "PAUSE");
	assert_true(pump(&r, 5, playing_at_30));
	assert_int_equal(send_cmd(&r, "pause", NAN, 0), 0);
	assert_true(pump(&r, 5, is_paused));
	assert_true(last_position >= 30 && last_position < 40);
	assert_int_equal(send_cmd(&r, "resume", NAN, 2), 0);
	assert_true(pump(&r, 5, is_playing));
	q = last(&srv_a, "PLAY");
	assert_string_equal(q->range, "");
	assert_string_equal(q->scale, "2.000");
	/* bad commands */
	assert_int_equal(send_cmd(&r, "rewind", NAN, 0), GL_EINVAL);
	assert_int_equal(send_cmd(&r, "seek", NAN, 0), GL_EINVAL);
	assert_int_equal(send_cmd(&r, "play", -1, 0), GL_EINVAL);
	struct gl_ctl_msg other = { .peer = "nobody", .address = "play" };
	assert_int_equal(r.ops->send(r.c, &other), GL_ENOENT);
	/* stop: TEARDOWN, and (preloaded) a fresh session at once */
	int setups = seen(&srv_a, "SETUP");
	assert_int_equal(send_cmd(&r, "stop", NAN, 0), 0);
	assert_true(pump(&r, 5, a_teardown));
	assert_true(pump(&r, 5, is_ready));
	assert_int_equal(seen(&srv_a, "SETUP"), setups + 2);
	assert_int_equal(srv_a.conns, 2);
	rig_stop(&r);
}

static bool a_pause_seen(void) { return seen(&srv_a, "PAUSE") >= 2; }
static bool paused_at_42(void) { return is_paused() && last_position >= 42 && last_position < 43; }

static void test_adapter_pipelined_frames(void **state)
{
	struct rig r;

	(void)state;
	srv_a.frames = true;         /* RTP frames around and inside every reply */
	rig_start(&r, &srv_a, NULL, NULL);
	assert_true(pump(&r, 5, is_ready));
	assert_int_equal(send_cmd(&r, "play", 0, 0), 0);
	assert_true(pump(&r, 5, is_playing));
	assert_int_equal(send_cmd(&r, "pause", NAN, 0), 0);
	assert_true(pump(&r, 5, is_paused));
	/* a seek while paused is PLAY (from there) and PAUSE, back to back:
	 * both arrive before the server answered the first */
	int before = srv_a.count;
	assert_int_equal(send_cmd(&r, "seek", 42, 0), 0);
	assert_true(pump(&r, 5, a_pause_seen));
	assert_true(srv_a.count >= before + 2);
	assert_string_equal(srv_a.reqs[before].method, "PLAY");
	assert_string_equal(srv_a.reqs[before].range, "npt=42.000-");
	assert_string_equal(srv_a.reqs[before + 1].method, "PAUSE");
	assert_true(pump(&r, 5, paused_at_42));
	rig_stop(&r);
	/* every frame was read and dropped, none taken for a reply */
	assert_true(logged("RTP frames"));
	assert_false(logged("malformed"));
}

static void test_adapter_digest(void **state)
{
	static const char *const creds[] = { "user", "video", "password", SECRET, NULL };
	static const char *const wrong[] = { "user", "video", "password", "not-" SECRET, NULL };
	struct rig r;

	(void)state;
	srv_a.digest = true;
	rig_start(&r, &srv_a, creds, NULL);
	assert_true(pump(&r, 5, is_ready));
	/* DESCRIBE answered 401 once, then every request carried Digest */
	assert_true(seen(&srv_a, "DESCRIBE") == 2);
	assert_true(digest_ok(&srv_a, last(&srv_a, "SETUP")->auth, "SETUP"));
	assert_int_equal(send_cmd(&r, "play", 0, 0), 0);
	assert_true(pump(&r, 5, is_playing));
	assert_true(digest_ok(&srv_a, last(&srv_a, "PLAY")->auth, "PLAY"));
	rig_stop(&r);

	/* a wrong password: refused once, said so (without the password),
	 * and tried again only after the longest back-off */
	srv_stop(&srv_a);
	srv_start(&srv_a);
	srv_a.digest = true;
	rig_start(&r, &srv_a, wrong, "retry_max=60");
	assert_true(pump(&r, 5, is_retrying));
	assert_true(logged("refused user \"video\""));
	assert_true(logged("retrying in 60.0 s"));
	assert_int_equal(seen(&srv_a, "DESCRIBE"), 2);
	for (int i = 0; i < log_count; i++)
		assert_null(strstr(logs[i], "not-" SECRET));
	rig_stop(&r);

	/* no user at all */
	srv_stop(&srv_a);
	srv_start(&srv_a);
	srv_a.digest = true;
	rig_start(&r, &srv_a, NULL, NULL);
	assert_true(pump(&r, 5, is_retrying));
	assert_true(logged("wants a user name and password"));
	rig_stop(&r);
}

static bool b_ready(void) { return srv_b.count >= 4 && is_ready(); }

static void test_adapter_redirect(void **state)
{
	static const char *const creds[] = { "user", "video", "password", SECRET, NULL };
	struct rig r;

	(void)state;
	srv_a.redirect_port = srv_b.port;
	rig_start(&r, &srv_a, creds, NULL);
	assert_true(pump(&r, 5, b_ready));
	assert_true(logged("302 Moved Temporarily: now rtsp://127.0.0.1:"));
	assert_non_null(strstr(srv_b.reqs[1].url, "/moved"));
	assert_string_equal(srv_b.reqs[1].method, "DESCRIBE");
	assert_int_equal(seen(&srv_a, "SETUP"), 0);
	assert_int_equal(send_cmd(&r, "play", 1, 0), 0);
	assert_true(pump(&r, 5, is_playing));
	assert_int_equal(seen(&srv_b, "PLAY"), 1);
	rig_stop(&r);
}

static bool two_setups_after_454(void)
{
	return seen(&srv_a, "SETUP") >= 4 && seen(&srv_a, "PLAY") >= 2 && is_playing();
}

static void test_adapter_keepalive_and_lost_session(void **state)
{
	struct rig r;

	(void)state;
	rig_start(&r, &srv_a, NULL, "keepalive=1");
	assert_true(pump(&r, 5, is_ready));
	/* an idle session is kept alive (the server lists GET_PARAMETER) */
	assert_true(pump(&r, 5, a_keepalive));
	assert_string_equal(last(&srv_a, "GET_PARAMETER")->session, "sess1");
	/* the server forgot the session: set up again, then PLAY from where
	 * the show wants it */
	srv_a.forget = true;
	assert_int_equal(send_cmd(&r, "play", 7, 0), 0);
	assert_true(pump(&r, 5, two_setups_after_454));
	assert_true(logged("forgot the session (454)"));
	assert_string_equal(last(&srv_a, "PLAY")->range, "npt=7.000-");
	rig_stop(&r);
}

static int conns_before;

static bool a_new_conn_playing(void)
{
	const struct req *q = last(&srv_a, "PLAY");

	return srv_a.conns > conns_before && q && q->conn == srv_a.conns && is_playing();
}

static bool a_reconnected_playing(void)
{
	return srv_a.conns >= 2 && seen(&srv_a, "PLAY") >= 2 && is_playing();
}

static void test_adapter_failures(void **state)
{
	struct rig r;
	const struct req *q;

	(void)state;
	/* a malformed reply: reported, the connection set up again */
	rig_start(&r, &srv_a, NULL, "retry_min=0.05 retry_max=0.5 reply_timeout=0.5");
	assert_true(pump(&r, 5, is_ready));
	srv_a.garbage = true;
	assert_int_equal(send_cmd(&r, "play", 3, 0), 0);
	assert_true(pump(&r, 5, a_reconnected_playing));
	assert_true(logged("a malformed message from the server: a header line without a name"));
	/* the replayed PLAY asks for where the clip is by now */
	q = last(&srv_a, "PLAY");
	assert_int_equal(q->conn, srv_a.conns);
	assert_true(strncmp(q->range, "npt=3.", 6) == 0 || strncmp(q->range, "npt=4.", 6) == 0);

	/* the server hangs up mid-session */
	conns_before = srv_a.conns;
	srv_a.hang_up = true;
	assert_int_equal(send_cmd(&r, "seek", 20, 0), 0);
	assert_true(pump(&r, 5, a_new_conn_playing));
	assert_true(logged("the server closed the connection"));
	assert_true(strncmp(last(&srv_a, "PLAY")->range, "npt=20.", 7) == 0);

	/* a server that stops answering: the request times out, reported */
	srv_a.mute = true;
	assert_int_equal(send_cmd(&r, "pause", NAN, 0), 0);
	assert_true(pump(&r, 5, is_retrying));
	assert_true(logged("no answer to PAUSE within 0.5 s"));
	srv_a.mute = false;
	assert_true(pump(&r, 5, is_paused));
	rig_stop(&r);

	/* nobody listening: refused, retried with back-off, never blocking */
	srv_stop(&srv_a);
	rig_start(&r, &srv_a, NULL, "retry_min=0.05 retry_max=0.5");
	assert_true(pump(&r, 5, is_retrying));
	assert_true(logged("cannot connect to 127.0.0.1"));
	uint64_t t0 = gl_now_ns();
	assert_int_equal(send_cmd(&r, "play", 0, 0), 0);
	assert_true(gl_now_ns() - t0 < 1000000000ull);   /* sanity: a send never waits */
	rig_stop(&r);
}

static void test_adapter_options(void **state)
{
	const struct gl_control_ops *ops = gl_control_find("rtsp");
	struct gl_option o[4];
	char err[300];

	(void)state;
	memset(o, 0, sizeof o);
	snprintf(o[0].key, sizeof o[0].key, "name");
	snprintf(o[0].value, sizeof o[0].value, "wall");
	snprintf(o[1].key, sizeof o[1].key, "url");
	snprintf(o[1].value, sizeof o[1].value, "rtsp://u:" SECRET "@h/x");
	assert_int_equal(ops->declaration_check(o, 2, err, sizeof err), GL_EINVAL);
	assert_non_null(strstr(err, "give user = and password ="));
	assert_null(strstr(err, SECRET));
	snprintf(o[1].value, sizeof o[1].value, "rtsp://h/x");
	assert_int_equal(ops->declaration_check(o, 2, err, sizeof err), 0);
	assert_int_equal(ops->declaration_check(o, 1, err, sizeof err), GL_EINVAL);
	assert_non_null(strstr(err, "url"));
	snprintf(o[2].key, sizeof o[2].key, "password");
	snprintf(o[2].value, sizeof o[2].value, SECRET);
	assert_int_equal(ops->declaration_check(o, 3, err, sizeof err), GL_EINVAL);
	assert_non_null(strstr(err, "needs a user"));
	snprintf(o[2].key, sizeof o[2].key, "udp_port");
	snprintf(o[2].value, sizeof o[2].value, "5001");
	assert_int_equal(ops->declaration_check(o, 3, err, sizeof err), GL_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_format),
		cmocka_unit_test(test_parse_reply),
		cmocka_unit_test(test_parse_folded),
		cmocka_unit_test(test_parse_cseq),
		cmocka_unit_test(test_parse_content_length),
		cmocka_unit_test(test_parse_frames),
		cmocka_unit_test(test_parse_frame_inside),
		cmocka_unit_test(test_parse_pipelined_split),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_sdp),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_auth),
		cmocka_unit_test_setup_teardown(test_adapter_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adapter_pipelined_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adapter_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adapter_redirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adapter_keepalive_and_lost_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adapter_failures, setup, teardown),
		cmocka_unit_test(test_adapter_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
