/*
 * control.h - the interface every control surface implements (OSC, MQTT;
 * MIDI later), and the set of adapters `play` runs.
 *
 * An adapter is a const struct gl_control_ops, found by name ("osc") from the
 * show's declaration (`osc { port = 7700 }`). The show loader calls
 * ops->check() (no I/O) so a wrong option is reported at the show's line;
 * the control thread then create()s it, polls the fds it hands out, calls
 * service() when they are ready or its next timer is due, and passes it
 * every engine event. Everything here runs on the control thread. Adapters
 * never include scripts/: what the show must see (messages no adapter
 * address matched) goes through the host's callbacks, which app/ wires.
 * Messages are plain data (gl_ctl_msg), valid only during the call.
 */
#ifndef GL_CONTROL_H
#define GL_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "outputs/options.h"

#define GL_CONTROL_MAX_FDS 64      /* fds one adapter may ask to poll */
#define GL_CONTROL_MAX 8           /* adapters in one set */
#define GL_CTL_ARGS_MAX 32         /* arguments of one message */

/* The declaration's options, as text (outputs/options.h). */
struct gl_control_config {
	char type[32];
	int line;                  /* show-file line, 0 = not declared */
	bool declared;             /* false: the adapter runs on its defaults */
	int option_count;
	struct gl_option options[GL_OPTION_MAX];
	char show_name[GL_NAME_MAX];
	char show_dir[1024];       /* relative file options (certificates) start here; "" = cwd */
};

/* One argument: type is an OSC type tag ('i' 'h' 'f' 'd' 's' 'T' 'F' 'N');
 * integers in i, reals in f, strings in s; 'b' is bytes: s points at i of
 * them (an MQTT payload, not NUL-terminated for the reader). */
struct gl_ctl_arg {
	char type;
	int64_t i;
	double f;
	const char *s;
};

struct gl_ctl_msg {
	const char *peer;          /* in: "osc.udp://1.2.3.4:9000/"; out (send): destination URL */
	const char *address;       /* "/house/open" */
	int argc;
	const struct gl_ctl_arg *argv;
};

/* What app/ gives an adapter. */
struct gl_control_host {
	struct gl_engine *engine;
	const char *show_name;     /* for adapters the show did not declare */
	void *ud;
	/* A line for the status screen / stderr; error = counted as an error. */
	void (*log)(void *ud, bool error, const char *text);
	/* A message outside the adapter's own address space (the show's
	 * on_osc handlers). Returns true when something handled it. */
	bool (*unhandled)(void *ud, const char *adapter, const struct gl_ctl_msg *msg);
	/* Optional: the show's i-th subscription for this adapter (on_mqtt
	 * topic filters), NULL past the last. Read when the adapter starts. */
	const char *(*subscription)(void *ud, const char *adapter, int i);
};

struct gl_control;                 /* opaque per-adapter state */

struct gl_control_stats {
	uint64_t received;         /* messages in */
	uint64_t dropped;          /* of those, dropped (every reason) */
	uint64_t sent;             /* messages out */
	uint64_t send_errors;
	int peers;                 /* subscribers / connections */
	char last_error[160];
	char state[64];            /* optional: "connected to 10.0.0.5:1883", "retrying in 4 s" */
};

struct gl_control_ops {
	int version;               /* 1 */
	const char *name;          /* registry name and show declaration: "osc" */
	bool default_on;           /* runs even when the show does not declare it */
	/* Every option, declared once (outputs/options.h). */
	const struct gl_opt_table *options;
	/* Load time, no I/O: checks options. Returns 0 or GL_EINVAL + err. */
	int (*check)(const struct gl_control_config *cfg, char *err, size_t err_len);
	/* Opens sockets. Returns NULL with err. */
	struct gl_control *(*create)(const struct gl_control_config *cfg,
				     const struct gl_control_host *host, char *err, size_t err_len);
	void (*destroy)(struct gl_control *c);
	/* Fills up to max pollfds; returns how many. */
	int (*poll_fds)(struct gl_control *c, struct pollfd *fds, int max);
	/* fds: what poll_fds() filled, revents set. Also runs due timers. */
	void (*service)(struct gl_control *c, const struct pollfd *fds, int count, uint64_t now_ns);
	/* Absolute monotonic time service() wants to run next; 0 = none. */
	uint64_t (*next_timer_ns)(struct gl_control *c);
	void (*on_event)(struct gl_control *c, const struct gl_event *ev);
	/* Optional: a show error or log line for remotes (error feedback). */
	void (*notify)(struct gl_control *c, const char *text);
	/* Optional: sends msg to msg->peer (a URL). Returns 0 or GL_E*. */
	int (*send)(struct gl_control *c, const struct gl_ctl_msg *msg);
	const struct gl_control_stats *(*stats)(struct gl_control *c);
	/* Optional: a URL from the command line (`play --mqtt URL`) as options,
	 * into opts (at most max). Returns the count, or GL_EINVAL + err. */
	int (*url_options)(const char *url, struct gl_option *opts, int max, char *err,
			   size_t err_len);
	/* Optional: an output started failing (error: why) or recovered
	 * (error: ""). */
	void (*output_status)(struct gl_control *c, const char *output, const char *error);
};

/* For adapters: a line through the host's log (stderr without one); an
 * error line is also kept, cut to fit, as stats->last_error. */
void gl_control_log(const struct gl_control_host *host, struct gl_control_stats *stats,
		    bool error, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* For adapters' closing summaries: appends " (name n, name n)" for the
 * non-zero counts[1..count-1] (0 is "accepted") to buf, which holds `used`
 * bytes. Returns the new length (at most len - 1). */
size_t gl_control_drop_text(char *buf, size_t len, size_t used, const uint64_t *counts,
			    int count, const char *(*name)(int reason));

/* The registry. */
const struct gl_control_ops *gl_control_find(const char *name);
const struct gl_control_ops *const *gl_control_all(void);

/* Adds the options adapter `cfg->type` reads from url to cfg, replacing
 * options of the same name (the command line wins over the show). Returns
 * 0, or GL_EINVAL + err (an adapter without URLs, a bad URL, too many
 * options). */
int gl_control_config_url(struct gl_control_config *cfg, const char *url, char *err,
			  size_t err_len);

/* ---- a set of running adapters (what app/play.c polls) ------------------- */

struct gl_controls;

/* Creates every adapter that is configured (configs, from the show) or on
 * by default. An adapter that fails to start is logged through the host and
 * left out: the show goes on. Returns NULL only when out of memory. */
struct gl_controls *gl_controls_create(const struct gl_control_config *configs, int count,
				       const struct gl_control_host *host);
void gl_controls_destroy(struct gl_controls *set);
/* Fills pollfds for every adapter; returns the count. */
int gl_controls_poll_fds(struct gl_controls *set, struct pollfd *fds, int max);
/* fds/count: exactly what gl_controls_poll_fds() filled, after poll(). */
void gl_controls_service(struct gl_controls *set, const struct pollfd *fds, int count,
			 uint64_t now_ns);
uint64_t gl_controls_next_timer_ns(struct gl_controls *set);
void gl_controls_event(struct gl_controls *set, const struct gl_event *ev);
void gl_controls_notify(struct gl_controls *set, const char *text);
/* An output failing (error: why) or recovered (""), for remotes. */
void gl_controls_output_status(struct gl_controls *set, const char *output, const char *error);
/* Sends through the adapter named `adapter`. GL_ENOENT when not running. */
int gl_controls_send(struct gl_controls *set, const char *adapter, const struct gl_ctl_msg *msg);
int gl_controls_count(const struct gl_controls *set);
const char *gl_controls_name(const struct gl_controls *set, int i);
const struct gl_control_stats *gl_controls_stats(struct gl_controls *set, int i);

#endif
