/*
 * midi_port.h - MIDI ports through RtMidi's C API (Debian's librtmidi 5.0):
 * which MIDI system is there (ALSA sequencer or a JACK server), listing
 * ports, finding one by name or pattern, opening inputs and outputs (a
 * device's port, or a virtual port others connect to), and the inbox that
 * carries what arrives from RtMidi's thread to ours.
 *
 * Threads: everything here runs on the thread that owns the ports (the
 * control thread, or `ghostlight midi monitor`), except the input callback,
 * which RtMidi calls on its own thread (JACK's process thread, or RtMidi's
 * ALSA thread): it only copies the bytes into the inbox's lock-free ring
 * (gl_mpsc: one ring for every input) and writes the inbox's eventfd the
 * first time after the reader last emptied it. It never blocks, never
 * allocates; when the ring is full the bytes are dropped and counted, and
 * the next chunk that gets through says so (the reader resets its parser).
 *
 * RtMidi 5.0's C API keeps `ok` false once a call failed and its `msg`
 * points into a freed exception: we reset ok before each call and never
 * read msg. Its warnings go to stderr, and libjack's messages too; probing
 * for the system first (and silencing libjack) keeps a machine without a
 * JACK server or ALSA sequencer quiet while we wait for one.
 */
#ifndef GL_MIDI_PORT_H
#define GL_MIDI_PORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/ring.h"

#define MIDI_PORT_NAME_MAX 256
#define MIDI_PORTS_MAX 256          /* ports one listing returns */
#define MIDI_CHUNK_BYTES 48         /* bytes per ring item; longer messages take several */
#define MIDI_INBOX_ITEMS 4096

enum midi_system { MIDI_SYSTEM_NONE, MIDI_SYSTEM_ALSA, MIDI_SYSTEM_JACK };
enum midi_api_choice { MIDI_API_AUTO, MIDI_API_ALSA, MIDI_API_JACK };

const char *midi_system_name(enum midi_system s);

/* Which system to use now. AUTO: the ALSA sequencer when /dev/snd/seq can
 * be opened, else a JACK server that answers. Returns MIDI_SYSTEM_NONE with
 * why filled when there is none. Quiet (no RtMidi or libjack output). */
enum midi_system midi_port_system(enum midi_api_choice want, char *why, size_t why_len);

/* The ports of `system`: sources we can read from (inputs = true) or
 * destinations we can write to. Fills names (at most max); returns the
 * count, or -1 with why. */
int midi_port_list(enum midi_system system, bool inputs, char (*names)[MIDI_PORT_NAME_MAX], int max,
		   char *why, size_t why_len);

/* The first name that is `pattern` exactly, else matches it as a glob
 * (* ? [...]), else contains it (letter case ignored). Ports of our own
 * clients are never taken: skip_client "ghostlight" skips ghostlight:*,
 * ghostlight-out:*, ghostlight-watch:* and ghostlight-inN:* (NULL skips
 * nothing). Returns the index or -1. */
int midi_port_match(const char *pattern, char (*names)[MIDI_PORT_NAME_MAX], int count,
		    const char *skip_client);

/* One ring item: a piece of what one input received. */
struct midi_chunk {
	uint64_t t_ns;              /* when RtMidi handed it to us (gl_now_ns) */
	uint8_t tag;                /* the input's tag */
	uint8_t gap;                /* bytes before this one were lost (ring full) */
	uint8_t len;
	uint8_t bytes[MIDI_CHUNK_BYTES];
};

struct midi_inbox {
	struct gl_mpsc ring;
	int efd;                    /* readable when chunks wait */
	atomic_bool signalled;
	atomic_uint_fast64_t overruns; /* chunks dropped, ring full */
};

/* Returns 0, or GL_ENOMEM / GL_EIO. */
int midi_inbox_init(struct midi_inbox *box);
void midi_inbox_free(struct midi_inbox *box);
/* Reader: call when efd polls readable (or at any time): resets it. Then
 * take chunks until false. */
void midi_inbox_ack(struct midi_inbox *box);
bool midi_inbox_take(struct midi_inbox *box, struct midi_chunk *out);

struct midi_in;
struct midi_out;

/* JACK only: a client of ours that says when ports come or go (so a device
 * that returns is opened at once, not at the next poll), when the server
 * leaves, and that process cycles run (RtMidi's JACK output spins until its
 * ring has room; midi_out_send() never lets it fill while cycles stand
 * still). Its fd polls readable on a port change or the server leaving. */
struct midi_watch;

struct midi_watch *midi_watch_open(const char *client, char *why, size_t why_len);
void midi_watch_close(struct midi_watch *w);
int midi_watch_fd(const struct midi_watch *w);
void midi_watch_ack(struct midi_watch *w);
bool midi_watch_dead(const struct midi_watch *w);
uint64_t midi_watch_generation(const struct midi_watch *w);
uint64_t midi_watch_cycles(const struct midi_watch *w);
/* The ports midi_port_list() would list, through the watch's own client
 * (no client made and dropped for each look). */
int midi_watch_list(struct midi_watch *w, bool inputs, char (*names)[MIDI_PORT_NAME_MAX], int max);
/* Is the port named `theirs` connected to a port of our client `client`
 * (or of client-NN, as JACK renames a second one)? A device's port that
 * went and came back between two looks is there by name but no longer
 * connected. */
bool midi_watch_connected(struct midi_watch *w, const char *theirs, const char *client);
/* Has our client `client` (or client-NN) a port at all? JACK drops a
 * client that misses its cycles too often, and its ports with it. */
bool midi_watch_client_alive(struct midi_watch *w, const char *client);

/* Opens an input on `system` as client `client`, our port `port`; source:
 * the full name of the port to connect to, or NULL for a virtual port that
 * others connect to. Sysex and MTC are let through (active sensing is
 * not). What arrives goes into box with `tag`. NULL with why on failure. */
struct midi_in *midi_in_open(enum midi_system system, const char *client, const char *port,
			     const char *source, struct midi_inbox *box, int tag, char *why,
			     size_t why_len);
void midi_in_close(struct midi_in *in);

/* watch: on JACK, the watch that tells whether cycles run (may be NULL). */
struct midi_out *midi_out_open(enum midi_system system, const char *client, const char *port,
			       const char *dest, struct midi_watch *watch, char *why,
			       size_t why_len);
/* Whether what is sent now reaches the port the output was connected to.
 * At once on ALSA. On JACK, once a process cycle has begun after the open:
 * a connection takes effect at the start of a cycle, and what RtMidi hands
 * over in the cycle under way at the open goes to no one. At the latest
 * MIDI_OUT_SETTLE_MAX_NS after the open (cycles that stand still). */
bool midi_out_ready(struct midi_out *out);
#define MIDI_OUT_SETTLE_MAX_NS (250ull * 1000000ull)
/* Sends one complete message. Returns 0, GL_EIO, or GL_EAGAIN when JACK
 * has not run a cycle for what is already queued (dropped, not queued). */
int midi_out_send(struct midi_out *out, const uint8_t *bytes, size_t len);
void midi_out_close(struct midi_out *out);
/* For an output whose JACK client is gone (the server left, or dropped the
 * client for missing its cycles): forgets it without RtMidi's close, which
 * would wait a second for a cycle that never comes; RtMidi's object is
 * left behind (a few hundred bytes, once per such loss). */
void midi_out_abandon(struct midi_out *out);

#endif
