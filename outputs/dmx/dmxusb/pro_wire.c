/*
 * pro_wire.c - Enttec DMX USB Pro frames (see pro_wire.h). Pure: no system
 * calls, no allocation; any thread.
 *
 * Parser invariant: raw[0..raw_len) holds bytes not yet decided; when
 * raw_len > 0, raw[0] is 0x7E. A candidate frame is accepted only with a
 * length <= 600 and 0xE7 at its end; otherwise its 0x7E is discarded and
 * the scan restarts at the next 0x7E already buffered.
 */
#include "pro_wire.h"

#include <stdio.h>
#include <string.h>

#include "engine/gl.h"

int pro_wire_frame(uint8_t *buf, size_t cap, uint8_t label, const uint8_t *data, size_t len)
{
	if (len > PRO_PAYLOAD_MAX)
		return GL_ERANGE;
	if (!buf || cap < len + PRO_HEADER_LEN + 1 || (len && !data))
		return GL_EINVAL;
	buf[0] = PRO_SOM;
	buf[1] = label;
	buf[2] = (uint8_t)(len & 0xff);
	buf[3] = (uint8_t)(len >> 8);
	if (len)
		memcpy(buf + PRO_HEADER_LEN, data, len);
	buf[PRO_HEADER_LEN + len] = PRO_EOM;
	return (int)(len + PRO_HEADER_LEN + 1);
}

int pro_wire_tx_dmx(uint8_t *buf, size_t cap, uint8_t start_code,
		    const uint8_t *slots, size_t count)
{
	if (count > PRO_DMX_SLOTS_MAX)
		return GL_ERANGE;
	if (!buf || cap < count + 1 + PRO_HEADER_LEN + 1 || (count && !slots))
		return GL_EINVAL;
	/* Built in place: the payload is the start code and the slots. */
	buf[0] = PRO_SOM;
	buf[1] = PRO_LABEL_TX_DMX;
	buf[2] = (uint8_t)((count + 1) & 0xff);
	buf[3] = (uint8_t)((count + 1) >> 8);
	buf[4] = start_code;
	if (count)
		memcpy(buf + 5, slots, count);
	buf[5 + count] = PRO_EOM;
	return (int)(count + 6);
}

int pro_wire_get_params(uint8_t *buf, size_t cap)
{
	static const uint8_t user_size[2] = { 0, 0 };

	return pro_wire_frame(buf, cap, PRO_LABEL_GET_PARAMS, user_size, sizeof user_size);
}

int pro_wire_set_params(uint8_t *buf, size_t cap, const struct pro_params *p)
{
	uint8_t d[5];

	if (!p)
		return GL_EINVAL;
	if (p->break_units < PRO_BREAK_MIN || p->break_units > PRO_BREAK_MAX ||
	    p->mab_units < PRO_MAB_MIN || p->mab_units > PRO_MAB_MAX ||
	    p->rate_hz < PRO_RATE_MIN || p->rate_hz > PRO_RATE_MAX)
		return GL_ERANGE;
	d[0] = 0;        /* no user configuration data follows */
	d[1] = 0;
	d[2] = p->break_units;
	d[3] = p->mab_units;
	d[4] = p->rate_hz;
	return pro_wire_frame(buf, cap, PRO_LABEL_SET_PARAMS, d, sizeof d);
}

int pro_wire_get_serial(uint8_t *buf, size_t cap)
{
	return pro_wire_frame(buf, cap, PRO_LABEL_GET_SERIAL, NULL, 0);
}

int pro_wire_rx_on_change(uint8_t *buf, size_t cap, bool only_changes)
{
	uint8_t mode = only_changes ? 1 : 0;

	return pro_wire_frame(buf, cap, PRO_LABEL_RX_ON_CHANGE, &mode, 1);
}

static uint8_t units_up(unsigned us, uint8_t lo, uint8_t hi)
{
	/* ceil(us / 10.67) in integers: units of 10670 ns */
	unsigned long long ns = (unsigned long long)us * 1000ull;
	unsigned long long u = (ns + PRO_TIME_UNIT_NS - 1) / PRO_TIME_UNIT_NS;

	if (u < lo)
		u = lo;
	if (u > hi)
		u = hi;
	return (uint8_t)u;
}

uint8_t pro_break_units(unsigned break_us)
{
	return units_up(break_us, PRO_BREAK_MIN, PRO_BREAK_MAX);
}

uint8_t pro_mab_units(unsigned mab_us)
{
	return units_up(mab_us, PRO_MAB_MIN, PRO_MAB_MAX);
}

unsigned pro_units_to_us(uint8_t units)
{
	return (unsigned)(((unsigned long long)units * PRO_TIME_UNIT_NS + 999) / 1000);
}

/* ---- parser ------------------------------------------------------------- */

void pro_parser_init(struct pro_parser *p)
{
	memset(p, 0, sizeof *p);
}

/* Drops n bytes from the front of raw, then any bytes up to the next 0x7E
 * (counted as garbage), keeping the invariant raw[0] == 0x7E. */
static void raw_drop(struct pro_parser *p, size_t n)
{
	size_t k;

	if (n > p->raw_len)
		n = p->raw_len;
	memmove(p->raw, p->raw + n, p->raw_len - n);
	p->raw_len -= n;
	for (k = 0; k < p->raw_len && p->raw[k] != PRO_SOM; k++)
		;
	if (k) {
		p->garbage_bytes += k;
		memmove(p->raw, p->raw + k, p->raw_len - k);
		p->raw_len -= k;
	}
}

/* Decides the buffered candidate: 1 = frame in msg, 0 = need more bytes. */
static int raw_extract(struct pro_parser *p, struct pro_msg *msg)
{
	for (;;) {
		size_t len;

		if (p->raw_len < PRO_HEADER_LEN)
			return 0;
		len = (size_t)p->raw[2] | ((size_t)p->raw[3] << 8);
		if (len > PRO_PAYLOAD_MAX) {
			p->bad_frames++;
			p->garbage_bytes++;      /* the 0x7E that was not a start */
			raw_drop(p, 1);
			continue;
		}
		if (p->raw_len < PRO_HEADER_LEN + len + 1)
			return 0;
		if (p->raw[PRO_HEADER_LEN + len] != PRO_EOM) {
			p->bad_frames++;
			p->garbage_bytes++;
			raw_drop(p, 1);
			continue;
		}
		msg->label = p->raw[1];
		msg->len = (uint16_t)len;
		memcpy(msg->data, p->raw + PRO_HEADER_LEN, len);
		p->frames++;
		raw_drop(p, PRO_HEADER_LEN + len + 1);
		return 1;
	}
}

int pro_parser_next(struct pro_parser *p, const uint8_t **data, size_t *len,
		    struct pro_msg *msg)
{
	for (;;) {
		if (raw_extract(p, msg))
			return 1;
		if (*len == 0)
			return 0;
		if (p->raw_len == 0) {
			/* Hunting for a start byte: skip without copying. */
			const uint8_t *som = memchr(*data, PRO_SOM, *len);
			size_t skip = som ? (size_t)(som - *data) : *len;

			p->garbage_bytes += skip;
			*data += skip;
			*len -= skip;
			if (*len == 0)
				return 0;
		}
		/* raw_extract() returned 0, so raw holds an undecided candidate
		 * shorter than a full frame: there is room. */
		size_t room = sizeof p->raw - p->raw_len;
		size_t take = *len < room ? *len : room;

		memcpy(p->raw + p->raw_len, *data, take);
		p->raw_len += take;
		*data += take;
		*len -= take;
	}
}

int pro_wire_parse_params(const struct pro_msg *m, struct pro_params *out)
{
	if (!m || !out || m->label != PRO_LABEL_GET_PARAMS || m->len < 5)
		return GL_EINVAL;
	out->firmware = (uint16_t)(m->data[0] | (m->data[1] << 8));
	out->break_units = m->data[2];
	out->mab_units = m->data[3];
	out->rate_hz = m->data[4];
	return 0;
}

int pro_wire_parse_serial(const struct pro_msg *m, uint32_t *serial)
{
	if (!m || !serial || m->label != PRO_LABEL_GET_SERIAL || m->len < 4)
		return GL_EINVAL;
	*serial = (uint32_t)m->data[0] | ((uint32_t)m->data[1] << 8) |
		  ((uint32_t)m->data[2] << 16) | ((uint32_t)m->data[3] << 24);
	return 0;
}

int pro_wire_parse_rx_dmx(const struct pro_msg *m, uint8_t *status, uint8_t *start_code,
			  const uint8_t **slots, size_t *count)
{
	size_t n;

	if (!m || m->label != PRO_LABEL_RX_DMX || m->len < 2)
		return GL_EINVAL;
	n = (size_t)m->len - 2;
	if (n > PRO_DMX_SLOTS_MAX)
		n = PRO_DMX_SLOTS_MAX;
	if (status)
		*status = m->data[0];
	if (start_code)
		*start_code = m->data[1];
	if (slots)
		*slots = m->data + 2;
	if (count)
		*count = n;
	return 0;
}

int pro_wire_parse_hw_version(const struct pro_msg *m, uint8_t *version)
{
	if (!m || !version || m->label != PRO_LABEL_HW_VERSION || m->len < 1)
		return GL_EINVAL;
	*version = m->data[0];
	return 0;
}

void pro_serial_format(uint32_t serial, char out[9])
{
	snprintf(out, 9, "%08X", (unsigned)serial);
}
