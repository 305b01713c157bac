/*
 * osc_peer.h - where the OSC adapter sends to on its own: configured remotes
 * and the URLs of osc.send and cue actions (osc.udp://host:port,
 * osc.tcp://host:port), without ever blocking the control thread.
 *
 * A numeric host is used as it is; a name is resolved by glibc's
 * getaddrinfo_a in the background (once, again after a failure). A TCP peer
 * connects with a non-blocking socket through the poll loop, with back-off
 * after a failure (0.25 s doubling to 10 s), and a connect that has not
 * finished after 3 s counts as failed. While a peer resolves or connects,
 * its messages wait in a bounded queue (OSC_PEER_QUEUE_BYTES); what does
 * not fit is dropped and counted, never waited for. UDP goes out through
 * the adapter's own socket. liblo is not used here: messages arrive
 * serialised. Control thread only.
 */
#ifndef GL_OSC_PEER_H
#define GL_OSC_PEER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSC_PEERS_MAX 32              /* URLs kept; the oldest unpinned one goes */
#define OSC_PEER_QUEUE_BYTES 16384    /* framed bytes waiting per TCP peer */
#define OSC_PEER_CONNECT_TIMEOUT_NS (3ull * 1000000000ull)
#define OSC_PEER_BACKOFF_MIN_NS (250ull * 1000000ull)
#define OSC_PEER_BACKOFF_MAX_NS (10ull * 1000000000ull)

struct osc_peers;

typedef void (*osc_peer_log_fn)(void *ud, bool error, const char *text);

struct osc_peers *osc_peers_create(int udp_fd, osc_peer_log_fn log, void *log_ud);
void osc_peers_destroy(struct osc_peers *p);

/* The peer for url ("osc.udp://h:p[/]", "osc.tcp://h:p[/]"), made when
 * new; pinned peers (configured remotes) are never forgotten. Returns its
 * index, or GL_EINVAL (not such a URL) / GL_EFULL (every slot pinned). */
int osc_peers_get(struct osc_peers *p, const char *url, bool pinned, uint64_t now_ns);
/* Sends one serialised OSC packet, or queues it until the peer is ready.
 * Returns 0, GL_EFULL (queue full: dropped and counted) or GL_EIO. */
int osc_peers_send(struct osc_peers *p, int peer, const uint8_t *pkt, size_t len,
		   uint64_t now_ns);
const char *osc_peers_url(const struct osc_peers *p, int peer);

int osc_peers_poll_fds(struct osc_peers *p, struct pollfd *fds, int max);
/* fds: everything poll() returned; the peers pick out their own. Also runs
 * resolutions, connects and retries that are due. */
void osc_peers_service(struct osc_peers *p, const struct pollfd *fds, int count,
		       uint64_t now_ns);
/* When service() wants to run next; 0 = nothing pending. */
uint64_t osc_peers_next_timer(const struct osc_peers *p);

struct osc_peer_stats {
	uint64_t sent, dropped, errors, connects, connect_failures;
	uint64_t waiting;            /* queued now, not sent yet */
};
void osc_peers_stats(const struct osc_peers *p, struct osc_peer_stats *out);

/* "osc.udp://host:port[/]": transport, host and port. Returns 0 or
 * GL_EINVAL. Pure. */
int osc_url_parse(const char *url, bool *tcp, char *host, size_t host_len, int *port);

#endif
