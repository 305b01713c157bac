/*
 * midi_wire.h - MIDI 1.0 bytes without system calls: a stream parser that
 * takes bytes in any chunks (running status, system real-time bytes between
 * and inside other messages, system exclusive reassembled up to a limit,
 * every malformed case named), and the encoders of channel messages.
 * Pure and fuzzable; any thread (one parser per thread).
 *
 * Invariants: every byte fed is either part of exactly one message returned
 * or part of exactly one error returned; a malformed message is never
 * returned as a message; an error drops only what it names (the next status
 * byte is read again as the start of the next message).
 */
#ifndef GL_MIDI_WIRE_H
#define GL_MIDI_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIDI_SYSEX_MAX 1024    /* bytes of one system exclusive, F0 and F7 included */

/* Channel messages by their status's high nibble; system messages by their
 * whole status byte. */
enum midi_type {
	MIDI_NOTE_OFF = 0x80,
	MIDI_NOTE_ON = 0x90,
	MIDI_POLY_PRESSURE = 0xA0,
	MIDI_CC = 0xB0,
	MIDI_PROGRAM = 0xC0,
	MIDI_CHANNEL_PRESSURE = 0xD0,
	MIDI_PITCH_BEND = 0xE0,
	MIDI_SYSEX = 0xF0,
	MIDI_MTC_QUARTER = 0xF1,
	MIDI_SONG_POSITION = 0xF2,
	MIDI_SONG_SELECT = 0xF3,
	MIDI_TUNE_REQUEST = 0xF6,
	MIDI_CLOCK = 0xF8,
	MIDI_START = 0xFA,
	MIDI_CONTINUE = 0xFB,
	MIDI_STOP = 0xFC,
	MIDI_ACTIVE_SENSING = 0xFE,
	MIDI_RESET = 0xFF,
};

/* One complete message. bytes/len are the whole message as a sender would
 * write it without running status (a channel message gets its status byte
 * back); they point into the parser and stay valid until its next call. */
struct midi_msg {
	uint8_t type;              /* enum midi_type */
	uint8_t channel;           /* 0..15, channel messages only */
	uint8_t data[2];           /* the data bytes of a short message */
	const uint8_t *bytes;
	size_t len;
};

/* What can be wrong with a byte stream; each is counted by name. */
enum midi_error {
	MIDI_ERR_NONE,
	MIDI_ERR_STRAY_DATA,       /* a data byte with no status to belong to */
	MIDI_ERR_TRUNCATED,        /* a message cut short by the next status byte */
	MIDI_ERR_SYSEX_TRUNCATED,  /* a system exclusive ended by a status byte, not F7 */
	MIDI_ERR_SYSEX_TOO_LONG,   /* a system exclusive over MIDI_SYSEX_MAX bytes */
	MIDI_ERR_STRAY_EOX,        /* F7 outside a system exclusive */
	MIDI_ERR_UNDEFINED,        /* an undefined status (F4, F5, F9, FD) */
	MIDI_ERR_COUNT
};

const char *midi_error_name(enum midi_error err);

struct midi_parser {
	uint8_t running;           /* running status; 0 = none */
	uint8_t msg[3];            /* the short message being read */
	int have, need;            /* its bytes so far, and in all */
	bool in_sysex;
	bool sysex_overflow;       /* too long: skipping to its end */
	bool skipping;             /* in a run of stray data bytes (one error) */
	uint8_t realtime;          /* the last real-time byte returned */
	size_t sysex_len;
	uint8_t sysex[MIDI_SYSEX_MAX];
};

void midi_parser_init(struct midi_parser *p);
/* Forgets a message half read (after a gap in the stream: bytes lost),
 * and the running status. */
void midi_parser_reset(struct midi_parser *p);

enum midi_parsed {
	MIDI_PARSED_NEED_MORE,     /* every byte given was used; nothing complete */
	MIDI_PARSED_MESSAGE,       /* *msg is complete */
	MIDI_PARSED_ERROR,         /* *err says what was dropped */
};

/* Reads from *in (len bytes) until one message is complete or one error is
 * found; advances *in and *len past what it used. Call again while *len > 0. */
enum midi_parsed midi_parse(struct midi_parser *p, const uint8_t **in, size_t *len,
			    struct midi_msg *msg, enum midi_error *err);

/* Data bytes a status takes (0..2), or -1 for F0 (up to F7), F7 and the
 * undefined ones. */
int midi_data_bytes(uint8_t status);

/* A channel message (type: MIDI_NOTE_OFF .. MIDI_PITCH_BEND, channel 0..15,
 * data 0..127; for pitch bend d1 is the 14-bit value 0..16383 and d2 is
 * ignored). Returns its length (2 or 3), or 0 when a value is out of range. */
size_t midi_encode(uint8_t type, int channel, int d1, int d2, uint8_t out[3]);

/* True when bytes are exactly one complete, well-formed message: a channel
 * or system common message with its data bytes, a real-time byte, or a
 * system exclusive F0 <data 00..7F> F7 of at most MIDI_SYSEX_MAX bytes. */
bool midi_message_ok(const uint8_t *bytes, size_t len);

/* The message in words for the monitor ("note on ch 1 60 vel 100"). */
size_t midi_describe(const struct midi_msg *m, char *out, size_t len);

#endif
