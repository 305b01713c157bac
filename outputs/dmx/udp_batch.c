/*
 * udp_batch.c - a frame's datagrams in one sendmmsg(), runs of them to one
 * destination as UDP GSO messages (see udp_batch.h). Output thread.
 */
#include "udp_batch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gl.h"
#include "outputs/dmx/output.h"

/* The kernel takes up to 64 segments per GSO message (UDP_MAX_SEGMENTS
 * before Linux 6.9) and an IP datagram's worth of bytes. */
#define GSO_MAX_SEGMENTS 64
#define GSO_MAX_BYTES 65000

int gl_udp_batch_init(struct gl_udp_batch *b, int cap, size_t size)
{
	const char *env = getenv("GHOSTLIGHT_UDP_GSO");
	size_t n = (size_t)(cap > 0 ? cap : 1);

	memset(b, 0, sizeof *b);
	b->cap = cap;
	b->size = size;
	b->gso = !env || !*env ? GL_UDP_GSO_AUTO
		 : strcmp(env, "0") == 0 ? GL_UDP_GSO_OFF : GL_UDP_GSO_ON;
	b->buf = malloc(n * size);
	b->len = calloc(n, sizeof *b->len);
	b->dest = calloc(n, sizeof *b->dest);
	b->ok = calloc(n, sizeof *b->ok);
	b->err = calloc(n, sizeof *b->err);
	b->msgs = calloc(n, sizeof *b->msgs);
	b->iovs = calloc(n, sizeof *b->iovs);
	b->first = calloc(n, sizeof *b->first);
	b->span = calloc(n, sizeof *b->span);
	b->cmsgs = calloc(n, sizeof *b->cmsgs);
	if (!b->buf || !b->len || !b->dest || !b->ok || !b->err || !b->msgs || !b->iovs ||
	    !b->first || !b->span || !b->cmsgs) {
		gl_udp_batch_free(b);
		return GL_ENOMEM;
	}
	return 0;
}

void gl_udp_batch_free(struct gl_udp_batch *b)
{
	free(b->buf);
	free(b->len);
	free(b->dest);
	free(b->ok);
	free(b->err);
	free(b->msgs);
	free(b->iovs);
	free(b->first);
	free(b->span);
	free(b->cmsgs);
	memset(b, 0, sizeof *b);
}

void gl_udp_batch_clear(struct gl_udp_batch *b)
{
	b->count = 0;
}

uint8_t *gl_udp_batch_next(struct gl_udp_batch *b, const struct sockaddr_in *dest)
{
	if (b->count == b->cap)
		return NULL;
	b->dest[b->count] = dest;
	return b->buf + (size_t)b->count * b->size;
}

void gl_udp_batch_commit(struct gl_udp_batch *b, size_t len)
{
	b->len[b->count] = len;
	b->ok[b->count] = false;
	b->err[b->count] = 0;
	b->count++;
}

static bool same_dest(const struct sockaddr_in *x, const struct sockaddr_in *y)
{
	return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
}

static bool gso_to(enum gl_udp_gso mode, const struct sockaddr_in *dest)
{
	return mode == GL_UDP_GSO_ON ||
	       (mode == GL_UDP_GSO_AUTO && ntohl(dest->sin_addr.s_addr) >> 24 != 127);
}

/* Messages from datagram `from` on, into msgs[at..]: a run of full-size
 * datagrams to one destination is one GSO message when gso is on. Returns
 * the message count. */
static int build_messages(struct gl_udp_batch *b, int from, int at, enum gl_udp_gso gso)
{
	int n = at;
	for (int i = from; i < b->count;) {
		int j = i + 1;
		if (gso_to(gso, b->dest[i]) && b->len[i] == b->size)
			while (j < b->count && j - i < GSO_MAX_SEGMENTS &&
			       (size_t)(j - i + 1) * b->size <= GSO_MAX_BYTES &&
			       b->len[j] == b->size && same_dest(b->dest[j], b->dest[i]))
				j++;
		struct msghdr *h = &b->msgs[n].msg_hdr;
		memset(h, 0, sizeof *h);
		b->iovs[n].iov_base = b->buf + (size_t)i * b->size;
		b->iovs[n].iov_len = j - i > 1 ? (size_t)(j - i) * b->size : b->len[i];
		h->msg_name = (void *)b->dest[i];
		h->msg_namelen = sizeof *b->dest[i];
		h->msg_iov = &b->iovs[n];
		h->msg_iovlen = 1;
		if (j - i > 1) {
			uint16_t segment = (uint16_t)b->size;
			h->msg_control = b->cmsgs[n].buf;
			h->msg_controllen = sizeof b->cmsgs[n].buf;
			struct cmsghdr *c = CMSG_FIRSTHDR(h);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof segment);
			memcpy(CMSG_DATA(c), &segment, sizeof segment);
		}
		b->first[n] = i;
		b->span[n] = j - i;
		n++;
		i = j;
	}
	return n - at;
}

/* What a kernel, a route or a device that cannot do GSO answers. */
static bool gso_refused(int err)
{
	return err == EIO || err == EINVAL || err == ENOPROTOOPT || err == EOPNOTSUPP;
}

static void settle(struct gl_udp_batch *b, int m, bool ok, int err)
{
	for (int i = b->first[m]; i < b->first[m] + b->span[m]; i++) {
		b->ok[i] = ok;
		b->err[i] = ok ? 0 : err;
	}
}

int gl_udp_batch_send(struct gl_udp_batch *b, int fd)
{
	int n = build_messages(b, 0, 0, b->gso), failed = 0;
	for (int off = 0; off < n;) {
		int k = sendmmsg(fd, b->msgs + off, (unsigned)(n - off), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k <= 0) {
			int err = errno;
			if (b->span[off] > 1 && gso_refused(err)) {
				/* no GSO here: the rest one datagram a message */
				b->gso = GL_UDP_GSO_OFF;
				n = off + build_messages(b, b->first[off], off, GL_UDP_GSO_OFF);
				continue;
			}
			settle(b, off, false, err);   /* the rest may still go */
			off++;
			continue;
		}
		for (int m = off; m < off + k; m++) {
			settle(b, m, b->msgs[m].msg_len == b->iovs[m].iov_len, 0);
			b->gso_messages += b->span[m] > 1 && b->msgs[m].msg_len == b->iovs[m].iov_len;
		}
		off += k;
	}
	for (int i = 0; i < b->count; i++)
		failed += !b->ok[i];
	return failed;
}

/* Counts and reports a datagram that did not leave (see gl_udp_send_one):
 * sent is what the kernel took, -1 with err on failure. */
static int send_failed(struct gl_output_status *status, const char *prefix,
		       const struct sockaddr_in *dest, ssize_t sent, int err, uint64_t now_ns,
		       const char *what, int number)
{
	char addr[INET_ADDRSTRLEN];

	gl_count(&status->send_errors, 1);
	inet_ntop(AF_INET, &dest->sin_addr, addr, sizeof addr);
	if (sent >= 0) {
		gl_report_set(&status->error, now_ns, "%s: %s %d to %s:%d: short send", prefix, what,
			      number, addr, ntohs(dest->sin_port));
		return GL_EIO;
	}
	if (err == EAGAIN || err == EWOULDBLOCK) {
		/* Never wait for the kernel: the next frame sends fresher data. */
		gl_report_set(&status->error, now_ns, "%s: %s %d to %s:%d dropped: socket buffer full",
			      prefix, what, number, addr, ntohs(dest->sin_port));
		return GL_EAGAIN;
	}
	gl_report_set(&status->error, now_ns, "%s: %s %d to %s:%d: %s", prefix, what, number, addr,
		      ntohs(dest->sin_port), strerror(err));
	return GL_EIO;
}

int gl_udp_batch_send_counted(struct gl_udp_batch *b, int fd, struct gl_output_status *status,
			      const char *prefix, int (*number)(const void *ctx, int j),
			      const void *ctx, uint64_t now_ns)
{
	int first_err = 0;

	gl_udp_batch_send(b, fd);
	for (int j = 0; j < b->count; j++) {
		if (b->ok[j]) {
			gl_count(&status->packets_sent, 1);
			continue;
		}
		int rc = send_failed(status, prefix, b->dest[j], b->err[j] ? -1 : 0, b->err[j], now_ns,
				     "universe", number(ctx, j));
		if (!first_err)
			first_err = rc;
	}
	return first_err;
}


int gl_udp_send_one(int fd, const void *buf, size_t len, const struct sockaddr_in *dest,
		    struct gl_output_status *status, const char *prefix, uint64_t now_ns,
		    const char *what, int number)
{
	ssize_t n = sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
			   (const struct sockaddr *)dest, sizeof *dest);

	if (n == (ssize_t)len) {
		gl_count(&status->packets_sent, 1);
		return 0;
	}
	return send_failed(status, prefix, dest, n, errno, now_ns, what, number);
}
