/*
 * sacn_wire.c - E1.31-2018 packet builders and the data packet parser.
 *
 * Pure: no system calls, no allocation; any thread. The three packet kinds
 * share the ACN root layer (preamble, identifier, flags-and-length, vector,
 * CID); each flags-and-length field is 0x7000 | (bytes from that field to
 * the end of the packet), which is what receivers check first.
 */
#include "sacn_wire.h"

#include <string.h>

#include "outputs/options.h"

static const uint8_t acn_packet_id[12] = {
	'A', 'S', 'C', '-', 'E', '1', '.', '1', '7', 0, 0, 0
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Flags-and-length of a PDU that starts at `offset` and runs to the end. */
static void put_flen(uint8_t *buf, size_t offset, size_t total)
{
	put16(buf + offset, (uint16_t)(0x7000 | ((total - offset) & 0x0fff)));
}

static int flen_ok(const uint8_t *buf, size_t offset, size_t total)
{
	uint16_t v = get16(buf + offset);

	return (v & 0xf000) == 0x7000 && (size_t)(v & 0x0fff) == total - offset;
}

static void put_root(uint8_t *buf, size_t total, uint32_t vector,
		     const uint8_t cid[SACN_CID_LEN])
{
	put16(buf + SACN_OFF_PREAMBLE, 0x0010);
	put16(buf + SACN_OFF_POSTAMBLE, 0x0000);
	memcpy(buf + SACN_OFF_ACN_ID, acn_packet_id, sizeof acn_packet_id);
	put_flen(buf, SACN_OFF_ROOT_FLEN, total);
	put32(buf + SACN_OFF_ROOT_VECTOR, vector);
	memcpy(buf + SACN_OFF_CID, cid, SACN_CID_LEN);
}

/* Copies a name into its 64-byte field: at most 63 bytes, cut on a UTF-8
 * character boundary so receivers never see half a character, NUL-padded. */
static void put_name(uint8_t *field, const char *name)
{
	size_t n = gl_text_fit(name, SACN_SOURCE_NAME_LEN);

	memset(field, 0, SACN_SOURCE_NAME_LEN);
	memcpy(field, name, n);
}

static int universe_ok(unsigned u)
{
	return u >= GL_UNIVERSE_MIN && u <= GL_UNIVERSE_MAX;
}

int sacn_wire_data(uint8_t *buf, size_t len, const struct sacn_data_hdr *hdr,
		   const uint8_t *slots, int slot_count)
{
	size_t total;

	if (!buf || !hdr || slot_count < 0 || slot_count > GL_DMX_SLOTS ||
	    (slot_count > 0 && !slots))
		return GL_EINVAL;
	if (hdr->priority > SACN_PRIORITY_MAX || !universe_ok(hdr->universe) ||
	    (hdr->sync_address != 0 && !universe_ok(hdr->sync_address)))
		return GL_EINVAL;
	total = SACN_DATA_HDR_LEN + (size_t)slot_count;
	if (len < total)
		return GL_ERANGE;

	put_root(buf, total, SACN_VECTOR_ROOT_DATA, hdr->cid);

	put_flen(buf, SACN_OFF_FRAMING_FLEN, total);
	put32(buf + SACN_OFF_FRAMING_VECTOR, SACN_VECTOR_FRAMING_DATA);
	put_name(buf + SACN_OFF_SOURCE_NAME, hdr->source_name);
	buf[SACN_OFF_PRIORITY] = hdr->priority;
	put16(buf + SACN_OFF_SYNC_ADDRESS, hdr->sync_address);
	buf[SACN_OFF_SEQUENCE] = hdr->sequence;
	buf[SACN_OFF_OPTIONS] = hdr->options;
	put16(buf + SACN_OFF_UNIVERSE, hdr->universe);

	put_flen(buf, SACN_OFF_DMP_FLEN, total);
	buf[SACN_OFF_DMP_VECTOR] = 0x02;        /* VECTOR_DMP_SET_PROPERTY */
	buf[SACN_OFF_DMP_TYPE] = 0xa1;          /* 1-byte data, 2-byte addresses */
	put16(buf + SACN_OFF_FIRST_ADDRESS, 0x0000);
	put16(buf + SACN_OFF_ADDRESS_INC, 0x0001);
	/* The start code is property 0, so the count is one more than slots. */
	put16(buf + SACN_OFF_VALUE_COUNT, (uint16_t)(slot_count + 1));
	buf[SACN_OFF_START_CODE] = hdr->start_code;
	if (slot_count > 0)
		memcpy(buf + SACN_OFF_SLOTS, slots, (size_t)slot_count);
	return (int)total;
}

int sacn_wire_sync(uint8_t *buf, size_t len, const uint8_t cid[SACN_CID_LEN],
		   uint8_t sequence, uint16_t sync_address)
{
	if (!buf || !cid || !universe_ok(sync_address))
		return GL_EINVAL;
	if (len < SACN_SYNC_LEN)
		return GL_ERANGE;

	put_root(buf, SACN_SYNC_LEN, SACN_VECTOR_ROOT_EXTENDED, cid);
	put_flen(buf, 38, SACN_SYNC_LEN);
	put32(buf + 40, SACN_VECTOR_FRAMING_SYNC);
	buf[44] = sequence;
	put16(buf + 45, sync_address);
	put16(buf + 47, 0);                     /* reserved */
	return SACN_SYNC_LEN;
}

int sacn_wire_discovery_pages(int universe_count)
{
	if (universe_count <= 0)
		return 1;
	return (universe_count + SACN_DISCOVERY_PER_PAGE - 1) / SACN_DISCOVERY_PER_PAGE;
}

int sacn_wire_discovery(uint8_t *buf, size_t len, const uint8_t cid[SACN_CID_LEN],
			const char *source_name, const uint16_t *universes,
			int universe_count, int page)
{
	int pages, first, count;
	size_t total;

	if (!buf || !cid || !source_name || universe_count < 0 ||
	    (universe_count > 0 && !universes))
		return GL_EINVAL;
	pages = sacn_wire_discovery_pages(universe_count);
	/* The page numbers travel in one byte each. */
	if (page < 0 || page >= pages || pages > 256)
		return GL_EINVAL;
	for (int i = 1; i < universe_count; i++)
		if (universes[i] <= universes[i - 1])
			return GL_EINVAL;

	first = page * SACN_DISCOVERY_PER_PAGE;
	count = universe_count - first;
	if (count > SACN_DISCOVERY_PER_PAGE)
		count = SACN_DISCOVERY_PER_PAGE;
	if (count < 0)
		count = 0;
	total = SACN_DISCOVERY_HDR_LEN + 2 * (size_t)count;
	if (len < total)
		return GL_ERANGE;

	put_root(buf, total, SACN_VECTOR_ROOT_EXTENDED, cid);
	put_flen(buf, 38, total);
	put32(buf + 40, SACN_VECTOR_FRAMING_DISCOVERY);
	put_name(buf + 44, source_name);
	put32(buf + 108, 0);                    /* reserved */
	put_flen(buf, 112, total);
	put32(buf + 114, SACN_VECTOR_DISCOVERY_LIST);
	buf[118] = (uint8_t)page;
	buf[119] = (uint8_t)(pages - 1);
	for (int i = 0; i < count; i++)
		put16(buf + SACN_DISCOVERY_HDR_LEN + 2 * i, universes[first + i]);
	return (int)total;
}

uint32_t sacn_wire_multicast_addr(uint16_t universe)
{
	return 0xefff0000u | universe;
}

int sacn_wire_parse_data(const uint8_t *buf, size_t len, struct sacn_data *out)
{
	uint32_t root_vector;
	uint16_t count;

	if (!buf || !out || len < SACN_OFF_FRAMING_FLEN + 6)
		return GL_EINVAL;
	if (get16(buf + SACN_OFF_PREAMBLE) != 0x0010 ||
	    get16(buf + SACN_OFF_POSTAMBLE) != 0x0000 ||
	    memcmp(buf + SACN_OFF_ACN_ID, acn_packet_id, sizeof acn_packet_id) != 0 ||
	    !flen_ok(buf, SACN_OFF_ROOT_FLEN, len))
		return GL_EINVAL;
	root_vector = get32(buf + SACN_OFF_ROOT_VECTOR);
	if (root_vector == SACN_VECTOR_ROOT_EXTENDED)
		return flen_ok(buf, SACN_OFF_FRAMING_FLEN, len) ? GL_ENOENT : GL_EINVAL;
	if (root_vector != SACN_VECTOR_ROOT_DATA || len < SACN_DATA_HDR_LEN ||
	    len > SACN_DATA_MAX_LEN)
		return GL_EINVAL;
	if (!flen_ok(buf, SACN_OFF_FRAMING_FLEN, len) ||
	    get32(buf + SACN_OFF_FRAMING_VECTOR) != SACN_VECTOR_FRAMING_DATA ||
	    !flen_ok(buf, SACN_OFF_DMP_FLEN, len) ||
	    buf[SACN_OFF_DMP_VECTOR] != 0x02 || buf[SACN_OFF_DMP_TYPE] != 0xa1 ||
	    get16(buf + SACN_OFF_FIRST_ADDRESS) != 0x0000 ||
	    get16(buf + SACN_OFF_ADDRESS_INC) != 0x0001)
		return GL_EINVAL;
	count = get16(buf + SACN_OFF_VALUE_COUNT);
	if (count < 1 || (size_t)count != len - SACN_OFF_START_CODE)
		return GL_EINVAL;

	memset(&out->hdr, 0, sizeof out->hdr);
	memcpy(out->hdr.cid, buf + SACN_OFF_CID, SACN_CID_LEN);
	memcpy(out->hdr.source_name, buf + SACN_OFF_SOURCE_NAME, SACN_SOURCE_NAME_LEN);
	/* The standard requires the terminator; a sender that forgot it must
	 * not make readers run off the end. */
	out->hdr.source_name[SACN_SOURCE_NAME_LEN - 1] = '\0';
	out->hdr.priority = buf[SACN_OFF_PRIORITY];
	out->hdr.sync_address = get16(buf + SACN_OFF_SYNC_ADDRESS);
	out->hdr.sequence = buf[SACN_OFF_SEQUENCE];
	out->hdr.options = buf[SACN_OFF_OPTIONS];
	out->hdr.universe = get16(buf + SACN_OFF_UNIVERSE);
	out->hdr.start_code = buf[SACN_OFF_START_CODE];
	if (out->hdr.priority > SACN_PRIORITY_MAX || !universe_ok(out->hdr.universe) ||
	    (out->hdr.sync_address != 0 && !universe_ok(out->hdr.sync_address)))
		return GL_EINVAL;
	out->slots = buf + SACN_OFF_SLOTS;
	out->slot_count = count - 1;
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sacn_uuid_parse(const char *text, uint8_t uuid[SACN_CID_LEN])
{
	uint8_t tmp[SACN_CID_LEN];
	int byte = 0;

	if (!text || !uuid)
		return GL_EINVAL;
	for (int i = 0; i < SACN_UUID_TEXT_LEN - 1; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				return GL_EINVAL;
			continue;
		}
		hi = hex_value(text[i]);
		if (hi < 0)
			return GL_EINVAL;
		lo = hex_value(text[++i]);
		if (lo < 0)
			return GL_EINVAL;
		tmp[byte++] = (uint8_t)(hi << 4 | lo);
	}
	if (text[SACN_UUID_TEXT_LEN - 1] != '\0')
		return GL_EINVAL;
	memcpy(uuid, tmp, sizeof tmp);
	return 0;
}

void sacn_uuid_format(const uint8_t uuid[SACN_CID_LEN], char text[SACN_UUID_TEXT_LEN])
{
	static const char digits[] = "0123456789abcdef";
	char *p = text;

	for (int i = 0; i < SACN_CID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = digits[uuid[i] >> 4];
		*p++ = digits[uuid[i] & 0x0f];
	}
	*p = '\0';
}

void sacn_uuid_make_v4(uint8_t uuid[SACN_CID_LEN])
{
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);   /* version 4 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
}
