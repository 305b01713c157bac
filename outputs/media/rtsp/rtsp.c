/*
 * rtsp.c - the RTSP control adapter: triggers video on RTSP 1.0 media
 * servers and IP video sources from cues. A control adapter in the sense
 * of outputs/control/control.h (polled by the control loop, registered
 * like osc and mqtt) that lives with the media outputs.
 *
 * The show declares its targets once (video_target { "wall", url = ...,
 * user, password, preload = true }, handed over through the host's
 * declaration callback) and the adapter's own options (rtsp { ... }); cue
 * actions and rtsp.play(...) arrive through send() as commands: msg->peer
 * is the target, msg->address the command ("play" "pause" "resume" "seek"
 * "stop"), argv[0] the position in seconds ('f' or 'i', 'N' none), argv[1]
 * the scale. A command only changes what the target wants; the target
 * (rtsp_target.c) takes the server there without blocking, and reports its
 * state through the host (status screen, OSC/MQTT feedback).
 *
 * Control thread only. Invariant: the password is parsed into the target
 * and nowhere else, never logged, and wiped when the adapter ends.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "rtsp_target.h"

/* ---- options ------------------------------------------------------------------------ */

static const struct gl_opt rtsp_opts[] = {
	{ "reply_timeout", GL_OPT_REAL, 0.1, 120, "5", GL_OPT_AT(struct rtsp_settings, reply_timeout_s),
	  .help = "seconds a request may go unanswered; then the connection is given up and set up again" },
	{ "connect_timeout", GL_OPT_REAL, 0.1, 120, "5",
	  GL_OPT_AT(struct rtsp_settings, connect_timeout_s),
	  .help = "seconds to resolve the server's name and connect" },
	{ "retry_min", GL_OPT_REAL, 0.05, 60, "0.5", GL_OPT_AT(struct rtsp_settings, retry_min_s),
	  .help = "first wait after a failure, seconds (doubling up to retry_max)" },
	{ "retry_max", GL_OPT_REAL, 0.5, 3600, "30", GL_OPT_AT(struct rtsp_settings, retry_max_s),
	  .help = "longest wait between attempts; also after a refused password" },
	{ "keepalive", GL_OPT_REAL, 0, 3600, "0", .def_help = "half the session's timeout",
	  GL_OPT_AT(struct rtsp_settings, keepalive_s),
	  .help = "seconds between keep-alives (GET_PARAMETER, or OPTIONS) of an idle session" },
	{ "feedback", GL_OPT_REAL, 0.1, 60, "1", GL_OPT_AT(struct rtsp_settings, feedback_s),
	  .help = "seconds between position reports to remotes while a target plays" },
	{ "enabled", GL_OPT_BOOL, .def = "true", GL_OPT_AT(struct rtsp_settings, enabled),
	  .help = "false: video targets are not contacted (cues say so)" },
	{ .name = NULL },
};

static const struct gl_opt_table rtsp_options = {
	"rtsp", "RTSP 1.0 client that triggers the video_targets the show declares; "
	"runs when the show declares one", rtsp_opts,
};

static const struct gl_opt target_opts[] = {
	{ "name", GL_OPT_TEXT, 1, GL_NAME_MAX - 1, GL_OPT_AT(struct rtsp_target_cfg, name),
	  .help = "the target's name in cues (video_target { \"wall\", ... })" },
	{ "url", GL_OPT_TEXT, 1, RTSP_URL_MAX - 1, GL_OPT_AT(struct rtsp_target_cfg, url),
	  .help = "rtsp://host[:port]/path (a name is resolved in the background); required" },
	{ "user", GL_OPT_TEXT, 1, RTSP_CRED_MAX - 1, .def_help = "none",
	  GL_OPT_AT(struct rtsp_target_cfg, user),
	  .help = "user name, answered to a 401 with Digest (RFC 2617) or Basic" },
	{ "password", GL_OPT_TEXT, 1, RTSP_CRED_MAX - 1, .def_help = "none",
	  GL_OPT_AT(struct rtsp_target_cfg, password), .help = "password (never printed)" },
	{ "preload", GL_OPT_BOOL, .def = "true", GL_OPT_AT(struct rtsp_target_cfg, preload),
	  .help = "set the session up when the show starts (and again after a stop), so a "
	  "cue's PLAY is one round trip" },
	{ "transport", GL_OPT_CHOICE, .def = "tcp", .choices = "tcp|udp",
	  GL_OPT_AT(struct rtsp_target_cfg, transport),
	  .help = "RTP interleaved on the RTSP connection, or to UDP client ports (read and dropped)" },
	{ "udp_port", GL_OPT_INT, 1024, 65534, .def_help = "any free even port",
	  GL_OPT_AT(struct rtsp_target_cfg, udp_port),
	  .help = "first UDP client port with transport = \"udp\" (even; two per track)" },
	{ .name = NULL },
};

static const struct gl_opt_table target_options = {
	"video_target", "a video server or source cues trigger: video_target { \"wall\", url = "
	"\"rtsp://...\", ... }", target_opts,
};

static int target_parse(const struct gl_option *opts, int count, struct rtsp_target_cfg *cfg,
			char *err, size_t len)
{
	struct rtsp_url u;
	char why[200];

	memset(cfg, 0, sizeof *cfg);
	if (gl_opt_parse(&target_options, opts, count, cfg, err, len) < 0)
		return GL_EINVAL;
	if (!cfg->name[0])
		return gl_opt_fail(err, len, "the target needs a name: video_target { \"wall\", ... }");
	if (!cfg->url[0])
		return gl_opt_fail(err, len, "url = \"rtsp://host/path\" is needed");
	if (rtsp_url_parse(cfg->url, &u, why, sizeof why) < 0)
		return gl_opt_fail(err, len, "url: %s", why);
	if (u.has_userinfo)
		return gl_opt_fail(err, len, "url: give user = and password = instead of user:password@ "
				   "in the URL (the URL is shown, the password never)");
	if (cfg->password[0] && !cfg->user[0])
		return gl_opt_fail(err, len, "a password needs a user");
	if (strchr(cfg->user, ':'))
		return gl_opt_fail(err, len, "user: a user name cannot hold ':'");
	if (cfg->udp_port && cfg->transport != 1)
		return gl_opt_fail(err, len, "udp_port is for transport = \"udp\"");
	if (cfg->udp_port % 2)
		return gl_opt_fail(err, len, "udp_port: RTP takes an even port (RTCP the next one)");
	return 0;
}

static int rtsp_declaration_check(const struct gl_option *opts, int count, char *err, size_t len)
{
	struct rtsp_target_cfg cfg;
	int rc = target_parse(opts, count, &cfg, err, len);

	explicit_bzero(&cfg, sizeof cfg);
	return rc;
}

static int settings_parse(const struct gl_control_config *cfg, struct rtsp_settings *set,
			  char *err, size_t len)
{
	memset(set, 0, sizeof *set);
	if (gl_opt_parse(&rtsp_options, cfg->options, cfg->option_count, set, err, len) < 0)
		return GL_EINVAL;
	if (set->retry_min_s > set->retry_max_s)
		return gl_opt_fail(err, len, "retry_min is more than retry_max");
	if (set->keepalive_s > 0 && set->keepalive_s < 1)
		return gl_opt_fail(err, len, "keepalive: 0 (half the session's timeout) or 1..3600 s");
	return 0;
}

static int rtsp_check(const struct gl_control_config *cfg, char *err, size_t len)
{
	struct rtsp_settings set;

	return settings_parse(cfg, &set, err, len);
}

/* ---- life ---------------------------------------------------------------------------- */

static void rtsp_destroy(struct gl_control *a);

static struct gl_control *rtsp_create(const struct gl_control_config *cfg,
				      const struct gl_control_host *host, char *err, size_t len)
{
	struct gl_control *a = calloc(1, sizeof *a);
	const struct gl_option *opts;
	int count;

	if (!a || !(a->msg = malloc(sizeof *a->msg))) {
		free(a);
		snprintf(err, len, "out of memory");
		return NULL;
	}
	a->host = *host;
	a->epoll_fd = -1;
	if (settings_parse(cfg, &a->set, err, len) < 0) {
		rtsp_destroy(a);
		return NULL;
	}
	for (int i = 0; host->declaration && (opts = host->declaration(host->ud, "rtsp", i, &count));
	     i++) {
		struct rtsp_target_cfg tc;
		char why[300];
		struct rtsp_target *t = NULL;

		if (a->target_count == RTSP_TARGETS_MAX) {
			rtsp_log(a, true, "rtsp: more than %d video targets: the rest left out",
				 RTSP_TARGETS_MAX);
			break;
		}
		if (target_parse(opts, count, &tc, why, sizeof why) == 0)
			t = rtsp_target_create(a, &tc, why, sizeof why);
		if (!t)
			rtsp_log(a, true, "rtsp: video target %d left out: %s", i + 1, why);
		else
			a->targets[a->target_count++] = t;
		explicit_bzero(&tc, sizeof tc);
	}
	if (!a->set.enabled || a->target_count == 0) {
		/* nothing to drive: not running, and nothing to say unless the
		 * show asked for it */
		if (!a->set.enabled || !cfg->declared)
			err[0] = '\0';
		else
			snprintf(err, len, "rtsp { ... } but no video_target declared");
		rtsp_destroy(a);
		return NULL;
	}
	uint64_t now = gl_now_ns();

	for (int i = 0; i < a->target_count; i++) {
		struct rtsp_target *t = a->targets[i];

		rtsp_log(a, false, "rtsp: %s: %s%s%s%s", t->cfg.name, t->url.clean,
			 t->cfg.user[0] ? " (with a user)" : "", t->cfg.preload ? ", preloaded" : "",
			 t->cfg.transport ? ", RTP over UDP" : "");
		rtsp_target_step(t, now);       /* preload: connecting now */
	}
	return a;
}

static void rtsp_destroy(struct gl_control *a)
{
	if (!a)
		return;
	/* the other adapters may be gone already: no feedback from here on */
	a->host.media_state = NULL;
	for (int i = 0; i < a->target_count; i++) {
		struct rtsp_target *t = a->targets[i];

		rtsp_log(a, false, "rtsp: %s: %llu requests, %llu replies, %llu failures; %llu RTP "
			 "frames (%llu bytes) and %llu datagrams read and dropped", t->cfg.name,
			 (unsigned long long)t->requests, (unsigned long long)t->replies,
			 (unsigned long long)t->failures, (unsigned long long)t->frames,
			 (unsigned long long)t->frame_bytes, (unsigned long long)t->udp_packets);
		rtsp_target_destroy(t);
	}
	if (a->epoll_fd >= 0)
		close(a->epoll_fd);
	free(a->msg);
	free(a);
}

/* ---- the poll loop ----------------------------------------------------------------------- */

static int rtsp_poll_fds(struct gl_control *a, struct pollfd *fds, int max)
{
	int n = 0;

	for (int i = 0; i < a->target_count && n < max; i++) {
		rtsp_target_pollfd(a->targets[i], &fds[n]);
		if (fds[n].fd >= 0)
			n++;
	}
	if (a->epoll_fd >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = a->epoll_fd, .events = POLLIN };
	return n;
}

static struct rtsp_target *udp_owner(struct gl_control *a, int fd)
{
	for (int i = 0; i < a->target_count; i++)
		for (int k = 0; k < RTSP_TRACKS_MAX; k++)
			if (a->targets[i]->udp_fd[k][0] == fd || a->targets[i]->udp_fd[k][1] == fd)
				return a->targets[i];
	return NULL;
}

static void rtsp_service(struct gl_control *a, const struct pollfd *fds, int count, uint64_t now)
{
	for (int k = 0; k < count; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == a->epoll_fd) {
			struct epoll_event ev[32];
			int n = epoll_wait(a->epoll_fd, ev, 32, 0);

			for (int e = 0; e < n; e++) {
				struct rtsp_target *t = udp_owner(a, ev[e].data.fd);

				if (t)
					rtsp_target_udp(t, ev[e].data.fd);
			}
			continue;
		}
		for (int i = 0; i < a->target_count; i++)
			if (a->targets[i]->fd == fds[k].fd)
				rtsp_target_io(a->targets[i], fds[k].revents, now);
	}
	char state[sizeof a->stats.state] = "";
	size_t used = 0;

	a->stats.peers = 0;
	for (int i = 0; i < a->target_count; i++) {
		struct rtsp_target *t = a->targets[i];

		rtsp_target_step(t, now);
		a->stats.peers += t->conn == RTSP_UP;
		if (used < sizeof state)
			used += (size_t)snprintf(state + used, sizeof state - used, "%s%s %s",
						 i ? ", " : "", t->cfg.name, rtsp_target_state(t));
	}
	memcpy(a->stats.state, state, sizeof state);
}

static uint64_t rtsp_next_timer(struct gl_control *a)
{
	uint64_t now = gl_now_ns(), next = 0;

	for (int i = 0; i < a->target_count; i++) {
		uint64_t t = rtsp_target_next_ns(a->targets[i], now);

		if (t && (!next || t < next))
			next = t;
	}
	return next;
}

/* ---- commands ------------------------------------------------------------------------------ */

static const char *const commands[] = {
	[RTSP_CMD_PLAY] = "play", [RTSP_CMD_PAUSE] = "pause", [RTSP_CMD_RESUME] = "resume",
	[RTSP_CMD_SEEK] = "seek", [RTSP_CMD_STOP] = "stop",
};

static bool number_arg(const struct gl_ctl_msg *msg, int i, double *out)
{
	if (i >= msg->argc || msg->argv[i].type == 'N')
		return true;
	switch (msg->argv[i].type) {
	case 'i': case 'h':
		*out = (double)msg->argv[i].i;
		return true;
	case 'f': case 'd':
		*out = msg->argv[i].f;
		return isfinite(*out);
	}
	return false;
}

static int rtsp_send(struct gl_control *a, const struct gl_ctl_msg *msg)
{
	struct rtsp_target *t = NULL;
	double at = NAN, scale = 0.0;

	if (!msg->peer || !msg->address || msg->argc < 0 || msg->argc > 2 || (msg->argc && !msg->argv))
		return GL_EINVAL;
	for (int i = 0; i < a->target_count && !t; i++)
		if (strcmp(a->targets[i]->cfg.name, msg->peer) == 0)
			t = a->targets[i];
	if (!t)
		return GL_ENOENT;
	if (!number_arg(msg, 0, &at) || !number_arg(msg, 1, &scale))
		return GL_EINVAL;
	for (int c = 0; c < (int)(sizeof commands / sizeof commands[0]); c++)
		if (strcmp(msg->address, commands[c]) == 0)
			return rtsp_target_command(t, (enum rtsp_cmd)c, at, scale, gl_now_ns());
	return GL_EINVAL;
}

static const struct gl_control_stats *rtsp_stats(struct gl_control *a)
{
	return &a->stats;
}

const struct gl_control_ops gl_rtsp_control_ops = {
	.version = 1,
	.name = "rtsp",
	.options = &rtsp_options,
	.default_on = true,              /* runs when the show declares a video_target */
	.check = rtsp_check,
	.create = rtsp_create,
	.destroy = rtsp_destroy,
	.poll_fds = rtsp_poll_fds,
	.service = rtsp_service,
	.next_timer_ns = rtsp_next_timer,
	.send = rtsp_send,
	.stats = rtsp_stats,
	.declaration_options = &target_options,
	.declaration_function = "video_target",
	.declaration_check = rtsp_declaration_check,
};
