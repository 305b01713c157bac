/*
 * midi_msc.c - MIDI Show Control messages (see midi_msc.h). Any thread.
 */
#include "midi_msc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const command_names[] = {
	[MIDI_MSC_GO] = "go",
	[MIDI_MSC_STOP] = "stop",
	[MIDI_MSC_RESUME] = "resume",
	[MIDI_MSC_TIMED_GO] = "timed_go",
	[MIDI_MSC_LOAD] = "load",
	[MIDI_MSC_SET] = "set",
	[MIDI_MSC_FIRE] = "fire",
	[MIDI_MSC_ALL_OFF] = "all_off",
	[MIDI_MSC_RESTORE] = "restore",
	[MIDI_MSC_RESET] = "reset",
	[MIDI_MSC_GO_OFF] = "go_off",
};

#define COMMAND_COUNT ((int)(sizeof command_names / sizeof command_names[0]))

const char *midi_msc_command_name(int command)
{
	return command > 0 && command < COMMAND_COUNT ? command_names[command] : NULL;
}

int midi_msc_command_find(const char *name)
{
	for (int i = 1; name && i < COMMAND_COUNT; i++)
		if (strcmp(command_names[i], name) == 0)
			return i;
	return -1;
}

static bool takes_cue(int command)
{
	return command == MIDI_MSC_GO || command == MIDI_MSC_STOP || command == MIDI_MSC_RESUME ||
	       command == MIDI_MSC_TIMED_GO || command == MIDI_MSC_LOAD ||
	       command == MIDI_MSC_GO_OFF;
}

static enum midi_msc_parsed malformed(char *why, size_t len, const char *fmt, const char *what)
{
	snprintf(why, len, fmt, what);
	return MIDI_MSC_MALFORMED;
}

/* hr mn sc fr ff at d (5 bytes). Returns NULL or what is wrong. */
static const char *parse_time(const uint8_t *d, struct midi_msc_time *t)
{
	static const int fps[4] = { 24, 25, 30, 30 };

	memset(t, 0, sizeof *t);
	t->rate = d[0] >> 5 & 3;
	t->hours = d[0] & 0x1F;
	t->color_frame = d[1] & 0x40;
	t->minutes = d[1] & 0x3F;
	t->seconds = d[2] & 0x3F;
	t->negative = d[3] & 0x40;
	t->status = d[3] & 0x20;
	t->frames = d[3] & 0x1F;
	t->subframes = d[4];
	if (t->hours > 23 || t->minutes > 59 || t->seconds > 59 || t->frames >= fps[t->rate])
		return "time out of range";
	if (!t->status && t->subframes > 99)
		return "subframes over 99";
	return NULL;
}

enum midi_msc_parsed midi_msc_parse(const uint8_t *b, size_t len, struct midi_msc *m,
				    char *why, size_t wl)
{
	memset(m, 0, sizeof *m);
	if (wl)
		why[0] = '\0';
	if (len < 4 || b[0] != 0xF0 || b[1] != 0x7F || b[3] != 0x02 || b[len - 1] != 0xF7)
		return MIDI_MSC_NOT_MSC;
	if (len > MIDI_MSC_BYTES_MAX)
		return malformed(why, wl, "%s", "longer than the 128 bytes MSC allows");
	if (len < 7)
		return malformed(why, wl, "%s", "no command");
	for (size_t i = 1; i + 1 < len; i++)
		if (b[i] & 0x80)
			return malformed(why, wl, "%s", "a status byte inside the message");
	m->device_id = b[2];
	m->format = b[4];
	m->command = b[5];
	if (m->format == 0 || m->command == 0)
		return malformed(why, wl, "%s", "an extension set (command_format or command 00): "
				 "none is defined");
	const uint8_t *d = b + 6, *end = b + len - 1;
	size_t n = (size_t)(end - d);

	if (m->command == MIDI_MSC_TIMED_GO) {
		if (n < 5)
			return malformed(why, wl, "%s", "timed_go without its 5 time bytes");
		const char *bad = parse_time(d, &m->time);
		if (bad)
			return malformed(why, wl, "timed_go: %s", bad);
		m->has_time = true;
		d += 5;
	}
	if (takes_cue(m->command)) {
		char *fields[3] = { m->cue, m->list, m->path };
		int f = 0;
		size_t used = 0;

		for (; d < end; d++) {
			if (*d == 0x00) {              /* delimiter: next field */
				if (f < 2) {
					f++;
					used = 0;
				} else {
					f = 3;         /* after the path: ignored */
				}
				continue;
			}
			if (f > 2)
				return malformed(why, wl, "%s", "data after the cue path");
			if ((*d < '0' || *d > '9') && *d != '.')
				return malformed(why, wl, "%s", "a cue field holds more than digits and '.'");
			/* "1..5" is 1.5: the spec asks receivers to take doubled points */
			if (*d == '.' && used > 0 && fields[f][used - 1] == '.')
				continue;
			if (used + 1 >= MIDI_MSC_FIELD_MAX)
				return malformed(why, wl, "%s", "a cue field longer than 63 characters");
			fields[f][used++] = (char)*d;
			fields[f][used] = '\0';
		}
		/* a field that is only points names nothing */
		for (int i = 0; i < 3; i++)
			if (fields[i][0] && !strpbrk(fields[i], "0123456789"))
				return malformed(why, wl, "%s", "a cue field without a digit");
		if (m->command == MIDI_MSC_LOAD && !m->cue[0])
			return malformed(why, wl, "%s", "load without a cue number");
		return MIDI_MSC_OK;
	}
	switch (m->command) {
	case MIDI_MSC_SET:
		if (n != 4 && n != 9)
			return malformed(why, wl, "%s", "set takes a control and a value (4 bytes), "
					 "and optionally a time (5 more)");
		m->control = d[0] | d[1] << 7;
		m->value = d[2] | d[3] << 7;
		if (n == 9) {
			const char *bad = parse_time(d + 4, &m->time);
			if (bad)
				return malformed(why, wl, "set: %s", bad);
			m->has_time = true;
		}
		return MIDI_MSC_OK;
	case MIDI_MSC_FIRE:
		if (n != 1)
			return malformed(why, wl, "%s", "fire takes one macro number");
		m->macro = d[0];
		return MIDI_MSC_OK;
	case MIDI_MSC_ALL_OFF:
	case MIDI_MSC_RESTORE:
	case MIDI_MSC_RESET:
		if (n != 0)
			return malformed(why, wl, "%s", "all_off, restore and reset take no data");
		return MIDI_MSC_OK;
	default:
		/* a command we do not act on (sound, 2-phase commit): well-formed
		 * as far as we can tell; the dispatch names it */
		return MIDI_MSC_OK;
	}
}

bool midi_msc_field_ok(const char *text)
{
	bool digit = false;
	size_t n = 0;

	for (; text && text[n]; n++) {
		if (text[n] >= '0' && text[n] <= '9')
			digit = true;
		else if (text[n] != '.')
			return false;
	}
	return digit && n < MIDI_MSC_FIELD_MAX;
}

static bool put_time(const struct midi_msc_time *t, uint8_t *out)
{
	static const int fps[4] = { 24, 25, 30, 30 };

	if (t->rate < 0 || t->rate > 3 || t->hours < 0 || t->hours > 23 || t->minutes < 0 ||
	    t->minutes > 59 || t->seconds < 0 || t->seconds > 59 || t->frames < 0 ||
	    t->frames >= fps[t->rate] || t->subframes < 0 || t->subframes > (t->status ? 127 : 99))
		return false;
	out[0] = (uint8_t)(t->rate << 5 | t->hours);
	out[1] = (uint8_t)((t->color_frame ? 0x40 : 0) | t->minutes);
	out[2] = (uint8_t)t->seconds;
	out[3] = (uint8_t)((t->negative ? 0x40 : 0) | (t->status ? 0x20 : 0) | t->frames);
	out[4] = (uint8_t)t->subframes;
	return true;
}

size_t midi_msc_encode(const struct midi_msc *m, uint8_t *out, size_t cap)
{
	uint8_t buf[MIDI_MSC_BYTES_MAX + 8];
	size_t n = 0;

	if (m->device_id > 0x7F || m->format == 0 || m->format > 0x7F || m->command == 0 ||
	    m->command > 0x7F)
		return 0;
	buf[n++] = 0xF0;
	buf[n++] = 0x7F;
	buf[n++] = m->device_id;
	buf[n++] = 0x02;
	buf[n++] = m->format;
	buf[n++] = m->command;
	if (m->command == MIDI_MSC_SET) {          /* control and value, LSB first */
		if (m->control < 0 || m->control > 16383 || m->value < 0 || m->value > 16383)
			return 0;
		buf[n++] = (uint8_t)(m->control & 0x7F);
		buf[n++] = (uint8_t)(m->control >> 7);
		buf[n++] = (uint8_t)(m->value & 0x7F);
		buf[n++] = (uint8_t)(m->value >> 7);
	}
	if (m->command == MIDI_MSC_TIMED_GO || (m->command == MIDI_MSC_SET && m->has_time)) {
		if (!put_time(&m->time, buf + n))
			return 0;
		n += 5;
	}
	if (takes_cue(m->command)) {
		const char *fields[3] = { m->cue, m->list, m->path };
		int last = -1;

		for (int i = 0; i < 3; i++)
			if (fields[i][0]) {
				if (!midi_msc_field_ok(fields[i]) || last != i - 1)
					return 0;
				last = i;
			}
		if (m->command == MIDI_MSC_LOAD && last < 0)
			return 0;
		for (int i = 0; i <= last; i++) {
			size_t l = strlen(fields[i]);

			if (i > 0)
				buf[n++] = 0x00;
			if (n + l + 1 > MIDI_MSC_BYTES_MAX)
				return 0;
			memcpy(buf + n, fields[i], l);
			n += l;
		}
	} else if (m->command == MIDI_MSC_FIRE) {
		if (m->macro < 0 || m->macro > 127)
			return 0;
		buf[n++] = (uint8_t)m->macro;
	}
	buf[n++] = 0xF7;
	if (n > MIDI_MSC_BYTES_MAX || n > cap)
		return 0;
	memcpy(out, buf, n);
	return n;
}

bool midi_msc_addressed(const struct midi_msc *m, int device_id, int group, int format)
{
	bool id = m->device_id == MIDI_MSC_ALL_CALL || m->device_id == device_id ||
		  (group >= 1 && group <= 15 && m->device_id == 0x6F + group);

	return id && (m->format == MIDI_MSC_ALL_TYPES || m->format == format);
}

bool midi_msc_number(const char *field, double *out)
{
	char buf[MIDI_MSC_FIELD_MAX];
	const char *second;
	size_t n;

	if (!field || !field[0])
		return false;
	/* the first two parts: "235.32.7" -> "235.32" */
	second = strchr(field, '.');
	second = second ? strchr(second + 1, '.') : NULL;
	n = second ? (size_t)(second - field) : strlen(field);
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, field, n);
	buf[n] = '\0';
	*out = strtod(buf, NULL);
	return true;
}
