/*
 * fuzz_midi.c - libFuzzer target: MIDI bytes from a device through the
 * adapter's pure path - the stream parser (in chunks whose size the first
 * byte picks, as RtMidi may hand them over), the dispatch with a mapping of
 * every kind (buttons, levels with motor and pickup, MSC macros, show
 * functions), MSC and MTC into the chase - into a real engine, with a
 * feedback pass after each message; and the same bytes as a mapping line
 * and as an MSC message.
 * Invariants checked: every byte is used (the parser never loops or skips
 * silently), a dropped message yields no command, every command is one the
 * engine accepts (never GL_EINVAL), feedback messages are well-formed, a
 * mapping line prints back to a line that parses the same, an MSC message
 * that parses encodes back to one that parses the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_engine.h"
#include "outputs/control/midi/midi_dispatch.h"
#include "outputs/control/midi/midi_map.h"
#include "outputs/control/midi/midi_msc.h"
#include "outputs/control/midi/midi_wire.h"

static const char *const lines[] = {
	"note 1 60 go", "note * 61 back Main", "note 1 62 goto Fx 2.5 on=1 off=0 alt=5",
	"cc 1 20 stop", "cc 1 21 pause Fx", "cc 1 22 resume", "note 1 70 blackout",
	"cc 1 1 fader 1 pickup", "cc 1 2 fader 2 motor", "cc 2 7 gm", "bend 1 master 2 motor",
	"cc 3 * attr 1 intensity", "pc * 5 go 2", "fire 9 blackout latch", "note 1 72 lua 0",
	"cc 1 1 lua 1",
};

static struct midi_dispatch *dispatch(struct gl_engine *e)
{
	static struct midi_dispatch *d;
	struct midi_map maps[sizeof lines / sizeof lines[0]];
	struct midi_dispatch_config cfg = { .msc_id = 1, .msc_group = 3, .msc_format = 1,
					    .msc_list = -1, .touch_hold_s = 0.5, .mtc = true,
					    .mtc_freewheel_s = 1 };
	char why[200];
	int n = 0;

	if (d)
		return d;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		if (midi_map_parse(lines[i], &maps[n], why, sizeof why) != 1)
			continue;
		if (midi_map_resolve(e, &maps[n], why, sizeof why) == 0)
			n++;
	}
	d = midi_dispatch_create(e, maps, n, &cfg);
	if (!d)
		abort();
	return d;
}

static void check_lines(const uint8_t *data, size_t size)
{
	char line[MIDI_MAP_LINE_MAX + 8], again[MIDI_MAP_LINE_MAX + 8], why[200];
	struct midi_map a, b;
	size_t n = size < MIDI_MAP_LINE_MAX + 4 ? size : MIDI_MAP_LINE_MAX + 4;

	memcpy(line, data, n);
	line[n] = '\0';
	if (midi_map_parse(line, &a, why, sizeof why) != 1)
		return;
	midi_map_format(&a, again, sizeof again);
	if (midi_map_parse(again, &b, why, sizeof why) != 1)
		abort();
	midi_map_format(&b, line, sizeof line);
	if (strcmp(line, again) != 0)
		abort();
}

static void check_msc(const uint8_t *data, size_t size)
{
	struct midi_msc a, b;
	uint8_t out[MIDI_MSC_BYTES_MAX];
	char why[200];
	size_t n;

	if (midi_msc_parse(data, size, &a, why, sizeof why) != MIDI_MSC_OK)
		return;
	n = midi_msc_encode(&a, out, sizeof out);
	if (n == 0)
		return;           /* e.g. a list after an empty cue: received, never sent */
	if (midi_msc_parse(out, n, &b, why, sizeof why) != MIDI_MSC_OK ||
	    strcmp(a.cue, b.cue) || strcmp(a.list, b.list) || strcmp(a.path, b.path) ||
	    a.command != b.command || a.device_id != b.device_id)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gl_engine *e = fuzz_engine();
	struct midi_dispatch *d = dispatch(e);
	static uint64_t now = 1000000000ull;
	static struct midi_parser p;
	static struct gl_list_status lists[8];
	static float levels[8];
	struct gl_snapshot snap = { .lists = lists, .fader_levels = levels };
	uint8_t fb[64][3];

	check_lines(data, size);
	check_msc(data, size);
	if (size == 0)
		return 0;
	size_t chunk = (data[0] & 0x0F) + 1, off = 1;
	midi_parser_init(&p);
	while (off < size) {
		size_t take = size - off < chunk ? size - off : chunk;
		const uint8_t *in = data + off;
		size_t left = take;

		while (left > 0) {
			struct midi_msg m;
			struct midi_result r;
			enum midi_error err;
			size_t before = left;
			enum midi_parsed got = midi_parse(&p, &in, &left, &m, &err);

			if (got == MIDI_PARSED_NEED_MORE) {
				if (left != 0)
					abort();
				break;
			}
			/* an error may leave its byte to be read again, once */
			if (got == MIDI_PARSED_MESSAGE && left == before)
				abort();
			if (got == MIDI_PARSED_ERROR)
				continue;
			if (m.len == 0 || !midi_message_ok(m.bytes, m.len))
				abort();
			now += 3000000;
			midi_dispatch_message(d, &m, gl_engine_snapshot(e, &snap) == 0 ? &snap : NULL,
					      now, &r);
			if (r.drop != GL_CONTROL_DROP_NONE && (r.cmd_count || r.call_count))
				abort();
			for (int i = 0; i < r.cmd_count; i++)
				if (gl_engine_command(e, &r.cmds[i]) == GL_EINVAL)
					abort();
			int n = midi_dispatch_feedback(d, &snap, now, (m.data[0] & 3) == 0, fb, 64);
			for (int i = 0; i < n; i++)
				if (!midi_message_ok(fb[i], midi_data_bytes(fb[i][0]) == 1 ? 2 : 3))
					abort();
			midi_chase_tick(midi_dispatch_chase(d), now);
		}
		off += take;
		gl_engine_tick(e, now);
	}
	return 0;
}
