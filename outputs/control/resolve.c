/*
 * resolve.c - host names to addresses without blocking (see resolve.h).
 * Control thread.
 *
 * Invariant: a request handed to getaddrinfo_a lives until glibc has let
 * go of it (done, or cancelled); its struct gaicb, hints and strings are
 * one block, so nothing it points at can be freed before it.
 */
#include "resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gl.h"

struct gl_resolve {
	bool numeric, busy, done;
	int rc;                          /* getaddrinfo's answer once done */
	struct sockaddr_storage sa;
	socklen_t sa_len;
	struct gaicb req;
	struct addrinfo hints;
	char host[256];
	char service[8];
};

static bool numeric(struct gl_resolve *r, const char *host, int port, int family)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&r->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&r->sa;

	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		r->sa_len = sizeof *v4;
		return true;
	}
	if (family != AF_INET && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		memset(v4, 0, sizeof *v4);
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		r->sa_len = sizeof *v6;
		return true;
	}
	memset(&r->sa, 0, sizeof r->sa);
	return false;
}

struct gl_resolve *gl_resolve_start(const char *host, int port, int socktype, int family,
				    char *why, size_t why_len)
{
	struct gl_resolve *r = calloc(1, sizeof *r);
	struct gaicb *list[1];
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	int rc;

	if (!r) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	if (numeric(r, host, port, family)) {
		r->numeric = r->done = true;
		return r;
	}
	snprintf(r->host, sizeof r->host, "%s", host);
	snprintf(r->service, sizeof r->service, "%d", port);
	r->hints = (struct addrinfo){ .ai_family = family, .ai_socktype = socktype,
				      .ai_flags = AI_NUMERICSERV };
	r->req.ar_name = r->host;
	r->req.ar_service = r->service;
	r->req.ar_request = &r->hints;
	list[0] = &r->req;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &none);
	if (rc != 0) {
		snprintf(why, why_len, "cannot start resolving %.100s: %s", host, gai_strerror(rc));
		free(r);
		return NULL;
	}
	r->busy = true;
	return r;
}

int gl_resolve_result(struct gl_resolve *r, struct sockaddr_storage *sa, socklen_t *sa_len,
		      char *why, size_t why_len)
{
	if (r->busy) {
		int rc = gai_error(&r->req);

		if (rc == EAI_INPROGRESS)
			return GL_EAGAIN;
		r->busy = false;
		r->done = true;
		r->rc = rc;
		if (rc == 0 && r->req.ar_result && r->req.ar_result->ai_addrlen <= sizeof r->sa) {
			memcpy(&r->sa, r->req.ar_result->ai_addr, r->req.ar_result->ai_addrlen);
			r->sa_len = r->req.ar_result->ai_addrlen;
		} else if (rc == 0) {
			r->rc = EAI_NONAME;
		}
		if (r->req.ar_result)
			freeaddrinfo(r->req.ar_result);
		r->req.ar_result = NULL;
	}
	if (!r->numeric && r->rc != 0) {
		snprintf(why, why_len, "cannot resolve %.100s: %s", r->host, gai_strerror(r->rc));
		return GL_ENOENT;
	}
	*sa = r->sa;
	*sa_len = r->sa_len;
	return 0;
}

void gl_resolve_free(struct gl_resolve *r)
{
	if (!r)
		return;
	if (r->busy) {
		int rc = gai_cancel(&r->req);

		if (rc != EAI_CANCELED && rc != EAI_ALLDONE && gai_error(&r->req) == EAI_INPROGRESS)
			return;          /* glibc's thread still writes into it */
		if (gai_error(&r->req) == 0 && r->req.ar_result)
			freeaddrinfo(r->req.ar_result);
	}
	free(r);
}
