/*
 * rtsp_wire.c - RTSP 1.0 requests, replies, interleaved frames and header
 * values as bytes (see rtsp_wire.h). Pure: no system calls, no
 * allocation. Any thread.
 *
 * Invariants: nothing is read past len; every string written is
 * NUL-terminated and cut (or refused) at its buffer's size; a server's
 * bytes quoted in an error are escaped, so a message never carries its
 * control characters to a terminal.
 */
#include "rtsp_wire.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/base64.h>
#include <nettle/md5.h>

#include "engine/gl.h"

/* ---- small helpers ----------------------------------------------------------------- */

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* A header value we put on the wire: no control characters at all. */
static bool value_ok(const char *s)
{
	for (; *s; s++)
		if (is_ctl((unsigned char)*s))
			return false;
	return true;
}

static bool is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

static const char *skip_lws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Up to max bytes of a server's text, printable, for an error message. */
static void excerpt(char *out, size_t len, const uint8_t *s, size_t n, size_t max)
{
	size_t o = 0;

	for (size_t i = 0; i < n && i < max && o + 5 < len; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
			out[o++] = (char)s[i];
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", s[i]);
	}
	if (n > max && o + 4 < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o < len ? o : len - 1] = '\0';
}

static void set_error(struct rtsp_item *item, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct rtsp_item *item, const char *fmt, ...)
{
	va_list ap;

	item->kind = RTSP_ITEM_ERROR;
	va_start(ap, fmt);
	vsnprintf(item->error, sizeof item->error, fmt, ap);
	va_end(ap);
}

/* ---- URLs ---------------------------------------------------------------------------- */

int rtsp_url_parse(const char *url, struct rtsp_url *out, char *why, size_t why_len)
{
	const char *rest, *auth_end, *host_end, *path;
	size_t n;

	memset(out, 0, sizeof *out);
	if (strlen(url) >= RTSP_URL_MAX) {
		snprintf(why, why_len, "the URL is longer than %d bytes", RTSP_URL_MAX - 1);
		return GL_EINVAL;
	}
	for (const char *s = url; *s; s++) {
		if (is_ctl((unsigned char)*s) || *s == ' ') {
			snprintf(why, why_len, "the URL holds a space or control character");
			return GL_EINVAL;
		}
	}
	if (strncasecmp(url, "rtsps://", 8) == 0) {
		snprintf(why, why_len, "rtsps:// (RTSP over TLS) is not supported; give rtsp://");
		return GL_EINVAL;
	}
	if (strncasecmp(url, "rtsp://", 7) != 0) {
		snprintf(why, why_len, "\"%.80s\" is not rtsp://host[:port]/path", url);
		return GL_EINVAL;
	}
	rest = url + 7;
	path = rest + strcspn(rest, "/?#");
	/* user[:password]@ : the last @ before the path */
	auth_end = NULL;
	for (const char *s = rest; s < path; s++)
		if (*s == '@')
			auth_end = s;
	const char *host = auth_end ? auth_end + 1 : rest;
	out->has_userinfo = auth_end != NULL;
	if (*host == '[') {
		host_end = memchr(host, ']', (size_t)(path - host));
		if (!host_end || host_end == host + 1) {
			snprintf(why, why_len, "an IPv6 address needs its closing ]");
			return GL_EINVAL;
		}
		n = (size_t)(host_end - host - 1);
		if (n >= sizeof out->host) {
			snprintf(why, why_len, "the host address is too long");
			return GL_EINVAL;
		}
		memcpy(out->host, host + 1, n);
		host_end++;
	} else {
		host_end = host;
		while (host_end < path && *host_end != ':')
			host_end++;
		n = (size_t)(host_end - host);
		if (n >= sizeof out->host) {
			snprintf(why, why_len, "the host name is too long");
			return GL_EINVAL;
		}
		memcpy(out->host, host, n);
	}
	out->host[n] = '\0';
	if (!out->host[0]) {
		snprintf(why, why_len, "no host in \"%.80s\"", url);
		return GL_EINVAL;
	}
	for (const char *s = out->host; *s; s++) {
		if (!isalnum((unsigned char)*s) && !strchr(".-_:%", *s)) {
			snprintf(why, why_len, "\"%.80s\" is not a host name or address", out->host);
			return GL_EINVAL;
		}
	}
	out->port = RTSP_DEFAULT_PORT;
	if (host_end < path) {
		char *end;
		long port;

		if (*host_end != ':' || !isdigit((unsigned char)host_end[1])) {
			snprintf(why, why_len, "bad port in \"%.80s\"", url);
			return GL_EINVAL;
		}
		port = strtol(host_end + 1, &end, 10);
		if (end != path || port < 1 || port > 65535) {
			snprintf(why, why_len, "the port must be 1..65535");
			return GL_EINVAL;
		}
		out->port = (int)port;
	}
	/* the URL as requests carry it: without the user info */
	snprintf(out->clean, sizeof out->clean, "rtsp://%.*s%s", (int)(path - host), host, path);
	return 0;
}

/* scheme "://" at the start: an absolute URL. */
static bool has_scheme(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)s[0]))
		return false;
	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.')
		n++;
	return strncmp(s + n, "://", 3) == 0;
}

int rtsp_url_resolve(const char *base, const char *ref, char *out, size_t len)
{
	size_t need;
	int n;

	if (!ref[0])
		return GL_EINVAL;
	for (const char *s = ref; *s; s++)
		if (is_ctl((unsigned char)*s) || *s == ' ')
			return GL_EINVAL;
	if (strcmp(ref, "*") == 0) {
		n = snprintf(out, len, "%s", base);
	} else if (has_scheme(ref)) {
		n = snprintf(out, len, "%s", ref);           /* absolute */
	} else if (ref[0] == '/') {
		const char *auth = strstr(base, "://");
		size_t origin = auth ? (size_t)(auth + 3 - base) + strcspn(auth + 3, "/?#") : 0;

		n = snprintf(out, len, "%.*s%s", (int)origin, base, ref);
	} else {
		size_t blen = strcspn(base, "?#");
		bool slash = blen > 0 && base[blen - 1] == '/';

		n = snprintf(out, len, "%.*s%s%s", (int)blen, base, slash ? "" : "/", ref);
	}
	need = n < 0 ? len : (size_t)n;
	return need < len ? 0 : GL_ERANGE;
}

/* ---- requests ---------------------------------------------------------------------- */

int rtsp_request_format(char *buf, size_t len, const struct rtsp_request *r)
{
	const struct { const char *name, *value; } opt[] = {
		{ "Session", r->session }, { "Transport", r->transport }, { "Range", r->range },
		{ "Scale", r->scale }, { "Authorization", r->authorization },
		{ "Accept", r->accept }, { "User-Agent", r->user_agent },
	};
	size_t used;
	int n;

	if (!r->method || !r->method[0] || !r->url || !r->url[0])
		return GL_EINVAL;
	for (const char *s = r->method; *s; s++)
		if (!isupper((unsigned char)*s) && *s != '_')
			return GL_EINVAL;
	for (const char *s = r->url; *s; s++)
		if (is_ctl((unsigned char)*s) || *s == ' ')
			return GL_EINVAL;
	n = snprintf(buf, len, "%s %s RTSP/1.0\r\nCSeq: %u\r\n", r->method, r->url, r->cseq);
	if (n < 0 || (size_t)n >= len)
		return GL_ERANGE;
	used = (size_t)n;
	for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++) {
		if (!opt[i].value)
			continue;
		if (!value_ok(opt[i].value))
			return GL_EINVAL;
		n = snprintf(buf + used, len - used, "%s: %s\r\n", opt[i].name, opt[i].value);
		if (n < 0 || (size_t)n >= len - used)
			return GL_ERANGE;
		used += (size_t)n;
	}
	if (used + 3 > len)
		return GL_ERANGE;
	memcpy(buf + used, "\r\n", 3);
	return (int)(used + 2);
}

int rtsp_reply_format(char *buf, size_t len, int status, const char *reason, long cseq)
{
	int n;

	if (!value_ok(reason))
		return GL_EINVAL;
	if (cseq >= 0)
		n = snprintf(buf, len, "RTSP/1.0 %d %s\r\nCSeq: %ld\r\n\r\n", status, reason, cseq);
	else
		n = snprintf(buf, len, "RTSP/1.0 %d %s\r\n\r\n", status, reason);
	return n < 0 || (size_t)n >= len ? GL_ERANGE : n;
}

/* ---- parsing ------------------------------------------------------------------------- */

/* The line starting at p: its end (the '\n'), or NULL when not all here. */
static const uint8_t *line_end(const uint8_t *p, const uint8_t *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

/* Content length of [s, e), without '\r'. */
static size_t line_len(const uint8_t *s, const uint8_t *nl)
{
	size_t n = (size_t)(nl - s);

	return n > 0 && s[n - 1] == '\r' ? n - 1 : n;
}

/* Appends s[0..n) to msg->text at *at, then a NUL. */
static bool text_put(struct rtsp_msg *msg, size_t *at, const uint8_t *s, size_t n)
{
	if (*at + n + 1 > sizeof msg->text)
		return false;
	memcpy(msg->text + *at, s, n);
	*at += n;
	msg->text[(*at)++] = '\0';
	return true;
}

/* n bytes at s without leading and trailing blanks. */
static void trim(const uint8_t **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static int start_line(struct rtsp_msg *msg, size_t *at, const uint8_t *s, size_t n,
		      struct rtsp_item *item)
{
	char shown[80];

	if (n >= 5 && memcmp(s, "RTSP/", 5) == 0) {
		/* RTSP/1.0 SP 3DIGIT [SP reason] */
		if (n < 12 || s[5] != '1' || s[6] != '.' || !isdigit(s[7]) || s[8] != ' ' ||
		    !isdigit(s[9]) || !isdigit(s[10]) || !isdigit(s[11]) || (n > 12 && s[12] != ' ')) {
			excerpt(shown, sizeof shown, s, n, 40);
			set_error(item, "bad status line \"%s\" (RTSP/1.0 and a 3-digit status)", shown);
			return -1;
		}
		msg->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
		if (msg->status < 100) {
			set_error(item, "status %d is not 100..599", msg->status);
			return -1;
		}
		msg->reason = msg->text + *at;
		return text_put(msg, at, s + (n > 12 ? 13 : n), n > 12 ? n - 13 : 0) ? 0 : -1;
	}
	/* a request from the server: METHOD SP URL SP RTSP/1.0 */
	const uint8_t *sp1 = memchr(s, ' ', n);
	const uint8_t *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(s + n - sp1 - 1)) : NULL;
	bool ok = sp1 && sp2 && sp1 > s && sp2 > sp1 + 1 && (size_t)(s + n - sp2 - 1) == 8 &&
		  memcmp(sp2 + 1, "RTSP/1.", 7) == 0 && isdigit(sp2[8]);

	for (const uint8_t *c = s; ok && c < sp1; c++)
		ok = isupper(*c) || *c == '_' || *c == '-';
	if (!ok) {
		excerpt(shown, sizeof shown, s, n, 40);
		set_error(item, "not an RTSP message: \"%s\"", shown);
		return -1;
	}
	msg->method = msg->text + *at;
	text_put(msg, at, s, (size_t)(sp1 - s));
	msg->url = msg->text + *at;
	return text_put(msg, at, sp1 + 1, (size_t)(sp2 - sp1 - 1)) ? 0 : -1;
}

/* A decimal number of at most 9 digits, the whole text; -1 otherwise. */
static long small_number(const char *s)
{
	long v = 0;
	int digits = 0;

	for (; *s; s++, digits++) {
		if (!isdigit((unsigned char)*s) || digits == 9)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return digits ? v : -1;
}

/* The interleaved frame at p: $, channel, 16-bit length, payload (it may
 * run past end). NONE while its 4-byte header is not all here. */
static void frame_at(const uint8_t *buf, const uint8_t *p, const uint8_t *end,
		     struct rtsp_item *item)
{
	if (end - p < 4)
		return;
	item->kind = RTSP_ITEM_FRAME;
	item->at = (size_t)(p - buf);
	item->channel = p[1];
	item->size = 4 + ((size_t)p[2] << 8 | p[3]);
}

void rtsp_parse(const uint8_t *buf, size_t len, struct rtsp_msg *msg, struct rtsp_item *item)
{
	const uint8_t *end = buf + len, *p = buf, *nl;
	size_t at = 0;
	long content_length = -1;
	int prev = -1;                     /* header that a folded line continues */
	char shown[80];

	memset(item, 0, sizeof *item);
	item->kind = RTSP_ITEM_NONE;
	/* empty lines between messages are allowed (and skipped) */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end)
		return;
	if (*p == '$') {
		frame_at(buf, p, end, item);
		return;
	}
	const uint8_t *head = p;
	msg->status = 0;
	msg->reason = msg->method = msg->url = NULL;
	msg->cseq = -1;
	msg->header_count = 0;
	msg->body = NULL;
	msg->body_len = 0;
	for (bool first = true;; first = false) {
		if (p == end)
			return;         /* the rest of the head has not arrived */
		if (!first && *p == '$') {
			/* a frame between the header lines (RFC 2326 puts frames
			 * between messages; some servers do not wait) */
			frame_at(buf, p, end, item);
			return;
		}
		nl = line_end(p, end);
		if (!nl) {
			if ((size_t)(end - head) > RTSP_HEAD_MAX)
				set_error(item, "no end of the header section within %d bytes", RTSP_HEAD_MAX);
			return;
		}
		if ((size_t)(nl + 1 - head) > RTSP_HEAD_MAX) {
			set_error(item, "a header section over %d bytes", RTSP_HEAD_MAX);
			return;
		}
		size_t n = line_len(p, nl);
		for (size_t i = 0; i < n; i++) {
			if (is_ctl(p[i]) && p[i] != '\t') {
				excerpt(shown, sizeof shown, p, n, 40);
				set_error(item, "a control character in \"%s\"", shown);
				return;
			}
		}
		if (first) {
			if (start_line(msg, &at, p, n, item) < 0) {
				if (item->kind != RTSP_ITEM_ERROR)
					set_error(item, "the start line is too long");
				return;
			}
			p = nl + 1;
			continue;
		}
		if (n == 0) {               /* the empty line: end of the head */
			p = nl + 1;
			break;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			/* a folded line continues the header before it */
			const uint8_t *s = p;
			size_t k = n;

			if (prev < 0) {
				set_error(item, "a continuation line before any header");
				return;
			}
			trim(&s, &k);
			if (k) {
				/* the previous value is the last string in text:
				 * its NUL becomes the joining space */
				msg->text[at - 1] = ' ';
				if (!text_put(msg, &at, s, k)) {
					set_error(item, "the header section is too long");
					return;
				}
			}
			p = nl + 1;
			continue;
		}
		const uint8_t *colon = memchr(p, ':', n);
		if (!colon || colon == p) {
			excerpt(shown, sizeof shown, p, n, 40);
			set_error(item, "a header line without a name: \"%s\"", shown);
			return;
		}
		for (const uint8_t *c = p; c < colon; c++) {
			if (!is_token_char(*c)) {
				excerpt(shown, sizeof shown, p, (size_t)(colon - p), 40);
				set_error(item, "a bad header name \"%s\"", shown);
				return;
			}
		}
		if (msg->header_count == RTSP_HEADERS_MAX) {
			set_error(item, "more than %d headers", RTSP_HEADERS_MAX);
			return;
		}
		struct rtsp_header *h = &msg->headers[msg->header_count];
		const uint8_t *v = colon + 1;
		size_t vn = (size_t)(p + n - v);

		trim(&v, &vn);
		h->name = msg->text + at;
		if (!text_put(msg, &at, p, (size_t)(colon - p))) {
			set_error(item, "the header section is too long");
			return;
		}
		h->value = msg->text + at;
		if (!text_put(msg, &at, v, vn)) {
			set_error(item, "the header section is too long");
			return;
		}
		prev = msg->header_count++;
		p = nl + 1;
	}
	/* values that matter to framing, after unfolding */
	for (int i = 0; i < msg->header_count; i++) {
		const struct rtsp_header *h = &msg->headers[i];

		if (strcasecmp(h->name, "Content-Length") == 0) {
			long v = small_number(h->value);

			if (v < 0) {
				excerpt(shown, sizeof shown, (const uint8_t *)h->value, strlen(h->value), 30);
				set_error(item, "Content-Length \"%s\" is not a byte count", shown);
				return;
			}
			if (content_length >= 0 && v != content_length) {
				set_error(item, "two Content-Length headers that differ (%ld, %ld)",
					  content_length, v);
				return;
			}
			if (v > RTSP_BODY_MAX) {
				set_error(item, "a body of %ld bytes (at most %d)", v, RTSP_BODY_MAX);
				return;
			}
			content_length = v;
		} else if (strcasecmp(h->name, "CSeq") == 0 && msg->cseq < 0) {
			msg->cseq = small_number(h->value);
		}
	}
	if (content_length > 0) {
		if ((size_t)(end - p) < (size_t)content_length)
			return;         /* the body is still coming */
		msg->body = p;
		msg->body_len = (size_t)content_length;
		p += content_length;
	}
	item->kind = msg->status ? RTSP_ITEM_REPLY : RTSP_ITEM_REQUEST;
	item->size = (size_t)(p - buf);
}

size_t rtsp_stream_added(struct rtsp_stream *s, size_t n)
{
	size_t drop = s->skip < n ? s->skip : n;

	memmove(s->buf + s->len, s->buf + s->len + drop, n - drop);
	s->skip -= drop;
	s->len += n - drop;
	return drop;
}

void rtsp_stream_next(struct rtsp_stream *s, struct rtsp_msg *msg, struct rtsp_item *item)
{
	rtsp_parse(s->buf + s->off, s->len - s->off, msg, item);
	if (item->kind == RTSP_ITEM_FRAME) {
		size_t start = s->off + item->at, have = s->len - start;
		size_t take = item->size < have ? item->size : have;

		if (item->at == 0) {
			s->off += take;
		} else {
			/* inside a message's head: cut out, the head closes up */
			memmove(s->buf + start, s->buf + start + take, have - take);
			s->len -= take;
		}
		s->skip = item->size - take;
	} else if (item->kind == RTSP_ITEM_REPLY || item->kind == RTSP_ITEM_REQUEST) {
		s->off += item->size;
	}
}

bool rtsp_stream_compact(struct rtsp_stream *s)
{
	memmove(s->buf, s->buf + s->off, s->len - s->off);
	s->len -= s->off;
	s->off = 0;
	return s->len == s->cap;
}

const char *rtsp_msg_header(const struct rtsp_msg *msg, const char *name, int index)
{
	for (int i = 0; i < msg->header_count; i++)
		if (strcasecmp(msg->headers[i].name, name) == 0 && index-- == 0)
			return msg->headers[i].value;
	return NULL;
}

/* ---- header values ------------------------------------------------------------------ */

int rtsp_session_parse(const char *value, char *id, size_t id_len, int *timeout_s)
{
	const char *s = skip_lws(value);
	size_t n = strcspn(s, ";");
	const char *params = s + n;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= id_len || n >= RTSP_SESSION_ID_MAX)
		return GL_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (is_ctl((unsigned char)s[i]) || s[i] == ' ')
			return GL_EINVAL;
	memcpy(id, s, n);
	id[n] = '\0';
	*timeout_s = RTSP_SESSION_TIMEOUT_DEFAULT;
	while (*params == ';') {
		const char *p = skip_lws(params + 1);

		if (strncasecmp(p, "timeout", 7) == 0) {
			p = skip_lws(p + 7);
			if (*p == '=') {
				char *end;
				long t = strtol(skip_lws(p + 1), &end, 10);

				if (end != skip_lws(p + 1) && t > 0 && t <= 86400)
					*timeout_s = (int)t;
			}
		}
		params = p + strcspn(p, ";");
	}
	return 0;
}

/* A decimal number "12" or "12.25" of at most 12 characters at s:
 * returns its length (0: none) and the value. */
static size_t decimal(const char *s, double *out)
{
	char copy[16];
	size_t n = strspn(s, "0123456789."), dots = 0;

	for (size_t i = 0; i < n; i++)
		dots += s[i] == '.';
	if (n == 0 || n >= sizeof copy || dots > 1 || s[0] == '.')
		return 0;
	memcpy(copy, s, n);
	copy[n] = '\0';
	*out = strtod(copy, NULL);
	return n;
}

/* npt-time: seconds ("12.5") or h:mm:ss[.frac]. Returns chars read, 0 when
 * none. */
static size_t npt_time(const char *s, double *out)
{
	double h, m, sec;
	size_t a = decimal(s, &h), b, c;

	if (a == 0)
		return 0;
	if (s[a] != ':') {
		if (h > 1e9)
			return 0;
		*out = h;
		return a;
	}
	/* h:mm:ss[.frac]: h and mm whole */
	if (h != floor(h))
		return 0;
	b = decimal(s + a + 1, &m);
	if (b == 0 || s[a + 1 + b] != ':' || m >= 60 || m != floor(m) || h > 1e6)
		return 0;
	c = decimal(s + a + b + 2, &sec);
	if (c == 0 || sec >= 60)
		return 0;
	*out = h * 3600.0 + m * 60.0 + sec;
	return a + b + c + 2;
}

int rtsp_range_parse(const char *value, double *start_s, double *end_s)
{
	const char *s = skip_lws(value);
	size_t n;

	*start_s = *end_s = NAN;
	if (strncasecmp(s, "npt", 3) != 0)
		return GL_EINVAL;
	s = skip_lws(s + 3);
	if (*s++ != '=')
		return GL_EINVAL;
	s = skip_lws(s);
	if (strncasecmp(s, "now", 3) == 0)
		s += 3;
	else if ((n = npt_time(s, start_s)) > 0)
		s += n;
	else if (*s != '-')
		return GL_EINVAL;
	if (*s++ != '-')
		return GL_EINVAL;
	if ((n = npt_time(s, end_s)) > 0)
		s += n;
	s = skip_lws(s);
	return *s == '\0' || *s == ';' ? 0 : GL_EINVAL;
}

int rtsp_range_format(double start_s, char *buf, size_t len)
{
	int n;

	if (!isfinite(start_s) || start_s < 0)
		start_s = 0;
	n = snprintf(buf, len, "npt=%.3f-", start_s);
	return n < 0 || (size_t)n >= len ? GL_ERANGE : n;
}

bool rtsp_public_has(const char *value, const char *method)
{
	size_t m = strlen(method);

	for (const char *s = value; *s;) {
		s = skip_lws(s);
		size_t n = strcspn(s, ",");
		size_t k = n;

		while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
			k--;
		if (k == m && strncasecmp(s, method, m) == 0)
			return true;
		s += n;
		if (*s == ',')
			s++;
	}
	return false;
}

/* "a-b" or "a": two numbers 0..65535. */
static void port_pair(const char *s, int out[2])
{
	char *end;
	long a = strtol(s, &end, 10), b = -1;

	if (end == s || a < 0 || a > 65535)
		return;
	if (*end == '-') {
		const char *t = end + 1;

		b = strtol(t, &end, 10);
		if (end == t || b < 0 || b > 65535)
			b = -1;
	}
	out[0] = (int)a;
	out[1] = (int)b;
}

int rtsp_transport_parse(const char *value, struct rtsp_transport *out)
{
	const char *s = skip_lws(value);
	size_t n = strcspn(s, ";,");

	memset(out, 0, sizeof *out);
	out->interleaved[0] = out->interleaved[1] = -1;
	out->client_port[0] = out->client_port[1] = -1;
	out->server_port[0] = out->server_port[1] = -1;
	if (n < 7 || strncasecmp(s, "RTP/AVP", 7) != 0)
		return GL_EINVAL;
	out->tcp = n >= 11 && strncasecmp(s + 7, "/TCP", 4) == 0;
	s += n;
	while (*s == ';') {
		s++;
		n = strcspn(s, ";,");
		if (strncasecmp(s, "interleaved=", 12) == 0 && n > 12)
			port_pair(s + 12, out->interleaved);
		else if (strncasecmp(s, "client_port=", 12) == 0 && n > 12)
			port_pair(s + 12, out->client_port);
		else if (strncasecmp(s, "server_port=", 12) == 0 && n > 12)
			port_pair(s + 12, out->server_port);
		s += n;
	}
	return 0;
}

int rtsp_scale_parse(const char *value, double *scale)
{
	const char *s = skip_lws(value);
	char *end;
	double v = strtod(s, &end);

	if (end == s || !isfinite(v) || v == 0.0 || fabs(v) > 1000.0 || *skip_lws(end))
		return GL_EINVAL;
	*scale = v;
	return 0;
}

/* ---- SDP ------------------------------------------------------------------------------ */

static int sdp_copy(char *dst, size_t dlen, const char *s, size_t n)
{
	const uint8_t *text = (const uint8_t *)s;

	trim(&text, &n);
	if (n >= dlen)
		return GL_ERANGE;
	memcpy(dst, text, n);
	dst[n] = '\0';
	return 0;
}

int rtsp_sdp_parse(const char *sdp, size_t len, struct rtsp_sdp *out, char *why, size_t why_len)
{
	const char *p = sdp, *end = sdp + len;
	int track = -1;

	memset(out, 0, sizeof *out);
	out->duration_s = NAN;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		const char *next = nl ? nl + 1 : end;

		if (n && p[n - 1] == '\r')
			n--;
		if (n >= 2 && p[0] == 'm' && p[1] == '=') {
			if (++track >= RTSP_TRACKS_MAX) {
				snprintf(why, why_len, "more than %d media tracks", RTSP_TRACKS_MAX);
				return GL_EINVAL;
			}
			out->track_count = track + 1;
			size_t w = strcspn(p + 2, " \r\n");
			sdp_copy(out->tracks[track].media, sizeof out->tracks[track].media, p + 2,
				 w < n - 2 ? w : n - 2);
		} else if (n > 10 && memcmp(p, "a=control:", 10) == 0) {
			char *dst = track < 0 ? out->control : out->tracks[track].control;

			if (sdp_copy(dst, RTSP_URL_MAX, p + 10, n - 10) < 0) {
				snprintf(why, why_len, "an a=control longer than %d bytes",
					 RTSP_URL_MAX - 1);
				return GL_EINVAL;
			}
		} else if (track < 0 && n > 8 && memcmp(p, "a=range:", 8) == 0 && n < 100) {
			char range[100];
			double start, stop;

			memcpy(range, p + 8, n - 8);
			range[n - 8] = '\0';
			if (rtsp_range_parse(range, &start, &stop) == 0 && isfinite(stop))
				out->duration_s = stop;
		}
		p = next;
	}
	if (out->track_count == 0) {
		snprintf(why, why_len, "the description has no media (no m= line)");
		return GL_EINVAL;
	}
	return 0;
}

/* ---- authentication ------------------------------------------------------------------ */

/* The next auth-param of a challenge: name=value (token or quoted string,
 * unescaped into value). Returns the position after it, NULL at the end
 * or on a malformed parameter (*bad set). */
static const char *auth_param(const char *s, char *name, size_t nlen, char *value, size_t vlen,
			      bool *bad)
{
	size_t n = 0, o = 0;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (!*s)
		return NULL;
	while (is_token_char((unsigned char)*s)) {
		if (n + 1 < nlen)
			name[n++] = *s;
		s++;
	}
	name[n] = '\0';
	s = skip_lws(s);
	if (!n || *s != '=') {
		*bad = true;
		return NULL;
	}
	s = skip_lws(s + 1);
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			if (o + 1 < vlen)
				value[o++] = *s;
			else
				*bad = true;        /* longer than we keep */
		}
		if (*s != '"') {
			*bad = true;
			return NULL;
		}
		s++;
	} else {
		while (*s && *s != ',' && *s != ' ' && *s != '\t') {
			if (o + 1 < vlen)
				value[o++] = *s;
			else
				*bad = true;
			s++;
		}
	}
	value[o] = '\0';
	return *bad ? NULL : s;
}

int rtsp_auth_parse(const char *value, struct rtsp_auth *out)
{
	const char *s = skip_lws(value);
	char name[32], v[128];
	bool bad = false, have_realm = false, have_nonce = false;
	size_t n = 0;

	memset(out, 0, sizeof *out);
	while (is_token_char((unsigned char)s[n]))
		n++;
	if (n == 5 && strncasecmp(s, "Basic", 5) == 0)
		out->scheme = RTSP_AUTH_BASIC;
	else if (n == 6 && strncasecmp(s, "Digest", 6) == 0)
		out->scheme = RTSP_AUTH_DIGEST;
	else
		return n ? GL_ENOENT : GL_EINVAL;
	s += n;
	if (*s && *s != ' ' && *s != '\t')
		return GL_EINVAL;
	while ((s = auth_param(s, name, sizeof name, v, sizeof v, &bad))) {
		if (strcasecmp(name, "realm") == 0) {
			snprintf(out->realm, sizeof out->realm, "%s", v);
			have_realm = true;
		} else if (strcasecmp(name, "nonce") == 0) {
			snprintf(out->nonce, sizeof out->nonce, "%s", v);
			have_nonce = v[0] != '\0';
		} else if (strcasecmp(name, "opaque") == 0) {
			snprintf(out->opaque, sizeof out->opaque, "%s", v);
		} else if (strcasecmp(name, "stale") == 0) {
			out->stale = strcasecmp(v, "true") == 0;
		} else if (strcasecmp(name, "algorithm") == 0) {
			if (strcasecmp(v, "MD5-sess") == 0)
				out->sess = true;
			else if (strcasecmp(v, "MD5") != 0)
				return GL_ENOENT;
		} else if (strcasecmp(name, "qop") == 0) {
			/* a list: "auth,auth-int" */
			for (char *t = v; *t;) {
				size_t k = strcspn(t, ", \t");

				if (k == 4 && strncasecmp(t, "auth", 4) == 0)
					out->qop_auth = true;
				else if (k == 8 && strncasecmp(t, "auth-int", 8) == 0)
					out->qop_int = true;
				t += k;
				t += strspn(t, ", \t");
			}
			if (!out->qop_auth && !out->qop_int)
				return GL_ENOENT;
		}
	}
	if (bad)
		return GL_EINVAL;
	if (out->scheme == RTSP_AUTH_DIGEST && (!have_realm || !have_nonce))
		return GL_EINVAL;
	if (out->qop_auth)
		out->qop_int = false;        /* auth when offered */
	return 0;
}

int rtsp_auth_choose(const struct rtsp_msg *reply, struct rtsp_auth *out, char *why,
		     size_t why_len)
{
	struct rtsp_auth c;
	const char *v;
	bool found = false;
	char shown[40] = "";

	memset(out, 0, sizeof *out);
	for (int i = 0; (v = rtsp_msg_header(reply, "WWW-Authenticate", i)); i++) {
		int rc = rtsp_auth_parse(v, &c);

		if (rc == 0 && (!found || (c.scheme == RTSP_AUTH_DIGEST &&
					   out->scheme != RTSP_AUTH_DIGEST))) {
			*out = c;
			found = true;
		} else if (rc < 0 && !shown[0]) {
			excerpt(shown, sizeof shown, (const uint8_t *)v, strcspn(v, ","), 30);
		}
	}
	if (found)
		return 0;
	if (shown[0])
		snprintf(why, why_len, "the server asks for authentication ghostlight cannot "
			 "answer (%s)", shown);
	else
		snprintf(why, why_len, "the server answered 401 without a WWW-Authenticate challenge");
	return GL_ENOENT;
}

/* MD5 of the parts joined by ':' as 32 hex digits. */
static void md5_hex(char out[33], int count, ...)
{
	struct md5_ctx ctx;
	uint8_t digest[MD5_DIGEST_SIZE];
	va_list ap;

	md5_init(&ctx);
	va_start(ap, count);
	for (int i = 0; i < count; i++) {
		const char *part = va_arg(ap, const char *);

		if (i)
			md5_update(&ctx, 1, (const uint8_t *)":");
		md5_update(&ctx, strlen(part), (const uint8_t *)part);
	}
	va_end(ap);
	md5_digest(&ctx, sizeof digest, digest);
	for (int i = 0; i < MD5_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	explicit_bzero(&ctx, sizeof ctx);
}

/* A quoted-string of s (\" and \\ escaped) at buf + *used. */
static bool put_quoted(char *buf, size_t len, size_t *used, const char *name, const char *s)
{
	int n = snprintf(buf + *used, len - *used, "%s%s=\"", *used ? ", " : "", name);

	if (n < 0 || (size_t)n >= len - *used)
		return false;
	*used += (size_t)n;
	for (; *s; s++) {
		if (*used + 3 >= len)
			return false;
		if (*s == '"' || *s == '\\')
			buf[(*used)++] = '\\';
		buf[(*used)++] = *s;
	}
	if (*used + 2 >= len)
		return false;
	buf[(*used)++] = '"';
	buf[*used] = '\0';
	return true;
}

static bool put_plain(char *buf, size_t len, size_t *used, const char *name, const char *s)
{
	int n = snprintf(buf + *used, len - *used, ", %s=%s", name, s);

	if (n < 0 || (size_t)n >= len - *used)
		return false;
	*used += (size_t)n;
	return true;
}

int rtsp_auth_answer(const struct rtsp_auth *ch, const char *user, const char *password,
		     const char *method, const char *uri, unsigned nc, const char *cnonce,
		     char *out, size_t len)
{
	if (!value_ok(user) || !value_ok(password) || !value_ok(uri) || !value_ok(cnonce))
		return GL_EINVAL;
	if (ch->scheme == RTSP_AUTH_BASIC) {
		char plain[2 * RTSP_CRED_MAX + 2];
		int n = snprintf(plain, sizeof plain, "%s:%s", user, password);
		size_t need;

		if (n < 0 || (size_t)n >= sizeof plain)
			return GL_ERANGE;
		need = 6 + BASE64_ENCODE_RAW_LENGTH((size_t)n) + 1;
		if (need > len) {
			explicit_bzero(plain, sizeof plain);
			return GL_ERANGE;
		}
		memcpy(out, "Basic ", 6);
		base64_encode_raw(out + 6, (size_t)n, (const uint8_t *)plain);
		out[need - 1] = '\0';
		explicit_bzero(plain, sizeof plain);
		return (int)(need - 1);
	}
	if (ch->scheme != RTSP_AUTH_DIGEST)
		return GL_EINVAL;
	char ha1[33], ha2[33], response[33], body[33], ncs[9];
	const char *qop = ch->qop_auth ? "auth" : ch->qop_int ? "auth-int" : NULL;
	size_t used = 0;

	snprintf(ncs, sizeof ncs, "%08x", nc);
	md5_hex(ha1, 3, user, ch->realm, password);
	if (ch->sess)
		md5_hex(ha1, 3, ha1, ch->nonce, cnonce);
	if (ch->qop_int) {
		md5_hex(body, 1, "");                /* requests carry no body */
		md5_hex(ha2, 3, method, uri, body);
	} else {
		md5_hex(ha2, 2, method, uri);
	}
	if (qop)
		md5_hex(response, 6, ha1, ch->nonce, ncs, cnonce, qop, ha2);
	else
		md5_hex(response, 3, ha1, ch->nonce, ha2);
	explicit_bzero(ha1, sizeof ha1);
	if (len < 8)
		return GL_ERANGE;
	memcpy(out, "Digest ", 8);
	/* put_quoted's ", " comes after the scheme's space: start past it */
	char *params = out + 7;
	size_t plen = len - 7;
	bool ok = put_quoted(params, plen, &used, "username", user) &&
		  put_quoted(params, plen, &used, "realm", ch->realm) &&
		  put_quoted(params, plen, &used, "nonce", ch->nonce) &&
		  put_quoted(params, plen, &used, "uri", uri) &&
		  put_quoted(params, plen, &used, "response", response) &&
		  (!ch->sess || put_plain(params, plen, &used, "algorithm", "MD5-sess")) &&
		  (!ch->opaque[0] || put_quoted(params, plen, &used, "opaque", ch->opaque)) &&
		  (!qop || (put_plain(params, plen, &used, "qop", qop) &&
			    put_plain(params, plen, &used, "nc", ncs) &&
			    put_quoted(params, plen, &used, "cnonce", cnonce)));

	return ok ? (int)(7 + used) : GL_ERANGE;
}
