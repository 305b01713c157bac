/*
 * output.h - the interface every DMX output implements, and the registry
 * that finds one by the name a show file gives ("sacn", "artnet", ...).
 *
 * An output is a const struct gl_output_ops. The show loader calls
 * ops->configure() at load time (no I/O: it checks options and keeps them),
 * so that a wrong option is reported with the show file's line. The output
 * thread then calls open(), send() for every new frame, service() when its
 * poll_fd is readable or its next_service_ns has come, and close() at the
 * end. Only the output thread touches an opened output; configure() runs on
 * the loading thread. An output that fails to send returns an error, keeps
 * it in its status (last_error) and is retried on the next frame: it never
 * blocks the thread for long.
 */
#ifndef GL_OUTPUT_H
#define GL_OUTPUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "outputs/options.h"

#define GL_OUTPUT_MAX_UNIVERSES 4096

struct gl_output_config {
	char name[GL_NAME_MAX];      /* the show's name for this output */
	char type[32];               /* registry name */
	int universe_count;
	int *universes;              /* universe numbers (heap, owned) */
	int option_count;
	struct gl_output_option options[GL_OUTPUT_MAX_OPTIONS];
	char show_name[GL_NAME_MAX]; /* used as default source name */
};

/* Counters an output keeps for the status screen. Written by the output
 * thread, read by others: plain fields read racily are fine for display,
 * so they are atomics only where a test depends on them. */
struct gl_output_status {
	uint64_t packets_sent;
	uint64_t send_errors;
	uint64_t frames_sent;
	uint64_t packets_received;   /* input on poll_fd (e.g. ArtPoll) */
	uint64_t packets_malformed;  /* of those, ignored as malformed */
	char last_error[128];        /* "" when none */
	uint64_t last_error_ns;
};

struct gl_output;                /* opaque per-type state */

struct gl_output_ops {
	int version;                 /* 1 */
	const char *name;            /* registry name, e.g. "sacn" */
	/* Checks options and universes; no I/O. Returns state (to pass to open)
	 * or NULL with a message in err ("unknown option 'x'", "priority must
	 * be 0..200"). */
	struct gl_output *(*configure)(const struct gl_output_config *cfg,
				       char *err, size_t err_len);
	/* Opens sockets/devices. Returns 0 or negative GL_E*, message in status. */
	int (*open)(struct gl_output *out);
	/* Sends the frame's universes this output carries. */
	int (*send)(struct gl_output *out, const struct gl_frame *frame, uint64_t now_ns);
	/* Ends streams (sACN: 3 terminated packets), closes, frees. NULL ok. */
	void (*close)(struct gl_output *out);
	/* Optional: fd to poll for input (ArtPoll), or -1. */
	int (*poll_fd)(struct gl_output *out);
	/* Optional: handle input, periodic sends (discovery, keep-alive). */
	void (*service)(struct gl_output *out, uint64_t now_ns);
	/* Optional: absolute time service() wants to run next, 0 = no need. */
	uint64_t (*next_service_ns)(struct gl_output *out);
	/* Status for display; any thread (racy reads are fine). */
	const struct gl_output_status *(*status)(struct gl_output *out);
	/* Optional: DMX this output receives (a widget's DMX in), for the
	 * show's input universe. Fills *universe, the newest slots and
	 * *frames (a count of receptions; it changes with every new frame or
	 * loss of signal). Returns the slot count, 0 with no signal, or
	 * GL_ENOENT when the output has no input configured. Output thread. */
	int (*input)(struct gl_output *out, int *universe, uint8_t slots[GL_DMX_SLOTS],
		     uint64_t *frames);
	/* true: each instance gets an output thread of its own (a USB device
	 * whose writes can block); false: shares the network output thread. */
	bool dedicated_thread;
};

/* The registry. Returns NULL for an unknown name. */
const struct gl_output_ops *gl_output_find(const char *name);
/* NULL-terminated list of every registered output. */
const struct gl_output_ops *const *gl_output_all(void);

/* Helpers for configure(): look up an option. Return NULL when absent. */
const struct gl_output_option *gl_output_option(const struct gl_output_config *cfg,
						const char *key);
/* Fails with a message naming the first option not in `known` (NULL-ended). */
int gl_output_check_keys(const struct gl_output_config *cfg, const char *const *known,
			 char *err, size_t err_len);

/* The start of every network output's configure(): a config, only known
 * keys, 1..GL_OUTPUT_MAX_UNIVERSES universes. Returns 0 or GL_EINVAL with
 * "<prefix>: ..." in err. */
int gl_output_check_network(const struct gl_output_config *cfg, const char *prefix,
			    const char *const *known, char *err, size_t err_len);

void gl_output_config_free(struct gl_output_config *cfg);

#endif
