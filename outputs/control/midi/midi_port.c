/*
 * midi_port.c - RtMidi ports, the input inbox and the JACK watch (see
 * midi_port.h). The owning thread, except on_input() (RtMidi's thread) and
 * the watch's JACK callbacks (JACK's threads), which only touch atomics,
 * the lock-free ring and an eventfd.
 */
#include "midi_port.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <jack/jack.h>
#include <rtmidi_c.h>

#include "engine/engine.h"

#define OUT_QUEUE_MAX 8192          /* JACK: bytes queued while no cycle ran */

const char *midi_system_name(enum midi_system s)
{
	return s == MIDI_SYSTEM_ALSA ? "alsa" : s == MIDI_SYSTEM_JACK ? "jack" : "none";
}

static enum RtMidiApi rt_api(enum midi_system s)
{
	return s == MIDI_SYSTEM_ALSA ? RTMIDI_API_LINUX_ALSA : RTMIDI_API_UNIX_JACK;
}

/* libjack prints every failed connection ("Cannot connect to server
 * socket") to stderr; waiting for a server, we try every few seconds. */
static void jack_quiet(const char *text)
{
	(void)text;
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void silence_jack(void)
{
	jack_set_error_function(jack_quiet);
	jack_set_info_function(jack_quiet);
}

static bool jack_running(void)
{
	jack_status_t status;
	jack_client_t *probe;

	pthread_once(&quiet_once, silence_jack);
	probe = jack_client_open("ghostlight-probe", JackNoStartServer, &status);
	if (!probe)
		return false;
	jack_client_close(probe);
	return true;
}

static bool alsa_seq_usable(void)
{
	return access("/dev/snd/seq", R_OK | W_OK) == 0;
}

enum midi_system midi_port_system(enum midi_api_choice want, char *why, size_t len)
{
	bool alsa = want != MIDI_API_JACK && alsa_seq_usable();

	if (alsa)
		return MIDI_SYSTEM_ALSA;
	if (want != MIDI_API_ALSA && jack_running())
		return MIDI_SYSTEM_JACK;
	snprintf(why, len, "%s", want == MIDI_API_ALSA ? "no ALSA sequencer (/dev/snd/seq)"
			       : want == MIDI_API_JACK ? "no JACK server running"
			       : "no ALSA sequencer (/dev/snd/seq) and no JACK server running");
	return MIDI_SYSTEM_NONE;
}

static int list_ports(RtMidiPtr rt, char (*names)[MIDI_PORT_NAME_MAX], int max)
{
	unsigned count;
	int n = 0;

	rt->ok = true;
	count = rtmidi_get_port_count(rt);
	if (!rt->ok)
		return -1;
	for (unsigned i = 0; i < count && n < max; i++) {
		int len = MIDI_PORT_NAME_MAX;

		rt->ok = true;
		names[n][0] = '\0';
		if (rtmidi_get_port_name(rt, i, names[n], &len) < 0 || !rt->ok)
			continue;
		n++;
	}
	return n;
}

int midi_port_list(enum midi_system system, bool inputs, char (*names)[MIDI_PORT_NAME_MAX], int max,
		   char *why, size_t len)
{
	RtMidiPtr rt;
	int n;

	if (system == MIDI_SYSTEM_NONE) {
		snprintf(why, len, "no MIDI system");
		return -1;
	}
	pthread_once(&quiet_once, silence_jack);
	rt = inputs ? rtmidi_in_create(rt_api(system), "ghostlight-list", 16)
		    : rtmidi_out_create(rt_api(system), "ghostlight-list");
	if (!rt || !rt->ok || !rt->ptr) {
		snprintf(why, len, "RtMidi cannot open %s", midi_system_name(system));
		if (rt)
			inputs ? rtmidi_in_free(rt) : rtmidi_out_free(rt);
		return -1;
	}
	n = list_ports(rt, names, max);
	if (n < 0)
		snprintf(why, len, "RtMidi cannot list the %s ports", midi_system_name(system));
	inputs ? rtmidi_in_free(rt) : rtmidi_out_free(rt);
	return n;
}

/* "client:port" or ALSA's "Client:Port 20:0": is the client ours? */
static bool skipped(const char *name, const char *skip)
{
	size_t n = skip ? strlen(skip) : 0;

	if (!n || strncmp(name, skip, n) != 0)
		return false;
	name += n;
	if (name[0] == ':' || strncmp(name, "-out:", 5) == 0 || strncmp(name, "-watch:", 7) == 0)
		return true;
	if (strncmp(name, "-in", 3) != 0)
		return false;
	name += 3;
	while (*name >= '0' && *name <= '9')
		name++;
	return *name == ':';
}

int midi_port_match(const char *pattern, char (*names)[MIDI_PORT_NAME_MAX], int count,
		    const char *skip)
{
	bool glob = strpbrk(pattern, "*?[") != NULL;

	for (int i = 0; i < count; i++)
		if (!skipped(names[i], skip) && strcmp(names[i], pattern) == 0)
			return i;
	for (int i = 0; i < count && glob; i++)
		if (!skipped(names[i], skip) && fnmatch(pattern, names[i], 0) == 0)
			return i;
	for (int i = 0; i < count && !glob; i++)
		if (!skipped(names[i], skip) && strcasestr(names[i], pattern))
			return i;
	return -1;
}

/* ---- the inbox --------------------------------------------------------------------- */

int midi_inbox_init(struct midi_inbox *box)
{
	memset(box, 0, sizeof *box);
	box->efd = -1;
	if (gl_mpsc_init(&box->ring, MIDI_INBOX_ITEMS, sizeof(struct midi_chunk)) != 0)
		return GL_ENOMEM;
	box->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (box->efd < 0) {
		gl_mpsc_free(&box->ring);
		return GL_EIO;
	}
	atomic_init(&box->signalled, false);
	atomic_init(&box->overruns, 0);
	return 0;
}

void midi_inbox_free(struct midi_inbox *box)
{
	if (box->efd >= 0)
		close(box->efd);
	box->efd = -1;
	gl_mpsc_free(&box->ring);
}

void midi_inbox_ack(struct midi_inbox *box)
{
	uint64_t count;
	ssize_t got = read(box->efd, &count, sizeof count);

	(void)got;
	/* before draining: a chunk pushed from now on signals again */
	atomic_store(&box->signalled, false);
}

bool midi_inbox_take(struct midi_inbox *box, struct midi_chunk *out)
{
	return gl_mpsc_pop(&box->ring, out);
}

/* ---- inputs ---------------------------------------------------------------------------- */

struct midi_in {
	RtMidiInPtr rt;
	struct midi_inbox *box;
	int tag;
	atomic_bool lost;           /* a chunk was dropped: flag the next one */
};

/* RtMidi's thread: copy, push, signal. Nothing that can block. */
static void on_input(double stamp, const unsigned char *msg, size_t size, void *ud)
{
	struct midi_in *in = ud;
	struct midi_inbox *box = in->box;
	uint64_t now = gl_now_ns();
	struct midi_chunk c;

	(void)stamp;
	for (size_t off = 0; off < size; off += MIDI_CHUNK_BYTES) {
		size_t n = size - off < MIDI_CHUNK_BYTES ? size - off : MIDI_CHUNK_BYTES;

		memset(&c, 0, sizeof c);
		c.t_ns = now;
		c.tag = (uint8_t)in->tag;
		c.len = (uint8_t)n;
		c.gap = atomic_load_explicit(&in->lost, memory_order_relaxed);
		memcpy(c.bytes, msg + off, n);
		if (gl_mpsc_push(&box->ring, &c)) {
			if (c.gap)
				atomic_store_explicit(&in->lost, false, memory_order_relaxed);
		} else {
			atomic_store_explicit(&in->lost, true, memory_order_relaxed);
			atomic_fetch_add_explicit(&box->overruns, 1, memory_order_relaxed);
		}
	}
	if (!atomic_exchange(&box->signalled, true)) {
		uint64_t one = 1;
		ssize_t put = write(box->efd, &one, sizeof one);

		(void)put;
	}
}

/* The index of the port named `name` in rt's listing, or -1. */
static int port_index(RtMidiPtr rt, const char *name)
{
	char (*names)[MIDI_PORT_NAME_MAX] = calloc(MIDI_PORTS_MAX, sizeof *names);
	int n, at = -1;

	if (!names)
		return -1;
	n = list_ports(rt, names, MIDI_PORTS_MAX);
	for (int i = 0; i < n && at < 0; i++)
		if (strcmp(names[i], name) == 0)
			at = i;
	free(names);
	return at;
}

/* Our port `port` on rt, connected to the port named `theirs`, or virtual
 * (theirs NULL). Returns false with why. */
static bool open_port(RtMidiPtr rt, const char *port, const char *theirs, char *why, size_t len)
{
	if (theirs) {
		int at = port_index(rt, theirs);

		if (at < 0) {
			snprintf(why, len, "no port \"%.100s\" any more", theirs);
			return false;
		}
		rt->ok = true;
		rtmidi_open_port(rt, (unsigned)at, port);
	} else {
		rt->ok = true;
		rtmidi_open_virtual_port(rt, port);
	}
	if (!rt->ok)
		snprintf(why, len, "RtMidi cannot open %s \"%.100s\"", theirs ? "port" : "a virtual port",
			 theirs ? theirs : port);
	return rt->ok;
}

/* Whether RtMidi made the client rt (its create functions report failure
 * in the object they return). Returns false with why. */
static bool rt_created(RtMidiPtr rt, enum midi_system system, const char *client, char *why,
		       size_t len)
{
	if (rt && rt->ok && rt->ptr)
		return true;
	snprintf(why, len, "RtMidi cannot open %s as \"%s\"", midi_system_name(system), client);
	return false;
}

/* Closes rt's port, if it has a client: before rtmidi_in_free or
 * rtmidi_out_free, so that JACK's process callback stops first. */
static void rt_close(RtMidiPtr rt)
{
	if (rt->ptr) {
		rt->ok = true;
		rtmidi_close_port(rt);
	}
}

struct midi_in *midi_in_open(enum midi_system system, const char *client, const char *port,
			     const char *source, struct midi_inbox *box, int tag, char *why,
			     size_t len)
{
	struct midi_in *in = calloc(1, sizeof *in);

	if (!in) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	pthread_once(&quiet_once, silence_jack);
	in->box = box;
	in->tag = tag;
	atomic_init(&in->lost, false);
	in->rt = rtmidi_in_create(rt_api(system), client, 100);
	if (!rt_created(in->rt, system, client, why, len)) {
		midi_in_close(in);
		return NULL;
	}
	/* sysex (MSC, MTC full frames) and MTC quarter frames in; active sensing out */
	rtmidi_in_ignore_types(in->rt, false, false, true);
	in->rt->ok = true;
	rtmidi_in_set_callback(in->rt, on_input, in);
	if (!in->rt->ok) {
		snprintf(why, len, "RtMidi refused the input callback");
		midi_in_close(in);
		return NULL;
	}
	if (!open_port(in->rt, port, source, why, len)) {
		midi_in_close(in);
		return NULL;
	}
	return in;
}

void midi_in_close(struct midi_in *in)
{
	if (!in)
		return;
	if (in->rt) {
		/* the port first: its process callback stops using the
		 * callback before rtmidi_in_free deletes it */
		rt_close(in->rt);
		rtmidi_in_free(in->rt);
	}
	free(in);
}

/* ---- outputs ----------------------------------------------------------------------------- */

struct midi_out {
	RtMidiOutPtr rt;
	struct midi_watch *watch;   /* JACK: whether cycles run (NULL: not checked) */
	uint64_t cycles_seen;
	size_t queued;              /* bytes handed over since two cycles ran */
	uint64_t opened_cycles;     /* the watch's count when the port was connected */
	uint64_t opened_ns;
	bool ready;
};

struct midi_out *midi_out_open(enum midi_system system, const char *client, const char *port,
			       const char *dest, struct midi_watch *watch, char *why, size_t len)
{
	struct midi_out *out = calloc(1, sizeof *out);

	if (!out) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	pthread_once(&quiet_once, silence_jack);
	out->watch = system == MIDI_SYSTEM_JACK ? watch : NULL;
	out->cycles_seen = out->watch ? midi_watch_cycles(out->watch) : 0;
	out->rt = rtmidi_out_create(rt_api(system), client);
	if (!rt_created(out->rt, system, client, why, len)) {
		midi_out_close(out);
		return NULL;
	}
	if (!open_port(out->rt, port, dest, why, len)) {
		midi_out_close(out);
		return NULL;
	}
	out->opened_cycles = out->watch ? midi_watch_cycles(out->watch) : 0;
	out->opened_ns = gl_now_ns();
	return out;
}

bool midi_out_ready(struct midi_out *out)
{
	/* The count may have been taken inside the cycle under way: two more
	 * and one cycle began after it. Cycles that stand still that long are
	 * no reason to hold back: midi_out_send() drops what would not drain. */
	if (!out->ready)
		out->ready = !out->watch ||
			     midi_watch_cycles(out->watch) >= out->opened_cycles + 2 ||
			     gl_now_ns() - out->opened_ns >= MIDI_OUT_SETTLE_MAX_NS;
	return out->ready;
}

int midi_out_send(struct midi_out *out, const uint8_t *bytes, size_t len)
{
	if (out->watch) {
		/* RtMidi's JACK output waits (spinning) for room in its ring when
		 * no process cycle drains it: never give it more than fits
		 * while the cycles stand still */
		uint64_t cycles = midi_watch_cycles(out->watch);

		if (cycles >= out->cycles_seen + 2) {
			out->cycles_seen = cycles;
			out->queued = 0;
		}
		if (midi_watch_dead(out->watch) || out->queued + len + sizeof(int) > OUT_QUEUE_MAX)
			return GL_EAGAIN;
		out->queued += len + sizeof(int);
	}
	out->rt->ok = true;
	if (rtmidi_out_send_message(out->rt, bytes, (int)len) < 0 || !out->rt->ok)
		return GL_EIO;
	return 0;
}

void midi_out_close(struct midi_out *out)
{
	if (!out)
		return;
	if (out->rt) {
		rt_close(out->rt);
		rtmidi_out_free(out->rt);
	}
	free(out);
}

void midi_out_abandon(struct midi_out *out)
{
	/* RtMidi's JACK closePort (also run by its destructor) waits a second
	 * for a process cycle that will not come: its object is left */
	free(out);
}

/* ---- the JACK watch --------------------------------------------------------------------------- */

struct midi_watch {
	jack_client_t *client;
	atomic_bool dead;
	atomic_uint_fast64_t generation;
	atomic_uint_fast64_t cycles;
	int efd;                    /* written when ports come or go, or the server leaves */
};

static void watch_poke(struct midi_watch *w)
{
	uint64_t one = 1;
	ssize_t put = write(w->efd, &one, sizeof one);

	(void)put;
}

static int watch_process(jack_nframes_t frames, void *ud)
{
	struct midi_watch *w = ud;

	(void)frames;
	atomic_fetch_add_explicit(&w->cycles, 1, memory_order_relaxed);
	return 0;
}

static void watch_port(jack_port_id_t port, int registered, void *ud)
{
	struct midi_watch *w = ud;

	(void)port;
	(void)registered;
	atomic_fetch_add(&w->generation, 1);
	watch_poke(w);
}

static void watch_shutdown(void *ud)
{
	struct midi_watch *w = ud;

	atomic_store(&w->dead, true);
	watch_poke(w);
}

struct midi_watch *midi_watch_open(const char *client, char *why, size_t len)
{
	struct midi_watch *w = calloc(1, sizeof *w);
	jack_status_t status;

	if (!w) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	atomic_init(&w->dead, false);
	atomic_init(&w->generation, 0);
	atomic_init(&w->cycles, 0);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_once(&quiet_once, silence_jack);
	w->client = w->efd >= 0 ? jack_client_open(client, JackNoStartServer, &status) : NULL;
	if (!w->client) {
		snprintf(why, len, "%s", w->efd < 0 ? strerror(errno) : "no JACK server running");
		midi_watch_close(w);
		return NULL;
	}
	jack_set_process_callback(w->client, watch_process, w);
	jack_set_port_registration_callback(w->client, watch_port, w);
	jack_on_shutdown(w->client, watch_shutdown, w);
	if (jack_activate(w->client) != 0) {
		snprintf(why, len, "JACK refused to activate \"%s\"", client);
		midi_watch_close(w);
		return NULL;
	}
	return w;
}

void midi_watch_close(struct midi_watch *w)
{
	if (!w)
		return;
	if (w->client) {
		if (!atomic_load(&w->dead))
			jack_deactivate(w->client);
		jack_client_close(w->client);
	}
	if (w->efd >= 0)
		close(w->efd);
	free(w);
}

int midi_watch_fd(const struct midi_watch *w)
{
	return w->efd;
}

void midi_watch_ack(struct midi_watch *w)
{
	uint64_t count;
	ssize_t got = read(w->efd, &count, sizeof count);

	(void)got;
}

bool midi_watch_dead(const struct midi_watch *w)
{
	return atomic_load(&((struct midi_watch *)w)->dead);
}

uint64_t midi_watch_generation(const struct midi_watch *w)
{
	return atomic_load(&((struct midi_watch *)w)->generation);
}

/* Does name belong to client, or to client-NN (JACK's name for a second
 * client of the same name)? */
static bool of_client(const char *name, const char *client)
{
	size_t n = strlen(client);

	return strncmp(name, client, n) == 0 && (name[n] == ':' || name[n] == '-');
}

bool midi_watch_client_alive(struct midi_watch *w, const char *client)
{
	const char **ports = jack_get_ports(w->client, NULL, NULL, 0);
	bool found = false;

	for (int i = 0; ports && ports[i] && !found; i++)
		found = of_client(ports[i], client);
	if (ports)
		jack_free(ports);
	return found;
}

int midi_watch_list(struct midi_watch *w, bool inputs, char (*names)[MIDI_PORT_NAME_MAX], int max)
{
	/* what RtMidi lists, in its order: a source we read is a JACK output */
	const char **ports = jack_get_ports(w->client, NULL, JACK_DEFAULT_MIDI_TYPE,
					    inputs ? JackPortIsOutput : JackPortIsInput);
	int n = 0;

	for (int i = 0; ports && ports[i] && n < max; i++)
		snprintf(names[n++], MIDI_PORT_NAME_MAX, "%s", ports[i]);
	if (ports)
		jack_free(ports);
	return n;
}

bool midi_watch_connected(struct midi_watch *w, const char *theirs, const char *client)
{
	jack_port_t *port = jack_port_by_name(w->client, theirs);
	const char **conns;
	bool found = false;

	if (!port)
		return false;
	conns = jack_port_get_all_connections(w->client, port);
	for (int i = 0; conns && conns[i] && !found; i++)
		found = of_client(conns[i], client);
	if (conns)
		jack_free(conns);
	return found;
}

uint64_t midi_watch_cycles(const struct midi_watch *w)
{
	return atomic_load_explicit(&((struct midi_watch *)w)->cycles, memory_order_relaxed);
}
