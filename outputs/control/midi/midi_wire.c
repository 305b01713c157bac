/*
 * midi_wire.c - the MIDI 1.0 byte stream (see midi_wire.h). Any thread.
 *
 * The rules (MIDI 1.0 Detailed Specification): a channel status byte sets
 * the running status, which later data bytes reuse; a system common status
 * (F0..F7) clears it; system real-time bytes (F8..FF) may come between any
 * two bytes, even inside a system exclusive, and change nothing around
 * them; any status byte but a real-time one ends a system exclusive.
 */
#include "midi_wire.h"

#include <stdio.h>
#include <string.h>

static const char *const error_names[MIDI_ERR_COUNT] = {
	[MIDI_ERR_NONE] = "none",
	[MIDI_ERR_STRAY_DATA] = "stray data byte",
	[MIDI_ERR_TRUNCATED] = "message cut short",
	[MIDI_ERR_SYSEX_TRUNCATED] = "sysex without F7",
	[MIDI_ERR_SYSEX_TOO_LONG] = "sysex too long",
	[MIDI_ERR_STRAY_EOX] = "F7 outside a sysex",
	[MIDI_ERR_UNDEFINED] = "undefined status",
};

const char *midi_error_name(enum midi_error err)
{
	return err >= 0 && err < MIDI_ERR_COUNT ? error_names[err] : "?";
}

void midi_parser_init(struct midi_parser *p)
{
	memset(p, 0, sizeof *p);
}

void midi_parser_reset(struct midi_parser *p)
{
	p->running = 0;
	p->have = p->need = 0;
	p->in_sysex = p->sysex_overflow = false;
	p->sysex_len = 0;
	p->skipping = false;
}

int midi_data_bytes(uint8_t status)
{
	if (status < 0x80)
		return -1;
	switch (status & 0xF0) {
	case 0xC0:
	case 0xD0:
		return 1;
	case 0xF0:
		break;
	default:
		return 2;
	}
	switch (status) {
	case 0xF1:
	case 0xF3:
		return 1;
	case 0xF2:
		return 2;
	case 0xF6:
	case 0xF8: case 0xFA: case 0xFB: case 0xFC: case 0xFE: case 0xFF:
		return 0;
	default:               /* F0, F7 and the undefined F4 F5 F9 FD */
		return -1;
	}
}

static void short_message(struct midi_parser *p, struct midi_msg *msg)
{
	uint8_t status = p->msg[0];

	memset(msg, 0, sizeof *msg);
	msg->type = status < 0xF0 ? (uint8_t)(status & 0xF0) : status;
	msg->channel = status < 0xF0 ? (uint8_t)(status & 0x0F) : 0;
	msg->data[0] = p->need > 1 ? p->msg[1] : 0;
	msg->data[1] = p->need > 2 ? p->msg[2] : 0;
	msg->bytes = p->msg;
	msg->len = (size_t)p->need;
	p->have = 0;
}

enum midi_parsed midi_parse(struct midi_parser *p, const uint8_t **in, size_t *len,
			    struct midi_msg *msg, enum midi_error *err)
{
	*err = MIDI_ERR_NONE;
	while (*len > 0) {
		uint8_t b = **in;

		if (b >= 0xF8) {                       /* real-time: anywhere */
			(*in)++, (*len)--;
			if (b == 0xF9 || b == 0xFD) {
				*err = MIDI_ERR_UNDEFINED;
				return MIDI_PARSED_ERROR;
			}
			memset(msg, 0, sizeof *msg);
			p->realtime = b;
			msg->type = b;
			msg->bytes = &p->realtime;
			msg->len = 1;
			return MIDI_PARSED_MESSAGE;
		}
		if (p->in_sysex) {
			if (b == 0xF7) {
				(*in)++, (*len)--;
				p->in_sysex = false;
				if (p->sysex_overflow) {
					p->sysex_overflow = false;
					*err = MIDI_ERR_SYSEX_TOO_LONG;
					return MIDI_PARSED_ERROR;
				}
				p->sysex[p->sysex_len++] = 0xF7;
				memset(msg, 0, sizeof *msg);
				msg->type = MIDI_SYSEX;
				msg->bytes = p->sysex;
				msg->len = p->sysex_len;
				return MIDI_PARSED_MESSAGE;
			}
			if (b & 0x80) {                /* ends it, and is read again */
				p->in_sysex = false;
				*err = p->sysex_overflow ? MIDI_ERR_SYSEX_TOO_LONG
							 : MIDI_ERR_SYSEX_TRUNCATED;
				p->sysex_overflow = false;
				return MIDI_PARSED_ERROR;
			}
			(*in)++, (*len)--;
			if (p->sysex_len < MIDI_SYSEX_MAX - 1)   /* room for the F7 */
				p->sysex[p->sysex_len++] = b;
			else
				p->sysex_overflow = true;
			continue;
		}
		if (b & 0x80) {
			if (p->have > 0) {             /* the message before is incomplete */
				p->have = 0;
				*err = MIDI_ERR_TRUNCATED;
				return MIDI_PARSED_ERROR;
			}
			(*in)++, (*len)--;
			p->skipping = false;
			if (b == 0xF0) {
				p->running = 0;
				p->in_sysex = true;
				p->sysex_overflow = false;
				p->sysex[0] = 0xF0;
				p->sysex_len = 1;
				continue;
			}
			int n = midi_data_bytes(b);
			if (n < 0) {                   /* F7 alone, F4, F5 */
				p->running = 0;
				*err = b == 0xF7 ? MIDI_ERR_STRAY_EOX : MIDI_ERR_UNDEFINED;
				return MIDI_PARSED_ERROR;
			}
			p->running = b < 0xF0 ? b : 0;
			p->msg[0] = b;
			p->need = 1 + n;
			p->have = 1;
			if (n == 0) {                  /* tune request */
				short_message(p, msg);
				return MIDI_PARSED_MESSAGE;
			}
			continue;
		}
		/* a data byte */
		(*in)++, (*len)--;
		if (p->have == 0) {
			if (!p->running) {
				/* one error for a run of them, not one per byte */
				if (p->skipping)
					continue;
				p->skipping = true;
				*err = MIDI_ERR_STRAY_DATA;
				return MIDI_PARSED_ERROR;
			}
			p->msg[0] = p->running;
			p->need = 1 + midi_data_bytes(p->running);
			p->have = 1;
		}
		p->msg[p->have++] = b;
		if (p->have == p->need) {
			short_message(p, msg);
			return MIDI_PARSED_MESSAGE;
		}
	}
	return MIDI_PARSED_NEED_MORE;
}

size_t midi_encode(uint8_t type, int channel, int d1, int d2, uint8_t out[3])
{
	if (channel < 0 || channel > 15 || type < 0x80 || type > 0xE0 || (type & 0x0F))
		return 0;
	out[0] = (uint8_t)(type | channel);
	if (type == MIDI_PITCH_BEND) {
		if (d1 < 0 || d1 > 16383)
			return 0;
		out[1] = (uint8_t)(d1 & 0x7F);
		out[2] = (uint8_t)(d1 >> 7);
		return 3;
	}
	if (d1 < 0 || d1 > 127)
		return 0;
	out[1] = (uint8_t)d1;
	if (type == MIDI_PROGRAM || type == MIDI_CHANNEL_PRESSURE)
		return 2;
	if (d2 < 0 || d2 > 127)
		return 0;
	out[2] = (uint8_t)d2;
	return 3;
}

bool midi_message_ok(const uint8_t *b, size_t len)
{
	if (!b || len == 0 || b[0] < 0x80)
		return false;
	if (b[0] == 0xF0) {
		if (len < 2 || len > MIDI_SYSEX_MAX || b[len - 1] != 0xF7)
			return false;
		for (size_t i = 1; i + 1 < len; i++)
			if (b[i] & 0x80)
				return false;
		return true;
	}
	int n = midi_data_bytes(b[0]);
	if (n < 0 || len != (size_t)(1 + n))
		return false;
	for (size_t i = 1; i < len; i++)
		if (b[i] & 0x80)
			return false;
	return true;
}

size_t midi_describe(const struct midi_msg *m, char *out, size_t len)
{
	int ch = m->channel + 1, n = 0;

	switch (m->type) {
	case MIDI_NOTE_OFF:
		n = snprintf(out, len, "note off  ch %2d  note %3d  vel %3d", ch, m->data[0], m->data[1]);
		break;
	case MIDI_NOTE_ON:
		n = snprintf(out, len, "note on   ch %2d  note %3d  vel %3d", ch, m->data[0], m->data[1]);
		break;
	case MIDI_POLY_PRESSURE:
		n = snprintf(out, len, "pressure  ch %2d  note %3d  %3d", ch, m->data[0], m->data[1]);
		break;
	case MIDI_CC:
		n = snprintf(out, len, "cc        ch %2d  cc   %3d  val %3d", ch, m->data[0], m->data[1]);
		break;
	case MIDI_PROGRAM:
		n = snprintf(out, len, "program   ch %2d  prog %3d", ch, m->data[0]);
		break;
	case MIDI_CHANNEL_PRESSURE:
		n = snprintf(out, len, "pressure  ch %2d  %3d", ch, m->data[0]);
		break;
	case MIDI_PITCH_BEND:
		n = snprintf(out, len, "bend      ch %2d  %5d", ch, m->data[0] | m->data[1] << 7);
		break;
	case MIDI_MTC_QUARTER:
		n = snprintf(out, len, "mtc quarter frame  piece %d  %x", m->data[0] >> 4,
			     m->data[0] & 0x0F);
		break;
	case MIDI_SONG_POSITION:
		n = snprintf(out, len, "song position %d", m->data[0] | m->data[1] << 7);
		break;
	case MIDI_SONG_SELECT:
		n = snprintf(out, len, "song select %d", m->data[0]);
		break;
	case MIDI_SYSEX: {
		n = snprintf(out, len, "sysex %zu bytes", m->len);
		for (size_t i = 0; i < m->len && n > 0 && (size_t)n + 4 < len; i++)
			n += snprintf(out + n, len - (size_t)n, " %02X", m->bytes[i]);
		break;
	}
	default: {
		static const struct { uint8_t type; const char *name; } names[] = {
			{ MIDI_TUNE_REQUEST, "tune request" }, { MIDI_CLOCK, "clock" },
			{ MIDI_START, "start" }, { MIDI_CONTINUE, "continue" }, { MIDI_STOP, "stop" },
			{ MIDI_ACTIVE_SENSING, "active sensing" }, { MIDI_RESET, "reset" },
		};
		const char *name = "?";

		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			if (names[i].type == m->type)
				name = names[i].name;
		n = snprintf(out, len, "%s", name);
		break;
	}
	}
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}
