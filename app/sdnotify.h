/*
 * sdnotify.h - `play` under systemd (Type=notify): READY=1 once the show
 * runs (loaded, the engine ticking, every output thread taking frames),
 * STATUS= lines as cues change, and WATCHDOG=1 pings driven by the show's
 * health: a ping goes out only when, since the last one, the engine has
 * ticked and every output thread has taken new frames. A stalled engine,
 * a stuck output thread or a stuck control thread stops the pings, and
 * systemd (WatchdogSec=) ends and restarts the process, which resumes
 * where the show was (app/resume.h).
 *
 * The protocol is sd_notify(3)'s, written here (a datagram of
 * "KEY=value" lines to the AF_UNIX socket named by $NOTIFY_SOCKET, a path
 * or "@abstract"): a few lines instead of a dependency on libsystemd, and
 * tests point $NOTIFY_SOCKET at a socket of their own.
 *
 * Control thread only. Without $NOTIFY_SOCKET, gl_sdnotify_open() returns
 * NULL and every call below does nothing.
 */
#ifndef GL_SDNOTIFY_H
#define GL_SDNOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outputs/dmx/outthread.h"
#include "scripts/show.h"

struct gl_sdnotify;

/* NULL when not started by systemd (no $NOTIFY_SOCKET) or when the socket
 * cannot be made (err says why). Reads $WATCHDOG_USEC (and $WATCHDOG_PID:
 * pings are for this process only). */
struct gl_sdnotify *gl_sdnotify_open(char *err, size_t err_len);
void gl_sdnotify_close(struct gl_sdnotify *n);

/* Sends one message ("READY=1\nSTATUS=..."). Returns 0 or -errno. */
int gl_sdnotify_send(struct gl_sdnotify *n, const char *msg);

/* A note for STATUS= (how the run began: "resumed after a crash ..."),
 * kept and prefixed to every later status. */
void gl_sdnotify_note(struct gl_sdnotify *n, const char *note);

/* The control loop's turn: READY once the show runs, STATUS on change (at
 * most once a second), WATCHDOG when due and healthy. Returns true, with
 * the text in msg, when the health changed (a stall began: "no watchdog
 * ping: the engine has not ticked for 2.0 s"; or ended), for the log. */
bool gl_sdnotify_service(struct gl_sdnotify *n, struct gl_show *show,
			 struct gl_outthread *const *threads, int thread_count, uint64_t now_ns,
			 char *msg, size_t msg_len);
/* When the control loop must run next for it (monotonic ns); 0 none. */
uint64_t gl_sdnotify_next_ns(const struct gl_sdnotify *n);

#endif
