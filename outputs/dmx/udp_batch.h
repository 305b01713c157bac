/*
 * udp_batch.h - one frame's datagrams handed to the kernel in as few
 * system calls as it takes: one sendmmsg() for the lot, and where a run of
 * full-size datagrams goes to one destination (unicast sACN or Art-Net to
 * one node), one UDP GSO message per run (UDP_SEGMENT, Linux 4.18+: the
 * kernel cuts it into datagrams). A kernel or route that refuses GSO turns
 * it off for the batch and the frame goes out datagram by datagram, as it
 * does everywhere with GHOSTLIGHT_UDP_GSO=0 in the environment.
 *
 * Sized once (configure or open time); filling and sending never allocate
 * and never block (MSG_DONTWAIT). Output thread only.
 */
#ifndef GL_UDP_BATCH_H
#define GL_UDP_BATCH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct gl_output_status;

enum gl_udp_gso {
	GL_UDP_GSO_OFF,              /* never (or the kernel refused it) */
	GL_UDP_GSO_AUTO,             /* to destinations that are not loopback */
	GL_UDP_GSO_ON,               /* everywhere */
};

struct gl_udp_batch {
	int cap;                     /* datagrams */
	size_t size;                 /* bytes of a full datagram (buffer stride) */
	uint8_t *buf;                /* cap * size: datagram i at buf + i * size */
	size_t *len;
	const struct sockaddr_in **dest;
	bool *ok;                    /* after gl_udp_batch_send(): it left */
	int *err;                    /* else its errno (0: a short send) */
	int count;
	enum gl_udp_gso gso;
	uint64_t gso_messages;       /* GSO messages the kernel took, for tests */
	/* the messages of one send */
	struct mmsghdr *msgs;
	struct iovec *iovs;
	int *first;                  /* per message: its first datagram */
	int *span;                   /* per message: how many datagrams */
	union gl_udp_cmsg *cmsgs;
};

union gl_udp_cmsg {
	char buf[CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr align;
};

/* Returns 0 or GL_ENOMEM. */
int gl_udp_batch_init(struct gl_udp_batch *b, int cap, size_t size);
void gl_udp_batch_free(struct gl_udp_batch *b);
/* Starts a frame. */
void gl_udp_batch_clear(struct gl_udp_batch *b);
/* The buffer of the next datagram (size bytes), to dest (which must stay
 * valid until the send). gl_udp_batch_commit(b, len) counts it. NULL when
 * the batch is full. */
uint8_t *gl_udp_batch_next(struct gl_udp_batch *b, const struct sockaddr_in *dest);
void gl_udp_batch_commit(struct gl_udp_batch *b, size_t len);
/* Sends every datagram; per datagram ok[] or err[]. Returns how many did
 * not leave. */
int gl_udp_batch_send(struct gl_udp_batch *b, int fd);

/* gl_udp_batch_send() for an output: a datagram that left counts in
 * status->packets_sent, one that did not is reported by
 * gl_udp_send_failed() as "<prefix>: universe <number(ctx, j)> to ...".
 * Returns the first failure's code (GL_EIO, GL_EAGAIN), or 0. */
int gl_udp_batch_send_counted(struct gl_udp_batch *b, int fd, struct gl_output_status *status,
			      const char *prefix, int (*number)(const void *ctx, int j),
			      const void *ctx, uint64_t now_ns);

/* One datagram outside a batch (a sync, a discovery or poll reply, an
 * unbatched universe), never waiting: counted in status->packets_sent when
 * it left, else counted and reported (status->error) as
 * "<prefix>: <what> <number> to <addr>:<port>: <why>". Returns 0, GL_EIO,
 * or GL_EAGAIN when the socket buffer was full (the next frame sends
 * fresher data). */
int gl_udp_send_one(int fd, const void *buf, size_t len, const struct sockaddr_in *dest,
		    struct gl_output_status *status, const char *prefix, uint64_t now_ns,
		    const char *what, int number);

#endif
