/*
 * test_midi.c - the MIDI adapter's pure parts, byte for byte: the stream
 * parser (running status, real-time bytes anywhere, sysex reassembly,
 * truncated and malformed input, in any chunking), MIDI Show Control
 * against the MSC 1.1.1 specification's examples and rules, MIDI time code
 * (labels and drop frame against the spec's example, quarter and full
 * frames, the chase on a fake clock: lock, jitter, dropout and freewheel,
 * jumps, locate, reverse; the generator), mapping lines, and the dispatch
 * into a real engine: mapped controls, MSC, LEDs, motor echo that leaves
 * the operator's hand alone, soft takeover.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "outputs/control/midi/midi_dispatch.h"
#include "outputs/control/midi/midi_map.h"
#include "outputs/control/midi/midi_msc.h"
#include "outputs/control/midi/midi_tc.h"
#include "outputs/control/midi/midi_wire.h"

#define MS 1000000ull

/* ---- the stream parser ----------------------------------------------------------- */

struct got {
	int count;
	int kind[64];              /* 0 message, 1 error */
	uint8_t type[64];
	int err[64];
	uint8_t bytes[64][MIDI_SYSEX_MAX];
	size_t len[64];
};

/* Feeds bytes in chunks of `chunk` (0: all at once). */
static void feed(struct midi_parser *p, const uint8_t *b, size_t n, size_t chunk, struct got *g)
{
	size_t off = 0;

	while (off < n) {
		size_t take = chunk && n - off > chunk ? chunk : n - off;
		const uint8_t *in = b + off;
		size_t left = take;

		while (left > 0) {
			struct midi_msg m;
			enum midi_error e;
			enum midi_parsed r = midi_parse(p, &in, &left, &m, &e);

			if (r == MIDI_PARSED_NEED_MORE)
				break;
			assert_true(g->count < 64);
			g->kind[g->count] = r == MIDI_PARSED_ERROR;
			if (r == MIDI_PARSED_MESSAGE) {
				g->type[g->count] = m.type;
				memcpy(g->bytes[g->count], m.bytes, m.len);
				g->len[g->count] = m.len;
			} else {
				g->err[g->count] = e;
			}
			g->count++;
		}
		off += take;
	}
}

static struct got *parse(const uint8_t *b, size_t n, size_t chunk)
{
	static struct midi_parser p;
	static struct got g;

	midi_parser_init(&p);
	memset(&g, 0, sizeof g);
	feed(&p, b, n, chunk, &g);
	return &g;
}

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define EQ_BYTES(a, ...) assert_memory_equal(a, ((const uint8_t[]){ __VA_ARGS__ }), \
					     sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void expect_msg(const struct got *g, int i, const uint8_t *b, size_t n)
{
	assert_int_equal(g->kind[i], 0);
	assert_int_equal(g->len[i], n);
	assert_memory_equal(g->bytes[i], b, n);
}

/* Two results: the error err, then the message b (bad input before a
 * good message costs that message nothing). */
static void expect_err_then_msg(const struct got *g, int err, const uint8_t *b, size_t n)
{
	assert_int_equal(g->count, 2);
	assert_int_equal(g->err[0], err);
	expect_msg(g, 1, b, n);
}

static void test_running_status(void **state)
{
	(void)state;
	/* every chunking gives the same: three notes, the status put back */
	for (size_t chunk = 0; chunk <= 3; chunk++) {
		struct got *g = parse(BYTES(0x90, 0x3C, 0x7F, 0x3E, 0x40, 0x40, 0x00), chunk);

		assert_int_equal(g->count, 3);
		expect_msg(g, 0, BYTES(0x90, 0x3C, 0x7F));
		expect_msg(g, 1, BYTES(0x90, 0x3E, 0x40));
		expect_msg(g, 2, BYTES(0x90, 0x40, 0x00));
	}
	/* two-byte messages keep running status too */
	struct got *g = parse(BYTES(0xC1, 0x05, 0x06), 1);
	assert_int_equal(g->count, 2);
	expect_msg(g, 1, BYTES(0xC1, 0x06));
	/* a system common message cancels it: the data bytes after are stray */
	g = parse(BYTES(0x90, 0x3C, 0x7F, 0xF6, 0x3E, 0x00), 0);
	assert_int_equal(g->count, 3);
	assert_int_equal(g->type[1], MIDI_TUNE_REQUEST);
	assert_int_equal(g->kind[2], 1);
	assert_int_equal(g->err[2], MIDI_ERR_STRAY_DATA);
	/* real-time bytes change nothing around them, even mid-message */
	g = parse(BYTES(0x90, 0x3C, 0xF8, 0x7F, 0xFE, 0x3D, 0x00), 1);
	assert_int_equal(g->count, 4);
	assert_int_equal(g->type[0], MIDI_CLOCK);
	expect_msg(g, 1, BYTES(0x90, 0x3C, 0x7F));
	assert_int_equal(g->type[2], MIDI_ACTIVE_SENSING);
	expect_msg(g, 3, BYTES(0x90, 0x3D, 0x00));
	/* pitch bend, song position, MTC quarter frame */
	g = parse(BYTES(0xE2, 0x00, 0x40, 0xF2, 0x10, 0x01, 0xF1, 0x31), 0);
	assert_int_equal(g->count, 3);
	assert_int_equal(g->type[0], MIDI_PITCH_BEND);
	assert_int_equal(g->type[1], MIDI_SONG_POSITION);
	assert_int_equal(g->type[2], MIDI_MTC_QUARTER);
}

static void test_sysex(void **state)
{
	uint8_t big[MIDI_SYSEX_MAX + 10];

	(void)state;
	/* reassembled across chunks, with a clock byte inside */
	for (size_t chunk = 1; chunk <= 4; chunk++) {
		struct got *g = parse(BYTES(0xF0, 0x7F, 0x7F, 0xF8, 0x02, 0x01, 0x01, 0x31, 0xF7), chunk);

		assert_int_equal(g->count, 2);
		assert_int_equal(g->type[0], MIDI_CLOCK);
		expect_msg(g, 1, BYTES(0xF0, 0x7F, 0x7F, 0x02, 0x01, 0x01, 0x31, 0xF7));
	}
	/* truncated: a status byte ends it; the note after still counts */
	struct got *g = parse(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x90, 0x3C, 0x7F), 2);
	expect_err_then_msg(g, MIDI_ERR_SYSEX_TRUNCATED, BYTES(0x90, 0x3C, 0x7F));
	/* a second F0 ends the first */
	g = parse(BYTES(0xF0, 0x01, 0xF0, 0x02, 0xF7), 0);
	expect_err_then_msg(g, MIDI_ERR_SYSEX_TRUNCATED, BYTES(0xF0, 0x02, 0xF7));
	/* too long: one error, nothing else, and the parser goes on */
	big[0] = 0xF0;
	memset(big + 1, 0x11, sizeof big - 2);
	big[sizeof big - 1] = 0xF7;
	for (size_t chunk = 0; chunk <= 100; chunk += 100) {
		struct midi_parser p;
		struct got g2;

		memset(&g2, 0, sizeof g2);
		midi_parser_init(&p);
		feed(&p, big, sizeof big, chunk, &g2);
		feed(&p, BYTES(0xB0, 0x07, 0x64), 0, &g2);
		expect_err_then_msg(&g2, MIDI_ERR_SYSEX_TOO_LONG, BYTES(0xB0, 0x07, 0x64));
	}
	/* the longest one that fits */
	big[MIDI_SYSEX_MAX - 1] = 0xF7;
	g = parse(big, MIDI_SYSEX_MAX, 7);
	assert_int_equal(g->count, 1);
	assert_int_equal(g->len[0], MIDI_SYSEX_MAX);
}

static void test_malformed(void **state)
{
	(void)state;
	/* a run of stray data bytes is one error */
	struct got *g = parse(BYTES(0x3C, 0x7F, 0x10, 0x90, 0x3C, 0x01), 1);
	expect_err_then_msg(g, MIDI_ERR_STRAY_DATA, BYTES(0x90, 0x3C, 0x01));
	/* a message cut short by the next status */
	g = parse(BYTES(0x90, 0x3C, 0xB0, 0x07, 0x64), 0);
	expect_err_then_msg(g, MIDI_ERR_TRUNCATED, BYTES(0xB0, 0x07, 0x64));
	/* F7 alone, undefined statuses */
	g = parse(BYTES(0xF7, 0xF4, 0xF5, 0xF9, 0xFD), 0);
	assert_int_equal(g->count, 5);
	assert_int_equal(g->err[0], MIDI_ERR_STRAY_EOX);
	for (int i = 1; i < 5; i++)
		assert_int_equal(g->err[i], MIDI_ERR_UNDEFINED);
	/* after a reset (bytes lost) a half message is forgotten */
	struct midi_parser p;
	struct got g2;
	memset(&g2, 0, sizeof g2);
	midi_parser_init(&p);
	feed(&p, BYTES(0x90, 0x3C), 0, &g2);
	midi_parser_reset(&p);
	feed(&p, BYTES(0x7F, 0x80, 0x3C, 0x00), 0, &g2);
	expect_err_then_msg(&g2, MIDI_ERR_STRAY_DATA, BYTES(0x80, 0x3C, 0x00));
	assert_string_equal(midi_error_name(MIDI_ERR_SYSEX_TRUNCATED), "sysex without F7");
}

static void test_encode(void **state)
{
	uint8_t out[3];

	(void)state;
	assert_int_equal(midi_encode(MIDI_NOTE_ON, 0, 60, 100, out), 3);
	EQ_BYTES(out, 0x90, 60, 100);
	assert_int_equal(midi_encode(MIDI_PROGRAM, 15, 5, 0, out), 2);
	EQ_BYTES(out, 0xCF, 5);
	assert_int_equal(midi_encode(MIDI_PITCH_BEND, 1, 8192, 0, out), 3);
	EQ_BYTES(out, 0xE1, 0x00, 0x40);
	assert_int_equal(midi_encode(MIDI_CC, 16, 1, 1, out), 0);
	assert_int_equal(midi_encode(MIDI_CC, 0, 128, 1, out), 0);
	assert_int_equal(midi_encode(MIDI_PITCH_BEND, 0, 16384, 0, out), 0);
	assert_true(midi_message_ok(BYTES(0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7)));
	assert_true(midi_message_ok(BYTES(0xF8)));
	assert_true(midi_message_ok(BYTES(0xC0, 0x01)));
	assert_false(midi_message_ok(BYTES(0xC0, 0x01, 0x02)));
	assert_false(midi_message_ok(BYTES(0x90, 0x3C)));
	assert_false(midi_message_ok(BYTES(0xF0, 0x80, 0xF7)));
	assert_false(midi_message_ok(BYTES(0xF0, 0x01)));
	assert_false(midi_message_ok(BYTES(0x3C)));
	assert_false(midi_message_ok(BYTES(0xF9)));
}

/* ---- MIDI Show Control ---------------------------------------------------------------- */

static enum midi_msc_parsed msc(const uint8_t *b, size_t n, struct midi_msc *m)
{
	char why[200];

	return midi_msc_parse(b, n, m, why, sizeof why);
}

static void roundtrip(const uint8_t *b, size_t n)
{
	struct midi_msc m;
	uint8_t out[MIDI_MSC_BYTES_MAX];

	assert_int_equal(msc(b, n, &m), MIDI_MSC_OK);
	assert_int_equal(midi_msc_encode(&m, out, sizeof out), n);
	assert_memory_equal(out, b, n);
}

static void test_msc_spec_examples(void **state)
{
	struct midi_msc m;

	(void)state;
	/* MSC 2.2: GO to lighting console 1 */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0xF7), &m), MIDI_MSC_OK);
	assert_int_equal(m.device_id, 1);
	assert_int_equal(m.format, MIDI_MSC_LIGHTING);
	assert_int_equal(m.command, MIDI_MSC_GO);
	assert_string_equal(m.cue, "");
	roundtrip(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0xF7));
	/* MSC 3.1: cue 235.6 list 36.6 path 59 */
	const uint8_t spec[] = { 0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x32, 0x33, 0x35, 0x2E, 0x36,
				 0x00, 0x33, 0x36, 0x2E, 0x36, 0x00, 0x35, 0x39, 0xF7 };
	assert_int_equal(msc(spec, sizeof spec, &m), MIDI_MSC_OK);
	assert_string_equal(m.cue, "235.6");
	assert_string_equal(m.list, "36.6");
	assert_string_equal(m.path, "59");
	roundtrip(spec, sizeof spec);
	/* all-call GO cue 1 (our PROTOCOLS.md example) */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x7F, 0x02, 0x01, 0x01, 0x31, 0xF7), &m), MIDI_MSC_OK);
	assert_string_equal(m.cue, "1");
	/* MSC 5: SET 510 (grand master) to full, LSB first */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x06, 0x7E, 0x03, 0x7F, 0x7F, 0xF7),
			     &m), MIDI_MSC_OK);
	assert_int_equal(m.control, 510);
	assert_int_equal(m.value, 16383);
	assert_false(m.has_time);
	roundtrip(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x06, 0x7E, 0x03, 0x7F, 0x7F, 0xF7));
	/* SET with a time, TIMED_GO: 5 s at 30 frames (tt = 11), cue 5 */
	roundtrip(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x06, 0x00, 0x00, 0x00, 0x40, 0x60, 0x00, 0x05,
			0x00, 0x00, 0xF7));
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x04, 0x60, 0x00, 0x05, 0x00, 0x32,
				   0x35, 0xF7), &m), MIDI_MSC_OK);
	assert_true(m.has_time);
	assert_int_equal(m.time.rate, 3);
	assert_int_equal(m.time.seconds, 5);
	assert_int_equal(m.time.subframes, 50);
	assert_string_equal(m.cue, "5");
	roundtrip(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x04, 0x60, 0x00, 0x05, 0x00, 0x32, 0x35, 0xF7));
	/* FIRE macro 5; ALL_OFF, RESTORE, RESET without data; LOAD, GO_OFF */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x07, 0x05, 0xF7), &m), MIDI_MSC_OK);
	assert_int_equal(m.macro, 5);
	roundtrip(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x07, 0x05, 0xF7));
	for (uint8_t cmd = 0x08; cmd <= 0x0A; cmd++)
		roundtrip((const uint8_t[]){ 0xF0, 0x7F, 0x01, 0x02, 0x01, cmd, 0xF7 }, 7);
	roundtrip(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x05, 0x37, 0x00, 0x32, 0xF7));
	roundtrip(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x0B, 0xF7));
	assert_string_equal(midi_msc_command_name(MIDI_MSC_TIMED_GO), "timed_go");
	assert_int_equal(midi_msc_command_find("go_off"), MIDI_MSC_GO_OFF);
	assert_int_equal(midi_msc_command_find("warp"), -1);
}

static void test_msc_rules(void **state)
{
	struct midi_msc m;
	uint8_t big[140];

	(void)state;
	/* extra delimiters, also right before F7 and with nothing sent (3.1) */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x00, 0xF7), &m), MIDI_MSC_OK);
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00, 0xF7), &m),
			 MIDI_MSC_OK);
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x31, 0x00, 0x32, 0x00, 0x33,
				   0x00, 0xF7), &m), MIDI_MSC_OK);
	assert_string_equal(m.path, "3");
	/* a list with no cue: GO on that list */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x00, 0x32, 0xF7), &m),
			 MIDI_MSC_OK);
	assert_string_equal(m.cue, "");
	assert_string_equal(m.list, "2");
	/* doubled points are taken as one (3.1) */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x31, 0x2E, 0x2E, 0x35, 0xF7),
			     &m), MIDI_MSC_OK);
	assert_string_equal(m.cue, "1.5");
	double n;
	assert_true(midi_msc_number("235.32.7", &n));
	assert_true(fabs(n - 235.32) < 1e-9);
	assert_false(midi_msc_number("", &n));
	/* malformed */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x41, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* 'A' */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x2E, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* no digit */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x31, 0x00, 0x32, 0x00, 0x33,
				   0x00, 0x34, 0xF7), &m), MIDI_MSC_MALFORMED); /* after the path */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x00, 0x01, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* format 00 */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x00, 0x01, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* command 00 */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x04, 0x60, 0x00, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* timed_go, short time */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x04, 0x60, 0x3C, 0x00, 0x00, 0x00,
				   0xF7), &m), MIDI_MSC_MALFORMED);           /* minute 60 */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x06, 0x01, 0x02, 0x03, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* set, 3 bytes */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x07, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* fire, no macro */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x08, 0x01, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* all_off + data */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x05, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* load, no cue */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* no command */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x90, 0xF7), &m),
			 MIDI_MSC_MALFORMED);                             /* a status inside */
	big[0] = 0xF0;
	memcpy(big + 1, (const uint8_t[]){ 0x7F, 0x01, 0x02, 0x01, 0x01 }, 5);
	memset(big + 6, 0x31, sizeof big - 7);
	big[sizeof big - 1] = 0xF7;
	assert_int_equal(msc(big, sizeof big, &m), MIDI_MSC_MALFORMED); /* over 128 bytes */
	/* not MSC at all: another universal real-time message, MTC */
	assert_int_equal(msc(BYTES(0xF0, 0x7F, 0x7F, 0x01, 0x01, 0x21, 0x02, 0x03, 0x04, 0xF7), &m),
			 MIDI_MSC_NOT_MSC);
	assert_int_equal(msc(BYTES(0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7), &m), MIDI_MSC_NOT_MSC);
	/* addressing: our id, our group, all-call; our format or all-types */
	m.format = MIDI_MSC_LIGHTING;
	m.device_id = 1;
	assert_true(midi_msc_addressed(&m, 1, 0, MIDI_MSC_LIGHTING));
	assert_false(midi_msc_addressed(&m, 2, 0, MIDI_MSC_LIGHTING));
	m.device_id = 0x71;
	assert_true(midi_msc_addressed(&m, 5, 2, MIDI_MSC_LIGHTING));
	assert_false(midi_msc_addressed(&m, 5, 3, MIDI_MSC_LIGHTING));
	m.device_id = 0x7F;
	assert_true(midi_msc_addressed(&m, 9, 0, MIDI_MSC_LIGHTING));
	m.format = 0x10;
	assert_false(midi_msc_addressed(&m, 9, 0, MIDI_MSC_LIGHTING));
	m.format = 0x7F;
	assert_true(midi_msc_addressed(&m, 9, 0, MIDI_MSC_LIGHTING));
	/* encoding refuses what MSC cannot say */
	memset(&m, 0, sizeof m);
	m.format = 1;
	m.command = MIDI_MSC_GO;
	snprintf(m.list, sizeof m.list, "2");                 /* a list without a cue */
	assert_int_equal(midi_msc_encode(&m, big, sizeof big), 0);
	snprintf(m.cue, sizeof m.cue, "1a");
	assert_int_equal(midi_msc_encode(&m, big, sizeof big), 0);
}

/* ---- MIDI time code -------------------------------------------------------------------------- */

static void test_tc_labels(void **state)
{
	struct midi_tc tc = { 0, 22, 0, 2, MIDI_TC_2997DF }, back;

	(void)state;
	/* MSC 3.2.1 drop frame note 3: 00:22:00;02 is 40 frames fewer than
	 * its label, 00:21:58:22 counted at 30 */
	assert_true(midi_tc_valid(&tc));
	assert_int_equal(midi_tc_to_frames(&tc), 39562);
	assert_int_equal(midi_tc_to_frames(&(struct midi_tc){ 0, 21, 58, 22, MIDI_TC_30 }), 39562);
	midi_tc_from_frames(39562, MIDI_TC_2997DF, &back);
	assert_memory_equal(&back, &tc, sizeof tc);
	/* note 2: 00:22:00;00 does not exist; each tenth minute keeps its frames */
	assert_false(midi_tc_valid(&(struct midi_tc){ 0, 22, 0, 0, MIDI_TC_2997DF }));
	assert_false(midi_tc_valid(&(struct midi_tc){ 0, 22, 0, 1, MIDI_TC_2997DF }));
	assert_true(midi_tc_valid(&(struct midi_tc){ 0, 20, 0, 0, MIDI_TC_2997DF }));
	assert_false(midi_tc_valid(&(struct midi_tc){ 0, 0, 0, 25, MIDI_TC_25 }));
	assert_false(midi_tc_valid(&(struct midi_tc){ 24, 0, 0, 0, MIDI_TC_30 }));
	/* every frame of a day, each rate: label and count agree both ways,
	 * and labels follow each other */
	for (int r = 0; r < 4; r++) {
		int64_t day = midi_tc_frames_per_day((enum midi_tc_rate)r);
		struct midi_tc prev = { 0 };

		for (int64_t f = 0; f < day; f++) {
			midi_tc_from_frames(f, (enum midi_tc_rate)r, &back);
			if (!midi_tc_valid(&back) || midi_tc_to_frames(&back) != f)
				fail_msg("rate %d frame %lld", r, (long long)f);
			if (f > 0 && back.frames != (prev.frames + 1) % midi_tc_label_fps(back.rate) &&
			    !(r == MIDI_TC_2997DF && back.frames == 2 && back.seconds == 0))
				fail_msg("rate %d frame %lld does not follow", r, (long long)f);
			prev = back;
		}
	}
	assert_int_equal(midi_tc_frames_per_day(MIDI_TC_2997DF), 2589408);
	assert_true(midi_tc_parse("01:02:03:04", MIDI_TC_25, &back));
	assert_int_equal(back.hours * 1000000 + back.minutes * 10000 + back.seconds * 100 +
			 back.frames, 1020304);
	assert_false(midi_tc_parse("01:02:03:25", MIDI_TC_25, &back));
	assert_false(midi_tc_parse("1:2", MIDI_TC_25, &back));
	char text[24];
	midi_tc_format(&tc, text, sizeof text);
	assert_string_equal(text, "00:22:00;02");
	assert_true(fabs(midi_tc_diff(10, 2589400, MIDI_TC_2997DF) - -18) < 1e-9);
}

static void test_mtc_messages(void **state)
{
	struct midi_tc tc = { 1, 2, 3, 4, MIDI_TC_25 }, got;
	static const uint8_t pieces[8] = { 0x04, 0x10, 0x23, 0x30, 0x42, 0x50, 0x61, 0x72 };
	uint8_t full[10];
	int device;

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(midi_mtc_piece(&tc, i), pieces[i]);
	/* hours over 15 and the rate share piece 7: 0rrh */
	tc = (struct midi_tc){ 23, 59, 59, 29, MIDI_TC_30 };
	assert_int_equal(midi_mtc_piece(&tc, 7), 0x77);
	assert_int_equal(midi_mtc_piece(&tc, 6), 0x67);
	/* the full frame's hours byte carries the rate (0rrhhhhh) */
	tc = (struct midi_tc){ 1, 2, 3, 4, MIDI_TC_25 };
	assert_int_equal(midi_mtc_full_frame(&tc, 0x7F, full), 10);
	EQ_BYTES(full, 0xF0, 0x7F, 0x7F, 0x01, 0x01, 0x21, 0x02, 0x03, 0x04, 0xF7);
	assert_int_equal(midi_mtc_parse_full_frame(full, 10, &got, &device), MIDI_MTC_FULL_FRAME);
	assert_memory_equal(&got, &tc, sizeof tc);
	assert_int_equal(device, 0x7F);
	assert_int_equal(midi_mtc_parse_full_frame(BYTES(0xF0, 0x7F, 0x7F, 0x01, 0x01, 0x21, 0x02,
							 0x03, 0xF7), &got, &device),
			 MIDI_MTC_MALFORMED);
	assert_int_equal(midi_mtc_parse_full_frame(BYTES(0xF0, 0x7F, 0x7F, 0x01, 0x01, 0x21, 0x02,
							 0x03, 0x19, 0xF7), &got, &device),
			 MIDI_MTC_MALFORMED);                 /* frame 25 at 25 */
	assert_int_equal(midi_mtc_parse_full_frame(BYTES(0xF0, 0x7F, 0x7F, 0x01, 0x02, 0, 0, 0, 0, 0,
							 0, 0, 0, 0, 0xF7), &got, &device),
			 MIDI_MTC_NOT_MTC);                   /* user bits */
}

/* Quarter frames of a sender at `rate` from `start` frames: the piece due at
 * quarter q, sent at t0 + q * period (+ jitter). */
static uint8_t piece_at(enum midi_tc_rate rate, int64_t start, int64_t q)
{
	struct midi_tc tc;

	midi_tc_from_frames(start + 2 * (q / 8), rate, &tc);
	return midi_mtc_piece(&tc, (int)(q % 8));
}

static double qf_period(enum midi_tc_rate rate)
{
	return 1e9 / (4 * midi_tc_fps(rate));
}

static void send_quarters(struct midi_chase *c, enum midi_tc_rate rate, int64_t start,
			  uint64_t t0, int64_t from, int64_t to, double jitter_ms)
{
	for (int64_t q = from; q < to; q++) {
		double noise = jitter_ms ? (double)(rand() % 1000) / 1000.0 * jitter_ms * 1e6 : 0;

		midi_chase_quarter(c, piece_at(rate, start, q),
				   t0 + (uint64_t)llround((double)q * qf_period(rate) + noise));
	}
}

static double truth(enum midi_tc_rate rate, int64_t start, uint64_t t0, uint64_t now)
{
	return (double)start + (double)(now - t0) * midi_tc_fps(rate) / 1e9;
}

static void test_chase_lock(void **state)
{
	struct midi_chase c;
	const uint64_t t0 = 1000 * MS;
	struct midi_tc one = { 1, 0, 0, 0, MIDI_TC_25 };
	int64_t start = midi_tc_to_frames(&one);
	double pos;

	(void)state;
	midi_chase_init(&c, 1.0);
	assert_false(midi_chase_position(&c, t0, &pos));
	send_quarters(&c, MIDI_TC_25, start, t0, 0, 7, 0);
	assert_int_equal(c.state, MIDI_CHASE_IDLE);     /* no whole time yet */
	send_quarters(&c, MIDI_TC_25, start, t0, 7, 8, 0);
	assert_int_equal(c.state, MIDI_CHASE_LOCKING);
	send_quarters(&c, MIDI_TC_25, start, t0, 8, 16, 0);
	assert_int_equal(c.state, MIDI_CHASE_LOCKED);
	assert_int_equal(c.jumps, 0);
	/* exact input: exact position, also between quarter frames */
	uint64_t now = t0 + (uint64_t)(15.5 * qf_period(MIDI_TC_25));
	assert_true(midi_chase_position(&c, now, &pos));
	assert_true(fabs(pos - truth(MIDI_TC_25, start, t0, now)) < 1e-6);

	/* 4 ms of transport jitter: the position stays within a tenth of a frame */
	midi_chase_init(&c, 1.0);
	srand(1);
	send_quarters(&c, MIDI_TC_25, start, t0, 0, 400, 4.0);
	assert_int_equal(c.state, MIDI_CHASE_LOCKED);
	assert_int_equal(c.jumps, 0);
	now = t0 + (uint64_t)(400 * qf_period(MIDI_TC_25));
	assert_true(midi_chase_position(&c, now, &pos));
	assert_true(fabs(pos - truth(MIDI_TC_25, start, t0, now) + 0.05) < 0.1);

	/* 29.97 drop frame across a dropped label (00:00:59;28 -> 00:01:00;02) */
	struct midi_tc before = { 0, 0, 59, 20, MIDI_TC_2997DF };
	start = midi_tc_to_frames(&before);
	midi_chase_init(&c, 1.0);
	send_quarters(&c, MIDI_TC_2997DF, start, t0, 0, 200, 0);
	assert_int_equal(c.state, MIDI_CHASE_LOCKED);
	assert_int_equal(c.jumps, 0);
	assert_int_equal(c.invalid, 0);
	assert_int_equal(c.rate, MIDI_TC_2997DF);
	now = t0 + (uint64_t)(199.5 * qf_period(MIDI_TC_2997DF));
	assert_true(midi_chase_position(&c, now, &pos));
	assert_true(fabs(pos - truth(MIDI_TC_2997DF, start, t0, now)) < 1e-6);
	midi_tc_from_frames((int64_t)pos, MIDI_TC_2997DF, &before);
	assert_int_equal(before.minutes, 1);                 /* past the minute */
}

static void test_chase_dropout_jump(void **state)
{
	struct midi_chase c;
	const uint64_t t0 = 5000 * MS;
	int64_t start = 90000;          /* 01:00:00:00 at 25 */
	double pos, period = qf_period(MIDI_TC_25);
	uint64_t last;

	(void)state;
	midi_chase_init(&c, 1.0);
	send_quarters(&c, MIDI_TC_25, start, t0, 0, 80, 0);
	assert_int_equal(c.state, MIDI_CHASE_LOCKED);
	last = t0 + (uint64_t)(79 * period);
	/* the source goes quiet: freewheel, still running, then stopped */
	assert_true(midi_chase_next_ns(&c) > last);
	midi_chase_tick(&c, last + 100 * MS);
	assert_int_equal(c.state, MIDI_CHASE_LOCKED);        /* 4 frames = 160 ms */
	midi_chase_tick(&c, last + 200 * MS);
	assert_int_equal(c.state, MIDI_CHASE_FREEWHEEL);
	assert_int_equal(c.dropouts, 1);
	assert_true(midi_chase_position(&c, last + 500 * MS, &pos));
	assert_true(fabs(pos - truth(MIDI_TC_25, start, t0, last + 500 * MS)) < 1e-6);
	/* it comes back where expected: locked again, no jump */
	send_quarters(&c, MIDI_TC_25, start, t0, 104, 120, 0);
	assert_int_equal(c.state, MIDI_CHASE_LOCKED);
	assert_int_equal(c.jumps, 0);
	/* quiet past the freewheel time: stopped where it got to */
	last = t0 + (uint64_t)(119 * period);
	midi_chase_tick(&c, last + 200 * MS);
	assert_int_equal(c.state, MIDI_CHASE_FREEWHEEL);
	midi_chase_tick(&c, last + 1100 * MS);
	assert_int_equal(c.state, MIDI_CHASE_STOPPED);
	double stopped;
	assert_true(midi_chase_position(&c, last + 1100 * MS, &stopped));
	assert_true(midi_chase_position(&c, last + 9000 * MS, &pos));
	assert_true(pos == stopped);
	assert_true(fabs(stopped - truth(MIDI_TC_25, start, t0, last + 1100 * MS)) < 1e-6);

	/* a jump while locked: another time in the same run of pieces */
	midi_chase_init(&c, 1.0);
	send_quarters(&c, MIDI_TC_25, start, t0, 0, 40, 0);
	assert_int_equal(c.state, MIDI_CHASE_LOCKED);
	send_quarters(&c, MIDI_TC_25, start + 25 * 60, t0, 40, 48, 0);
	assert_int_equal(c.jumps, 1);
	assert_int_equal(c.state, MIDI_CHASE_LOCKING);
	send_quarters(&c, MIDI_TC_25, start + 25 * 60, t0, 48, 56, 0);
	assert_int_equal(c.state, MIDI_CHASE_LOCKED);
	uint64_t now = t0 + (uint64_t)(55 * period);
	assert_true(midi_chase_position(&c, now, &pos));
	assert_true(fabs(pos - truth(MIDI_TC_25, start + 25 * 60, t0, now)) < 1e-6);

	/* a full frame locates: stopped there, counted as a jump */
	struct midi_tc two = { 2, 0, 0, 0, MIDI_TC_25 };
	midi_chase_full_frame(&c, &two, now + MS);
	assert_int_equal(c.state, MIDI_CHASE_STOPPED);
	assert_int_equal(c.jumps, 2);
	assert_true(midi_chase_position(&c, now + 1000 * MS, &pos));
	assert_true(pos == 180000);
	/* quarter frames starting from the located time: not a jump */
	send_quarters(&c, MIDI_TC_25, 180000, now + 200 * MS, 0, 16, 0);
	assert_int_equal(c.state, MIDI_CHASE_LOCKED);
	assert_int_equal(c.jumps, 2);
}

static void test_chase_bad_input(void **state)
{
	struct midi_chase c;
	const uint64_t t0 = 5000 * MS;
	double period = qf_period(MIDI_TC_25);

	(void)state;
	/* pieces out of order: counted, never decoded into a time */
	midi_chase_init(&c, 1.0);
	static const uint8_t shuffled[] = { 0x00, 0x10, 0x20, 0x40, 0x30, 0x50, 0x60, 0x72,
					    0x00, 0x10, 0x30, 0x20, 0x40, 0x50, 0x60, 0x72 };
	for (int i = 0; i < 16; i++)
		midi_chase_quarter(&c, shuffled[i], t0 + (uint64_t)(i * period));
	assert_int_equal(c.state, MIDI_CHASE_IDLE);
	assert_true(c.sequence_errors >= 2);
	/* a time that does not exist (minute 63) */
	midi_chase_init(&c, 1.0);
	static const uint8_t bad[] = { 0x00, 0x10, 0x20, 0x30, 0x4F, 0x53, 0x60, 0x72 };
	for (int i = 0; i < 8; i++)
		midi_chase_quarter(&c, bad[i], t0 + (uint64_t)(i * period));
	assert_int_equal(c.state, MIDI_CHASE_IDLE);
	assert_int_equal(c.invalid, 1);
	/* running backwards: followed, never locked */
	midi_chase_init(&c, 1.0);
	for (int64_t q = 0; q < 64; q++) {
		int64_t cycle = q / 8, piece = 7 - q % 8;
		struct midi_tc tc;

		midi_tc_from_frames(90000 - 2 * cycle, MIDI_TC_25, &tc);
		midi_chase_quarter(&c, midi_mtc_piece(&tc, (int)piece), t0 + (uint64_t)(q * period));
	}
	assert_int_equal(c.state, MIDI_CHASE_LOCKING);
	double pos;
	assert_true(midi_chase_position(&c, t0 + 64 * (uint64_t)period, &pos));
	assert_true(pos < 90000 && pos > 89980);
}

static void test_generator(void **state)
{
	struct midi_mtc_gen g;
	struct midi_chase c;
	uint8_t out[32][2];
	const uint64_t t0 = 1000 * MS;
	struct midi_tc start = { 0, 9, 59, 20, MIDI_TC_2997DF }, at;
	int64_t s0 = midi_tc_to_frames(&start);
	int n;

	(void)state;
	midi_mtc_gen_start(&g, MIDI_TC_2997DF, s0, t0);
	midi_mtc_gen_time(&g, t0, &at);
	assert_memory_equal(&at, &start, sizeof at);
	n = midi_mtc_gen_due(&g, t0, out, 32);
	assert_int_equal(n, 1);
	assert_int_equal(out[0][0], 0xF1);
	assert_int_equal(out[0][1], midi_mtc_piece(&start, 0));
	assert_int_equal(midi_mtc_gen_due(&g, t0 + 1, out, 32), 0);
	/* fed to the chase on time, the chase is where the generator is */
	midi_chase_init(&c, 1.0);
	midi_chase_quarter(&c, out[0][1], t0);
	uint64_t now = t0;
	for (int i = 0; i < 400; i++) {
		now = midi_mtc_gen_next_ns(&g);
		n = midi_mtc_gen_due(&g, now, out, 32);
		assert_int_equal(n, 1);
		midi_chase_quarter(&c, out[0][1], now);
	}
	assert_int_equal(c.state, MIDI_CHASE_LOCKED);
	double pos;
	midi_mtc_gen_time(&g, now, &at);
	assert_true(midi_chase_position(&c, now, &pos));
	assert_int_equal((int64_t)floor(pos + 1e-6), midi_tc_to_frames(&at));
	assert_int_equal(at.minutes, 10);                   /* across 00:10:00;00 */
	/* late by a frame or more: the rest of the cycle is skipped, not sent stale */
	uint64_t late = now + (uint64_t)(6 * qf_period(MIDI_TC_2997DF));
	assert_int_equal(midi_mtc_gen_due(&g, late, out, 32), 0);
	assert_int_equal(g.skipped, 1);
	assert_int_equal(g.next_q % 8, 0);
	n = midi_mtc_gen_due(&g, midi_mtc_gen_next_ns(&g), out, 32);
	assert_int_equal(n, 1);
	assert_int_equal(out[0][1] >> 4, 0);               /* piece 0 of a new cycle */
}

/* ---- mapping lines --------------------------------------------------------------------------- */

static void test_map_lines(void **state)
{
	struct midi_map m;
	char why[200], out[MIDI_MAP_LINE_MAX];
	static const char *const lines[] = {
		"note 1 60 go",
		"note 10 0 goto \"Main list\" 2.5 on=1 off=12 alt=5",
		"cc * 48 fader 1 pickup",
		"cc 16 7 gm motor",
		"bend 3 master Fx motor",
		"pc 1 9 stop",
		"fire 5 blackout latch",
		"note 1 70 blackout nofeedback",
		"cc 1 4 attr 8 intensity",
		"note 1 72 lua 3",
		"cc 2 10 go \"he said \\\"go\\\"\"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		if (midi_map_parse(lines[i], &m, why, sizeof why) != 1)
			fail_msg("%s: %s", lines[i], why);
		midi_map_format(&m, out, sizeof out);
		assert_string_equal(out, lines[i]);
	}
	assert_int_equal(midi_map_parse("cc * 48 fader 1 pickup  # comment", &m, why, sizeof why), 1);
	assert_int_equal(m.channel, -1);
	assert_int_equal(m.number, 48);
	assert_true(m.pickup);
	assert_int_equal(midi_map_parse("  # only a comment", &m, why, sizeof why), 0);
	assert_int_equal(midi_map_parse("", &m, why, sizeof why), 0);
	static const char *const bad[] = {
		"knob 1 2 go", "note 17 60 go", "note 1 128 go", "note 1 60", "note 1 60 warp",
		"pc 1 2 fader 1 motor", "note 1 60 go motor", "cc 1 1 fader 1 motor pickup",
		"note 1 60 go \"Main", "note 1 60 go on=300", "note 1 60 go colour=red",
		"note 1 60 goto Main", "note 1 60 goto Main -1", "cc 1 1 attr 1 smell",
		"note 1 60 go latch", "bend 1 2 fader 1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (midi_map_parse(bad[i], &m, why, sizeof why) >= 0)
			fail_msg("accepted: %s", bad[i]);
	midi_map_parse("note 1 60 warp", &m, why, sizeof why);
	assert_non_null(strstr(why, "not a target"));
}

/* ---- dispatch into a real engine -------------------------------------------------------------- */

/* Four dimmers; lists Main (cues 1, 2, 2.5) and Fx (cue 1); fader 1 on
 * dimmer 4, fader 5 on Main. */
static struct gl_engine *make_engine(void)
{
	struct gl_engine_config cfg = { .rate_hz = 50 };
	struct gl_engine *e = gl_engine_create(&cfg);
	struct gl_fixture_type dim = { .name = "dim", .channel_count = 1 };

	assert_non_null(e);
	dim.channels[0].attr = GL_ATTR_INTENSITY;
	dim.channels[0].bytes = 1;
	assert_int_equal(gl_fixture_type_finish(&dim), 0);
	for (int i = 0; i < 4; i++)
		assert_true(gl_engine_add_fixture(e, &dim, "dim", 1, i + 1, NULL) >= 0);
	int four = 3;
	gl_engine_add_group(e, "four", &four, 1);
	const char *names[2] = { "Main", "Fx" };
	for (int l = 0; l < 2; l++) {
		int id = gl_engine_add_cuelist(e, names[l], false);

		for (int c = 0; c < (l == 0 ? 3 : 1); c++) {
			struct gl_cue_def def;
			struct gl_cue_change ch = { .param = gl_engine_param(e, l, GL_ATTR_INTENSITY),
						    .value = 0.5f };

			gl_cue_def_init(&def);
			def.number = c == 2 ? 2.5 : c + 1;
			def.changes = &ch;
			def.change_count = 1;
			assert_true(gl_engine_add_cue(e, id, &def) >= 0);
		}
	}
	assert_int_equal(gl_engine_add_fader(e, 1, GL_FADER_GROUP, 0, "Four", 1.0f), 0);
	assert_int_equal(gl_engine_add_fader(e, 5, GL_FADER_CUELIST, 0, "Main", 1.0f), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	return e;
}

struct rig {
	struct gl_engine *e;
	struct midi_dispatch *d;
	struct gl_snapshot snap;
	struct gl_list_status lists[2];
	float faders[2];
	uint64_t now;
};

static void rig_tick(struct rig *r)
{
	r->now += 20 * MS;
	gl_engine_tick(r->e, r->now);
	r->snap.lists = r->lists;
	r->snap.fader_levels = r->faders;
	assert_int_equal(gl_engine_snapshot(r->e, &r->snap), 0);
}

static struct rig *rig_new(const char *const *lines, int count)
{
	struct rig *r = calloc(1, sizeof *r);
	struct midi_map maps[32];
	char why[200];
	struct midi_dispatch_config cfg = { .msc_id = 1, .msc_group = 2, .msc_format = 1,
					    .msc_list = -1, .touch_hold_s = 0.5, .mtc = true,
					    .mtc_freewheel_s = 1 };

	assert_non_null(r);
	r->e = make_engine();
	for (int i = 0; i < count; i++) {
		if (midi_map_parse(lines[i], &maps[i], why, sizeof why) != 1 ||
		    midi_map_resolve(r->e, &maps[i], why, sizeof why) != 0)
			fail_msg("%s: %s", lines[i], why);
	}
	r->d = midi_dispatch_create(r->e, maps, count, &cfg);
	assert_non_null(r->d);
	r->now = 1000 * MS;
	rig_tick(r);
	return r;
}

static void rig_free(struct rig *r)
{
	midi_dispatch_destroy(r->d);
	gl_engine_destroy(r->e);
	free(r);
}

/* Sends bytes (one message) through the parser into the dispatch; the
 * commands go to the engine. */
static void rig_send(struct rig *r, const uint8_t *b, size_t n, struct midi_result *res)
{
	struct midi_parser p;
	struct midi_msg m;
	enum midi_error e;
	const uint8_t *in = b;
	size_t left = n;

	midi_parser_init(&p);
	assert_int_equal(midi_parse(&p, &in, &left, &m, &e), MIDI_PARSED_MESSAGE);
	midi_dispatch_message(r->d, &m, &r->snap, r->now, res);
	for (int i = 0; i < res->cmd_count; i++)
		assert_int_equal(gl_engine_command(r->e, &res->cmds[i]), 0);
}

static int rig_feedback(struct rig *r, bool full, uint8_t out[][3])
{
	return midi_dispatch_feedback(r->d, &r->snap, r->now, full, out, 64);
}

static bool has_out(uint8_t out[][3], int n, const uint8_t *msg)
{
	for (int i = 0; i < n; i++)
		if (memcmp(out[i], msg, 3) == 0)
			return true;
	return false;
}

static void test_dispatch_buttons(void **state)
{
	static const char *const maps[] = {
		"note 1 60 go Main", "note 1 61 goto Main 2 alt=5", "cc 1 20 stop",
		"note 1 70 blackout", "note 1 72 lua 4", "pc 1 3 go Fx",
	};
	struct rig *r = rig_new(maps, 6);
	struct midi_result res;
	uint8_t out[64][3];
	int n;

	(void)state;
	n = rig_feedback(r, true, out);
	assert_true(has_out(out, n, (const uint8_t[]){ 0x90, 60, 0 }));     /* Main off */
	assert_true(has_out(out, n, (const uint8_t[]){ 0x90, 61, 0 }));
	assert_true(has_out(out, n, (const uint8_t[]){ 0x90, 70, 0 }));
	assert_true(has_out(out, n, (const uint8_t[]){ 0xB0, 20, 0 }));     /* a cc button too */
	assert_int_equal(n, 4);                 /* program change and lua: none */
	/* a press GOes; its release does nothing */
	rig_send(r, BYTES(0x90, 60, 0x7F), &res);
	assert_int_equal(res.cmd_count, 1);
	assert_int_equal(res.cmds[0].type, GL_CMD_GO);
	assert_int_equal(res.cmds[0].list, 0);
	rig_send(r, BYTES(0x90, 60, 0x00), &res);
	assert_true(res.ignored);
	assert_int_equal(res.cmd_count, 0);
	rig_send(r, BYTES(0x80, 60, 0x40), &res);
	assert_true(res.ignored);
	rig_tick(r);
	/* LEDs follow: Main running; cue 2 is standby (alt) */
	n = rig_feedback(r, false, out);
	assert_true(has_out(out, n, (const uint8_t[]){ 0x90, 60, 127 }));
	assert_true(has_out(out, n, (const uint8_t[]){ 0x90, 61, 5 }));
	assert_true(has_out(out, n, (const uint8_t[]){ 0xB0, 20, 127 }));   /* something to stop */
	assert_int_equal(n, 3);
	assert_int_equal(rig_feedback(r, false, out), 0);   /* nothing changed */
	/* goto, then its LED is on */
	rig_send(r, BYTES(0x90, 61, 0x7F), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_GOTO);
	assert_int_equal(res.cmds[0].index, 1);
	rig_tick(r);
	n = rig_feedback(r, false, out);
	assert_true(has_out(out, n, (const uint8_t[]){ 0x90, 61, 127 }));
	/* blackout toggles from the snapshot */
	rig_send(r, BYTES(0x90, 70, 0x7F), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_BLACKOUT);
	assert_int_equal(res.cmds[0].index, 1);
	rig_tick(r);
	rig_send(r, BYTES(0x90, 70, 0x7F), &res);
	assert_int_equal(res.cmds[0].index, 0);
	/* cc as a button: 127 presses, 0 releases; stop without a list: all */
	rig_send(r, BYTES(0xB0, 20, 0x7F), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_STOP);
	assert_int_equal(res.cmds[0].list, -1);
	/* program change */
	rig_send(r, BYTES(0xC0, 3), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_GO);
	assert_int_equal(res.cmds[0].list, 1);
	/* a show function gets every message, releases too */
	rig_send(r, BYTES(0x90, 72, 0x40), &res);
	assert_int_equal(res.call_count, 1);
	assert_int_equal(res.calls[0].handler, 4);
	assert_int_equal(res.calls[0].channel, 1);
	assert_int_equal(res.calls[0].number, 72);
	assert_true(fabsf(res.calls[0].value - 64.0f / 127.0f) < 1e-6f);
	rig_send(r, BYTES(0x90, 72, 0x00), &res);
	assert_int_equal(res.call_count, 1);
	/* unmapped: other channel, other note */
	rig_send(r, BYTES(0x91, 60, 0x7F), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_UNMAPPED);
	assert_int_equal(res.cmd_count, 0);
	rig_send(r, BYTES(0xF8), &res);
	assert_true(res.ignored);
	rig_free(r);
}

static void test_dispatch_levels(void **state)
{
	static const char *const maps[] = { "cc 1 1 fader 1 pickup", "cc 1 2 master Main motor",
					    "cc 1 3 attr 2 intensity", "bend 1 gm motor" };
	struct rig *r = rig_new(maps, 4);
	struct midi_result res;
	uint8_t out[64][3];
	int n;

	(void)state;
	n = rig_feedback(r, true, out);
	/* motor controls get their levels; pickup and attr send nothing */
	assert_true(has_out(out, n, (const uint8_t[]){ 0xB0, 2, 127 }));
	assert_true(has_out(out, n, (const uint8_t[]){ 0xE0, 0x7F, 0x7F }));
	assert_int_equal(n, 2);

	/* pickup: fader 1 is at 1.0; the control at 10 is ignored, at 127 it has it */
	rig_send(r, BYTES(0xB0, 1, 10), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_PICKUP);
	rig_send(r, BYTES(0xB0, 1, 127), &res);
	assert_int_equal(res.cmd_count, 1);
	assert_int_equal(res.cmds[0].type, GL_CMD_FADER);
	assert_int_equal(res.cmds[0].index, 1);
	rig_send(r, BYTES(0xB0, 1, 64), &res);
	assert_true(fabsf(res.cmds[0].value - 64.0f / 127.0f) < 1e-6f);
	rig_tick(r);
	rig_feedback(r, false, out);
	/* a remote moves fader 1 to 0.9: the control must pick it up again */
	assert_int_equal(gl_engine_command(r->e, &(struct gl_cmd){ .type = GL_CMD_FADER, .index = 1,
								    .value = 0.9f }), 0);
	r->now += 600 * MS;
	rig_tick(r);
	assert_int_equal(rig_feedback(r, false, out), 0);   /* no motor: nothing sent */
	rig_send(r, BYTES(0xB0, 1, 60), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_PICKUP);
	rig_send(r, BYTES(0xB0, 1, 120), &res);            /* passes 0.9 (114.3) */
	assert_int_equal(res.cmd_count, 1);
	assert_true(fabsf(res.cmds[0].value - 120.0f / 127.0f) < 1e-6f);

	/* motor: the operator moves the master; its own values never come back */
	rig_send(r, BYTES(0xB0, 2, 50), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_LIST_MASTER);
	rig_tick(r);
	assert_int_equal(rig_feedback(r, false, out), 0);
	/* a remote sets the master while the hand is on it: held back... */
	assert_int_equal(gl_engine_command(r->e, &(struct gl_cmd){ .type = GL_CMD_LIST_MASTER,
								    .list = 0, .value = 0.25f }), 0);
	rig_tick(r);
	assert_int_equal(rig_feedback(r, false, out), 0);
	assert_true(midi_dispatch_next_ns(r->d) > r->now);
	/* ...until the hand has been off it for touch_hold */
	r->now += 500 * MS;
	rig_tick(r);
	n = rig_feedback(r, false, out);
	assert_int_equal(n, 1);
	EQ_BYTES(out[0], 0xB0, 2, 32);
	assert_int_equal(rig_feedback(r, false, out), 0);
	/* a remote change with no hand on it goes out at once */
	assert_int_equal(gl_engine_command(r->e, &(struct gl_cmd){ .type = GL_CMD_GRAND_MASTER,
								    .value = 0.5f }), 0);
	rig_tick(r);
	n = rig_feedback(r, false, out);
	assert_int_equal(n, 1);
	EQ_BYTES(out[0], 0xE0, 0x00, 0x40);   /* 8192 */
	/* 14-bit pitch bend in */
	rig_send(r, BYTES(0xE0, 0x7F, 0x7F), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_GRAND_MASTER);
	assert_true(res.cmds[0].value == 1.0f);
	/* an attribute: the programmer */
	rig_send(r, BYTES(0xB0, 3, 127), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_SET_PARAM);
	assert_int_equal(res.cmds[0].index, gl_engine_param(r->e, 1, GL_ATTR_INTENSITY));
	/* a device that comes back gets everything again - but a control
	 * under the operator's hand only when the hand is off it */
	n = rig_feedback(r, true, out);
	assert_int_equal(n, 1);
	EQ_BYTES(out[0], 0xB0, 2, 32);
	r->now += 600 * MS;
	rig_tick(r);
	n = rig_feedback(r, true, out);
	assert_int_equal(n, 2);
	rig_free(r);
}

static void test_dispatch_msc(void **state)
{
	static const char *const maps[] = { "fire 9 blackout latch" };
	struct rig *r = rig_new(maps, 1);
	struct midi_result res;

	(void)state;
	/* GO, no cue, no list: the lists whose next cue is the lowest (both: 1) */
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0xF7), &res);
	assert_true(res.msc);
	assert_int_equal(res.cmd_count, 2);
	assert_int_equal(res.cmds[0].type, GL_CMD_GOTO);
	assert_int_equal(res.cmds[0].list, 0);
	assert_int_equal(res.cmds[1].list, 1);
	rig_tick(r);
	/* now Main's next is 2, Fx has none: only Main */
	rig_send(r, BYTES(0xF0, 0x7F, 0x7F, 0x02, 0x7F, 0x01, 0xF7), &res);
	assert_int_equal(res.cmd_count, 1);
	assert_int_equal(res.cmds[0].list, 0);
	assert_int_equal(res.cmds[0].index, 1);
	rig_tick(r);
	/* GO 2.5 in list 1, by our group (2 = 71) */
	rig_send(r, BYTES(0xF0, 0x7F, 0x71, 0x02, 0x01, 0x01, 0x32, 0x2E, 0x35, 0x00, 0x31, 0xF7),
		 &res);
	assert_int_equal(res.cmd_count, 1);
	assert_int_equal(res.cmds[0].type, GL_CMD_GOTO);
	assert_int_equal(res.cmds[0].index, 2);
	rig_tick(r);
	/* cue 1 without a list: every list that has it */
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x31, 0xF7), &res);
	assert_int_equal(res.cmd_count, 2);
	/* STOP is a pause, RESUME goes on; with a cue, only where it runs */
	rig_tick(r);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x02, 0x00, 0x31, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_PAUSE);
	assert_int_equal(res.cmds[0].list, 0);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x03, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_RESUME);
	assert_int_equal(res.cmds[0].list, -1);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x02, 0x32, 0xF7), &res);
	assert_true(res.ignored);                      /* cue 2 is not running */
	assert_int_equal(res.cmd_count, 0);
	/* LOAD puts a cue in standby for the next MSC GO of that list */
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x05, 0x32, 0x00, 0x31, 0xF7), &res);
	assert_int_equal(res.cmd_count, 0);
	assert_int_equal(res.drop, GL_CONTROL_DROP_NONE);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x00, 0x31, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_GOTO);
	assert_int_equal(res.cmds[0].index, 1);
	/* TIMED_GO: a GO on the cue's own times */
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x04, 0x60, 0x00, 0x05, 0x00, 0x00, 0x32,
			  0x00, 0x31, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_GOTO);
	assert_non_null(strstr(res.why, "own times"));
	/* SET: fader 1 (control 0), list 1's master (128), grand master (510),
	 * fixture 2 (513); speed controls are not supported */
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x06, 0x00, 0x00, 0x00, 0x40, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_FADER);
	assert_int_equal(res.cmds[0].index, 1);
	assert_true(fabsf(res.cmds[0].value - 8192.0f / 16383.0f) < 1e-6f);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x06, 0x00, 0x01, 0x7F, 0x7F, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_LIST_MASTER);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x06, 0x7E, 0x03, 0x00, 0x00, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_GRAND_MASTER);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x06, 0x01, 0x04, 0x7F, 0x7F, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_SET_PARAM);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x06, 0x41, 0x01, 0x00, 0x00, 0xF7), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_UNSUPPORTED);    /* 193: a speed */
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x06, 0x09, 0x00, 0x00, 0x00, 0xF7), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_NO_SUCH_TARGET);        /* fader 10 */
	/* FIRE runs the macro's mapping; ALL_OFF / RESTORE; RESET; GO_OFF */
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x07, 0x09, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_BLACKOUT);
	assert_int_equal(res.cmds[0].index, 1);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x07, 0x08, 0xF7), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_UNMAPPED);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x08, 0xF7), &res);
	assert_int_equal(res.cmds[0].index, 1);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x09, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_BLACKOUT);
	assert_int_equal(res.cmds[0].index, 0);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x0A, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_STOP);
	assert_int_equal(res.cmds[0].list, -1);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x0B, 0x00, 0x32, 0xF7), &res);
	assert_int_equal(res.cmds[0].type, GL_CMD_STOP);
	assert_int_equal(res.cmds[0].list, 1);
	/* not for us, unsupported, no such, malformed: nothing happens */
	rig_send(r, BYTES(0xF0, 0x7F, 0x02, 0x02, 0x01, 0x01, 0xF7), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_NOT_FOR_US);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x10, 0x01, 0xF7), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_NOT_FOR_US);        /* sound */
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x11, 0xF7), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_UNSUPPORTED);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x39, 0xF7), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_NO_SUCH_TARGET);
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x31, 0x00, 0x37, 0xF7), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_NO_SUCH_TARGET);           /* list 7 */
	rig_send(r, BYTES(0xF0, 0x7F, 0x01, 0x02, 0x01, 0x01, 0x41, 0xF7), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_MALFORMED);
	assert_int_equal(res.cmd_count, 0);
	rig_send(r, BYTES(0xF0, 0x41, 0x10, 0x42, 0x12, 0xF7), &res);
	assert_int_equal(res.drop, GL_CONTROL_DROP_UNMAPPED);          /* someone else's sysex */
	/* MTC into the chase */
	rig_send(r, BYTES(0xF0, 0x7F, 0x7F, 0x01, 0x01, 0x21, 0x02, 0x03, 0x04, 0xF7), &res);
	assert_true(res.timecode);
	assert_int_equal(midi_dispatch_chase(r->d)->state, MIDI_CHASE_STOPPED);
	rig_send(r, BYTES(0xF1, 0x04), &res);
	assert_true(res.timecode);
	assert_string_equal(gl_control_drop_name(GL_CONTROL_DROP_PICKUP), "pickup");
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running_status),
		cmocka_unit_test(test_sysex),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_msc_spec_examples),
		cmocka_unit_test(test_msc_rules),
		cmocka_unit_test(test_tc_labels),
		cmocka_unit_test(test_mtc_messages),
		cmocka_unit_test(test_chase_lock),
		cmocka_unit_test(test_chase_dropout_jump),
		cmocka_unit_test(test_chase_bad_input),
		cmocka_unit_test(test_generator),
		cmocka_unit_test(test_map_lines),
		cmocka_unit_test(test_dispatch_buttons),
		cmocka_unit_test(test_dispatch_levels),
		cmocka_unit_test(test_dispatch_msc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
