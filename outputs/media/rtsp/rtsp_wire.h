/*
 * rtsp_wire.h - RTSP 1.0 (RFC 2326) as bytes: requests formatted into a
 * caller's buffer, replies (and the rare request a server sends) parsed out
 * of a receive buffer with the interleaved `$` frames (RFC 2326 10.12) that
 * share the connection, and the header values a client needs: Session,
 * Range (npt), Transport, Public, RTP-Info-free position from Range, SDP
 * control URLs (per track and aggregate, RFC 2326 C.1.1), URL resolution,
 * WWW-Authenticate challenges and the Authorization answer (Basic, and
 * Digest per RFC 2617 with MD5 or MD5-sess, qop auth or none).
 *
 * Pure: no system calls, no allocation, no global state; every function
 * works on what it is given (MD5 and base64 come from nettle). Any thread.
 * Everything that arrives from a server is bounded (RTSP_HEAD_MAX,
 * RTSP_BODY_MAX, RTSP_HEADERS_MAX, RTSP_TRACKS_MAX) and fuzzed
 * (tests/fuzz/fuzz_rtsp.c).
 */
#ifndef GL_RTSP_WIRE_H
#define GL_RTSP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTSP_DEFAULT_PORT 554
#define RTSP_URL_MAX 512             /* bytes of a URL, NUL included */
#define RTSP_HEAD_MAX 16384          /* start line + headers of one message */
#define RTSP_BODY_MAX 65536          /* body of one message (SDP) */
#define RTSP_HEADERS_MAX 64
#define RTSP_TRACKS_MAX 8            /* media sections of one presentation */
#define RTSP_SESSION_ID_MAX 128
#define RTSP_SESSION_TIMEOUT_DEFAULT 60   /* s, when Session has no timeout= */
#define RTSP_CRED_MAX 128            /* user name, password */

/* ---- URLs ---------------------------------------------------------------------- */

struct rtsp_url {
	char host[256];              /* name, IPv4, or IPv6 without brackets */
	int port;                    /* RTSP_DEFAULT_PORT when not given */
	bool has_userinfo;           /* user[:password]@ was in the URL */
	char clean[RTSP_URL_MAX];    /* the URL without user[:password]@: what
				      * requests carry and messages show */
};

/* rtsp://[user[:password]@]host[:port][/path]. Returns 0, or GL_EINVAL with
 * what is wrong in why ("rtsps:// (TLS) is not supported"). */
int rtsp_url_parse(const char *url, struct rtsp_url *out, char *why, size_t why_len);

/* A URL an SDP control attribute or a Location names, against base: an
 * absolute URL as it is, "*" the base itself, "/x" on the base's host,
 * anything else after the base's path (with a '/' between, as servers that
 * give no Content-Base expect). Returns 0, or GL_ERANGE when it does not
 * fit, GL_EINVAL when ref is empty or holds a control character or space. */
int rtsp_url_resolve(const char *base, const char *ref, char *out, size_t len);

/* ---- requests ------------------------------------------------------------------ */

struct rtsp_request {
	const char *method;          /* "PLAY" */
	const char *url;
	unsigned cseq;
	/* optional headers, NULL = left out */
	const char *session;
	const char *transport;
	const char *range;
	const char *scale;
	const char *authorization;
	const char *accept;
	const char *user_agent;
};

/* The request as text into buf. Returns its length, GL_ERANGE when it does
 * not fit, GL_EINVAL when a value holds CR, LF or another control
 * character (a show's text never becomes a header of its own). */
int rtsp_request_format(char *buf, size_t len, const struct rtsp_request *r);

/* The answer to a request from the server: "RTSP/1.0 <status> <reason>"
 * with its CSeq (cseq < 0: none). Returns the length or GL_ERANGE. */
int rtsp_reply_format(char *buf, size_t len, int status, const char *reason, long cseq);

/* ---- parsing what arrives ------------------------------------------------------ */

enum rtsp_item_kind {
	RTSP_ITEM_NONE,              /* more bytes needed */
	RTSP_ITEM_FRAME,             /* an interleaved frame: drop it */
	RTSP_ITEM_REPLY,             /* a whole reply is in msg */
	RTSP_ITEM_REQUEST,           /* a whole request from the server is in msg */
	RTSP_ITEM_ERROR,             /* malformed: the stream cannot be trusted */
};

struct rtsp_header {
	const char *name;            /* as sent; compare without case */
	const char *value;           /* folded lines joined by one space, trimmed */
};

struct rtsp_msg {
	int status;                  /* reply: 100..599 */
	const char *reason;          /* reply: "OK" ("" when none) */
	const char *method;          /* request: "ANNOUNCE" */
	const char *url;             /* request */
	long cseq;                   /* -1: no (valid) CSeq header */
	int header_count;
	struct rtsp_header headers[RTSP_HEADERS_MAX];
	const uint8_t *body;         /* into the parsed buffer */
	size_t body_len;
	char text[RTSP_HEAD_MAX];    /* the head, unfolded: what the pointers point at */
};

struct rtsp_item {
	enum rtsp_item_kind kind;
	/* FRAME: it starts at `at` (0 between messages; inside a message's
	 * header lines when a server put it there) and spans `size` bytes
	 * ($, channel, length, payload), which may run past the buffer's
	 * end: the caller removes what it has and skips the rest as it
	 * arrives. REPLY, REQUEST: the message is buf[0..size), leading
	 * empty lines included. */
	size_t at, size;
	int channel;
	char error[160];             /* ERROR: what is wrong */
};

/* Looks at the start of buf[0..len): one item. msg is filled for REPLY and
 * REQUEST (its body points into buf); the caller consumes the item and
 * calls again. A header section longer than RTSP_HEAD_MAX, a body longer
 * than RTSP_BODY_MAX, a bad start line, header or Content-Length is an
 * ERROR: after one the caller closes the connection. A message missing its
 * CSeq parses (cseq = -1): what to do with it is the caller's choice. */
void rtsp_parse(const uint8_t *buf, size_t len, struct rtsp_msg *msg, struct rtsp_item *item);

/* A receive buffer as a client reads it: bytes arrive at buf + len (a
 * recv() into the free space, then rtsp_stream_added()); rtsp_stream_next()
 * hands out what is whole from off - an interleaved frame is taken out of
 * the buffer (wherever it sits) and what of it is still to come is dropped
 * as it arrives (skip); a message stays where it is, its body pointing
 * into buf, until rtsp_stream_compact() moves what is left to the front. */
struct rtsp_stream {
	uint8_t *buf;
	size_t cap;
	size_t len;                  /* bytes in buf */
	size_t off;                  /* where the next item starts */
	size_t skip;                 /* bytes of a frame still to come, dropped */
};

/* n bytes were written at buf + len: the first of them that finish a frame
 * being skipped are dropped, the rest join the buffer. Returns how many
 * were dropped. */
size_t rtsp_stream_added(struct rtsp_stream *s, size_t n);
/* The next item (as rtsp_parse): FRAME once it is out of the buffer,
 * REPLY/REQUEST with msg filled and off already past it, NONE, ERROR. */
void rtsp_stream_next(struct rtsp_stream *s, struct rtsp_msg *msg, struct rtsp_item *item);
/* Moves the unread bytes to the front (after the messages handed out are
 * done with). Returns true when the buffer is full of one unfinished
 * message (it can never complete: a stream to give up). */
bool rtsp_stream_compact(struct rtsp_stream *s);

/* The index-th header called name (without case), or NULL. */
const char *rtsp_msg_header(const struct rtsp_msg *msg, const char *name, int index);

/* ---- header values ------------------------------------------------------------- */

/* Session: id[;timeout=N]. Returns 0 or GL_EINVAL (no id, an id longer
 * than RTSP_SESSION_ID_MAX - 1, control characters); a missing or bad
 * timeout gives RTSP_SESSION_TIMEOUT_DEFAULT. */
int rtsp_session_parse(const char *value, char *id, size_t id_len, int *timeout_s);

/* Range: npt=START-[END] (START "now", seconds "12.5" or "h:mm:ss.f").
 * start/end are NAN when "now" or absent. Returns 0 or GL_EINVAL (not an
 * npt range). */
int rtsp_range_parse(const char *value, double *start_s, double *end_s);
/* "npt=12.345-" into buf. Returns the length or GL_ERANGE. */
int rtsp_range_format(double start_s, char *buf, size_t len);

/* Public: is method one of the comma-separated list? */
bool rtsp_public_has(const char *value, const char *method);

struct rtsp_transport {
	bool tcp;                    /* RTP/AVP/TCP */
	int interleaved[2];          /* -1 when absent */
	int client_port[2], server_port[2];
};
int rtsp_transport_parse(const char *value, struct rtsp_transport *out);

/* A Scale header's number. Returns 0 or GL_EINVAL. */
int rtsp_scale_parse(const char *value, double *scale);

/* ---- SDP (RFC 4566, what RTSP needs of it) -------------------------------------- */

struct rtsp_sdp {
	char control[RTSP_URL_MAX];  /* session-level a=control ("" none) */
	double duration_s;           /* session a=range:npt=0-END; NAN unknown */
	int track_count;
	struct {
		char media[16];      /* "video", "audio" */
		char control[RTSP_URL_MAX];  /* "" none */
	} tracks[RTSP_TRACKS_MAX];
};

/* Returns 0, or GL_EINVAL with why (no media, more than RTSP_TRACKS_MAX,
 * a control value too long). */
int rtsp_sdp_parse(const char *sdp, size_t len, struct rtsp_sdp *out, char *why, size_t why_len);

/* ---- authentication ------------------------------------------------------------ */

enum rtsp_auth_scheme { RTSP_AUTH_NONE, RTSP_AUTH_BASIC, RTSP_AUTH_DIGEST };

struct rtsp_auth {
	enum rtsp_auth_scheme scheme;
	char realm[128];
	char nonce[128];
	char opaque[128];
	bool sess;                   /* algorithm=MD5-sess */
	bool qop_auth;               /* qop offered "auth" (or only "auth-int") */
	bool qop_int;                /* ... only "auth-int" */
	bool stale;
};

/* One WWW-Authenticate value. Returns 0, or GL_EINVAL (malformed, no
 * realm, Digest without a nonce), GL_ENOENT (a scheme or Digest algorithm
 * other than MD5/MD5-sess: not one we answer). */
int rtsp_auth_parse(const char *value, struct rtsp_auth *out);

/* The best challenge of a 401 (Digest over Basic), into out. Returns 0, or
 * GL_ENOENT with why when none can be answered. */
int rtsp_auth_choose(const struct rtsp_msg *reply, struct rtsp_auth *out, char *why,
		     size_t why_len);

/* The Authorization value for a request: method and the request's URL,
 * nc counts the requests made with this nonce (from 1), cnonce is the
 * client's random hex (Digest with qop). Returns the length, GL_ERANGE, or
 * GL_EINVAL (user or password with a control character). */
int rtsp_auth_answer(const struct rtsp_auth *ch, const char *user, const char *password,
		     const char *method, const char *uri, unsigned nc, const char *cnonce,
		     char *out, size_t len);

#endif
