/*
 * resolve.h - a host and port to a socket address without blocking the
 * calling thread, for adapters on the control thread (OSC peers, RTSP
 * targets): a numeric address (IPv4, or IPv6 when the family allows it) at
 * once; a name through glibc's getaddrinfo_a, which looks it up on a
 * thread of its own while the caller polls gl_resolve_result() from its
 * loop (every GL_RESOLVE_POLL_NS is plenty). Control thread; one request
 * belongs to one thread.
 */
#ifndef GL_RESOLVE_H
#define GL_RESOLVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define GL_RESOLVE_POLL_NS (20ull * 1000000ull)

struct gl_resolve;

/* Starts looking up host:port for socktype (SOCK_STREAM, SOCK_DGRAM) in
 * family (AF_INET, or AF_UNSPEC for IPv4 or IPv6). Returns NULL when out
 * of memory or when glibc cannot start the lookup (why says which). */
struct gl_resolve *gl_resolve_start(const char *host, int port, int socktype, int family,
				    char *why, size_t why_len);

/* GL_EAGAIN while under way; 0 with the first address in *sa (*sa_len
 * bytes); GL_ENOENT with why ("Name or service not known") when there is
 * none. The answer stays: later calls return the same. */
int gl_resolve_result(struct gl_resolve *r, struct sockaddr_storage *sa, socklen_t *sa_len,
		      char *why, size_t why_len);

/* Ends a request. One still in glibc's hands that cannot be cancelled is
 * left to it (a few hundred bytes, only ever at exit or when a name is
 * changed mid-lookup) rather than freed under its thread. NULL: nothing. */
void gl_resolve_free(struct gl_resolve *r);

#endif
