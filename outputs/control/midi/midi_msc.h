/*
 * midi_msc.h - MIDI Show Control (MSC 1.1.1, MMA RP-002/RP-014) messages,
 * pure: parse a system exclusive into a command with its cue number, list,
 * path, time, control or macro, and encode one. Any thread.
 *
 *   F0 7F <device_ID> 02 <command_format> <command> <data> F7
 *
 * device_ID 00-6F one device, 70-7E groups 1-15, 7F all-call;
 * command_format 01 lighting ... 7F all-types; 00 (extensions) is refused.
 * Cue fields are ASCII digits and '.', separated by 00: <Q_number> 00
 * <Q_list> 00 <Q_path>; extra and trailing delimiters and empty fields are
 * accepted (the spec asks receivers to), repeated points collapse ("1..5"
 * is 1.5). A message is at most 128 bytes (MSC 2.1, 2.6).
 */
#ifndef GL_MIDI_MSC_H
#define GL_MIDI_MSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIDI_MSC_BYTES_MAX 128
#define MIDI_MSC_FIELD_MAX 64      /* bytes of a cue field with its NUL */
#define MIDI_MSC_ALL_CALL 0x7F
#define MIDI_MSC_ALL_TYPES 0x7F
#define MIDI_MSC_LIGHTING 0x01

enum midi_msc_command {
	MIDI_MSC_GO = 0x01,
	MIDI_MSC_STOP = 0x02,
	MIDI_MSC_RESUME = 0x03,
	MIDI_MSC_TIMED_GO = 0x04,
	MIDI_MSC_LOAD = 0x05,
	MIDI_MSC_SET = 0x06,
	MIDI_MSC_FIRE = 0x07,
	MIDI_MSC_ALL_OFF = 0x08,
	MIDI_MSC_RESTORE = 0x09,
	MIDI_MSC_RESET = 0x0A,
	MIDI_MSC_GO_OFF = 0x0B,
};

/* Standard Time (MSC 3.2.1): hr mn sc fr ff. */
struct midi_msc_time {
	int rate;                  /* tt: 0 = 24, 1 = 25, 2 = 30 drop frame, 3 = 30 */
	int hours, minutes, seconds, frames;
	bool color_frame, negative;
	bool status;               /* the last byte is status bits, not subframes */
	int subframes;             /* 0..99, or the status bits */
};

struct midi_msc {
	uint8_t device_id;
	uint8_t format;
	uint8_t command;
	/* GO STOP RESUME TIMED_GO LOAD GO_OFF: "" when not given */
	char cue[MIDI_MSC_FIELD_MAX];
	char list[MIDI_MSC_FIELD_MAX];
	char path[MIDI_MSC_FIELD_MAX];
	bool has_time;             /* TIMED_GO (always), SET (optional) */
	struct midi_msc_time time;
	int control, value;        /* SET: 0..16383 each */
	int macro;                 /* FIRE: 0..127 */
};

enum midi_msc_parsed {
	MIDI_MSC_NOT_MSC,          /* some other system exclusive */
	MIDI_MSC_OK,
	MIDI_MSC_MALFORMED,        /* MSC, but broken: why says how */
};

/* sysex: the whole message, F0 to F7. */
enum midi_msc_parsed midi_msc_parse(const uint8_t *sysex, size_t len, struct midi_msc *out,
				    char *why, size_t why_len);

/* Writes F0 .. F7 into out. The cue fields must be digits and points (they
 * are sent as given); a field after an empty one is refused (MSC: a list
 * needs a cue number, a path a list). Returns the length, or 0 when the
 * message is invalid or longer than cap or MIDI_MSC_BYTES_MAX. */
size_t midi_msc_encode(const struct midi_msc *m, uint8_t *out, size_t cap);

/* Is the message for a device with this id (0..0x6F), group (0 none, or
 * 1..15) and command_format? All-call and all-types always are. */
bool midi_msc_addressed(const struct midi_msc *m, int device_id, int group, int format);

/* "go", "timed_go", ...; NULL for a command this table does not name.
 * midi_msc_command_find is the reverse (-1 when unknown). */
const char *midi_msc_command_name(int command);
int midi_msc_command_find(const char *name);

/* A cue field as a decimal number: the first two point-separated parts
 * ("235.32.7" is 235.32). Returns false for an empty field. */
bool midi_msc_number(const char *field, double *out);

/* True when text is a cue field MSC can carry: digits and points, at least
 * one digit, shorter than MIDI_MSC_FIELD_MAX. */
bool midi_msc_field_ok(const char *text);

#endif
