/*
 * sdnotify.c - `play` under systemd (see sdnotify.h).
 *
 * Health: at each check (every half of WATCHDOG_USEC, or each second
 * without a watchdog) the engine's tick count (its snapshot) and each
 * output thread's frame count are compared with the last check's. All
 * moved: healthy, ping. Any stood still: no ping, and the log hears once
 * what stood still; the next check where all move again pings again.
 */
#include "sdnotify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/engine.h"

#define SD_MAX_THREADS 8
#define SD_STATUS_PERIOD_NS GL_NS_PER_S

struct gl_sdnotify {
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t watchdog_ns;          /* WATCHDOG_USEC, 0 none */
	uint64_t check_period_ns;
	uint64_t next_check_ns;
	bool ready;
	bool stalled;
	uint64_t last_tick;
	uint64_t last_frames[SD_MAX_THREADS];
	uint64_t stalled_since_ns;
	uint64_t next_status_ns;
	char status[512];              /* the last STATUS= sent */
	char note[256];
	struct gl_snapshot snap;
};

struct gl_sdnotify *gl_sdnotify_open(char *err, size_t err_len)
{
	const char *path = getenv("NOTIFY_SOCKET");
	err[0] = '\0';
	if (!path || !path[0])
		return NULL;
	struct gl_sdnotify *n = calloc(1, sizeof *n);
	if (!n) {
		snprintf(err, err_len, "systemd notify: out of memory");
		return NULL;
	}
	size_t len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof n->addr.sun_path) {
		snprintf(err, err_len, "systemd notify: NOTIFY_SOCKET \"%s\" is not a socket path",
			 path);
		free(n);
		return NULL;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';    /* abstract namespace */
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
				  (path[0] == '@' ? 0 : 1));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd < 0) {
		snprintf(err, err_len, "systemd notify: socket: %s", strerror(errno));
		free(n);
		return NULL;
	}
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	if (usec && (!pid || strtol(pid, NULL, 10) == (long)getpid())) {
		unsigned long long us = strtoull(usec, NULL, 10);
		n->watchdog_ns = us * 1000ull;
	}
	/* twice per watchdog period, as sd_watchdog_enabled(3) advises */
	n->check_period_ns = n->watchdog_ns ? n->watchdog_ns / 2 : GL_NS_PER_S;
	return n;
}

void gl_sdnotify_close(struct gl_sdnotify *n)
{
	if (!n)
		return;
	close(n->fd);
	free(n->snap.lists);
	free(n->snap.fader_levels);
	free(n);
}

int gl_sdnotify_send(struct gl_sdnotify *n, const char *msg)
{
	if (!n)
		return 0;
	ssize_t rc = sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL,
			    (const struct sockaddr *)&n->addr, n->addr_len);
	return rc < 0 ? -errno : 0;
}

void gl_sdnotify_note(struct gl_sdnotify *n, const char *note)
{
	if (n)
		snprintf(n->note, sizeof n->note, "%s", note);
}

uint64_t gl_sdnotify_next_ns(const struct gl_sdnotify *n)
{
	if (!n)
		return 0;
	return n->next_check_ns < n->next_status_ns || !n->next_status_ns ? n->next_check_ns
									     : n->next_status_ns;
}

/* "Main cue 3 Storm; FX cue 1 (paused)" from the snapshot. */
static void status_text(struct gl_sdnotify *n, struct gl_show *show, char *buf, size_t len)
{
	struct gl_engine *e = gl_show_engine(show);
	size_t used = (size_t)snprintf(buf, len, "%s%s%s: ", n->note, n->note[0] ? "; " : "",
				       gl_show_name(show));
	int shown = 0;
	for (int l = 0; l < n->snap.list_count && used < len; l++) {
		const struct gl_list_status *ls = &n->snap.lists[l];
		if (ls->state == GL_LIST_OFF || ls->active < 0)
			continue;
		const struct gl_cue_def *d = gl_engine_cue(e, l, ls->active);
		used += (size_t)snprintf(buf + used, len - used, "%s%s cue %s %s%s", shown++ ? "; " : "",
					 gl_engine_cuelist_name(e, l), d->number_text, d->label,
					 ls->state == GL_LIST_PAUSED ? " (paused)" : "");
	}
	if (!shown && used < len)
		snprintf(buf + used, len - used, "every cue list off");
}

bool gl_sdnotify_service(struct gl_sdnotify *n, struct gl_show *show,
			 struct gl_outthread *const *threads, int thread_count, uint64_t now,
			 char *msg, size_t msg_len)
{
	if (!n)
		return false;
	struct gl_engine *e = gl_show_engine(show);
	if (!n->snap.lists) {
		int lists = gl_engine_cuelist_count(e), faders = gl_engine_fader_count(e);
		n->snap.lists = calloc((size_t)(lists ? lists : 1), sizeof *n->snap.lists);
		n->snap.fader_levels = calloc((size_t)(faders ? faders : 1), sizeof(float));
		if (!n->snap.lists || !n->snap.fader_levels)
			return false;
	}
	if (thread_count > SD_MAX_THREADS)
		thread_count = SD_MAX_THREADS;
	bool have_snap = gl_engine_snapshot(e, &n->snap) == 0;
	bool changed = false;

	if (!n->ready) {
		/* running: the engine ticked, every output thread took a frame */
		bool running = have_snap;
		for (int t = 0; t < thread_count; t++)
			running &= gl_outthread_frames(threads[t]) > 0;
		if (!running) {
			n->next_check_ns = now + GL_NS_PER_S / 20;
			return false;
		}
		char ready[600];
		status_text(n, show, n->status, sizeof n->status);
		snprintf(ready, sizeof ready, "READY=1\nSTATUS=%s", n->status);
		gl_sdnotify_send(n, ready);
		n->ready = true;
		n->last_tick = n->snap.tick;
		for (int t = 0; t < thread_count; t++)
			n->last_frames[t] = gl_outthread_frames(threads[t]);
		if (n->watchdog_ns)
			gl_sdnotify_send(n, "WATCHDOG=1");
		n->next_check_ns = now + n->check_period_ns;
		n->next_status_ns = now + SD_STATUS_PERIOD_NS;
		return false;
	}

	if (now >= n->next_status_ns) {
		char text[sizeof n->status];
		status_text(n, show, text, sizeof text);
		if (strcmp(text, n->status) != 0) {
			char line[sizeof text + 8];
			snprintf(line, sizeof line, "STATUS=%s", text);
			gl_sdnotify_send(n, line);
			memcpy(n->status, text, sizeof text);
		}
		n->next_status_ns = now + SD_STATUS_PERIOD_NS;
	}

	if (now < n->next_check_ns)
		return false;
	n->next_check_ns = now + n->check_period_ns;
	const char *still = NULL;
	int still_thread = -1;
	if (!have_snap || n->snap.tick == n->last_tick)
		still = "the engine has not ticked";
	for (int t = 0; t < thread_count && !still; t++)
		if (gl_outthread_frames(threads[t]) == n->last_frames[t]) {
			still = "an output thread has taken no frame";
			still_thread = t;
		}
	n->last_tick = n->snap.tick;
	for (int t = 0; t < thread_count; t++)
		n->last_frames[t] = gl_outthread_frames(threads[t]);
	if (!still) {
		if (n->watchdog_ns)
			gl_sdnotify_send(n, "WATCHDOG=1");
		if (n->stalled) {
			snprintf(msg, msg_len, "the show runs again after %.1f s: watchdog pings resume",
				 (double)(now - n->stalled_since_ns) / 1e9);
			changed = true;
		}
		n->stalled = false;
		return changed;
	}
	if (!n->stalled) {
		n->stalled = true;
		n->stalled_since_ns = now;
		if (still_thread >= 0)
			snprintf(msg, msg_len, "%s (thread %d) for %.1f s: no watchdog ping", still,
				 still_thread + 1, (double)n->check_period_ns / 1e9);
		else
			snprintf(msg, msg_len, "%s for %.1f s: no watchdog ping", still,
				 (double)n->check_period_ns / 1e9);
		return true;
	}
	return false;
}
