/*
 * artnet_wire.h - Art-Net 4 packets as bytes: ArtDmx, ArtSync, ArtPoll
 * (parsed) and ArtPollReply (built), and the Port-Address arithmetic.
 *
 * Pure code: no system calls, no allocation, no global state; any thread.
 * Builders write into a buffer the caller passes and return the length or a
 * negative GL_E*. Byte order is mixed, as the specification has it: OpCode
 * and the ArtPollReply UDP port are little-endian, ProtVer, ArtDmx Length
 * and everything else of more than one byte are big-endian.
 */
#ifndef GL_ARTNET_WIRE_H
#define GL_ARTNET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gl.h"

#define ARTNET_PORT 6454
#define ARTNET_PROTVER 14

#define ARTNET_OP_POLL 0x2000
#define ARTNET_OP_POLL_REPLY 0x2100
#define ARTNET_OP_DMX 0x5000
#define ARTNET_OP_SYNC 0x5200

#define ARTNET_HEADER_LEN 10          /* ID + OpCode: every Art-Net packet */
#define ARTNET_DMX_HDR_LEN 18
#define ARTNET_DMX_MAX_LEN (ARTNET_DMX_HDR_LEN + GL_DMX_SLOTS)   /* 530 */
#define ARTNET_SYNC_LEN 14
#define ARTNET_POLL_MIN_LEN 14
#define ARTNET_POLL_REPLY_LEN 239
#define ARTNET_REPLY_PORTS 4          /* ports one ArtPollReply describes */
#define ARTNET_PORT_ADDRESS_MAX 32767 /* 15 bits */
#define ARTNET_SHORT_NAME_LEN 18      /* bytes on the wire, NUL included */
#define ARTNET_LONG_NAME_LEN 64
#define ARTNET_REPORT_LEN 64

#define ARTNET_OEM_UNKNOWN 0x00ff     /* "OemUnknown": no registered OEM code */

/* ArtPoll Flags bit 5: reply only if a Port-Address is in the target range. */
#define ARTNET_POLL_TARGETED 0x20

/* PortTypes: bit 7 = port outputs data taken from Art-Net, bit 6 = port
 * puts data onto Art-Net; low 6 bits = protocol (0 = DMX512). */
#define ARTNET_PORT_OUTPUT 0x80
#define ARTNET_PORT_INPUT 0x40
#define ARTNET_PORT_DMX512 0x00
/* GoodInput bit 7: data received; GoodOutput bit 7: data transmitted. */
#define ARTNET_GOOD_DATA 0x80
/* Status1 bits 7-6 = 11: indicators normal; bits 5-4 = 01: Port-Addresses
 * set locally (here: by the show file), not by ArtAddress. */
#define ARTNET_STATUS1_DEFAULT 0xd0
/* Status2 bit 3: 15-bit Port-Addresses (Art-Net 3 and 4). */
#define ARTNET_STATUS2_PORT15 0x08

enum artnet_style {
	ARTNET_ST_NODE = 0x00,        /* DMX to/from Art-Net device */
	ARTNET_ST_CONTROLLER = 0x01,  /* a lighting console */
};

/* Port-Address = Net (7 bits) << 8 | Sub-Net (4 bits) << 4 | Universe (4). */
static inline uint16_t artnet_port_address(unsigned net, unsigned sub_net, unsigned universe)
{
	return (uint16_t)((net & 0x7f) << 8 | (sub_net & 0x0f) << 4 | (universe & 0x0f));
}
static inline uint8_t artnet_pa_net(uint16_t pa) { return (uint8_t)((pa >> 8) & 0x7f); }
static inline uint8_t artnet_pa_sub_net(uint16_t pa) { return (uint8_t)((pa >> 4) & 0x0f); }
static inline uint8_t artnet_pa_universe(uint16_t pa) { return (uint8_t)(pa & 0x0f); }
/* The ArtDmx SubUni byte: Sub-Net and Universe together. */
static inline uint8_t artnet_pa_sub_uni(uint16_t pa) { return (uint8_t)(pa & 0xff); }

/* The ArtDmx sequence after `seq`: 1..255 wrapping, skipping 0, which means
 * "sequencing off" to receivers. */
static inline uint8_t artnet_next_sequence(uint8_t seq)
{
	return seq >= 255 ? 1 : (uint8_t)(seq + 1);
}

/* Builds an ArtDmx for port_address (0..32767) with slot_count (0..512)
 * slots; the Length field must be even and at least 2, so an odd count or
 * zero is padded with zero slots. Returns 18 + padded length, GL_EINVAL or
 * GL_ERANGE (buffer too small). */
int artnet_wire_dmx(uint8_t *buf, size_t len, uint8_t sequence, uint8_t physical,
		    uint16_t port_address, const uint8_t *slots, int slot_count);

/* A parsed ArtDmx; slots points into the parsed buffer. */
struct artnet_dmx {
	uint8_t sequence;
	uint8_t physical;
	uint16_t port_address;
	const uint8_t *slots;
	int slot_count;               /* the Length field, 2..512 */
};

/* Validates an ArtDmx (ID, OpCode, ProtVer >= 14, Length even 2..512 and
 * within len). Returns 0 or GL_EINVAL. */
int artnet_wire_parse_dmx(const uint8_t *buf, size_t len, struct artnet_dmx *out);

/* Builds the 14-byte ArtSync. Returns 14 or GL_ERANGE. */
int artnet_wire_sync(uint8_t *buf, size_t len);

/* OpCode of an Art-Net packet (ID checked, len >= 10), or GL_EINVAL when
 * the bytes are not Art-Net at all. */
int artnet_wire_opcode(const uint8_t *buf, size_t len);

struct artnet_poll {
	uint16_t prot_ver;
	uint8_t flags;
	uint8_t diag_priority;
	bool targeted;                /* Flags bit 5 and the range present */
	uint16_t target_top;          /* inclusive Port-Address range */
	uint16_t target_bottom;
};

/* Validates an ArtPoll: at least 14 bytes, ID, OpCode 0x2000, ProtVer >= 14.
 * Returns 0 or GL_EINVAL. */
int artnet_wire_parse_poll(const uint8_t *buf, size_t len, struct artnet_poll *out);

/* Everything an ArtPollReply carries. Fields not listed go out as zero. */
struct artnet_poll_reply {
	uint8_t ip[4];
	uint16_t udp_port;            /* 6454 */
	uint16_t version_info;        /* firmware revision */
	uint8_t net_switch;           /* Port-Address bits 14-8 of every port */
	uint8_t sub_switch;           /* Port-Address bits 7-4 of every port */
	uint16_t oem;
	uint8_t status1;
	uint16_t esta_man;
	char short_name[ARTNET_SHORT_NAME_LEN];
	char long_name[ARTNET_LONG_NAME_LEN];
	char node_report[ARTNET_REPORT_LEN];
	int port_count;               /* 0..4 */
	uint8_t port_types[ARTNET_REPLY_PORTS];
	uint8_t good_input[ARTNET_REPLY_PORTS];
	uint8_t good_output[ARTNET_REPLY_PORTS];
	uint8_t sw_in[ARTNET_REPLY_PORTS];   /* Port-Address bits 3-0 */
	uint8_t sw_out[ARTNET_REPLY_PORTS];
	uint8_t style;                /* enum artnet_style */
	uint8_t mac[6];
	uint8_t bind_ip[4];
	uint8_t bind_index;           /* 1 = root; 2, 3, ... for further replies */
	uint8_t status2;
};

/* Field offsets in ArtPollReply (Art-Net 4). */
enum artnet_reply_offset {
	ARTNET_RPL_IP = 10,
	ARTNET_RPL_PORT = 14,
	ARTNET_RPL_VERSION = 16,
	ARTNET_RPL_NET_SWITCH = 18,
	ARTNET_RPL_SUB_SWITCH = 19,
	ARTNET_RPL_OEM = 20,
	ARTNET_RPL_UBEA = 22,
	ARTNET_RPL_STATUS1 = 23,
	ARTNET_RPL_ESTA = 24,
	ARTNET_RPL_SHORT_NAME = 26,
	ARTNET_RPL_LONG_NAME = 44,
	ARTNET_RPL_NODE_REPORT = 108,
	ARTNET_RPL_NUM_PORTS = 172,
	ARTNET_RPL_PORT_TYPES = 174,
	ARTNET_RPL_GOOD_INPUT = 178,
	ARTNET_RPL_GOOD_OUTPUT = 182,
	ARTNET_RPL_SW_IN = 186,
	ARTNET_RPL_SW_OUT = 190,
	ARTNET_RPL_ACN_PRIORITY = 194,
	ARTNET_RPL_SW_MACRO = 195,
	ARTNET_RPL_SW_REMOTE = 196,
	ARTNET_RPL_STYLE = 200,
	ARTNET_RPL_MAC = 201,
	ARTNET_RPL_BIND_IP = 207,
	ARTNET_RPL_BIND_INDEX = 211,
	ARTNET_RPL_STATUS2 = 212,
	ARTNET_RPL_GOOD_OUTPUT_B = 213,
	ARTNET_RPL_STATUS3 = 217,
};

/* Builds a 239-byte ArtPollReply. Names are cut to their field, always
 * NUL-terminated. Returns 239, GL_EINVAL (port_count out of range) or
 * GL_ERANGE (buffer too small). */
int artnet_wire_poll_reply(uint8_t *buf, size_t len, const struct artnet_poll_reply *r);

/* One ArtPollReply carries up to 4 ports that share Net and Sub-Net. Given
 * port addresses sorted ascending, returns how many from index `start` go
 * into the same reply (1..4), or 0 when start is past the end. */
int artnet_reply_group(const uint16_t *sorted_pa, int count, int start);

#endif
