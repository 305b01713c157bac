/*
 * artnet_wire.c - Art-Net 4 packet builders and parsers.
 *
 * Pure: no system calls, no allocation; any thread. Every packet starts
 * with the 8-byte ID "Art-Net\0" and a little-endian OpCode; the parsers
 * check both before anything else, since port 6454 also carries packets of
 * other programs.
 */
#include "artnet_wire.h"

#include <string.h>

static const uint8_t artnet_id[8] = { 'A', 'r', 't', '-', 'N', 'e', 't', 0 };

static void put_header(uint8_t *buf, uint16_t opcode)
{
	memcpy(buf, artnet_id, sizeof artnet_id);
	buf[8] = (uint8_t)opcode;               /* OpCode: low byte first */
	buf[9] = (uint8_t)(opcode >> 8);
}

/* ProtVer: high byte first, unlike the OpCode before it. */
static void put_protver(uint8_t *buf)
{
	buf[10] = 0;
	buf[11] = ARTNET_PROTVER;
}

static void put_text(uint8_t *field, size_t field_len, const char *text)
{
	size_t n = strnlen(text, field_len - 1);

	memset(field, 0, field_len);
	memcpy(field, text, n);
}

int artnet_wire_opcode(const uint8_t *buf, size_t len)
{
	if (!buf || len < ARTNET_HEADER_LEN || memcmp(buf, artnet_id, sizeof artnet_id) != 0)
		return GL_EINVAL;
	return buf[8] | buf[9] << 8;
}

int artnet_wire_dmx(uint8_t *buf, size_t len, uint8_t sequence, uint8_t physical,
		    uint16_t port_address, const uint8_t *slots, int slot_count)
{
	int data_len;

	if (!buf || slot_count < 0 || slot_count > GL_DMX_SLOTS ||
	    (slot_count > 0 && !slots) || port_address > ARTNET_PORT_ADDRESS_MAX)
		return GL_EINVAL;
	/* Length must be even, 2..512: pad odd counts with one zero slot. */
	data_len = slot_count + (slot_count & 1);
	if (data_len < 2)
		data_len = 2;
	if (len < (size_t)(ARTNET_DMX_HDR_LEN + data_len))
		return GL_ERANGE;

	put_header(buf, ARTNET_OP_DMX);
	put_protver(buf);
	buf[12] = sequence;
	buf[13] = physical;
	buf[14] = artnet_pa_sub_uni(port_address);
	buf[15] = artnet_pa_net(port_address);
	buf[16] = (uint8_t)(data_len >> 8);     /* Length: high byte first */
	buf[17] = (uint8_t)data_len;
	if (slot_count > 0)
		memcpy(buf + ARTNET_DMX_HDR_LEN, slots, (size_t)slot_count);
	memset(buf + ARTNET_DMX_HDR_LEN + slot_count, 0, (size_t)(data_len - slot_count));
	return ARTNET_DMX_HDR_LEN + data_len;
}

int artnet_wire_parse_dmx(const uint8_t *buf, size_t len, struct artnet_dmx *out)
{
	int data_len;

	if (!out || len < ARTNET_DMX_HDR_LEN || artnet_wire_opcode(buf, len) != ARTNET_OP_DMX)
		return GL_EINVAL;
	if ((buf[10] << 8 | buf[11]) < ARTNET_PROTVER)
		return GL_EINVAL;
	data_len = buf[16] << 8 | buf[17];
	if (data_len < 2 || data_len > GL_DMX_SLOTS || (data_len & 1) ||
	    (size_t)(ARTNET_DMX_HDR_LEN + data_len) > len)
		return GL_EINVAL;
	out->sequence = buf[12];
	out->physical = buf[13];
	out->port_address = (uint16_t)((buf[15] & 0x7f) << 8 | buf[14]);
	out->slots = buf + ARTNET_DMX_HDR_LEN;
	out->slot_count = data_len;
	return 0;
}

int artnet_wire_sync(uint8_t *buf, size_t len)
{
	if (!buf)
		return GL_EINVAL;
	if (len < ARTNET_SYNC_LEN)
		return GL_ERANGE;
	put_header(buf, ARTNET_OP_SYNC);
	put_protver(buf);
	buf[12] = 0;                            /* Aux1 */
	buf[13] = 0;                            /* Aux2 */
	return ARTNET_SYNC_LEN;
}

int artnet_wire_parse_poll(const uint8_t *buf, size_t len, struct artnet_poll *out)
{
	if (!out || len < ARTNET_POLL_MIN_LEN || artnet_wire_opcode(buf, len) != ARTNET_OP_POLL)
		return GL_EINVAL;
	memset(out, 0, sizeof *out);
	out->prot_ver = (uint16_t)(buf[10] << 8 | buf[11]);
	if (out->prot_ver < ARTNET_PROTVER)
		return GL_EINVAL;
	out->flags = buf[12];
	out->diag_priority = buf[13];
	/* Targeted mode needs the range fields, added in Art-Net 4; an older,
	 * shorter poll with the bit set is treated as a plain poll. */
	if ((out->flags & ARTNET_POLL_TARGETED) && len >= 18) {
		out->targeted = true;
		out->target_top = (uint16_t)(buf[14] << 8 | buf[15]);
		out->target_bottom = (uint16_t)(buf[16] << 8 | buf[17]);
	}
	return 0;
}

int artnet_wire_poll_reply(uint8_t *buf, size_t len, const struct artnet_poll_reply *r)
{
	if (!buf || !r || r->port_count < 0 || r->port_count > ARTNET_REPLY_PORTS)
		return GL_EINVAL;
	if (len < ARTNET_POLL_REPLY_LEN)
		return GL_ERANGE;

	memset(buf, 0, ARTNET_POLL_REPLY_LEN);
	put_header(buf, ARTNET_OP_POLL_REPLY);
	/* No ProtVer in this packet: the node's IP follows the OpCode. */
	memcpy(buf + ARTNET_RPL_IP, r->ip, 4);
	buf[ARTNET_RPL_PORT] = (uint8_t)r->udp_port;        /* low byte first */
	buf[ARTNET_RPL_PORT + 1] = (uint8_t)(r->udp_port >> 8);
	buf[ARTNET_RPL_VERSION] = (uint8_t)(r->version_info >> 8);
	buf[ARTNET_RPL_VERSION + 1] = (uint8_t)r->version_info;
	buf[ARTNET_RPL_NET_SWITCH] = r->net_switch & 0x7f;
	buf[ARTNET_RPL_SUB_SWITCH] = r->sub_switch & 0x0f;
	buf[ARTNET_RPL_OEM] = (uint8_t)(r->oem >> 8);        /* OemHi first */
	buf[ARTNET_RPL_OEM + 1] = (uint8_t)r->oem;
	buf[ARTNET_RPL_STATUS1] = r->status1;
	buf[ARTNET_RPL_ESTA] = (uint8_t)r->esta_man;         /* EstaManLo first */
	buf[ARTNET_RPL_ESTA + 1] = (uint8_t)(r->esta_man >> 8);
	put_text(buf + ARTNET_RPL_SHORT_NAME, ARTNET_SHORT_NAME_LEN, r->short_name);
	put_text(buf + ARTNET_RPL_LONG_NAME, ARTNET_LONG_NAME_LEN, r->long_name);
	put_text(buf + ARTNET_RPL_NODE_REPORT, ARTNET_REPORT_LEN, r->node_report);
	buf[ARTNET_RPL_NUM_PORTS] = 0;
	buf[ARTNET_RPL_NUM_PORTS + 1] = (uint8_t)r->port_count;
	for (int i = 0; i < r->port_count; i++) {
		buf[ARTNET_RPL_PORT_TYPES + i] = r->port_types[i];
		buf[ARTNET_RPL_GOOD_INPUT + i] = r->good_input[i];
		buf[ARTNET_RPL_GOOD_OUTPUT + i] = r->good_output[i];
		buf[ARTNET_RPL_SW_IN + i] = r->sw_in[i] & 0x0f;
		buf[ARTNET_RPL_SW_OUT + i] = r->sw_out[i] & 0x0f;
	}
	buf[ARTNET_RPL_STYLE] = r->style;
	memcpy(buf + ARTNET_RPL_MAC, r->mac, 6);
	memcpy(buf + ARTNET_RPL_BIND_IP, r->bind_ip, 4);
	buf[ARTNET_RPL_BIND_INDEX] = r->bind_index;
	buf[ARTNET_RPL_STATUS2] = r->status2;
	return ARTNET_POLL_REPLY_LEN;
}

int artnet_reply_group(const uint16_t *sorted_pa, int count, int start)
{
	int n = 0;

	if (!sorted_pa || start < 0 || start >= count)
		return 0;
	/* Ports of one reply share Port-Address bits 14-4 (NetSwitch and
	 * SubSwitch); only the low nibble differs per port. */
	while (n < ARTNET_REPLY_PORTS && start + n < count &&
	       (sorted_pa[start + n] >> 4) == (sorted_pa[start] >> 4))
		n++;
	return n;
}
