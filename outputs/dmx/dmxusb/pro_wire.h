/*
 * pro_wire.h - the Enttec DMX USB Pro serial protocol, as bytes: building
 * request frames and a streaming parser for what a widget sends back.
 *
 * Pure code (no system calls, no allocation): any thread, one parser per
 * stream. Frame: 0x7E, label, length LSB, length MSB, payload[length], 0xE7,
 * length <= 600. The parser resynchronises on garbage: a byte that cannot
 * start a frame is skipped, and a frame whose length is too large or whose
 * end byte is wrong is dropped one byte at a time, so a real frame hidden
 * inside garbage is still found.
 */
#ifndef GL_PRO_WIRE_H
#define GL_PRO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRO_SOM 0x7E
#define PRO_EOM 0xE7
#define PRO_HEADER_LEN 4
#define PRO_PAYLOAD_MAX 600
#define PRO_FRAME_MAX (PRO_HEADER_LEN + PRO_PAYLOAD_MAX + 1)
#define PRO_DMX_SLOTS_MAX 512

enum pro_label {
	PRO_LABEL_GET_PARAMS = 3,     /* reply: fw LSB, fw MSB, break, MAB, rate */
	PRO_LABEL_SET_PARAMS = 4,     /* user size LSB, MSB, break, MAB, rate */
	PRO_LABEL_RX_DMX = 5,         /* status, start code, slots */
	PRO_LABEL_TX_DMX = 6,         /* output only: start code, slots */
	PRO_LABEL_RX_ON_CHANGE = 8,   /* 0: send every frame, 1: only changes */
	PRO_LABEL_GET_SERIAL = 10,    /* reply: 4 bytes, little-endian, BCD */
	PRO_LABEL_HW_VERSION = 14,    /* reply: 1 byte (2 or 3: Mk2) */
};

/* Widget parameters; break and MAB in units of 10.67 µs. */
#define PRO_TIME_UNIT_NS 10670u
#define PRO_BREAK_MIN 9
#define PRO_BREAK_MAX 127
#define PRO_MAB_MIN 1
#define PRO_MAB_MAX 127
#define PRO_RATE_MIN 1
#define PRO_RATE_MAX 40

struct pro_params {
	uint16_t firmware;            /* replies only */
	uint8_t break_units;
	uint8_t mab_units;
	uint8_t rate_hz;
};

/* Received DMX status bits (label 5). */
#define PRO_RX_QUEUE_OVERFLOW 0x01
#define PRO_RX_OVERRUN 0x02

struct pro_msg {
	uint8_t label;
	uint16_t len;
	uint8_t data[PRO_PAYLOAD_MAX];
};

/* ---- building ----------------------------------------------------------- */

/* Any frame. Returns its length, GL_ERANGE when len > 600, GL_EINVAL when
 * buf is too small (it needs len + 5 bytes). */
int pro_wire_frame(uint8_t *buf, size_t cap, uint8_t label, const uint8_t *data, size_t len);
/* Label 6: start code + count slots (0..512). */
int pro_wire_tx_dmx(uint8_t *buf, size_t cap, uint8_t start_code,
		    const uint8_t *slots, size_t count);
/* Label 3 request (user configuration size 0). */
int pro_wire_get_params(uint8_t *buf, size_t cap);
/* Label 4: break/MAB/rate checked against the limits above (GL_ERANGE). */
int pro_wire_set_params(uint8_t *buf, size_t cap, const struct pro_params *p);
int pro_wire_get_serial(uint8_t *buf, size_t cap);
int pro_wire_rx_on_change(uint8_t *buf, size_t cap, bool only_changes);

/* µs <-> widget units, rounded up so a requested minimum is never undercut;
 * clamped to the widget's range. */
uint8_t pro_break_units(unsigned break_us);
uint8_t pro_mab_units(unsigned mab_us);
unsigned pro_units_to_us(uint8_t units);

/* ---- parsing ------------------------------------------------------------ */

struct pro_parser {
	uint8_t raw[PRO_FRAME_MAX];   /* unparsed bytes; raw[0] is 0x7E when any */
	size_t raw_len;
	uint64_t frames;              /* complete frames returned */
	uint64_t garbage_bytes;       /* bytes skipped while resynchronising */
	uint64_t bad_frames;          /* frames dropped: length > 600 or no 0xE7 */
};

void pro_parser_init(struct pro_parser *p);
/* Takes bytes from *data (advancing *data and *len) and returns 1 with the
 * next complete frame in *msg, or 0 once all input is consumed and no
 * complete frame is pending. Call again, even with *len == 0, until it
 * returns 0:  while (pro_parser_next(&p, &d, &n, &msg)) use(&msg);  */
int pro_parser_next(struct pro_parser *p, const uint8_t **data, size_t *len,
		    struct pro_msg *msg);

/* Decoders of complete frames. Return 0, GL_EINVAL for another label or a
 * payload too short. */
int pro_wire_parse_params(const struct pro_msg *m, struct pro_params *out);
int pro_wire_parse_serial(const struct pro_msg *m, uint32_t *serial);
/* Label 5: *slots points into m->data; *count is 0..512 (slots past 512
 * are ignored). */
int pro_wire_parse_rx_dmx(const struct pro_msg *m, uint8_t *status, uint8_t *start_code,
			  const uint8_t **slots, size_t *count);
int pro_wire_parse_hw_version(const struct pro_msg *m, uint8_t *version);
/* The serial as the widget's label prints it: BCD digits, "12345678". */
void pro_serial_format(uint32_t serial, char out[9]);

#endif
