/*
 * osc.c - the OSC control adapter (driver): UDP and TCP servers on one port,
 * the allow-list, bundles held until their timetag, subscribers and
 * configured remotes with feedback on change, a heartbeat and a silence
 * timeout, and sending to any osc.udp:// / osc.tcp:// URL (osc.send, cue
 * actions).
 *
 * Control thread only (the poll loop of app/play.c calls it through
 * control.h). Why our own sockets: liblo 0.31's server does not hand out the
 * fds of its TCP connections, so a poll loop cannot wait on them, and its
 * lo_address connects TCP and resolves names with blocking calls on every
 * send; liblo does the message codec (lo_message_deserialise / _serialise),
 * osc_peer.c the sending to URLs. Invariants: every input is either
 * dispatched or dropped with a counted reason; nothing here blocks; no one
 * source can hold every TCP connection or subscription (per-host caps, idle
 * connections closed or evicted first).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <lo/lo.h>

#include "osc_dispatch.h"
#include "osc_peer.h"
#include "osc_wire.h"
#include "outputs/control/control.h"
#include "outputs/media/audio/audio.h"

#define OSC_DEFAULT_PORT 7700
#define OSC_ALLOW_MAX 32
#define OSC_REMOTES_MAX 16
#define OSC_SUBSCRIBERS_MAX 32
#define OSC_CONNS_MAX 16
#define OSC_QUEUE_MAX 256
#define OSC_QUEUE_DELAY_MAX_S 3600.0     /* a timetag further ahead is refused */
#define OSC_SUBS_PER_HOST 4              /* subscriptions from one IP address */
#define OSC_CONNS_PER_HOST 4             /* TCP connections from one IP address */
#define OSC_EVICT_IDLE_NS (GL_NS_PER_S)  /* a connection silent this long may be evicted */
#define OSC_RECV_BURST 64                /* datagrams per service call */
#define OSC_LOG_PER_S 10                 /* drop lines logged per second */
#define OSC_ERRORS_PER_S 5               /* /gl/out/error messages per second */
#define OSC_MSG_MAX 2048                 /* one serialised feedback message */
#define OSC_MEMORY_EVERY_NS (GL_NS_PER_S / 10)   /* /gl/memory asks the allocator at most this often */

struct osc_net { uint32_t net, mask; };

/* Where a message came from: a UDP source or a TCP connection. */
struct osc_src {
	struct sockaddr_in sa;
	int conn;                  /* index into conns, -1 = UDP (or not accepted) */
	uint32_t conn_id;          /* the connection's generation */
	bool tcp;                  /* a TCP connection, accepted or not */
};

struct osc_conn {
	int fd;                    /* -1 = free slot */
	uint32_t id;
	uint64_t last_active_ns;   /* accepted, or its last whole packet */
	struct sockaddr_in sa;
	struct osc_stream stream;
	uint8_t *buf;              /* OSC_PACKET_MAX */
};

/* A subscriber is keyed by its transport and address: UDP (IP, reply port),
 * TCP its connection; a configured remote by its peer. */
struct osc_sub {
	bool used;
	bool remote;               /* from the show's remotes: never times out */
	struct sockaddr_in sa;     /* UDP reply address */
	in_port_t from_port;       /* UDP: the source port it (re)subscribed from */
	int conn;                  /* TCP: connection index, -1 = UDP */
	uint32_t conn_id;
	int peer;                  /* configured remotes: osc_peer index, else -1 */
	uint64_t last_seen_ns;
};

struct osc_queued {
	uint64_t due_ns;
	struct osc_src src;
	size_t len;
	uint8_t *data;
};

/* The last state sent as feedback (to compare the next snapshot with). */
struct osc_sent_list {
	int active, standby, state, progress_pct;
};

/* What the show set (osc_opts). */
struct osc_allow_list {
	int count;
	struct osc_net net[OSC_ALLOW_MAX];
};

struct osc_remote_list {
	int count;
	char url[OSC_REMOTES_MAX][GL_OPTION_VALUE_MAX];
};

struct osc_settings {
	int port;
	struct in_addr bind;
	bool tcp;
	struct osc_allow_list allow;
	bool allow_given;
	struct osc_remote_list remotes;
	double heartbeat_s, timeout_s, feedback_rate, tcp_idle_s;
	bool enabled;
};

struct gl_control {
	struct gl_control_host host;
	struct gl_engine *e;
	char show_name[GL_NAME_MAX];
	struct osc_settings set;
	int udp_fd, tcp_fd;

	struct osc_conn conns[OSC_CONNS_MAX];
	uint32_t next_conn_id;
	struct osc_sub subs[OSC_SUBSCRIBERS_MAX];
	struct osc_queued queue[OSC_QUEUE_MAX];
	int queue_count;
	struct osc_peers *peers;   /* remotes, osc.send and cue actions */

	/* feedback */
	struct gl_snapshot snap;
	bool have_sent;
	struct osc_sent_list *sent_lists;
	int *sent_faders;          /* level * 1000 */
	int sent_gm, sent_blackout;
	struct gl_control_audio *audio;   /* the audio part's feedback, NULL: none */
	bool feedback_now;         /* an event asked for a pass */
	uint64_t next_feedback_ns, next_heartbeat_ns;
	int32_t heartbeat_seq;

	/* counters and rate limits */
	uint64_t drops[GL_CONTROL_DROP_COUNT];
	struct gl_control_log_window logw;
	struct gl_host_memory memory;     /* the last /gl/memory figures, and when */
	uint64_t memory_at_ns;
	struct gl_control_stats stats;
	struct gl_control_stats stats_view;   /* stats + the peers', for stats() */
	uint8_t rx[OSC_PACKET_MAX];
};

/* ---- small helpers --------------------------------------------------------------- */

#define osc_log(c, error, ...) gl_control_log(&(c)->host, &(c)->stats, error, __VA_ARGS__)

static void rate_window(struct gl_control *c, uint64_t now)
{
	gl_control_log_window_roll(&c->logw, &c->host, &c->stats, "osc", now);
}

static void src_text(const struct osc_src *src, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN] = "?";

	inet_ntop(AF_INET, &src->sa.sin_addr, ip, sizeof ip);
	snprintf(buf, len, "osc.%s://%s:%u/", src->conn >= 0 || src->tcp ? "tcp" : "udp", ip,
		 ntohs(src->sa.sin_port));
}

static uint64_t ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return osc_timetag_from_unix(ts.tv_sec, ts.tv_nsec);
}

static void send_error_feedback(struct gl_control *c, const char *text);

/* Counts and logs (rate-limited) a dropped message. */
static void osc_drop(struct gl_control *c, const struct osc_src *src, enum gl_control_drop reason,
		     const char *why)
{
	uint64_t now = gl_now_ns();
	char from[64] = "";

	c->drops[reason]++;
	c->stats.dropped++;
	rate_window(c, now);
	if (src)
		src_text(src, from, sizeof from);
	if (gl_control_log_window_take(&c->logw, OSC_LOG_PER_S))
		osc_log(c, true, "osc: dropped%s%s: %s%s%s", from[0] ? " from " : "", from,
			gl_control_drop_name(reason), why && why[0] ? ": " : "", why ? why : "");
	/* Remotes hear about rejected commands; a flood of them is not echoed. */
	if (reason != GL_CONTROL_DROP_NOT_ALLOWED && reason != GL_CONTROL_DROP_UNHANDLED &&
	    c->logw.errors++ < OSC_ERRORS_PER_S) {
		char text[300];

		snprintf(text, sizeof text, "%s%s%s", gl_control_drop_name(reason),
			 why && why[0] ? ": " : "", why ? why : "");
		send_error_feedback(c, text);
	}
}

static bool allowed(const struct gl_control *c, const struct sockaddr_in *sa)
{
	uint32_t a = ntohl(sa->sin_addr.s_addr);

	for (int i = 0; i < c->set.allow.count; i++)
		if ((a & c->set.allow.net[i].mask) == c->set.allow.net[i].net)
			return true;
	return false;
}

/* ---- sending ------------------------------------------------------------------------- */

/* Serialises into buf; returns the length or 0. */
static size_t serialise(lo_message m, const char *path, uint8_t *buf, size_t cap)
{
	size_t len = lo_message_length(m, path);

	if (len == 0 || len > cap)
		return 0;
	if (!lo_message_serialise(m, path, buf, &len))
		return 0;
	return len;
}

static void conn_close(struct gl_control *c, int i);

static int send_conn(struct gl_control *c, int i, const uint8_t *pkt, size_t len)
{
	struct osc_conn *k = &c->conns[i];
	uint8_t framed[OSC_MSG_MAX * 2 + 8];
	int n = k->stream.framing == OSC_FRAMING_SLIP
		? osc_frame_slip(framed, sizeof framed, pkt, len)
		: osc_frame_length(framed, sizeof framed, pkt, len);

	if (n < 0)
		return GL_EFULL;
	ssize_t w = send(k->fd, framed, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w != n) {
		/* A reader that cannot keep up with feedback is cut off; a
		 * remote reconnects (TouchOSC and Open Stage Control do). */
		osc_log(c, true, "osc: TCP connection %d: %s; closed", i,
			w < 0 ? strerror(errno) : "send buffer full");
		conn_close(c, i);
		return GL_EIO;
	}
	return 0;
}

static int send_src(struct gl_control *c, const struct osc_src *src, const uint8_t *pkt,
		    size_t len)
{
	int rc = 0;

	if (src->conn >= 0) {
		if (c->conns[src->conn].fd < 0 || c->conns[src->conn].id != src->conn_id)
			return GL_ENOENT;
		rc = send_conn(c, src->conn, pkt, len);
	} else if (sendto(c->udp_fd, pkt, len, MSG_DONTWAIT, (const struct sockaddr *)&src->sa,
			  sizeof src->sa) != (ssize_t)len) {
		rc = GL_EIO;
	}
	if (rc == 0)
		c->stats.sent++;
	else
		c->stats.send_errors++;
	return rc;
}

static int send_sub(struct gl_control *c, struct osc_sub *s, const uint8_t *pkt, size_t len)
{
	if (s->peer >= 0)
		return osc_peers_send(c->peers, s->peer, pkt, len, gl_now_ns());
	struct osc_src src = { .sa = s->sa, .conn = s->conn, .conn_id = s->conn_id };
	int rc = send_src(c, &src, pkt, len);

	if (rc == GL_ENOENT)
		s->used = false;    /* its connection is gone */
	return rc;
}

/* Sends m to one subscriber (only >= 0) or to all. Frees m. */
static void send_msg(struct gl_control *c, int only, const char *path, lo_message m)
{
	uint8_t pkt[OSC_MSG_MAX];
	size_t len;

	if (!m)
		return;
	len = serialise(m, path, pkt, sizeof pkt);
	if (len) {
		for (int i = 0; i < OSC_SUBSCRIBERS_MAX; i++) {
			if (!c->subs[i].used || (only >= 0 && i != only))
				continue;
			send_sub(c, &c->subs[i], pkt, len);
		}
	}
	lo_message_free(m);
}

static void send_error_feedback(struct gl_control *c, const char *text)
{
	lo_message m = lo_message_new();

	if (m)
		lo_message_add_string(m, text);
	send_msg(c, -1, "/gl/out/error", m);
}

/* ---- feedback ---------------------------------------------------------------------------- */

static const char *const list_states[] = { "off", "running", "paused" };

static void send_string(struct gl_control *c, int only, const char *path, const char *s)
{
	lo_message m = lo_message_new();

	if (m)
		lo_message_add_string(m, s);
	send_msg(c, only, path, m);
}

static void send_float(struct gl_control *c, int only, const char *path, float v)
{
	lo_message m = lo_message_new();

	if (m)
		lo_message_add_float(m, v);
	send_msg(c, only, path, m);
}

static void send_int(struct gl_control *c, int only, const char *path, int v)
{
	lo_message m = lo_message_new();

	if (m)
		lo_message_add_int32(m, v);
	send_msg(c, only, path, m);
}

/* active/standby: number and label, as separate addresses (a tablet label
 * shows one value each) and together on .../active (s number, s label). */
static void send_cue(struct gl_control *c, int only, int list, const char *which, int cue)
{
	const struct gl_cue_def *def = cue >= 0 ? gl_engine_cue(c->e, list, cue) : NULL;
	const char *number = def ? def->number_text : "";
	const char *label = def ? def->label : "";
	char path[96];
	lo_message m = lo_message_new();

	snprintf(path, sizeof path, "/gl/out/list/%d/%s", list + 1, which);
	if (m) {
		lo_message_add_string(m, number);
		lo_message_add_string(m, label);
	}
	send_msg(c, only, path, m);
	snprintf(path, sizeof path, "/gl/out/list/%d/%s/number", list + 1, which);
	send_string(c, only, path, number);
	snprintf(path, sizeof path, "/gl/out/list/%d/%s/label", list + 1, which);
	send_string(c, only, path, label);
}

static bool any_subscriber(const struct gl_control *c)
{
	for (int i = 0; i < OSC_SUBSCRIBERS_MAX; i++)
		if (c->subs[i].used)
			return true;
	return false;
}

/* An OSC message of the control interface's arguments. NULL when out of
 * memory (send_msg counts that). */
static lo_message message_of(const struct gl_ctl_arg *argv, int argc)
{
	lo_message m = lo_message_new();

	for (int i = 0; m && i < argc; i++) {
		const struct gl_ctl_arg *a = &argv[i];

		switch (a->type) {
		case 'i': lo_message_add_int32(m, (int32_t)a->i); break;
		case 'h': lo_message_add_int64(m, a->i); break;
		case 'f': lo_message_add_float(m, (float)a->f); break;
		case 'd': lo_message_add_double(m, a->f); break;
		case 's': lo_message_add_string(m, a->s ? a->s : ""); break;
		case 'T': lo_message_add_true(m); break;
		case 'F': lo_message_add_false(m); break;
		default: lo_message_add_nil(m); break;
		}
	}
	return m;
}

/* The audio part's feedback (control_audio.c) to `only` or everyone. */
struct audio_to {
	struct gl_control *c;
	int only;
};

static void send_audio(void *ud, const char *address, const struct gl_ctl_arg *argv, int argc)
{
	struct audio_to *to = ud;

	send_msg(to->c, to->only, address, message_of(argv, argc));
}

/* Sends what changed since the last pass (full: everything to `only`). */
static void feedback(struct gl_control *c, int only, bool full)
{
	char path[96];

	if (gl_engine_snapshot(c->e, &c->snap) != 0)
		return;         /* no tick yet */
	if (!full && !c->have_sent)
		full = true;
	if (full) {
		send_string(c, only, "/gl/out/show", c->show_name);
		for (int l = 0; l < c->snap.list_count; l++) {
			snprintf(path, sizeof path, "/gl/out/list/%d/name", l + 1);
			send_string(c, only, path, gl_engine_cuelist_name(c->e, l));
		}
		for (int i = 0; i < c->snap.fader_count; i++) {
			int number, target;
			enum gl_fader_kind kind;
			const char *label;

			gl_engine_fader_info(c->e, i, &number, &kind, &target, &label);
			snprintf(path, sizeof path, "/gl/out/fader/%d/label", number);
			send_string(c, only, path, label ? label : "");
		}
	}
	for (int l = 0; l < c->snap.list_count; l++) {
		const struct gl_list_status *ls = &c->snap.lists[l];
		struct osc_sent_list *sl = &c->sent_lists[l];
		int pct = (int)lroundf(ls->progress * 100.0f);

		if (full || ls->active != sl->active)
			send_cue(c, only, l, "active", ls->active);
		if (full || ls->standby != sl->standby)
			send_cue(c, only, l, "standby", ls->standby);
		if (full || pct != sl->progress_pct) {
			snprintf(path, sizeof path, "/gl/out/list/%d/progress", l + 1);
			send_float(c, only, path, (float)pct / 100.0f);
		}
		if (full || (int)ls->state != sl->state) {
			snprintf(path, sizeof path, "/gl/out/list/%d/state", l + 1);
			send_string(c, only, path, list_states[ls->state]);
		}
		if (only < 0)
			*sl = (struct osc_sent_list){ ls->active, ls->standby, (int)ls->state, pct };
	}
	for (int i = 0; i < c->snap.fader_count; i++) {
		int level = (int)lroundf(c->snap.fader_levels[i] * 1000.0f);
		int number, target;
		enum gl_fader_kind kind;
		const char *label;

		if (!full && level == c->sent_faders[i])
			continue;
		gl_engine_fader_info(c->e, i, &number, &kind, &target, &label);
		snprintf(path, sizeof path, "/gl/out/fader/%d", number);
		send_float(c, only, path, c->snap.fader_levels[i]);
		/* Again on the address that sets it: a TouchOSC Mk1 control has
		 * one address to send and receive, so its fader follows only
		 * this way. */
		snprintf(path, sizeof path, "/gl/fader/%d", number);
		send_float(c, only, path, c->snap.fader_levels[i]);
		if (only < 0)
			c->sent_faders[i] = level;
	}
	int gm = (int)lroundf(c->snap.grand_master * 1000.0f);
	if (full || gm != c->sent_gm) {
		send_float(c, only, "/gl/out/gm", c->snap.grand_master);
		send_float(c, only, "/gl/gm", c->snap.grand_master);
	}
	if (full || (int)c->snap.blackout != c->sent_blackout)
		send_int(c, only, "/gl/out/blackout", c->snap.blackout ? 1 : 0);
	if (only < 0) {
		c->sent_gm = gm;
		c->sent_blackout = c->snap.blackout;
		c->have_sent = true;
	}
	if (c->audio)
		gl_control_audio_osc(c->audio, full, only < 0, send_audio,
				     &(struct audio_to){ c, only });
}

/* ---- subscribers --------------------------------------------------------------------------- */

/* The UDP subscription a message from src names: its reply port (given, or
 * the source port) or the source port it subscribed from. */
static bool names_sub(const struct osc_sub *s, const struct osc_src *src, int port)
{
	if (!s->used || s->remote)
		return false;
	if (src->conn >= 0)
		return s->conn == src->conn && s->conn_id == src->conn_id;
	return s->conn < 0 && s->sa.sin_addr.s_addr == src->sa.sin_addr.s_addr &&
	       (s->sa.sin_port == htons((uint16_t)(port ? port : ntohs(src->sa.sin_port))) ||
		(!port && s->from_port == src->sa.sin_port));
}

/* Subscribes src (a renewal when it is one already: *is_new false).
 * Returns the index, or GL_EFULL (every slot taken) / GL_ERANGE (this host
 * has OSC_SUBS_PER_HOST already). */
static int subscribe(struct gl_control *c, const struct osc_src *src, int port, uint64_t now,
		     bool *is_new)
{
	int free_slot = -1, same_host = 0;
	in_port_t reply = htons((uint16_t)(port ? port : ntohs(src->sa.sin_port)));

	*is_new = false;
	for (int i = 0; i < OSC_SUBSCRIBERS_MAX; i++) {
		struct osc_sub *s = &c->subs[i];

		if (!s->used) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (s->remote)
			continue;
		bool same = src->conn >= 0
			? s->conn == src->conn && s->conn_id == src->conn_id
			: s->conn < 0 && s->sa.sin_addr.s_addr == src->sa.sin_addr.s_addr &&
			  s->sa.sin_port == reply;
		if (same) {
			s->last_seen_ns = now;
			if (src->conn < 0)
				s->from_port = src->sa.sin_port;
			return i;
		}
		if (s->sa.sin_addr.s_addr == src->sa.sin_addr.s_addr)
			same_host++;
	}
	if (same_host >= OSC_SUBS_PER_HOST)
		return GL_ERANGE;
	if (free_slot < 0)
		return GL_EFULL;
	struct osc_sub *s = &c->subs[free_slot];
	memset(s, 0, sizeof *s);
	s->used = true;
	s->sa = src->sa;
	s->sa.sin_port = src->conn >= 0 ? src->sa.sin_port : reply;
	s->from_port = src->sa.sin_port;
	s->conn = src->conn;
	s->conn_id = src->conn_id;
	s->peer = -1;
	s->last_seen_ns = now;
	*is_new = true;
	return free_slot;
}

/* A message from a subscriber (its connection; over UDP, its reply or
 * subscribing port) keeps that subscription alive, and only that one. */
static void touch_subscribers(struct gl_control *c, const struct osc_src *src, uint64_t now)
{
	for (int i = 0; i < OSC_SUBSCRIBERS_MAX; i++)
		if (names_sub(&c->subs[i], src, 0))
			c->subs[i].last_seen_ns = now;
}

/* ---- incoming ---------------------------------------------------------------------------------- */

static void pong(struct gl_control *c, const struct osc_src *src, lo_message in)
{
	uint8_t pkt[OSC_MSG_MAX];
	size_t len = serialise(in, "/gl/pong", pkt, sizeof pkt);

	if (len)
		send_src(c, src, pkt, len);
}

/* /gl/memory back to the sender: what a soak or a monitoring remote
 * watches for a leak (RSS moves with pages first touched late; these are
 * the bytes held). The allocator's count locks each of its arenas, so a
 * flood of asks is answered from figures at most 100 ms old. */
static void memory_reply(struct gl_control *c, const struct osc_src *src, uint64_t now)
{
	uint8_t pkt[OSC_MSG_MAX];
	lo_message m = lo_message_new();
	size_t len;

	if (!m)
		return;
	if (!c->memory_at_ns || now - c->memory_at_ns >= OSC_MEMORY_EVERY_NS) {
		c->memory = (struct gl_host_memory){ -1, -1, -1 };
		if (c->host.memory)
			c->host.memory(c->host.ud, &c->memory);
		c->memory_at_ns = now;
	}
	lo_message_add_int64(m, c->memory.heap_bytes);
	lo_message_add_int64(m, c->memory.script_bytes);
	lo_message_add_int64(m, c->memory.script_limit);
	len = serialise(m, "/gl/memory", pkt, sizeof pkt);
	lo_message_free(m);
	if (len)
		send_src(c, src, pkt, len);
}

/* /gl/out/error to the sender alone (at its reply port, when it gave one):
 * a tablet that is refused must hear it, though it gets no feedback. */
static void reply_error(struct gl_control *c, const struct osc_src *src, int port,
			const char *text)
{
	uint8_t pkt[OSC_MSG_MAX];
	struct osc_src to = *src;
	lo_message m = lo_message_new();
	size_t len;

	if (!m)
		return;
	lo_message_add_string(m, text);
	len = serialise(m, "/gl/out/error", pkt, sizeof pkt);
	lo_message_free(m);
	if (port && to.conn < 0)
		to.sa.sin_port = htons((uint16_t)port);
	if (len)
		send_src(c, &to, pkt, len);
}

static void do_subscribe(struct gl_control *c, const struct osc_src *src, int port, uint64_t now)
{
	bool is_new;
	char why[120];
	int i = subscribe(c, src, port, now, &is_new);

	if (i < 0) {
		if (i == GL_ERANGE)
			snprintf(why, sizeof why, "at most %d subscriptions from one address",
				 OSC_SUBS_PER_HOST);
		else
			snprintf(why, sizeof why, "all %d subscriber slots taken", OSC_SUBSCRIBERS_MAX);
		osc_drop(c, src, GL_CONTROL_DROP_SUBSCRIBERS, why);
		reply_error(c, src, port, why);
		return;
	}
	if (!is_new)
		return;             /* a renewal: the timeout starts again, nothing resent */
	/* The first subscriber gets the full state from the next pass to all
	 * (which is due now); later ones get it alone, the others only changes. */
	if (c->have_sent)
		feedback(c, i, true);
	else
		c->feedback_now = true;
}

/* One OSC message (bytes), due now. */
static void handle_message(struct gl_control *c, const struct osc_src *src, const uint8_t *data,
			   size_t len, uint64_t now)
{
	int result = 0;
	lo_message m = lo_message_deserialise((void *)data, len, &result);
	struct gl_ctl_arg args[GL_CTL_ARGS_MAX];
	struct osc_dispatch_result r;
	char peer[64];

	c->stats.received++;
	if (!m) {
		osc_drop(c, src, GL_CONTROL_DROP_MALFORMED, "not a valid OSC message");
		return;
	}
	const char *address = (const char *)data;    /* validated by liblo */
	const char *types = lo_message_get_types(m);
	lo_arg **argv = lo_message_get_argv(m);
	int argc = lo_message_get_argc(m);

	if (argc > GL_CTL_ARGS_MAX) {
		osc_drop(c, src, GL_CONTROL_DROP_TOO_BIG, "more than 32 arguments");
		lo_message_free(m);
		return;
	}
	for (int i = 0; i < argc; i++) {
		struct gl_ctl_arg *a = &args[i];

		memset(a, 0, sizeof *a);
		a->type = types[i];
		switch (types[i]) {
		/* liblo's lo_arg pointers are only 4-aligned: copy bytes */
		case 'i': { int32_t v; memcpy(&v, argv[i], sizeof v); a->i = v; break; }
		case 'h': { int64_t v; memcpy(&v, argv[i], sizeof v); a->i = v; break; }
		case 'f': { float v; memcpy(&v, argv[i], sizeof v); a->f = v; break; }
		case 'd': { double v; memcpy(&v, argv[i], sizeof v); a->f = v; break; }
		case 's': case 'S': a->s = (const char *)argv[i]; break;
		case 'c': { int32_t v; memcpy(&v, argv[i], sizeof v); a->type = 'i'; a->i = v; break; }
		default: break;         /* T F N I; blobs and the rest carry no value here */
		}
	}
	touch_subscribers(c, src, now);
	osc_dispatch(c->e, address, args, argc, &r);
	if (r.unmatched) {
		struct gl_ctl_msg msg = { .peer = peer, .address = address, .argc = argc, .argv = args };

		src_text(src, peer, sizeof peer);
		if (!c->host.unhandled || !c->host.unhandled(c->host.ud, "osc", &msg))
			osc_drop(c, src, GL_CONTROL_DROP_UNHANDLED, address);
	} else if (r.drop != GL_CONTROL_DROP_NONE) {
		osc_drop(c, src, r.drop, r.why);
	} else {
		if (r.panic && c->host.audio)
			gl_audio_panic(c->host.audio);     /* every sound out within a second */
		for (int i = 0; i < r.cmd_count; i++) {
			int rc = gl_engine_command(c->e, &r.cmds[i]);

			if (rc == GL_EFULL)
				osc_drop(c, src, GL_CONTROL_DROP_ENGINE_BUSY,
					 "engine command ring full");
			else if (rc < 0)
				osc_drop(c, src, GL_CONTROL_DROP_NO_SUCH_TARGET, gl_strerror(rc));
		}
		if (r.ping)
			pong(c, src, m);
		if (r.memory)
			memory_reply(c, src, now);
		if (r.subscribe)
			do_subscribe(c, src, r.subscribe_port, now);
		if (r.unsubscribe || r.refresh) {
			int hits = 0;

			for (int i = 0; i < OSC_SUBSCRIBERS_MAX; i++) {
				if (!names_sub(&c->subs[i], src, r.subscribe_port))
					continue;
				hits++;
				if (r.unsubscribe)
					c->subs[i].used = false;
				else
					feedback(c, i, true);   /* everything, to it alone */
			}
			if (!hits)
				reply_error(c, src, r.subscribe_port, r.unsubscribe
					    ? "/gl/unsubscribe: not subscribed from here"
					    : "/gl/refresh: not subscribed; send /gl/subscribe first");
		}
	}
	lo_message_free(m);
}

struct walk_ctx {
	struct gl_control *c;
	const struct osc_src *src;
	uint64_t now, ntp_now;
};

static int walk_message(void *ud, uint64_t timetag, const uint8_t *msg, size_t len)
{
	struct walk_ctx *w = ud;
	struct gl_control *c = w->c;
	int64_t delta = osc_timetag_delta_ns(timetag, w->ntp_now);

	if (delta <= 0) {          /* immediate, or late: now (OSC 1.0) */
		handle_message(c, w->src, msg, len, w->now);
		return 0;
	}
	if ((double)delta > OSC_QUEUE_DELAY_MAX_S * 1e9) {
		c->stats.received++;
		osc_drop(c, w->src, GL_CONTROL_DROP_TIMETAG_AHEAD,
			 "timetag more than an hour ahead");
		return 0;
	}
	if (c->queue_count >= OSC_QUEUE_MAX) {
		c->stats.received++;
		osc_drop(c, w->src, GL_CONTROL_DROP_QUEUE_FULL,
			 "too many bundles waiting for their time");
		return 0;
	}
	uint8_t *copy = malloc(len);
	if (!copy) {
		c->stats.received++;
		osc_drop(c, w->src, GL_CONTROL_DROP_QUEUE_FULL, "out of memory");
		return 0;
	}
	memcpy(copy, msg, len);
	c->queue[c->queue_count++] = (struct osc_queued){
		.due_ns = w->now + (uint64_t)delta, .src = *w->src, .len = len, .data = copy };
	return 0;
}

static void handle_packet(struct gl_control *c, const struct osc_src *src, const uint8_t *data,
			  size_t len, uint64_t now)
{
	struct walk_ctx w = { .c = c, .src = src, .now = now, .ntp_now = ntp_now() };
	const char *why = NULL;
	int rc = osc_wire_walk(data, len, walk_message, &w, &why);

	if (rc < 0) {
		c->stats.received++;
		osc_drop(c, src, rc == GL_ERANGE ? GL_CONTROL_DROP_TOO_BIG
						  : GL_CONTROL_DROP_MALFORMED, why);
	}
}

static void run_queue(struct gl_control *c, uint64_t now)
{
	/* earliest first; equal times keep arrival order */
	for (;;) {
		int best = -1;

		for (int i = 0; i < c->queue_count; i++)
			if (c->queue[i].due_ns <= now &&
			    (best < 0 || c->queue[i].due_ns < c->queue[best].due_ns))
				best = i;
		if (best < 0)
			return;
		struct osc_queued q = c->queue[best];

		memmove(&c->queue[best], &c->queue[best + 1],
			(size_t)(c->queue_count - best - 1) * sizeof q);
		c->queue_count--;
		handle_message(c, &q.src, q.data, q.len, now);
		free(q.data);
	}
}

static void read_udp(struct gl_control *c, uint64_t now)
{
	for (int n = 0; n < OSC_RECV_BURST; n++) {
		struct osc_src src = { .conn = -1 };
		socklen_t sl = sizeof src.sa;
		ssize_t got = recvfrom(c->udp_fd, c->rx, sizeof c->rx, MSG_DONTWAIT | MSG_TRUNC,
				       (struct sockaddr *)&src.sa, &sl);

		if (got < 0)
			return;
		if (!allowed(c, &src.sa)) {
			c->stats.received++;
			osc_drop(c, &src, GL_CONTROL_DROP_NOT_ALLOWED, NULL);
			continue;
		}
		if ((size_t)got > sizeof c->rx) {
			c->stats.received++;
			osc_drop(c, &src, GL_CONTROL_DROP_TOO_BIG, "datagram over 64 KiB");
			continue;
		}
		handle_packet(c, &src, c->rx, (size_t)got, now);
	}
}

static void conn_close(struct gl_control *c, int i)
{
	struct osc_conn *k = &c->conns[i];

	if (k->fd < 0)
		return;
	close(k->fd);
	k->fd = -1;
	for (int s = 0; s < OSC_SUBSCRIBERS_MAX; s++)
		if (c->subs[s].used && c->subs[s].conn == i && c->subs[s].conn_id == k->id)
			c->subs[s].used = false;
}

static bool conn_subscribed(const struct gl_control *c, int i)
{
	for (int s = 0; s < OSC_SUBSCRIBERS_MAX; s++)
		if (c->subs[s].used && c->subs[s].conn == i && c->subs[s].conn_id == c->conns[i].id)
			return true;
	return false;
}

/* A slot for a new connection from sa, or why not: this host holds
 * OSC_CONNS_PER_HOST already; or every slot is taken and none can be
 * evicted. When full, the connection silent the longest goes, if it holds
 * no subscription and has been silent OSC_EVICT_IDLE_NS: a slow-loris
 * holding idle connections cannot lock out a tablet that talks. */
static int conn_slot(struct gl_control *c, const struct sockaddr_in *sa, uint64_t now,
		     char *why, size_t len)
{
	int free_slot = -1, same_host = 0, idlest = -1;

	for (int i = 0; i < OSC_CONNS_MAX; i++) {
		struct osc_conn *k = &c->conns[i];

		if (k->fd < 0) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (k->sa.sin_addr.s_addr == sa->sin_addr.s_addr)
			same_host++;
		if (!conn_subscribed(c, i) && now - k->last_active_ns >= OSC_EVICT_IDLE_NS &&
		    (idlest < 0 || k->last_active_ns < c->conns[idlest].last_active_ns))
			idlest = i;
	}
	if (same_host >= OSC_CONNS_PER_HOST) {
		snprintf(why, len, "at most %d TCP connections from one address", OSC_CONNS_PER_HOST);
		return -1;
	}
	if (free_slot >= 0)
		return free_slot;
	if (idlest < 0) {
		snprintf(why, len, "all %d TCP connections busy", OSC_CONNS_MAX);
		return -1;
	}
	char from[64];
	struct osc_src old = { .sa = c->conns[idlest].sa, .conn = idlest };

	src_text(&old, from, sizeof from);
	osc_log(c, false, "osc: TCP connection from %s silent for %.1f s: closed for a new one",
		from, (double)(now - c->conns[idlest].last_active_ns) / 1e9);
	conn_close(c, idlest);
	return idlest;
}

static void accept_tcp(struct gl_control *c, uint64_t now)
{
	for (int n = 0; n < 8; n++) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof sa;
		int fd = accept4(c->tcp_fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		char why[96];

		if (fd < 0)
			return;
		struct osc_src src = { .sa = sa, .conn = -1, .tcp = true };
		if (!allowed(c, &sa)) {
			c->stats.received++;
			osc_drop(c, &src, GL_CONTROL_DROP_NOT_ALLOWED, "TCP connection refused");
			close(fd);
			continue;
		}
		int slot = conn_slot(c, &sa, now, why, sizeof why);
		if (slot < 0) {
			c->stats.received++;
			osc_drop(c, &src, GL_CONTROL_DROP_CONNECTIONS, why);
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct osc_conn *k = &c->conns[slot];
		k->fd = fd;
		k->id = ++c->next_conn_id;
		k->sa = sa;
		k->last_active_ns = now;
		osc_stream_init(&k->stream, k->buf, OSC_PACKET_MAX);
	}
}

/* Connections silent longer than tcp_idle (a subscribed one: than the
 * subscriber timeout too) are closed. */
static void close_idle(struct gl_control *c, uint64_t now)
{
	for (int i = 0; i < OSC_CONNS_MAX; i++) {
		struct osc_conn *k = &c->conns[i];
		double limit = c->set.tcp_idle_s;

		if (k->fd < 0)
			continue;
		if (conn_subscribed(c, i) && c->set.timeout_s > limit)
			limit = c->set.timeout_s;
		if ((double)(now - k->last_active_ns) > limit * 1e9) {
			char from[64];
			struct osc_src src = { .sa = k->sa, .conn = i };

			src_text(&src, from, sizeof from);
			osc_log(c, false, "osc: TCP connection from %s silent for %g s: closed", from,
				limit);
			conn_close(c, i);
		}
	}
}

struct stream_ctx {
	struct gl_control *c;
	struct osc_src src;
	uint64_t now;
};

static int stream_packet(void *ud, const uint8_t *packet, size_t len)
{
	struct stream_ctx *s = ud;

	s->c->conns[s->src.conn].last_active_ns = s->now;
	handle_packet(s->c, &s->src, packet, len, s->now);
	/* handling may have closed this very connection (a failed reply) */
	return s->c->conns[s->src.conn].fd < 0 || s->c->conns[s->src.conn].id != s->src.conn_id
	       ? GL_EIO : 0;
}

static void read_conn(struct gl_control *c, int i, uint64_t now)
{
	struct osc_conn *k = &c->conns[i];
	uint8_t buf[8192];

	for (int n = 0; n < 16 && k->fd >= 0; n++) {
		ssize_t got = recv(k->fd, buf, sizeof buf, MSG_DONTWAIT);

		if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c, i);
			return;
		}
		if (got < 0)
			return;
		struct stream_ctx s = { .c = c, .src = { .sa = k->sa, .conn = i, .conn_id = k->id },
					.now = now };
		int rc = osc_stream_feed(&k->stream, buf, (size_t)got, stream_packet, &s);

		if (rc == GL_ERANGE) {
			c->stats.received++;
			osc_drop(c, &s.src, GL_CONTROL_DROP_TOO_BIG,
				 "TCP length prefix 0, unaligned or "
				 "over 64 KiB; connection closed");
			conn_close(c, i);
			return;
		}
		if (rc > 0) {
			c->stats.received += (uint64_t)rc;
			osc_drop(c, &s.src, GL_CONTROL_DROP_TOO_BIG, "SLIP packet over 64 KiB");
		}
		if (rc < 0)
			return;
	}
}

/* ---- configuration ------------------------------------------------------------------------------- */

static int parse_allow(const char *item, int index, void *field, char *why, size_t len)
{
	struct osc_allow_list *list = field;
	uint32_t net, mask;

	if (osc_cidr_parse(item, &net, &mask) < 0) {
		snprintf(why, len, "\"%s\" is not an IPv4 address or a.b.c.d/n", item);
		return GL_EINVAL;
	}
	list->net[index] = (struct osc_net){ net, mask };
	list->count = index + 1;
	return 0;
}

static int parse_remote(const char *item, int index, void *field, char *why, size_t len)
{
	struct osc_remote_list *list = field;
	char host[128];
	bool tcp;
	int port;

	if (osc_url_parse(item, &tcp, host, sizeof host, &port) < 0) {
		snprintf(why, len, "\"%s\" is not osc.udp://host:port or osc.tcp://host:port",
			 item);
		return GL_EINVAL;
	}
	snprintf(list->url[index], sizeof list->url[index], "%s", item);
	list->count = index + 1;
	return 0;
}

static const struct gl_opt osc_opts[] = {
	{ "port", GL_OPT_INT, 1, 65535, GL_OPT_STR(OSC_DEFAULT_PORT),
	  GL_OPT_AT(struct osc_settings, port), .help = "UDP and TCP port" },
	{ "bind", GL_OPT_IPV4, .def = "0.0.0.0", GL_OPT_AT(struct osc_settings, bind),
	  .help = "IPv4 address to listen on (0.0.0.0: all)" },
	{ "tcp", GL_OPT_BOOL, .def = "true", GL_OPT_AT(struct osc_settings, tcp),
	  .help = "also listen on TCP (SLIP and length-prefixed framing)" },
	{ "allow", GL_OPT_LIST, 1, OSC_ALLOW_MAX,
	  .def_help = "loopback + the subnets of this machine's interfaces",
	  GL_OPT_AT(struct osc_settings, allow), GL_OPT_GIVEN(struct osc_settings, allow_given),
	  .parse = parse_allow, .syntax = "a.b.c.d/n each",
	  .help = "sources allowed; others are dropped and counted" },
	{ "remotes", GL_OPT_LIST, 1, OSC_REMOTES_MAX, .def_help = "none",
	  GL_OPT_AT(struct osc_settings, remotes), .parse = parse_remote,
	  .syntax = "osc.udp:// or osc.tcp:// URLs",
	  .help = "always get feedback (never time out)" },
	{ "heartbeat", GL_OPT_REAL, 0.05, 3600, "1", GL_OPT_AT(struct osc_settings, heartbeat_s),
	  .help = "seconds between /gl/out/heartbeat" },
	{ "timeout", GL_OPT_REAL, 0.1, 86400, "10", GL_OPT_AT(struct osc_settings, timeout_s),
	  .help = "seconds a subscriber may stay silent before it is dropped" },
	{ "feedback_rate", GL_OPT_REAL, 1, 200, "25",
	  GL_OPT_AT(struct osc_settings, feedback_rate),
	  .help = "feedback change checks per second" },
	{ "tcp_idle", GL_OPT_REAL, 1, 86400, "30", GL_OPT_AT(struct osc_settings, tcp_idle_s),
	  .help = "seconds a TCP connection may send nothing before it is closed" },
	{ "enabled", GL_OPT_BOOL, .def = "true", GL_OPT_AT(struct osc_settings, enabled),
	  .help = "false turns OSC off" },
	{ NULL },
};

static const struct gl_opt_table osc_options = {
	"osc", "OSC remote control and feedback over UDP and TCP (liblo's codec)", osc_opts,
};

static int osc_settings_parse(const struct gl_control_config *cfg, struct osc_settings *set,
			      char *err, size_t len)
{
	memset(set, 0, sizeof *set);
	return gl_opt_parse(&osc_options, cfg->options, cfg->option_count, set, err, len);
}

static int osc_check(const struct gl_control_config *cfg, char *err, size_t len)
{
	struct osc_settings *set = malloc(sizeof *set);
	int rc;

	if (!set) {
		snprintf(err, len, "out of memory");
		return GL_ENOMEM;
	}
	rc = osc_settings_parse(cfg, set, err, len);
	free(set);
	return rc;
}

/* Makes a configured remote a subscriber that never times out; its name
 * resolves and its TCP connection opens in the background (osc_peer.c). */
static int add_remote(struct gl_control *c, const char *url, uint64_t now, char *err, size_t len)
{
	int slot = -1;

	for (int i = 0; i < OSC_SUBSCRIBERS_MAX && slot < 0; i++)
		if (!c->subs[i].used)
			slot = i;
	if (slot < 0)
		return 0;
	int peer = osc_peers_get(c->peers, url, true, now);
	if (peer < 0) {
		snprintf(err, len, "remotes: cannot use \"%s\": %s", url, gl_strerror(peer));
		return GL_EINVAL;
	}
	struct osc_sub *s = &c->subs[slot];
	memset(s, 0, sizeof *s);
	s->conn = -1;
	s->peer = peer;
	s->used = true;
	s->remote = true;
	return 0;
}

static void peer_log(void *ud, bool error, const char *text)
{
	struct gl_control *c = ud;

	osc_log(c, error, "%s", text);
}

/* Default allow-list: loopback and the subnets of this machine's interfaces. */
static void allow_local(struct gl_control *c)
{
	struct ifaddrs *ifs, *i;

	struct osc_allow_list *allow = &c->set.allow;

	allow->net[allow->count++] = (struct osc_net){ 0x7f000000u, 0xff000000u };
	if (getifaddrs(&ifs) != 0)
		return;
	for (i = ifs; i && allow->count < OSC_ALLOW_MAX; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask)
			continue;
		uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		uint32_t m = ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr);

		allow->net[allow->count++] = (struct osc_net){ a & m, m };
	}
	freeifaddrs(ifs);
}

static int open_socket(struct gl_control *c, int type, char *err, size_t len)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->set.port),
				  .sin_addr = c->set.bind };

	if (fd < 0) {
		snprintf(err, len, "socket: %s", strerror(errno));
		return -1;
	}
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) != 0)) {
		snprintf(err, len, "%s port %d: %s", type == SOCK_STREAM ? "TCP" : "UDP", c->set.port,
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void osc_destroy(struct gl_control *c);
static const struct gl_control_stats *osc_stats(struct gl_control *c);

static struct gl_control *osc_create(const struct gl_control_config *cfg,
				     const struct gl_control_host *host, char *err, size_t len)
{
	struct gl_control *c = calloc(1, sizeof *c);

	if (!c) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	c->udp_fd = c->tcp_fd = -1;
	for (int i = 0; i < OSC_CONNS_MAX; i++)
		c->conns[i].fd = -1;
	if (osc_settings_parse(cfg, &c->set, err, len) < 0 || !c->set.enabled) {
		if (!c->set.enabled)
			err[0] = '\0';
		osc_destroy(c);
		return NULL;
	}
	c->host = *host;
	c->e = host->engine;
	snprintf(c->show_name, sizeof c->show_name, "%s",
		 cfg->show_name[0] || !host->show_name ? cfg->show_name : host->show_name);
	if (!c->set.allow_given)
		allow_local(c);

	int lists = gl_engine_cuelist_count(c->e), faders = gl_engine_fader_count(c->e);
	int snap_rc = gl_control_snapshot_alloc(c->e, &c->snap);
	c->sent_lists = calloc((size_t)(lists ? lists : 1), sizeof *c->sent_lists);
	c->sent_faders = calloc((size_t)(faders ? faders : 1), sizeof *c->sent_faders);
	c->audio = gl_control_audio_create(host->audio);
	for (int i = 0; i < OSC_CONNS_MAX; i++)
		c->conns[i].buf = malloc(OSC_PACKET_MAX);
	bool bufs = true;
	for (int i = 0; i < OSC_CONNS_MAX; i++)
		bufs = bufs && c->conns[i].buf;
	if (snap_rc < 0 || !c->sent_lists || !c->sent_faders || !bufs ||
	    (host->audio && !c->audio)) {
		snprintf(err, len, "out of memory");
		osc_destroy(c);
		return NULL;
	}
	c->udp_fd = open_socket(c, SOCK_DGRAM, err, len);
	if (c->udp_fd < 0) {
		osc_destroy(c);
		return NULL;
	}
	if (c->set.tcp) {
		c->tcp_fd = open_socket(c, SOCK_STREAM, err, len);
		if (c->tcp_fd < 0) {
			osc_destroy(c);
			return NULL;
		}
	}
	c->peers = osc_peers_create(c->udp_fd, peer_log, c);
	if (!c->peers) {
		snprintf(err, len, "out of memory");
		osc_destroy(c);
		return NULL;
	}
	for (int i = 0; i < c->set.remotes.count; i++) {
		if (add_remote(c, c->set.remotes.url[i], gl_now_ns(), err, len) < 0) {
			osc_destroy(c);
			return NULL;
		}
	}
	uint64_t now = gl_now_ns();
	c->next_heartbeat_ns = now + (uint64_t)(c->set.heartbeat_s * 1e9);
	c->next_feedback_ns = now;
	c->logw.start_ns = now;
	osc_log(c, false, "osc: listening on UDP%s port %d (%d allow-list entries, %d remotes)",
		c->tcp_fd >= 0 ? " and TCP" : "", c->set.port, c->set.allow.count,
		c->set.remotes.count);
	return c;
}

/* The reasons OSC drops a message for, in the order its closing summary
 * has always told them. */
static const enum gl_control_drop osc_drop_reasons[] = {
	GL_CONTROL_DROP_MALFORMED, GL_CONTROL_DROP_NOT_ALLOWED, GL_CONTROL_DROP_TOO_BIG,
	GL_CONTROL_DROP_UNKNOWN_ADDRESS, GL_CONTROL_DROP_AMBIGUOUS, GL_CONTROL_DROP_WRONG_TYPE,
	GL_CONTROL_DROP_RANGE, GL_CONTROL_DROP_NO_SUCH_TARGET, GL_CONTROL_DROP_ENGINE_BUSY,
	GL_CONTROL_DROP_QUEUE_FULL, GL_CONTROL_DROP_TIMETAG_AHEAD, GL_CONTROL_DROP_SUBSCRIBERS,
	GL_CONTROL_DROP_CONNECTIONS, GL_CONTROL_DROP_TOO_COSTLY, GL_CONTROL_DROP_UNHANDLED,
};

static void osc_destroy(struct gl_control *c)
{
	char summary[600];
	size_t used;

	if (!c)
		return;
	used = gl_control_summary(summary, sizeof summary, "osc", osc_stats(c));
	used = gl_control_drop_text(summary, sizeof summary, used, c->drops, osc_drop_reasons,
				    sizeof osc_drop_reasons / sizeof osc_drop_reasons[0]);
	if (c->peers && used < sizeof summary) {
		struct osc_peer_stats ps;

		osc_peers_stats(c->peers, &ps);
		if (ps.dropped || ps.connect_failures || ps.waiting)
			snprintf(summary + used, sizeof summary - used, "; to remotes: %llu not sent "
				 "(queue full or connection lost), %llu unsent at the end, %llu "
				 "failed connects", (unsigned long long)ps.dropped,
				 (unsigned long long)ps.waiting,
				 (unsigned long long)ps.connect_failures);
	}
	if (c->udp_fd >= 0 || c->tcp_fd >= 0)
		osc_log(c, false, "%s", summary);
	for (int i = 0; i < OSC_CONNS_MAX; i++) {
		if (c->conns[i].fd >= 0)
			close(c->conns[i].fd);
		free(c->conns[i].buf);
	}
	for (int i = 0; i < c->queue_count; i++)
		free(c->queue[i].data);
	osc_peers_destroy(c->peers);
	if (c->udp_fd >= 0)
		close(c->udp_fd);
	if (c->tcp_fd >= 0)
		close(c->tcp_fd);
	gl_control_snapshot_free(&c->snap);
	free(c->sent_lists);
	free(c->sent_faders);
	gl_control_audio_destroy(c->audio);
	free(c);
}

/* ---- the poll loop ------------------------------------------------------------------------------- */

static int osc_poll_fds(struct gl_control *c, struct pollfd *fds, int max)
{
	int n = 0;

	if (n < max)
		fds[n++] = (struct pollfd){ .fd = c->udp_fd, .events = POLLIN };
	if (c->tcp_fd >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = c->tcp_fd, .events = POLLIN };
	for (int i = 0; i < OSC_CONNS_MAX && n < max; i++)
		if (c->conns[i].fd >= 0)
			fds[n++] = (struct pollfd){ .fd = c->conns[i].fd, .events = POLLIN };
	return n + osc_peers_poll_fds(c->peers, fds + n, max - n);
}

static void osc_service(struct gl_control *c, const struct pollfd *fds, int count, uint64_t now)
{
	rate_window(c, now);
	for (int i = 0; i < count; i++) {
		if (!(fds[i].revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		if (fds[i].fd == c->udp_fd) {
			read_udp(c, now);
		} else if (fds[i].fd == c->tcp_fd) {
			accept_tcp(c, now);
		} else {
			for (int k = 0; k < OSC_CONNS_MAX; k++)
				if (c->conns[k].fd == fds[i].fd)
					read_conn(c, k, now);
		}
	}
	osc_peers_service(c->peers, fds, count, now);
	run_queue(c, now);
	close_idle(c, now);
	if (now >= c->next_heartbeat_ns) {
		c->next_heartbeat_ns = now + (uint64_t)(c->set.heartbeat_s * 1e9);
		for (int i = 0; i < OSC_SUBSCRIBERS_MAX; i++) {
			struct osc_sub *s = &c->subs[i];

			if (s->used && !s->remote &&
			    (double)(now - s->last_seen_ns) > c->set.timeout_s * 1e9) {
				char from[64];
				struct osc_src src = { .sa = s->sa, .conn = s->conn };

				src_text(&src, from, sizeof from);
				osc_log(c, false, "osc: subscriber %s silent for %g s: dropped", from,
					c->set.timeout_s);
				s->used = false;
			}
		}
		send_int(c, -1, "/gl/out/heartbeat", ++c->heartbeat_seq);
	}
	if (c->feedback_now || now >= c->next_feedback_ns) {
		c->feedback_now = false;
		c->next_feedback_ns = now + (uint64_t)(1e9 / c->set.feedback_rate);
		if (any_subscriber(c))
			feedback(c, -1, false);
		else
			c->have_sent = false;   /* the next subscriber gets everything */
	}
	int peers = 0;
	for (int i = 0; i < OSC_SUBSCRIBERS_MAX; i++)
		peers += c->subs[i].used;
	c->stats.peers = peers;
}

static uint64_t osc_next_timer(struct gl_control *c)
{
	uint64_t next = c->next_heartbeat_ns;

	if (c->feedback_now)
		return gl_now_ns();
	if (any_subscriber(c) && c->next_feedback_ns < next)
		next = c->next_feedback_ns;
	for (int i = 0; i < c->queue_count; i++)
		if (c->queue[i].due_ns < next)
			next = c->queue[i].due_ns;
	uint64_t peers = osc_peers_next_timer(c->peers);
	if (peers && peers < next)
		next = peers;
	for (int i = 0; i < OSC_CONNS_MAX; i++) {   /* the idle limit, checked each second */
		if (c->conns[i].fd >= 0) {
			uint64_t t = gl_now_ns() + GL_NS_PER_S;

			next = t < next ? t : next;
			break;
		}
	}
	return next;
}

static void osc_on_event(struct gl_control *c, const struct gl_event *ev)
{
	if (ev->type == GL_EV_CUE_FIRED || ev->type == GL_EV_CUE_DONE ||
	    ev->type == GL_EV_LIST_STOPPED || ev->type == GL_EV_LIST_END)
		c->feedback_now = true;
}

static void osc_notify(struct gl_control *c, const char *text)
{
	uint64_t now = gl_now_ns();

	rate_window(c, now);
	if (c->logw.errors++ < OSC_ERRORS_PER_S)
		send_error_feedback(c, text);
}

/* A video target's state (the RTSP adapter's) to the subscribers:
 * /gl/out/video/<target>/state (s), .../position (f, seconds), .../error
 * (s, "" when none); on change, and each second while it plays. A name's
 * characters that OSC addresses cannot hold become '_'. Not in the
 * layouts' address table (osc_address_feedback): they exist only for the
 * targets a show declares. */
static void osc_media_state(struct gl_control *c, const struct gl_media_state *ms)
{
	char path[160], name[GL_NAME_MAX];
	size_t n = 0;

	if (!any_subscriber(c))
		return;
	for (const char *p = ms->target; *p && n + 1 < sizeof name; p++)
		name[n++] = (unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
			    strchr("#*,/?[]{}", *p) ? '_' : *p;
	name[n] = '\0';
	snprintf(path, sizeof path, "/gl/out/%s/%s/state", ms->kind, name);
	send_string(c, -1, path, ms->state);
	snprintf(path, sizeof path, "/gl/out/%s/%s/position", ms->kind, name);
	send_float(c, -1, path, (float)ms->position_s);
	snprintf(path, sizeof path, "/gl/out/%s/%s/error", ms->kind, name);
	send_string(c, -1, path, ms->error ? ms->error : "");
}

/* osc.send and cue actions: to any URL, never waiting (osc_peer.c). */
static int osc_send(struct gl_control *c, const struct gl_ctl_msg *msg)
{
	uint8_t pkt[OSC_MSG_MAX];
	uint64_t now = gl_now_ns();
	size_t len;
	int peer, rc;

	if (!msg->peer || !msg->address || msg->address[0] != '/')
		return GL_EINVAL;
	peer = osc_peers_get(c->peers, msg->peer, false, now);
	if (peer < 0)
		return peer == GL_EFULL ? GL_EFULL : GL_EINVAL;
	lo_message m = message_of(msg->argv, msg->argc);
	if (!m)
		return GL_ENOMEM;
	len = serialise(m, msg->address, pkt, sizeof pkt);
	lo_message_free(m);
	if (!len)
		return GL_ERANGE;
	rc = osc_peers_send(c->peers, peer, pkt, len, now);
	if (rc == GL_EIO)
		osc_log(c, true, "osc: send %s to %s: %s", msg->address, msg->peer, strerror(errno));
	return rc == GL_EFULL ? 0 : rc;    /* queue full: counted, the show goes on */
}

static const struct gl_control_stats *osc_stats(struct gl_control *c)
{
	struct osc_peer_stats ps = { 0 };

	if (c->peers)
		osc_peers_stats(c->peers, &ps);
	c->stats_view = c->stats;
	c->stats_view.sent += ps.sent;
	c->stats_view.send_errors += ps.errors + ps.dropped;
	return &c->stats_view;
}

const struct gl_control_ops gl_osc_control_ops = {
	.version = 1,
	.name = "osc",
	.options = &osc_options,
	.default_on = true,
	.check = osc_check,
	.create = osc_create,
	.destroy = osc_destroy,
	.poll_fds = osc_poll_fds,
	.service = osc_service,
	.next_timer_ns = osc_next_timer,
	.on_event = osc_on_event,
	.notify = osc_notify,
	.send = osc_send,
	.stats = osc_stats,
	.media_state = osc_media_state,
};
