/*
 * osc_peer.c - outgoing OSC destinations that never block the control
 * thread (see osc_peer.h).
 *
 * Invariants: a peer's queue holds whole frames only (OSC 1.0 length prefix
 * + packet, for TCP and for UDP packets waiting for their address); a TCP
 * connection that breaks drops what was queued (a frame may have been half
 * sent) and counts it. Names are looked up by resolve.c, which keeps a
 * request glibc still holds alive even after its peer is gone.
 */
#include "osc_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osc_wire.h"
#include "engine/engine.h"
#include "outputs/control/resolve.h"

struct osc_peer {
	bool pinned, tcp;
	char url[200];
	char host[128];
	int port;
	uint64_t last_used_ns;
	/* address */
	bool resolved, resolving;
	struct sockaddr_in sa;
	struct gl_resolve *res;      /* a name being looked up */
	/* TCP */
	int fd;
	bool connecting, connected;
	uint64_t deadline_ns;        /* the connect in flight gives up then */
	uint64_t retry_ns;           /* no new attempt (connect, resolve) before */
	uint64_t backoff_ns;
	/* framed messages waiting */
	uint8_t queue[OSC_PEER_QUEUE_BYTES];
	size_t queued;
	size_t sent_off;             /* bytes of the head frame already sent */
	int queued_msgs;
};

struct osc_peers {
	int udp_fd;
	osc_peer_log_fn log;
	void *log_ud;
	struct osc_peer *peer[OSC_PEERS_MAX];
	struct osc_peer_stats stats;
};

static void peer_log(struct osc_peers *p, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void peer_log(struct osc_peers *p, bool error, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (p->log)
		p->log(p->log_ud, error, line);
}

int osc_url_parse(const char *url, bool *tcp, char *host, size_t hlen, int *port)
{
	const char *rest;

	if (strncmp(url, "osc.udp://", 10) == 0)
		*tcp = false;
	else if (strncmp(url, "osc.tcp://", 10) == 0)
		*tcp = true;
	else
		return GL_EINVAL;
	rest = url + 10;
	const char *colon = strrchr(rest, ':');
	if (!colon || colon == rest || (size_t)(colon - rest) >= hlen)
		return GL_EINVAL;
	memcpy(host, rest, (size_t)(colon - rest));
	host[colon - rest] = '\0';
	char *end;
	long n = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || (*end && strcmp(end, "/") != 0) || n < 1 || n > 65535)
		return GL_EINVAL;
	*port = (int)n;
	return 0;
}

struct osc_peers *osc_peers_create(int udp_fd, osc_peer_log_fn log, void *log_ud)
{
	struct osc_peers *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->udp_fd = udp_fd;
	p->log = log;
	p->log_ud = log_ud;
	return p;
}

static void peer_free(struct osc_peer *pe)
{
	if (pe->fd >= 0)
		close(pe->fd);
	gl_resolve_free(pe->res);
	free(pe);
}

void osc_peers_destroy(struct osc_peers *p)
{
	if (!p)
		return;
	for (int i = 0; i < OSC_PEERS_MAX; i++)
		if (p->peer[i])
			peer_free(p->peer[i]);
	free(p);
}

const char *osc_peers_url(const struct osc_peers *p, int i)
{
	return i >= 0 && i < OSC_PEERS_MAX && p->peer[i] ? p->peer[i]->url : "?";
}

static void start_resolve(struct osc_peers *p, struct osc_peer *pe, uint64_t now)
{
	char why[200];

	pe->res = gl_resolve_start(pe->host, pe->port, pe->tcp ? SOCK_STREAM : SOCK_DGRAM,
				   AF_INET, why, sizeof why);
	if (!pe->res) {
		pe->retry_ns = now + OSC_PEER_BACKOFF_MAX_NS;
		peer_log(p, true, "osc: %s: %s", pe->url, why);
		return;
	}
	pe->resolving = true;
}

int osc_peers_get(struct osc_peers *p, const char *url, bool pinned, uint64_t now)
{
	int free_slot = -1, oldest = -1;
	struct osc_peer *pe;
	char host[128];
	bool tcp;
	int port;

	if (osc_url_parse(url, &tcp, host, sizeof host, &port) != 0 || strlen(url) >= sizeof pe->url)
		return GL_EINVAL;
	for (int i = 0; i < OSC_PEERS_MAX; i++) {
		pe = p->peer[i];
		if (!pe) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (strcmp(pe->url, url) == 0) {
			pe->pinned = pe->pinned || pinned;
			return i;
		}
		if (!pe->pinned && !pe->resolving &&
		    (oldest < 0 || pe->last_used_ns < p->peer[oldest]->last_used_ns))
			oldest = i;
	}
	if (free_slot < 0) {
		if (oldest < 0)
			return GL_EFULL;
		peer_free(p->peer[oldest]);   /* forget the least recently used */
		p->peer[oldest] = NULL;
		free_slot = oldest;
	}
	pe = calloc(1, sizeof *pe);
	if (!pe)
		return GL_ENOMEM;
	pe->pinned = pinned;
	pe->tcp = tcp;
	pe->fd = -1;
	pe->last_used_ns = now;
	snprintf(pe->url, sizeof pe->url, "%s", url);
	snprintf(pe->host, sizeof pe->host, "%s", host);
	pe->port = port;
	pe->sa.sin_family = AF_INET;
	pe->sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &pe->sa.sin_addr) == 1)
		pe->resolved = true;          /* numeric: nothing to look up */
	else
		start_resolve(p, pe, now);
	p->peer[free_slot] = pe;
	return free_slot;
}

/* ---- queue and sending --------------------------------------------------------- */

/* The bytes of the queued frame at q: prefix + packet. */
static size_t frame_len(const uint8_t *q)
{
	return 4 + ((size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3]);
}

static int enqueue(struct osc_peers *p, struct osc_peer *pe, const uint8_t *pkt, size_t len)
{
	int n = osc_frame_length(pe->queue + pe->queued, sizeof pe->queue - pe->queued, pkt, len);

	if (n < 0) {
		p->stats.dropped++;
		return GL_EFULL;
	}
	pe->queued += (size_t)n;
	pe->queued_msgs++;
	return 0;
}

static void drop_queue(struct osc_peers *p, struct osc_peer *pe)
{
	p->stats.dropped += (uint64_t)pe->queued_msgs;
	pe->queued = 0;
	pe->sent_off = 0;
	pe->queued_msgs = 0;
}

static int send_udp(struct osc_peers *p, struct osc_peer *pe, const uint8_t *pkt, size_t len)
{
	if (sendto(p->udp_fd, pkt, len, MSG_DONTWAIT, (const struct sockaddr *)&pe->sa,
		   sizeof pe->sa) != (ssize_t)len) {
		p->stats.errors++;
		return GL_EIO;
	}
	p->stats.sent++;
	return 0;
}

/* The next attempt (connect, resolve) waits longer after each failure. */
static void back_off(struct osc_peer *pe, uint64_t now)
{
	pe->backoff_ns = pe->backoff_ns ? pe->backoff_ns * 2 : OSC_PEER_BACKOFF_MIN_NS;
	if (pe->backoff_ns > OSC_PEER_BACKOFF_MAX_NS)
		pe->backoff_ns = OSC_PEER_BACKOFF_MAX_NS;
	pe->retry_ns = now + pe->backoff_ns;
}

static void tcp_fail(struct osc_peers *p, struct osc_peer *pe, const char *what, int err,
		     uint64_t now)
{
	if (pe->fd >= 0)
		close(pe->fd);
	pe->fd = -1;
	bool was_up = pe->connected;
	pe->connecting = pe->connected = false;
	if (was_up) {
		drop_queue(p, pe);        /* a frame may be half sent */
		pe->backoff_ns = 0;
		pe->retry_ns = now;       /* reconnect with the next message */
		peer_log(p, false, "osc: %s: %s%s%s; reconnecting when there is something to send",
			 pe->url, what, err ? ": " : "", err ? strerror(err) : "");
		return;
	}
	p->stats.connect_failures++;
	back_off(pe, now);
	peer_log(p, true, "osc: %s: %s%s%s; retry in %.2g s, %d message(s) waiting", pe->url, what,
		 err ? ": " : "", err ? strerror(err) : "", (double)pe->backoff_ns / 1e9,
		 pe->queued_msgs);
}

/* Sends what the kernel takes; a frame leaves the queue (and counts as
 * sent) when its last byte has gone. */
static void tcp_flush(struct osc_peers *p, struct osc_peer *pe, uint64_t now)
{
	while (pe->connected && pe->sent_off < pe->queued) {
		ssize_t w = send(pe->fd, pe->queue + pe->sent_off, pe->queued - pe->sent_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno != EAGAIN && errno != EINTR)
				tcp_fail(p, pe, "send", errno, now);
			return;               /* EAGAIN: POLLOUT brings us back */
		}
		pe->sent_off += (size_t)w;
		while (pe->queued >= 4) {
			size_t n = frame_len(pe->queue);

			if (n > pe->sent_off)
				break;
			memmove(pe->queue, pe->queue + n, pe->queued - n);
			pe->queued -= n;
			pe->sent_off -= n;
			pe->queued_msgs--;
			p->stats.sent++;
		}
	}
}

static void tcp_connect(struct osc_peers *p, struct osc_peer *pe, uint64_t now)
{
	int one = 1;

	pe->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pe->fd < 0) {
		tcp_fail(p, pe, "socket", errno, now);
		return;
	}
	setsockopt(pe->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	p->stats.connects++;
	if (connect(pe->fd, (const struct sockaddr *)&pe->sa, sizeof pe->sa) == 0) {
		pe->connected = true;
		pe->backoff_ns = 0;
		return;
	}
	if (errno != EINPROGRESS) {
		tcp_fail(p, pe, "connect", errno, now);
		return;
	}
	pe->connecting = true;
	pe->deadline_ns = now + OSC_PEER_CONNECT_TIMEOUT_NS;
}

/* What a peer does next on its own: resolve, connect, flush. */
static void peer_step(struct osc_peers *p, struct osc_peer *pe, uint64_t now)
{
	if (pe->resolving) {
		struct sockaddr_storage ss;
		socklen_t sl;
		char why[200];
		int rc = gl_resolve_result(pe->res, &ss, &sl, why, sizeof why);

		if (rc == GL_EAGAIN)
			return;
		pe->resolving = false;
		gl_resolve_free(pe->res);
		pe->res = NULL;
		if (rc == 0 && ss.ss_family == AF_INET) {
			memcpy(&pe->sa, &ss, sizeof pe->sa);
			pe->resolved = true;
		}
		if (!pe->resolved) {
			back_off(pe, now);
			peer_log(p, true, "osc: %s: %s; %d message(s) dropped", pe->url, why,
				 pe->queued_msgs);
			drop_queue(p, pe);
			return;
		}
		pe->backoff_ns = 0;
	}
	if (!pe->resolved) {
		if (now >= pe->retry_ns && pe->queued_msgs > 0)
			start_resolve(p, pe, now);
		return;
	}
	if (!pe->tcp) {
		/* what waited for the address */
		size_t at = 0;
		while (at + 4 <= pe->queued) {
			size_t n = frame_len(pe->queue + at);

			send_udp(p, pe, pe->queue + at + 4, n - 4);
			at += n;
		}
		pe->queued = 0;
		pe->queued_msgs = 0;
		return;
	}
	if (pe->connecting && now >= pe->deadline_ns)
		tcp_fail(p, pe, "connect", ETIMEDOUT, now);
	if (!pe->connected && !pe->connecting && pe->queued_msgs > 0 && now >= pe->retry_ns)
		tcp_connect(p, pe, now);
	tcp_flush(p, pe, now);
}

int osc_peers_send(struct osc_peers *p, int i, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct osc_peer *pe = i >= 0 && i < OSC_PEERS_MAX ? p->peer[i] : NULL;
	int rc;

	if (!pe)
		return GL_EINVAL;
	pe->last_used_ns = now;
	if (!pe->tcp && pe->resolved)
		return send_udp(p, pe, pkt, len);
	rc = enqueue(p, pe, pkt, len);
	if (rc == 0)
		peer_step(p, pe, now);
	return rc;
}

int osc_peers_poll_fds(struct osc_peers *p, struct pollfd *fds, int max)
{
	int n = 0;

	for (int i = 0; i < OSC_PEERS_MAX && n < max; i++) {
		struct osc_peer *pe = p->peer[i];

		if (!pe || pe->fd < 0)
			continue;
		short ev = pe->connecting || pe->sent_off < pe->queued ? POLLOUT : 0;
		if (pe->connected)
			ev |= POLLIN;             /* a hang-up, or bytes we ignore */
		fds[n++] = (struct pollfd){ .fd = pe->fd, .events = ev };
	}
	return n;
}

void osc_peers_service(struct osc_peers *p, const struct pollfd *fds, int count, uint64_t now)
{
	for (int k = 0; k < count; k++) {
		if (!fds[k].revents)
			continue;
		for (int i = 0; i < OSC_PEERS_MAX; i++) {
			struct osc_peer *pe = p->peer[i];

			if (!pe || pe->fd != fds[k].fd)
				continue;
			if (pe->connecting) {
				int err = 0;
				socklen_t el = sizeof err;

				getsockopt(pe->fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err) {
					tcp_fail(p, pe, "connect", err, now);
				} else if (fds[k].revents & POLLOUT) {
					pe->connecting = false;
					pe->connected = true;
					pe->backoff_ns = 0;
					peer_log(p, false, "osc: %s: connected", pe->url);
				}
			} else if (pe->connected && (fds[k].revents & (POLLIN | POLLHUP | POLLERR))) {
				uint8_t junk[512];
				ssize_t got = recv(pe->fd, junk, sizeof junk, MSG_DONTWAIT);

				if (got == 0)
					tcp_fail(p, pe, "closed by the remote", 0, now);
				else if (got < 0 && errno != EAGAIN && errno != EINTR)
					tcp_fail(p, pe, "receive", errno, now);
			}
		}
	}
	for (int i = 0; i < OSC_PEERS_MAX; i++)
		if (p->peer[i])
			peer_step(p, p->peer[i], now);
}

uint64_t osc_peers_next_timer(const struct osc_peers *p)
{
	uint64_t next = 0;

	for (int i = 0; i < OSC_PEERS_MAX; i++) {
		const struct osc_peer *pe = p->peer[i];
		uint64_t t = 0;

		if (!pe)
			continue;
		if (pe->resolving)
			t = gl_now_ns() + GL_RESOLVE_POLL_NS;
		else if (pe->connecting)
			t = pe->deadline_ns;
		else if (pe->queued_msgs > 0 && !pe->connected)
			t = pe->retry_ns;
		if (t && (!next || t < next))
			next = t;
	}
	return next;
}

void osc_peers_stats(const struct osc_peers *p, struct osc_peer_stats *out)
{
	*out = p->stats;
	out->waiting = 0;
	for (int i = 0; i < OSC_PEERS_MAX; i++)
		if (p->peer[i])
			out->waiting += (uint64_t)p->peer[i]->queued_msgs;
}
