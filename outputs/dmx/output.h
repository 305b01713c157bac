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
 * it in its status (gl_output_status) and is retried on the next frame: it never
 * blocks the thread for long.
 */
#ifndef GL_OUTPUT_H
#define GL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "outputs/options.h"
#include "outputs/report.h"

#define GL_OUTPUT_MAX_UNIVERSES 4096

struct gl_output_config {
	char name[GL_NAME_MAX];      /* the show's name for this output */
	char type[32];               /* registry name */
	int universe_count;
	int *universes;              /* universe numbers (heap, owned) */
	int option_count;
	struct gl_option options[GL_OPTION_MAX];
	char show_name[GL_NAME_MAX]; /* used as default source name */
};

/* Counters and the last error an output keeps for the status screen.
 * Written by the output thread only (gl_count, gl_report_set), read by any
 * thread (gl_counter, gl_report_get): see outputs/report.h. */
struct gl_output_status {
	_Atomic uint64_t packets_sent;
	_Atomic uint64_t send_errors;
	_Atomic uint64_t frames_sent;
	_Atomic uint64_t packets_received;   /* input on poll_fd (e.g. ArtPoll) */
	_Atomic uint64_t packets_malformed;  /* of those, ignored as malformed */
	struct gl_report_text error;         /* the last error; "" when none */
	/* What open() found that the operator must read, once, whole (sACN:
	 * a temporary CID and why); errors that follow never replace it. */
	struct gl_report_text note;
};

/* Opaque per-type state. Invariant: it begins with its struct
 * gl_output_status, so gl_output_status() reads any output's counters
 * without a call into the driver. */
struct gl_output;

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
	/* How many universes one instance carries: 1 (universe = N) or more
	 * (universes = {...}). */
	int max_universes;
	/* Every option, declared once (outputs/options.h). */
	const struct gl_opt_table *options;
};

/* The registry. Returns NULL for an unknown name. */
const struct gl_output_ops *gl_output_find(const char *name);
/* NULL-terminated list of every registered output. */
const struct gl_output_ops *const *gl_output_all(void);

/* Status for display; any thread (outputs/report.h). */
const struct gl_output_status *gl_output_status(const struct gl_output *out);

/* The start of every configure(): a zeroed state of `size` bytes (which
 * begins with struct gl_output_status) with the options of ops->options
 * parsed into it, after checking the universes (1..ops->max_universes of
 * them, each 1..63999, none twice). Returns NULL with what is wrong in
 * err. */
void *gl_output_new(const struct gl_output_ops *ops, const struct gl_output_config *cfg,
		    size_t size, char *err, size_t err_len);

/* "how universes are given" for help: "universe = N" or "universes =
 * {...}, 1..4096 of them". */
void gl_output_universes_help(const struct gl_output_ops *ops, char *buf, size_t len);

void gl_output_config_free(struct gl_output_config *cfg);

/* ---- what the drivers share --------------------------------------------- */

/* A universe's 512 slots in a frame, or NULL when the engine does not
 * render it (a dark universe: the driver sends zeros, never nothing).
 * *cache keeps the universe's index between frames: start it at -1. */
const uint8_t *gl_frame_slots(const struct gl_frame *frame, int number, int *cache);

/* For steps that all run even when one fails (the rest of a frame still
 * goes): keeps rc in *first_err unless an earlier failure is there. */
static inline void gl_first_error(int *first_err, int rc)
{
	if (rc && !*first_err)
		*first_err = rc;
}

/* What a network output keeps of a universe it streams: the slots last
 * sent, and when they must go again unchanged (receivers drop a source
 * they stop hearing). Output thread only. */
struct gl_stream {
	bool sent;                   /* slots and next_keepalive_ns are valid */
	uint64_t next_keepalive_ns;  /* resend unchanged data from then on */
	uint8_t slots[GL_DMX_SLOTS];
};

/* A failed send is tried again this long after, not at once. */
#define GL_STREAM_RETRY_NS (100ull * 1000000ull)

/* After the universe's packet did (ok) or did not leave at now_ns: the
 * slots it carried are the stream's, due again keepalive_ns later; a
 * failure keeps what was last sent and is retried GL_STREAM_RETRY_NS on. */
void gl_stream_sent(struct gl_stream *s, const uint8_t *slots, bool ok, uint64_t now_ns,
		    uint64_t keepalive_ns);
/* true when slots differ from what was last sent (or nothing was). */
bool gl_stream_changed(const struct gl_stream *s, const uint8_t *slots);
bool gl_stream_keepalive_due(const struct gl_stream *s, uint64_t now_ns);
/* The earlier of next (0: none) and the stream's next keep-alive. */
uint64_t gl_stream_earliest(uint64_t next, const struct gl_stream *s);

/* The name a network output announces (sACN source name, Art-Net long
 * name) when the show gives none: "ghostlight: <show>", or "ghostlight"
 * without a show name, cut to fit size bytes (gl_text_fit). */
void gl_output_default_name(char *name, size_t size, const char *show_name);

#endif
