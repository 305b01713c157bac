/*
 * rtsp_target.h - what the RTSP adapter (rtsp.c) and its targets
 * (rtsp_target.c) share: the adapter's settings, one video target's
 * configuration, connection, session and wanted state. Private to
 * outputs/media/rtsp/. Control thread only.
 *
 * A target converges: commands (play, pause, resume, seek, stop) only
 * change what is *wanted* (playing from position P at time T, paused at P,
 * stopped); the target then sends what takes the server there, from
 * whatever state it is in - set up a session first when there is none,
 * again after the server was lost, restarted or forgot the session. So a
 * server that comes back mid-show is set up again and put where the show
 * expects it (a playing clip at the position it would have reached).
 */
#ifndef GL_RTSP_TARGET_H
#define GL_RTSP_TARGET_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "outputs/control/control.h"
#include "outputs/control/resolve.h"
#include "rtsp_wire.h"

#define RTSP_TARGETS_MAX 16           /* video_target declarations */
#define RTSP_INFLIGHT_MAX 16          /* requests awaiting a reply, per target */
#define RTSP_IN_BYTES (RTSP_HEAD_MAX + RTSP_BODY_MAX + 16384)
#define RTSP_OUT_BYTES 16384          /* requests the kernel has not taken yet */
#define RTSP_REDIRECTS_MAX 5          /* in a row, before one setup succeeds */
#define RTSP_STABLE_S 10.0            /* up this long: back-off starts over */

/* rtsp { ... }: the adapter's own options. */
struct rtsp_settings {
	double reply_timeout_s;       /* a request unanswered this long: connection lost */
	double connect_timeout_s;
	double retry_min_s, retry_max_s;
	double keepalive_s;           /* 0: half the session's timeout */
	double feedback_s;            /* position feedback while playing */
	bool enabled;
};

/* video_target { "wall", ... } */
struct rtsp_target_cfg {
	char name[GL_NAME_MAX];
	char url[RTSP_URL_MAX];
	char user[RTSP_CRED_MAX];
	char password[RTSP_CRED_MAX];
	bool preload;
	int transport;                /* 0 tcp (interleaved), 1 udp */
	int udp_port;                 /* 0: any free even port */
};

enum rtsp_conn {
	RTSP_DOWN,                    /* no connection, none wanted yet */
	RTSP_RESOLVING,
	RTSP_CONNECTING,
	RTSP_UP,
	RTSP_WAITING,                 /* back-off after a failure */
};

/* How far the session on the server is. */
enum rtsp_phase {
	RTSP_NONE,                    /* nothing described */
	RTSP_DESCRIBED,               /* SDP read, tracks being set up */
	RTSP_READY,                   /* every track set up: PLAY is one round trip */
	RTSP_PLAYING,
	RTSP_PAUSED,
};

enum rtsp_want { RTSP_WANT_STOPPED, RTSP_WANT_PLAYING, RTSP_WANT_PAUSED };

enum rtsp_req {
	RTSP_REQ_OPTIONS, RTSP_REQ_DESCRIBE, RTSP_REQ_SETUP, RTSP_REQ_PLAY, RTSP_REQ_PAUSE,
	RTSP_REQ_TEARDOWN, RTSP_REQ_KEEPALIVE,
};

enum rtsp_cmd { RTSP_CMD_PLAY, RTSP_CMD_PAUSE, RTSP_CMD_RESUME, RTSP_CMD_SEEK, RTSP_CMD_STOP };

struct rtsp_inflight {
	enum rtsp_req kind;
	unsigned cseq;
	uint64_t sent_ns;
	int track;                    /* SETUP */
	double range_s;               /* PLAY: NAN when no Range */
	double scale;                 /* PLAY: 0 when no Scale */
	uint64_t go_ns;               /* PLAY/PAUSE: when the command came (0 none) */
	unsigned auth_gen;            /* the challenge its Authorization answered */
	bool authorized;
	bool retried;                 /* already sent again after a 401 */
	bool seek;                    /* PAUSE, PLAY: a seek while playing */
};

struct rtsp_target {
	struct gl_control *adapter;
	struct rtsp_target_cfg cfg;
	struct rtsp_url url;          /* cfg.url, parsed */

	/* where we talk to now: cfg.url, or where a 3xx sent us */
	char cur_url[RTSP_URL_MAX];
	char cur_host[256];
	int cur_port;
	bool creds_ok;                /* on the configured host: credentials may go */
	int redirects;

	/* the connection */
	enum rtsp_conn conn;
	int fd;
	unsigned conn_gen;            /* +1 each time the connection closes */
	struct gl_resolve *res;
	uint64_t deadline_ns;         /* resolve / connect gives up then */
	uint64_t retry_ns;            /* next attempt (WAITING) */
	uint64_t up_ns;
	double backoff_s;
	bool closing;                 /* TEARDOWN sent: an end of stream is expected */
	struct rtsp_stream rx;        /* RTSP_IN_BYTES of what the server sent */
	uint8_t out[RTSP_OUT_BYTES];
	size_t out_len;

	/* the protocol */
	unsigned cseq;
	struct rtsp_inflight inflight[RTSP_INFLIGHT_MAX];
	int inflight_count;
	bool options_done;
	bool get_parameter;           /* Public lists GET_PARAMETER (keep-alive) */
	struct rtsp_sdp sdp;
	char aggregate[RTSP_URL_MAX];
	char track_url[RTSP_TRACKS_MAX][RTSP_URL_MAX];
	int tracks_setup;
	char session[RTSP_SESSION_ID_MAX];
	int timeout_s;
	enum rtsp_phase phase;
	enum rtsp_phase expect;       /* the phase once what is in flight is answered */
	double sent_scale;            /* the Scale last asked for (1 = none) */
	uint64_t last_sent_ns;

	/* authentication */
	struct rtsp_auth auth;        /* the challenge answered (scheme NONE: none) */
	unsigned auth_gen;
	unsigned nc;
	char cnonce[17];

	/* what the show wants */
	enum rtsp_want want;
	double want_pos_s;            /* the position at want_pos_ns (moving when playing) */
	uint64_t want_pos_ns;
	double want_scale;
	bool want_seek;               /* a Range must go with the next PLAY */
	uint64_t want_go_ns;          /* when the last command came (latency) */

	/* the media position as the server has it */
	double pos_s;
	uint64_t pos_ns;
	double rate;                  /* while playing */

	/* UDP transport: an RTP/RTCP pair per track */
	int udp_fd[RTSP_TRACKS_MAX][2];
	int udp_port[RTSP_TRACKS_MAX];

	/* reporting */
	char error[160];
	char reported_state[16];
	char reported_error[160];
	double reported_pos, reported_rate;
	uint64_t reported_ns;
	uint64_t next_feedback_ns;
	uint64_t frames, frame_bytes, udp_packets;
	uint64_t requests, replies, failures;
	double last_latency_ms;       /* GO to the PLAY reply, the last one */
};

/* The adapter (rtsp.c). */
struct gl_control {
	struct gl_control_host host;
	struct rtsp_settings set;
	struct rtsp_target *targets[RTSP_TARGETS_MAX];
	int target_count;
	struct rtsp_msg *msg;         /* parse scratch, shared by the targets */
	int epoll_fd;                 /* every target's UDP sockets; -1 none */
	struct gl_control_stats stats;
};

#define rtsp_log(a, error, ...) gl_control_log(&(a)->host, &(a)->stats, error, __VA_ARGS__)

/* rtsp_target.c */
struct rtsp_target *rtsp_target_create(struct gl_control *a, const struct rtsp_target_cfg *cfg,
				       char *err, size_t err_len);
void rtsp_target_destroy(struct rtsp_target *t);
/* The TCP socket to poll (fd -1 when none). */
void rtsp_target_pollfd(const struct rtsp_target *t, struct pollfd *pfd);
void rtsp_target_io(struct rtsp_target *t, short revents, uint64_t now);
/* Timers and the next step towards what is wanted. */
void rtsp_target_step(struct rtsp_target *t, uint64_t now);
uint64_t rtsp_target_next_ns(const struct rtsp_target *t, uint64_t now);
/* A command: at (seconds, NAN none), scale (0 none). Returns 0 or GL_EINVAL. */
int rtsp_target_command(struct rtsp_target *t, enum rtsp_cmd cmd, double at, double scale,
			uint64_t now);
/* Datagrams on one of its UDP sockets: read and counted. */
void rtsp_target_udp(struct rtsp_target *t, int fd);
/* The media position now, as far as the client can tell. */
double rtsp_target_position(const struct rtsp_target *t, uint64_t now);
/* "playing", "ready" ... (struct gl_media_state.state). */
const char *rtsp_target_state(const struct rtsp_target *t);
/* Tells the host when the state changed (or every feedback_s while playing). */
void rtsp_target_report(struct rtsp_target *t, uint64_t now, bool force);

#endif
