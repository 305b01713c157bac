/*
 * fuzz_rtsp.c - libFuzzer target: bytes from an RTSP server through the
 * client's pure path (rtsp_wire.c), read the way rtsp_target.c reads
 * them (rtsp_stream): a stream cut into two reads at a point the input
 * chooses, frames dropped (between messages, inside a head, past the
 * buffer's end), every
 * message's header values parsed (Session, Range, Transport, Public,
 * Scale, WWW-Authenticate and the Digest answer to it, Location against a
 * base), its body as SDP with its control URLs resolved.
 * Invariants checked: an item never spans more than it was given (a frame
 * may only run past the end), a frame always leaves the buffer shorter, a
 * message's body lies inside it, an error always says what is wrong, the
 * items are the same whatever the cut.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/media/rtsp/rtsp_wire.h"

static struct rtsp_msg msg;
static uint8_t in[RTSP_HEAD_MAX + RTSP_BODY_MAX + 64];

static void values(void)
{
	char id[RTSP_SESSION_ID_MAX], out[1024];
	int timeout;
	double a, b;
	struct rtsp_transport tr;
	struct rtsp_auth ch;
	struct rtsp_sdp sdp;
	struct rtsp_url u;

	for (int i = 0; i < msg.header_count; i++) {
		const char *v = msg.headers[i].value;

		if (rtsp_session_parse(v, id, sizeof id, &timeout) == 0 &&
		    (timeout < 1 || timeout > 86400 || !id[0]))
			abort();
		if (rtsp_range_parse(v, &a, &b) == 0 && ((isfinite(a) && a < 0) || (isfinite(b) && b < 0)))
			abort();
		rtsp_transport_parse(v, &tr);
		rtsp_public_has(v, "GET_PARAMETER");
		rtsp_scale_parse(v, &a);
		if (rtsp_auth_parse(v, &ch) == 0)
			rtsp_auth_answer(&ch, "user", "password", "PLAY", "rtsp://h/x", 1, "c0ffee", out,
					 sizeof out);
		if (rtsp_url_resolve("rtsp://h:554/clip/", v, out, sizeof out) == 0)
			rtsp_url_parse(out, &u, id, sizeof id);
	}
	if (msg.status == 401 && rtsp_auth_choose(&msg, &ch, out, sizeof out) < 0 && !out[0])
		abort();
	if (msg.body_len && rtsp_sdp_parse((const char *)msg.body, msg.body_len, &sdp, out,
					   sizeof out) == 0) {
		if (sdp.track_count < 1 || sdp.track_count > RTSP_TRACKS_MAX)
			abort();
		for (int i = 0; i < sdp.track_count; i++)
			rtsp_url_resolve("rtsp://h/clip", sdp.tracks[i].control[0] ?
					 sdp.tracks[i].control : "*", out, sizeof out);
	}
}

/* Reads data in two pieces (cut at `cut`) through rtsp_stream, as the
 * client does; returns a digest of the items. */
static uint64_t consume(const uint8_t *data, size_t size, size_t cut)
{
	struct rtsp_stream st = { .buf = in, .cap = sizeof in };
	uint64_t digest = 1469598103934665603ull;
	struct rtsp_item item;

	for (int piece = 0; piece < 2; piece++) {
		const uint8_t *p = piece ? data + cut : data;
		size_t k = piece ? size - cut : cut;

		if (k > st.cap - st.len)
			return digest;          /* the client fails such a message */
		memcpy(st.buf + st.len, p, k);
		rtsp_stream_added(&st, k);
		for (;;) {
			size_t before = st.len - st.off;

			rtsp_stream_next(&st, &msg, &item);
			if (item.kind == RTSP_ITEM_NONE)
				break;
			if (item.kind == RTSP_ITEM_ERROR) {
				if (!item.error[0])
					abort();
				return digest ^ 0xe;
			}
			digest = (digest ^ (uint64_t)item.kind) * 1099511628211ull;
			if (item.kind == RTSP_ITEM_FRAME) {
				if (item.at >= before || item.size < 4 || item.channel > 255 ||
				    st.len - st.off >= before)
					abort();
				digest = (digest ^ (uint64_t)item.channel ^ (uint64_t)item.size << 8) *
					 1099511628211ull;
				continue;
			}
			if (item.size == 0 || item.size > before)
				abort();
			if (msg.body && (msg.body < st.buf || msg.body + msg.body_len > st.buf + st.off))
				abort();
			digest = (digest ^ (uint64_t)msg.status ^ (uint64_t)(msg.cseq + 1) << 12 ^
				  (uint64_t)msg.header_count << 40) * 1099511628211ull;
			values();
		}
		if (rtsp_stream_compact(&st))
			return digest;          /* full of one message: the client gives up */
	}
	return digest;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut = size ? (size_t)data[0] * size / 256 : 0;

	/* the same items whether the bytes came in one read or two */
	if (consume(data, size, size) != consume(data, size, cut))
		abort();
	return 0;
}
