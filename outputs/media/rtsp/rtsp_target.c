/*
 * rtsp_target.c - one video target: its connection to the RTSP server, the
 * session on it, and the requests that take the server where the show
 * wants it (see rtsp_target.h). Control thread only; nothing here blocks:
 * the socket is non-blocking and polled by the control loop, names are
 * looked up by resolve.c, every wait is a deadline checked by
 * rtsp_target_step().
 *
 * Invariants: inflight[] holds the requests sent on this connection and
 * not yet answered, oldest first (RTSP answers in order); the receive
 * buffer (rtsp_stream) starts at a message boundary or inside a frame
 * being dropped; a failure closes the connection, forgets the session and
 * leaves what is wanted alone, so the next connection restores it; the
 * password only ever goes into an Authorization header.
 */
#include "rtsp_target.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#include "gl_version.h"

#define NS(s) ((uint64_t)((s) * 1e9))
#define READ_BURST 64                 /* recv() calls per readable event */
/* A PLAY that went out this much later than its command asks for where the
 * clip would be by now (after a reconnect, say); sooner, for exactly the
 * position the show gave (npt=0-, not npt=0.002-). */
#define CATCH_UP_MIN_S 0.25
#define REPORT_JUMP_S 0.1             /* a position that moved more: reported (a seek) */

static void advance(struct rtsp_target *t, uint64_t now);

static const char *const req_names[] = {
	[RTSP_REQ_OPTIONS] = "OPTIONS", [RTSP_REQ_DESCRIBE] = "DESCRIBE", [RTSP_REQ_SETUP] = "SETUP",
	[RTSP_REQ_PLAY] = "PLAY", [RTSP_REQ_PAUSE] = "PAUSE", [RTSP_REQ_TEARDOWN] = "TEARDOWN",
	[RTSP_REQ_KEEPALIVE] = "keep-alive",
};

static bool needs_session(const struct rtsp_target *t)
{
	return t->cfg.preload || t->want != RTSP_WANT_STOPPED;
}

static void target_log(struct rtsp_target *t, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void target_log(struct rtsp_target *t, bool error, const char *fmt, ...)
{
	char line[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (error) {   /* the status line shows the start */
		size_t n = strnlen(line, sizeof t->error - 1);

		memcpy(t->error, line, n);
		t->error[n] = '\0';
	}
	rtsp_log(t->adapter, error, "rtsp: %s: %s", t->cfg.name, line);
}

/* A media position that was pos_s at at_ns, at now: moving on at `rate`
 * times real time while `moving`, and within the media (0..its duration). */
static double position_at(const struct rtsp_target *t, double pos_s, uint64_t at_ns, bool moving,
			  double rate, uint64_t now)
{
	double pos = pos_s;

	if (moving && now > at_ns)
		pos += (double)(now - at_ns) / 1e9 * rate;
	if (isfinite(t->sdp.duration_s) && pos > t->sdp.duration_s)
		pos = t->sdp.duration_s;
	return pos > 0 ? pos : 0;
}

double rtsp_target_position(const struct rtsp_target *t, uint64_t now)
{
	return position_at(t, t->pos_s, t->pos_ns, t->phase == RTSP_PLAYING, t->rate, now);
}

/* Where the wanted position is now: it moves while playing is wanted. */
static double wanted_position(const struct rtsp_target *t, uint64_t now)
{
	return position_at(t, t->want_pos_s, t->want_pos_ns, t->want == RTSP_WANT_PLAYING,
			   t->want_scale, now);
}

/* Where a PLAY sent now should start. */
static double play_position(const struct rtsp_target *t, uint64_t now)
{
	double pos = wanted_position(t, now);

	return pos - t->want_pos_s < CATCH_UP_MIN_S ? t->want_pos_s : pos;
}

const char *rtsp_target_state(const struct rtsp_target *t)
{
	switch (t->conn) {
	case RTSP_DOWN:
		return "idle";
	case RTSP_WAITING:
		return "retrying";
	case RTSP_RESOLVING:
	case RTSP_CONNECTING:
		return "connecting";
	case RTSP_UP:
		break;
	}
	switch (t->phase) {
	case RTSP_NONE:
	case RTSP_DESCRIBED:
		return "setting up";
	case RTSP_READY:
		return "ready";
	case RTSP_PLAYING:
		return "playing";
	case RTSP_PAUSED:
		return "paused";
	}
	return "?";
}

void rtsp_target_report(struct rtsp_target *t, uint64_t now, bool force)
{
	struct gl_control *a = t->adapter;
	const char *state = rtsp_target_state(t);
	double pos = rtsp_target_position(t, now), rate = t->phase == RTSP_PLAYING ? t->rate : 0.0;
	/* where remotes think it is: the last report, moved on at its rate */
	double told = t->reported_pos + (now > t->reported_ns ? (double)(now - t->reported_ns) / 1e9
					 : 0.0) * t->reported_rate;
	bool changed = strcmp(state, t->reported_state) != 0 ||
		       strcmp(t->error, t->reported_error) != 0 || rate != t->reported_rate ||
		       fabs(pos - told) > REPORT_JUMP_S;

	if (!changed && !force && !(t->phase == RTSP_PLAYING && now >= t->next_feedback_ns))
		return;
	/* playing and paused are logged with their position as they come
	 * (on_play, on_pause), a failure with its reason */
	if (strcmp(state, t->reported_state) != 0 && strcmp(state, "playing") != 0 &&
	    strcmp(state, "paused") != 0 && strcmp(state, "retrying") != 0)
		target_log(t, false, "%s", state);
	snprintf(t->reported_state, sizeof t->reported_state, "%s", state);
	snprintf(t->reported_error, sizeof t->reported_error, "%s", t->error);
	t->reported_pos = pos;
	t->reported_rate = rate;
	t->reported_ns = now;
	t->next_feedback_ns = now + NS(a->set.feedback_s);
	if (!a->host.media_state)
		return;
	struct gl_media_state ms = {
		.kind = "video",
		.target = t->cfg.name,
		.state = state,
		.connected = t->conn == RTSP_UP,
		.ready = t->conn == RTSP_UP && t->phase >= RTSP_READY,
		.playing = t->conn == RTSP_UP && t->phase == RTSP_PLAYING,
		.position_s = pos,
		.rate = rate,
		.at_ns = now,
		.error = t->error,
	};
	a->host.media_state(a->host.ud, &ms);
}

/* ---- the connection -------------------------------------------------------------- */

static void forget_session(struct rtsp_target *t)
{
	t->options_done = false;
	t->phase = t->expect = RTSP_NONE;
	t->tracks_setup = 0;
	t->session[0] = '\0';
	t->sent_scale = 1.0;
	t->inflight_count = 0;
	/* what was wanted comes back at the position it has reached by then */
	if (t->want != RTSP_WANT_STOPPED) {
		t->want_pos_s = wanted_position(t, t->want_pos_ns);
		t->want_seek = true;
	}
}

static void close_conn(struct rtsp_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->conn_gen++;
	t->rx.len = t->rx.off = t->rx.skip = t->out_len = 0;
	t->closing = false;
	gl_resolve_free(t->res);
	t->res = NULL;
	forget_session(t);
}

/* Back to the configured URL after a redirect that did not last. */
static void configured_url(struct rtsp_target *t)
{
	snprintf(t->cur_url, sizeof t->cur_url, "%s", t->url.clean);
	snprintf(t->cur_host, sizeof t->cur_host, "%s", t->url.host);
	t->cur_port = t->url.port;
	t->creds_ok = true;
	t->redirects = 0;
}

/* Gives up on this connection: said why, tried again after the back-off
 * (hard: straight to the longest, for what will not mend by itself). */
static void fail(struct rtsp_target *t, uint64_t now, bool hard, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct rtsp_target *t, uint64_t now, bool hard, const char *fmt, ...)
{
	struct gl_control *a = t->adapter;
	char why[240];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (t->conn == RTSP_UP && now >= t->up_ns + NS(RTSP_STABLE_S))
		t->backoff_s = a->set.retry_min_s;
	if (hard)
		t->backoff_s = a->set.retry_max_s;
	close_conn(t);
	if (t->redirects)
		configured_url(t);
	t->failures++;
	a->stats.send_errors++;
	t->conn = RTSP_WAITING;
	t->retry_ns = now + NS(t->backoff_s);
	target_log(t, true, "%s; retrying in %.1f s", why, t->backoff_s);
	t->backoff_s = fmin(t->backoff_s * 2, a->set.retry_max_s);
	rtsp_target_report(t, now, false);
}

static void flush(struct rtsp_target *t, uint64_t now)
{
	size_t sent = 0;

	while (sent < t->out_len) {
		ssize_t w = send(t->fd, t->out + sent, t->out_len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;          /* POLLOUT brings us back */
			int err = errno;

			memmove(t->out, t->out + sent, t->out_len - sent);
			t->out_len -= sent;
			fail(t, now, false, "send: %s", strerror(err));
			return;
		}
		sent += (size_t)w;
	}
	memmove(t->out, t->out + sent, t->out_len - sent);
	t->out_len -= sent;
}

static void connected(struct rtsp_target *t, uint64_t now)
{
	t->conn = RTSP_UP;
	t->up_ns = now;
	t->rx.len = t->rx.off = t->rx.skip = t->out_len = 0;
	advance(t, now);
}

static void open_socket(struct rtsp_target *t, const struct sockaddr_storage *sa, socklen_t len,
			uint64_t now)
{
	int one = 1;

	t->fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		fail(t, now, false, "socket: %s", strerror(errno));
		return;
	}
	/* requests are small and each one waits for nobody */
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(t->fd, (const struct sockaddr *)sa, len) == 0) {
		connected(t, now);
		return;
	}
	if (errno != EINPROGRESS) {
		fail(t, now, false, "cannot connect to %s:%d: %s", t->cur_host, t->cur_port,
		     strerror(errno));
		return;
	}
	t->conn = RTSP_CONNECTING;
	t->deadline_ns = now + NS(t->adapter->set.connect_timeout_s);
}

static void check_resolved(struct rtsp_target *t, uint64_t now)
{
	struct sockaddr_storage sa;
	socklen_t len;
	char why[200];
	int rc = gl_resolve_result(t->res, &sa, &len, why, sizeof why);

	if (rc == GL_EAGAIN) {
		if (now >= t->deadline_ns)
			fail(t, now, false, "cannot resolve %s: no answer in %.1f s", t->cur_host,
			     t->adapter->set.connect_timeout_s);
		return;
	}
	gl_resolve_free(t->res);
	t->res = NULL;
	if (rc < 0) {
		fail(t, now, false, "%s", why);
		return;
	}
	open_socket(t, &sa, len, now);
}

static void start_connect(struct rtsp_target *t, uint64_t now)
{
	char why[200];

	t->conn = RTSP_RESOLVING;
	t->deadline_ns = now + NS(t->adapter->set.connect_timeout_s);
	t->res = gl_resolve_start(t->cur_host, t->cur_port, SOCK_STREAM, AF_UNSPEC, why, sizeof why);
	if (!t->res) {
		fail(t, now, false, "%s", why);
		return;
	}
	check_resolved(t, now);
}

/* ---- UDP transport --------------------------------------------------------------- */

static int udp_bind(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* An RTP/RTCP port pair for a track: the configured one (udp_port + 2 *
 * track), or a free even port. Returns 0 or GL_EIO with why. */
static int udp_open(struct rtsp_target *t, int track, char *why, size_t len)
{
	struct gl_control *a = t->adapter;

	if (t->udp_fd[track][0] >= 0)
		return 0;
	for (int attempt = 0; attempt < 64; attempt++) {
		uint16_t r = 0;
		int port = t->cfg.udp_port;

		if (port)
			port += 2 * track;
		else if (getrandom(&r, sizeof r, GRND_NONBLOCK) == sizeof r)
			port = 20000 + 2 * (r % 20000);
		else
			port = 20000 + 2 * ((attempt * 7919 + track * 104729) % 20000);
		int rtp = udp_bind(port), rtcp = rtp >= 0 ? udp_bind(port + 1) : -1;

		if (rtp >= 0 && rtcp >= 0) {
			if (a->epoll_fd < 0)
				a->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
			for (int k = 0; k < 2 && a->epoll_fd >= 0; k++) {
				struct epoll_event ev = { .events = EPOLLIN };

				ev.data.fd = k ? rtcp : rtp;
				epoll_ctl(a->epoll_fd, EPOLL_CTL_ADD, ev.data.fd, &ev);
			}
			t->udp_fd[track][0] = rtp;
			t->udp_fd[track][1] = rtcp;
			t->udp_port[track] = port;
			return 0;
		}
		if (rtp >= 0)
			close(rtp);
		if (t->cfg.udp_port)
			break;                  /* the configured pair is taken */
	}
	snprintf(why, len, "no free UDP port pair for track %d%s", track + 1,
		 t->cfg.udp_port ? " at udp_port" : "");
	return GL_EIO;
}

void rtsp_target_udp(struct rtsp_target *t, int fd)
{
	uint8_t junk[2048];

	for (int n = 0; n < READ_BURST; n++) {
		if (recv(fd, junk, sizeof junk, MSG_DONTWAIT) < 0)
			break;
		t->udp_packets++;
	}
}

/* ---- requests ---------------------------------------------------------------------- */

static void new_cnonce(struct rtsp_target *t)
{
	uint8_t r[8] = { 0 };

	if (getrandom(r, sizeof r, GRND_NONBLOCK) != sizeof r)
		memcpy(r, &t->cseq, sizeof t->cseq);   /* only a client nonce */
	for (int i = 0; i < 8; i++)
		snprintf(t->cnonce + 2 * i, 3, "%02x", r[i]);
}

static const char *request_url(const struct rtsp_target *t, const struct rtsp_inflight *q)
{
	switch (q->kind) {
	case RTSP_REQ_OPTIONS:
	case RTSP_REQ_DESCRIBE:
		return t->cur_url;
	case RTSP_REQ_SETUP:
		return t->track_url[q->track];
	default:
		return t->aggregate;
	}
}

/* Sends q (kind and parameters set) as a new request. Returns false when
 * the connection failed doing so. */
static bool send_request(struct rtsp_target *t, struct rtsp_inflight q, uint64_t now)
{
	struct gl_control *a = t->adapter;
	char text[4096], transport[96], range[48], scale[32], auth[1024], why[160];
	struct rtsp_request r = {
		.method = q.kind == RTSP_REQ_KEEPALIVE ? (t->get_parameter ? "GET_PARAMETER" : "OPTIONS")
			  : req_names[q.kind],
		.url = request_url(t, &q),
		.cseq = ++t->cseq,
		.session = t->session[0] && q.kind != RTSP_REQ_DESCRIBE ? t->session : NULL,
		.user_agent = "ghostlight/" GL_VERSION,
	};
	int n;

	if (t->inflight_count == RTSP_INFLIGHT_MAX) {
		fail(t, now, false, "%d requests unanswered", RTSP_INFLIGHT_MAX);
		return false;
	}
	if (q.kind == RTSP_REQ_DESCRIBE)
		r.accept = "application/sdp";
	if (q.kind == RTSP_REQ_SETUP) {
		if (t->cfg.transport == 1) {
			if (udp_open(t, q.track, why, sizeof why) < 0) {
				fail(t, now, true, "%s", why);
				return false;
			}
			snprintf(transport, sizeof transport, "RTP/AVP;unicast;client_port=%d-%d",
				 t->udp_port[q.track], t->udp_port[q.track] + 1);
		} else {
			snprintf(transport, sizeof transport, "RTP/AVP/TCP;unicast;interleaved=%d-%d",
				 2 * q.track, 2 * q.track + 1);
		}
		r.transport = transport;
	}
	if (q.kind == RTSP_REQ_PLAY && isfinite(q.range_s) &&
	    rtsp_range_format(q.range_s, range, sizeof range) > 0)
		r.range = range;
	if (q.kind == RTSP_REQ_PLAY && q.scale != 0.0) {
		snprintf(scale, sizeof scale, "%.3f", q.scale);
		r.scale = scale;
	}
	q.authorized = false;
	if (t->auth.scheme != RTSP_AUTH_NONE && t->creds_ok) {
		if (t->auth.qop_auth || t->auth.qop_int || t->auth.sess)
			t->nc++;
		if (rtsp_auth_answer(&t->auth, t->cfg.user, t->cfg.password, r.method, r.url, t->nc,
				     t->cnonce, auth, sizeof auth) > 0) {
			r.authorization = auth;
			q.authorized = true;
			q.auth_gen = t->auth_gen;
		}
	}
	n = rtsp_request_format(text, sizeof text, &r);
	explicit_bzero(auth, sizeof auth);
	if (n < 0) {
		fail(t, now, true, "%s %s: cannot form the request (%s)", r.method, r.url,
		     gl_strerror(n));
		return false;
	}
	if (t->out_len + (size_t)n > sizeof t->out) {
		fail(t, now, false, "the server takes no requests (%zu bytes waiting)", t->out_len);
		return false;
	}
	memcpy(t->out + t->out_len, text, (size_t)n);
	t->out_len += (size_t)n;
	explicit_bzero(text, sizeof text);
	q.cseq = r.cseq;
	q.sent_ns = now;
	t->inflight[t->inflight_count++] = q;
	t->last_sent_ns = now;
	t->requests++;
	a->stats.sent++;
	unsigned gen = t->conn_gen;
	flush(t, now);
	return t->conn_gen == gen;
}

static bool request(struct rtsp_target *t, enum rtsp_req kind, uint64_t now)
{
	struct rtsp_inflight q = { .kind = kind, .range_s = NAN };

	return send_request(t, q, now);
}

static bool in_flight(const struct rtsp_target *t, enum rtsp_req kind)
{
	for (int i = 0; i < t->inflight_count; i++)
		if (t->inflight[i].kind == kind)
			return true;
	return false;
}

/* The next request(s) towards what is wanted, when nothing holds them. */
static void advance(struct rtsp_target *t, uint64_t now)
{
	if (t->conn != RTSP_UP || t->closing)
		return;
	/* the setup chain, one step at a time: each needs the last one's answer */
	if (in_flight(t, RTSP_REQ_OPTIONS) || in_flight(t, RTSP_REQ_DESCRIBE) ||
	    in_flight(t, RTSP_REQ_SETUP))
		return;
	if (!t->options_done) {
		request(t, RTSP_REQ_OPTIONS, now);
		return;
	}
	if (t->phase == RTSP_NONE) {
		request(t, RTSP_REQ_DESCRIBE, now);
		return;
	}
	if (t->phase == RTSP_DESCRIBED) {
		struct rtsp_inflight q = { .kind = RTSP_REQ_SETUP, .track = t->tracks_setup,
					   .range_s = NAN };

		send_request(t, q, now);
		return;
	}
	switch (t->want) {
	case RTSP_WANT_STOPPED:
		if (!in_flight(t, RTSP_REQ_TEARDOWN) &&
		    (t->expect == RTSP_PLAYING || t->expect == RTSP_PAUSED || !t->cfg.preload)) {
			if (request(t, RTSP_REQ_TEARDOWN, now))
				t->expect = RTSP_NONE;
		}
		return;
	case RTSP_WANT_PLAYING:
		if (t->expect != RTSP_PLAYING || t->want_seek || t->want_scale != t->sent_scale) {
			struct rtsp_inflight q = {
				.kind = RTSP_REQ_PLAY, .go_ns = t->want_go_ns,
				.range_s = t->want_seek ? play_position(t, now) : NAN,
				.scale = t->want_scale != t->sent_scale ? t->want_scale : 0.0,
				.seek = t->expect == RTSP_PLAYING,
			};

			/* A PLAY while playing is queued behind the range playing
			 * now (RFC 2326 10.5), and gst-rtsp-server then ignores a
			 * PAUSE: a seek is PAUSE and PLAY, back to back. */
			if (q.seek) {
				struct rtsp_inflight p = { .kind = RTSP_REQ_PAUSE, .range_s = NAN,
							   .seek = true };

				if (!send_request(t, p, now))
					return;
			}
			t->want_go_ns = 0;
			if (!send_request(t, q, now))
				return;
			t->expect = RTSP_PLAYING;
			t->want_seek = false;
			t->sent_scale = t->want_scale;
		}
		return;
	case RTSP_WANT_PAUSED:
		if (t->want_seek) {
			/* cue it up: PLAY from there and PAUSE, pipelined */
			struct rtsp_inflight q = { .kind = RTSP_REQ_PLAY, .range_s = t->want_pos_s };

			if (!send_request(t, q, now))
				return;
			t->want_seek = false;
			t->expect = RTSP_PLAYING;
		}
		if (t->expect == RTSP_PLAYING) {
			struct rtsp_inflight q = { .kind = RTSP_REQ_PAUSE, .go_ns = t->want_go_ns,
						   .range_s = NAN };

			t->want_go_ns = 0;
			if (send_request(t, q, now))
				t->expect = RTSP_PAUSED;
		}
		return;
	}
}

/* ---- replies ---------------------------------------------------------------------------- */

static void session_from(struct rtsp_target *t, const struct rtsp_msg *m)
{
	const char *v = rtsp_msg_header(m, "Session", 0);
	char id[RTSP_SESSION_ID_MAX];
	int timeout;

	if (v && rtsp_session_parse(v, id, sizeof id, &timeout) == 0) {
		memcpy(t->session, id, sizeof id);
		t->timeout_s = timeout;
	}
}

static void on_describe(struct rtsp_target *t, const struct rtsp_msg *m, uint64_t now)
{
	char why[160];
	const char *base = rtsp_msg_header(m, "Content-Base", 0);
	const char *type = rtsp_msg_header(m, "Content-Type", 0);

	if (!base)
		base = rtsp_msg_header(m, "Content-Location", 0);
	if (!base)
		base = t->cur_url;
	if (type && strncasecmp(type, "application/sdp", 15) != 0) {
		fail(t, now, true, "DESCRIBE %s: the description is %.40s, not application/sdp",
		     t->cur_url, type);
		return;
	}
	if (!m->body_len || rtsp_sdp_parse((const char *)m->body, m->body_len, &t->sdp, why,
					   sizeof why) < 0) {
		fail(t, now, true, "DESCRIBE %s: %s", t->cur_url,
		     m->body_len ? why : "the reply has no description");
		return;
	}
	/* aggregate control: the session's a=control, else the URL asked for */
	if (rtsp_url_resolve(base, t->sdp.control[0] ? t->sdp.control : t->cur_url,
			     t->aggregate, sizeof t->aggregate) < 0) {
		fail(t, now, true, "DESCRIBE %s: a=control \"%.60s\" is no URL", t->cur_url,
		     t->sdp.control);
		return;
	}
	for (int i = 0; i < t->sdp.track_count; i++) {
		const char *c = t->sdp.tracks[i].control;

		if (!c[0] && t->sdp.track_count == 1)
			c = t->aggregate;
		if (!c[0] || rtsp_url_resolve(base, c, t->track_url[i], sizeof t->track_url[i]) < 0) {
			fail(t, now, true, "DESCRIBE %s: track %d (%s) has no usable a=control",
			     t->cur_url, i + 1, t->sdp.tracks[i].media);
			return;
		}
	}
	t->phase = t->expect = RTSP_DESCRIBED;
	t->tracks_setup = 0;
}

static void on_setup(struct rtsp_target *t, const struct rtsp_msg *m, uint64_t now)
{
	struct rtsp_transport tr;
	const char *v = rtsp_msg_header(m, "Transport", 0);

	session_from(t, m);
	if (!t->session[0]) {
		fail(t, now, true, "SETUP: the reply has no Session");
		return;
	}
	if (v && rtsp_transport_parse(v, &tr) == 0 && tr.tcp != (t->cfg.transport == 0)) {
		fail(t, now, true, "SETUP: the server answered with %s transport, not the %s asked "
		     "for", tr.tcp ? "TCP" : "UDP", t->cfg.transport ? "UDP" : "TCP");
		return;
	}
	if (++t->tracks_setup < t->sdp.track_count)
		return;
	t->phase = t->expect = RTSP_READY;
	t->redirects = 0;
	t->pos_s = 0;
	t->pos_ns = now;
	if (t->error[0]) {
		target_log(t, false, "set up (the last error was: %s)", t->error);
		t->error[0] = '\0';
	}
}

static void on_play(struct rtsp_target *t, const struct rtsp_inflight *q,
		    const struct rtsp_msg *m, uint64_t now)
{
	const char *range = rtsp_msg_header(m, "Range", 0);
	const char *scale = rtsp_msg_header(m, "Scale", 0);
	double start = NAN, end, rate = q->scale != 0.0 ? q->scale : t->sent_scale;

	if (range)
		rtsp_range_parse(range, &start, &end);
	if (isfinite(start))
		t->pos_s = start;
	else if (isfinite(q->range_s))
		t->pos_s = q->range_s;
	/* else: resumed where it paused */
	if (scale && rtsp_scale_parse(scale, &rate) == 0 && q->scale != 0.0 && rate != q->scale)
		target_log(t, true, "PLAY: asked for scale %.3g, the server plays at %.3g", q->scale,
			   rate);
	t->pos_ns = now;
	t->rate = rate;
	t->phase = RTSP_PLAYING;
	if (q->go_ns) {
		t->last_latency_ms = (double)(now - q->go_ns) / 1e6;
		target_log(t, false, "playing at %.3f s%s (%.1f ms after the command)", t->pos_s,
			   rate != 1.0 ? ", scaled" : "", t->last_latency_ms);
	} else {
		target_log(t, false, "playing at %.3f s%s", t->pos_s, rate != 1.0 ? ", scaled" : "");
	}
	/* what is wanted follows what the server does, unless a newer
	 * command is on its way */
	if (t->want == RTSP_WANT_PLAYING && !t->want_seek && !in_flight(t, RTSP_REQ_PLAY)) {
		t->want_pos_s = t->pos_s;
		t->want_pos_ns = now;
		t->want_scale = rate;
		t->sent_scale = rate;
	}
}

static void on_pause(struct rtsp_target *t, const struct rtsp_inflight *q, uint64_t now)
{
	if (q->seek)
		return;             /* the PLAY right behind it says where it is */
	/* it paused when it read the request: half way, as far as we know */
	uint64_t at = now > q->sent_ns ? q->sent_ns + (now - q->sent_ns) / 2 : now;

	t->pos_s = rtsp_target_position(t, at);
	t->pos_ns = now;
	t->phase = RTSP_PAUSED;
	target_log(t, false, "paused at %.3f s", t->pos_s);
	if (t->want == RTSP_WANT_PAUSED && !t->want_seek) {
		t->want_pos_s = t->pos_s;
		t->want_pos_ns = now;
	}
}

/* The session the server had is gone (454, or it says so): set up again
 * on this connection and put it back where it is wanted. */
static void session_lost(struct rtsp_target *t, uint64_t now, const char *why)
{
	target_log(t, true, "%s; setting up again", why);
	t->session[0] = '\0';
	t->tracks_setup = 0;
	t->phase = t->expect = RTSP_DESCRIBED;
	t->sent_scale = 1.0;
	if (t->want != RTSP_WANT_STOPPED) {
		t->want_pos_s = wanted_position(t, now);
		t->want_pos_ns = now;
		t->want_seek = true;
	}
	/* the rest of what was sent for that session will fail the same way */
	for (int i = 0; i < t->inflight_count; i++)
		if (t->inflight[i].kind != RTSP_REQ_OPTIONS)
			t->inflight[i].kind = RTSP_REQ_KEEPALIVE;
}

static void on_unauthorized(struct rtsp_target *t, struct rtsp_inflight q,
			    const struct rtsp_msg *m, uint64_t now)
{
	struct rtsp_auth ch;
	char why[160];

	if (!t->cfg.user[0]) {
		fail(t, now, true, "%s %s: the server wants a user name and password (401); give "
		     "user and password", req_names[q.kind], request_url(t, &q));
		return;
	}
	if (!t->creds_ok) {
		fail(t, now, true, "%s: redirected there, and it wants a password: credentials only "
		     "go to the configured host %s", t->cur_host, t->url.host);
		return;
	}
	if (rtsp_auth_choose(m, &ch, why, sizeof why) < 0) {
		fail(t, now, true, "%s %s: %s", req_names[q.kind], request_url(t, &q), why);
		return;
	}
	if (q.retried) {
		fail(t, now, true, "%s %s: the server refused user \"%.60s\" (401: wrong password?)",
		     req_names[q.kind], request_url(t, &q), t->cfg.user);
		return;
	}
	/* a new challenge (or the first) is answered once per request */
	if (!q.authorized || q.auth_gen == t->auth_gen) {
		t->auth = ch;
		t->auth_gen++;
		t->nc = 0;
		new_cnonce(t);
	}
	q.retried = true;
	send_request(t, q, now);
}

static bool redirect(struct rtsp_target *t, const struct rtsp_inflight *q,
		     const struct rtsp_msg *m, uint64_t now)
{
	const char *loc = rtsp_msg_header(m, "Location", 0);
	char next[RTSP_URL_MAX], why[160];
	struct rtsp_url u;

	if (!loc) {
		fail(t, now, true, "%s: %d %s without a Location", req_names[q->kind], m->status,
		     m->reason);
		return false;
	}
	if (rtsp_url_resolve(request_url(t, q), loc, next, sizeof next) < 0 ||
	    rtsp_url_parse(next, &u, why, sizeof why) < 0) {
		fail(t, now, true, "%s: redirected (%d) to a URL that cannot be used", req_names[q->kind],
		     m->status);
		return false;
	}
	if (t->redirects >= RTSP_REDIRECTS_MAX) {
		fail(t, now, true, "more than %d redirects in a row (last to %s)", RTSP_REDIRECTS_MAX,
		     u.clean);
		return false;
	}
	int redirects = t->redirects + 1;

	target_log(t, false, "%s: %d %s: now %s", req_names[q->kind], m->status, m->reason, u.clean);
	close_conn(t);
	t->redirects = redirects;
	snprintf(t->cur_url, sizeof t->cur_url, "%s", u.clean);
	snprintf(t->cur_host, sizeof t->cur_host, "%s", u.host);
	t->cur_port = u.port;
	t->creds_ok = strcasecmp(u.host, t->url.host) == 0 && u.port == t->url.port;
	t->conn = RTSP_DOWN;
	t->retry_ns = now;
	return true;
}

/* A non-2xx answer to a command (PLAY, PAUSE): the command is dropped and
 * what is wanted becomes what the server has; a server error is a failure. */
static void command_refused(struct rtsp_target *t, const struct rtsp_inflight *q,
			    const struct rtsp_msg *m, uint64_t now)
{
	if (m->status >= 500) {
		fail(t, now, false, "%s %s: %d %s", req_names[q->kind], t->aggregate, m->status,
		     m->reason);
		return;
	}
	target_log(t, true, "%s %s: %d %s (not done)", req_names[q->kind], t->aggregate, m->status,
		   m->reason);
	if (q->kind == RTSP_REQ_PLAY && q->seek && t->phase == RTSP_PLAYING) {
		/* the PAUSE before it was done: it holds there */
		t->pos_s = rtsp_target_position(t, now);
		t->pos_ns = now;
		t->phase = RTSP_PAUSED;
	}
	if (in_flight(t, RTSP_REQ_PLAY) || in_flight(t, RTSP_REQ_PAUSE))
		return;                 /* a newer command decides */
	t->expect = t->phase;
	t->want_seek = false;
	t->want = t->phase == RTSP_PLAYING ? RTSP_WANT_PLAYING
		  : t->phase == RTSP_PAUSED ? RTSP_WANT_PAUSED : RTSP_WANT_STOPPED;
	t->want_pos_s = rtsp_target_position(t, now);
	t->want_pos_ns = now;
	t->want_scale = t->phase == RTSP_PLAYING ? t->rate : t->want_scale;
}

static void on_reply(struct rtsp_target *t, const struct rtsp_msg *m, uint64_t now)
{
	struct gl_control *a = t->adapter;
	int at = -1;

	for (int i = 0; i < t->inflight_count && at < 0; i++)
		if (m->cseq >= 0 && t->inflight[i].cseq == (unsigned)m->cseq)
			at = i;
	if (m->cseq < 0 && t->inflight_count > 0) {
		/* RTSP answers in order: the oldest (and say that it lacked one) */
		at = 0;
		target_log(t, true, "a reply without CSeq (%d %s) taken for the %s sent first",
			   m->status, m->reason, req_names[t->inflight[0].kind]);
	}
	if (at < 0) {
		a->stats.dropped++;
		target_log(t, true, "a reply (%d %s, CSeq %ld) to no request we sent: dropped",
			   m->status, m->reason, m->cseq);
		return;
	}
	struct rtsp_inflight q = t->inflight[at];

	memmove(&t->inflight[at], &t->inflight[at + 1],
		(size_t)(t->inflight_count - at - 1) * sizeof q);
	t->inflight_count--;
	t->replies++;
	a->stats.received++;
	if (m->status == 401) {
		on_unauthorized(t, q, m, now);
		return;
	}
	if (m->status >= 300 && m->status < 400 && q.kind != RTSP_REQ_TEARDOWN) {
		redirect(t, &q, m, now);
		return;
	}
	bool ok = m->status >= 200 && m->status < 300;

	switch (q.kind) {
	case RTSP_REQ_OPTIONS: {
		const char *pub = rtsp_msg_header(m, "Public", 0);

		/* OPTIONS is a courtesy: a server that refuses it is fine */
		t->options_done = true;
		t->get_parameter = ok && pub && rtsp_public_has(pub, "GET_PARAMETER");
		break;
	}
	case RTSP_REQ_DESCRIBE:
		if (!ok) {
			fail(t, now, m->status == 404, "DESCRIBE %s: %d %s", t->cur_url, m->status,
			     m->reason);
			return;
		}
		on_describe(t, m, now);
		break;
	case RTSP_REQ_SETUP:
		if (!ok) {
			fail(t, now, m->status < 500, "SETUP %s: %d %s%s", t->track_url[q.track],
			     m->status, m->reason, m->status == 461 ?
			     (t->cfg.transport ? " (try transport = \"tcp\")" : " (try transport = \"udp\")")
			     : "");
			return;
		}
		on_setup(t, m, now);
		break;
	case RTSP_REQ_PLAY:
	case RTSP_REQ_PAUSE:
		if (m->status == 454) {
			session_lost(t, now, "the server forgot the session (454)");
			break;
		}
		if (!ok) {
			command_refused(t, &q, m, now);
			break;
		}
		if (q.kind == RTSP_REQ_PLAY)
			on_play(t, &q, m, now);
		else
			on_pause(t, &q, now);
		break;
	case RTSP_REQ_TEARDOWN: {
		/* the session is gone either way; a fresh connection for the next one */
		bool again = needs_session(t);

		close_conn(t);
		t->pos_s = 0;
		t->conn = RTSP_DOWN;
		t->retry_ns = now;
		if (again)
			start_connect(t, now);
		return;
	}
	case RTSP_REQ_KEEPALIVE:
		if (m->status == 454 && t->session[0]) {
			session_lost(t, now, "the server forgot the session (454)");
		} else if ((m->status == 405 || m->status == 501) && t->get_parameter) {
			t->get_parameter = false;       /* OPTIONS from now on */
		}
		break;
	}
	advance(t, now);
}

/* A request from the server (ANNOUNCE, REDIRECT, its own keep-alive):
 * answered so it does not wait; OPTIONS is the only one we take. */
static void on_server_request(struct rtsp_target *t, const struct rtsp_msg *m, uint64_t now)
{
	char reply[160];
	bool options = strcmp(m->method, "OPTIONS") == 0;
	int n = rtsp_reply_format(reply, sizeof reply, options ? 200 : 501,
				  options ? "OK" : "Not Implemented", m->cseq);

	if (n > 0 && t->out_len + (size_t)n <= sizeof t->out) {
		memcpy(t->out + t->out_len, reply, (size_t)n);
		t->out_len += (size_t)n;
		flush(t, now);
	}
	if (!options)
		target_log(t, false, "the server sent %.20s (answered 501)", m->method);
}

/* Everything whole in the receive buffer. */
static void process(struct rtsp_target *t, uint64_t now)
{
	struct gl_control *a = t->adapter;
	unsigned gen = t->conn_gen;
	struct rtsp_item item;

	while (t->conn_gen == gen) {
		rtsp_stream_next(&t->rx, a->msg, &item);
		if (item.kind == RTSP_ITEM_NONE)
			break;
		if (item.kind == RTSP_ITEM_ERROR) {
			a->stats.dropped++;
			fail(t, now, false, "a malformed message from the server: %s", item.error);
			return;
		}
		if (item.kind == RTSP_ITEM_FRAME) {
			/* RTP we do not play: counted and dropped */
			t->frames++;
			t->frame_bytes += item.size - 4;
		} else if (item.kind == RTSP_ITEM_REPLY) {
			on_reply(t, a->msg, now);
		} else {
			on_server_request(t, a->msg, now);
		}
	}
	if (t->conn_gen == gen && rtsp_stream_compact(&t->rx))
		fail(t, now, false, "a message from the server longer than %d bytes", RTSP_IN_BYTES);
}

static void readable(struct rtsp_target *t, uint64_t now)
{
	unsigned gen = t->conn_gen;
	int one = 1;

	for (int n = 0; n < READ_BURST && t->conn_gen == gen; n++) {
		ssize_t got = recv(t->fd, t->rx.buf + t->rx.len, t->rx.cap - t->rx.len, MSG_DONTWAIT);

		if (got > 0) {
			/* the rest of a frame that started in an earlier read goes */
			t->frame_bytes += rtsp_stream_added(&t->rx, (size_t)got);
			process(t, now);
			continue;
		}
		if (got == 0) {
			if (t->closing || in_flight(t, RTSP_REQ_TEARDOWN)) {
				bool again = needs_session(t);

				close_conn(t);
				t->conn = RTSP_DOWN;
				t->retry_ns = now;
				if (again)
					start_connect(t, now);
			} else {
				fail(t, now, false, "the server closed the connection");
			}
			return;
		}
		if (errno == EAGAIN || errno == EINTR)
			break;
		fail(t, now, false, "receive: %s", strerror(errno));
		return;
	}
	/* answer what arrives at once: a server that leaves Nagle on holds
	 * its next reply until our acknowledgement */
	if (t->conn_gen == gen && t->fd >= 0)
		setsockopt(t->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

/* ---- the target's life ------------------------------------------------------------------ */

void rtsp_target_pollfd(const struct rtsp_target *t, struct pollfd *pfd)
{
	pfd->fd = t->fd;
	pfd->events = 0;
	pfd->revents = 0;
	if (t->fd < 0)
		return;
	if (t->conn == RTSP_CONNECTING || t->out_len)
		pfd->events |= POLLOUT;
	if (t->conn == RTSP_UP)
		pfd->events |= POLLIN;
}

void rtsp_target_io(struct rtsp_target *t, short revents, uint64_t now)
{
	if (t->conn == RTSP_CONNECTING && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		int err = 0;
		socklen_t len = sizeof err;

		getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err)
			fail(t, now, false, "cannot connect to %s:%d: %s", t->cur_host, t->cur_port,
			     strerror(err));
		else
			connected(t, now);
		return;
	}
	if (t->conn != RTSP_UP)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		readable(t, now);
	if (t->conn == RTSP_UP && t->out_len && (revents & POLLOUT))
		flush(t, now);
}

void rtsp_target_step(struct rtsp_target *t, uint64_t now)
{
	const struct rtsp_settings *set = &t->adapter->set;

	switch (t->conn) {
	case RTSP_RESOLVING:
		check_resolved(t, now);
		break;
	case RTSP_CONNECTING:
		if (now >= t->deadline_ns)
			fail(t, now, false, "cannot connect to %s:%d: no answer in %.1f s", t->cur_host,
			     t->cur_port, set->connect_timeout_s);
		break;
	case RTSP_WAITING:
	case RTSP_DOWN:
		if (needs_session(t) && now >= t->retry_ns)
			start_connect(t, now);
		break;
	case RTSP_UP:
		if (t->inflight_count && now >= t->inflight[0].sent_ns + NS(set->reply_timeout_s)) {
			fail(t, now, false, "no answer to %s within %.1f s",
			     req_names[t->inflight[0].kind], set->reply_timeout_s);
			break;
		}
		if (t->session[0] && t->phase >= RTSP_READY && !t->inflight_count) {
			double every = set->keepalive_s > 0 ? set->keepalive_s : t->timeout_s / 2.0;

			if (now >= t->last_sent_ns + NS(every))
				request(t, RTSP_REQ_KEEPALIVE, now);
		}
		advance(t, now);
		break;
	}
	rtsp_target_report(t, now, false);
}

uint64_t rtsp_target_next_ns(const struct rtsp_target *t, uint64_t now)
{
	const struct rtsp_settings *set = &t->adapter->set;
	uint64_t next = 0;

	switch (t->conn) {
	case RTSP_RESOLVING:
		next = now + GL_RESOLVE_POLL_NS;
		break;
	case RTSP_CONNECTING:
		next = t->deadline_ns;
		break;
	case RTSP_WAITING:
	case RTSP_DOWN:
		next = needs_session(t) ? t->retry_ns : 0;
		break;
	case RTSP_UP:
		if (t->inflight_count)
			next = t->inflight[0].sent_ns + NS(set->reply_timeout_s);
		else if (t->session[0] && t->phase >= RTSP_READY)
			next = t->last_sent_ns + NS(set->keepalive_s > 0 ? set->keepalive_s
								  : t->timeout_s / 2.0);
		break;
	}
	if (t->phase == RTSP_PLAYING && t->conn == RTSP_UP && (!next || t->next_feedback_ns < next))
		next = t->next_feedback_ns;
	return next;
}

int rtsp_target_command(struct rtsp_target *t, enum rtsp_cmd cmd, double at, double scale,
			uint64_t now)
{
	if (isfinite(at) && (at < 0 || at > 1e7))
		return GL_EINVAL;
	if (scale != 0.0 && (!isfinite(scale) || fabs(scale) > 1000.0))
		return GL_EINVAL;
	switch (cmd) {
	case RTSP_CMD_PLAY:
		t->want = RTSP_WANT_PLAYING;
		t->want_pos_s = isfinite(at) ? at : 0.0;
		t->want_seek = true;
		t->want_scale = scale != 0.0 ? scale : 1.0;
		break;
	case RTSP_CMD_RESUME:
		if (t->want != RTSP_WANT_PLAYING)
			t->want_pos_s = wanted_position(t, now);
		t->want = RTSP_WANT_PLAYING;
		if (scale != 0.0)
			t->want_scale = scale;
		break;
	case RTSP_CMD_PAUSE:
		if (t->want != RTSP_WANT_PLAYING)
			return 0;               /* nothing plays: nothing to pause */
		t->want_pos_s = wanted_position(t, now);
		t->want = RTSP_WANT_PAUSED;
		break;
	case RTSP_CMD_SEEK:
		if (!isfinite(at))
			return GL_EINVAL;
		t->want_pos_s = at;
		t->want_seek = true;
		if (t->want == RTSP_WANT_STOPPED)
			t->want = RTSP_WANT_PAUSED;    /* cued up there, paused */
		break;
	case RTSP_CMD_STOP:
		t->want = RTSP_WANT_STOPPED;
		t->want_seek = false;
		t->want_pos_s = 0;
		break;
	}
	t->want_pos_ns = now;
	t->want_go_ns = now;
	if (t->want_scale == 0.0)
		t->want_scale = 1.0;
	if (t->conn == RTSP_UP)
		advance(t, now);
	else if (t->conn == RTSP_DOWN && needs_session(t))
		start_connect(t, now);        /* WAITING keeps its back-off */
	rtsp_target_report(t, now, false);
	return 0;
}

struct rtsp_target *rtsp_target_create(struct gl_control *a, const struct rtsp_target_cfg *cfg,
				       char *err, size_t err_len)
{
	struct rtsp_target *t = calloc(1, sizeof *t);

	if (!t || !(t->rx.buf = malloc(RTSP_IN_BYTES))) {
		free(t);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	t->rx.cap = RTSP_IN_BYTES;
	t->adapter = a;
	t->cfg = *cfg;
	t->fd = -1;
	for (int i = 0; i < RTSP_TRACKS_MAX; i++)
		t->udp_fd[i][0] = t->udp_fd[i][1] = -1;
	if (rtsp_url_parse(cfg->url, &t->url, err, err_len) < 0) {
		rtsp_target_destroy(t);
		return NULL;
	}
	configured_url(t);
	t->backoff_s = a->set.retry_min_s;
	t->timeout_s = RTSP_SESSION_TIMEOUT_DEFAULT;
	t->sent_scale = t->want_scale = 1.0;
	t->rate = 1.0;
	snprintf(t->reported_state, sizeof t->reported_state, "idle");
	new_cnonce(t);
	return t;
}

void rtsp_target_destroy(struct rtsp_target *t)
{
	struct gl_control *a;

	if (!t)
		return;
	a = t->adapter;
	if (t->conn == RTSP_UP && t->session[0] && !t->out_len) {
		/* a courtesy: the server frees the session now, not at its timeout */
		struct rtsp_inflight q = { .kind = RTSP_REQ_TEARDOWN, .range_s = NAN };

		t->closing = true;
		send_request(t, q, gl_now_ns());
	}
	close_conn(t);
	for (int i = 0; i < RTSP_TRACKS_MAX; i++)
		for (int k = 0; k < 2; k++)
			if (t->udp_fd[i][k] >= 0) {
				if (a && a->epoll_fd >= 0)
					epoll_ctl(a->epoll_fd, EPOLL_CTL_DEL, t->udp_fd[i][k], NULL);
				close(t->udp_fd[i][k]);
			}
	free(t->rx.buf);
	explicit_bzero(&t->cfg, sizeof t->cfg);
	explicit_bzero(&t->auth, sizeof t->auth);
	free(t);
}
