/*
 * nodelink_wire.h - the wireless node link, byte for byte: keyed BLAKE2s
 * (RFC 7693) and its truncated MAC, the four packet types (beacon, data
 * fragment, downlink command, uplink report), the hop sequence, the
 * superframe's slot times, and the envelopes that carry air packets over
 * UDP, Ethernet (QEMU) and a serial line (COBS). PROTOCOL.md next to this
 * file is the specification; this is its one implementation, shared by the
 * console (outputs/dmx/nodelink/) and the node firmware (firmware/).
 *
 * Freestanding C11: no libc beyond memcpy/memset, no heap, no I/O, no
 * globals that change. Any thread; every function works only on what it is
 * given. Parsers take untrusted bytes and never read past `len`.
 */
#ifndef NODELINK_WIRE_H
#define NODELINK_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the radio and the superframe --------------------------------------- */

#define NODELINK_PAYLOAD_MAX 32      /* nRF24L01+ payload */
#define NODELINK_MAC_LEN 4           /* truncated BLAKE2s-256 */
#define NODELINK_KEY_LEN 32
#define NODELINK_SLOTS 512           /* DMX slots of a universe */
#define NODELINK_FRAG_SLOTS 24       /* DMX slots per data fragment */
#define NODELINK_FRAGS 22            /* ceil(512 / 24); the last one holds 8 */
#define NODELINK_DATA_HDR 4          /* type|fragment, counter (24 bits) */
#define NODELINK_BODY_LEN 21         /* command / report body */
#define NODELINK_COUNTER_MAX 0xffffffu

/* Slots of a superframe (see PROTOCOL.md): the beacon, copy A of every
 * fragment on channel A, copy B on channel B, one downlink command, then
 * the uplink window. */
#define NODELINK_SLOT_BEACON 0
#define NODELINK_SLOT_COPY_A 1
#define NODELINK_SLOT_COPY_B (NODELINK_SLOT_COPY_A + NODELINK_FRAGS)
#define NODELINK_SLOT_DOWN (NODELINK_SLOT_COPY_B + NODELINK_FRAGS)
#define NODELINK_SLOT_UP (NODELINK_SLOT_DOWN + 1)

#define NODELINK_PERIOD_US_DEFAULT 25000u    /* 40 superframes per second */
#define NODELINK_SLOT_US_DEFAULT 290u        /* 32-byte packet at 2 Mbit/s + PLL settling */
#define NODELINK_UP_SLOTS_DEFAULT 16
#define NODELINK_CHANNELS 40                 /* hop set: A in 2..41, B = A + 40 */
#define NODELINK_CHANNEL_FIRST 2

/* The instant (µs after the superframe's start) a packet sent in `slot` has
 * been received whole: the end of its slot. */
static inline uint32_t nodelink_slot_end_us(uint32_t slot_us, unsigned slot)
{
	return slot_us * (slot + 1u);
}

/* ---- BLAKE2s (RFC 7693) ------------------------------------------------- */

struct nodelink_blake2s {
	uint32_t h[8];
	uint32_t t[2];               /* bytes compressed so far (64-bit) */
	uint8_t buf[64];
	uint8_t buflen;
	uint8_t outlen;
};

/* outlen 1..32, keylen 0..32 (key may be NULL when 0). Returns 0, or -1 for
 * a length out of range (nothing is initialised then). */
int nodelink_blake2s_init(struct nodelink_blake2s *s, size_t outlen, const void *key,
			  size_t keylen);
void nodelink_blake2s_update(struct nodelink_blake2s *s, const void *data, size_t len);
void nodelink_blake2s_final(struct nodelink_blake2s *s, uint8_t *out);
/* All three at once. Returns 0 or -1 (as init). */
int nodelink_blake2s(uint8_t *out, size_t outlen, const void *key, size_t keylen,
		     const void *data, size_t len);

/* ---- the rig key and the MAC -------------------------------------------- */

/* A rig key with its first (key) block already compressed: a MAC over a
 * packet then costs one compression. */
struct nodelink_key {
	struct nodelink_blake2s keyed;
	uint8_t raw[NODELINK_KEY_LEN];
};

void nodelink_key_init(struct nodelink_key *k, const uint8_t raw[NODELINK_KEY_LEN]);

/* The MAC of a packet: the first NODELINK_MAC_LEN bytes of
 * BLAKE2s-256(key, link LE16 | epoch LE32 | pkt[0 .. len-4)). `link` is the
 * universe, `epoch` the console's session (PROTOCOL.md). */
void nodelink_mac(const struct nodelink_key *k, uint16_t link, uint32_t epoch,
		  const uint8_t *pkt, size_t len, uint8_t mac[NODELINK_MAC_LEN]);
/* Writes the MAC into the packet's last 4 bytes. */
void nodelink_seal(const struct nodelink_key *k, uint16_t link, uint32_t epoch, uint8_t *pkt,
		   size_t len);
/* Checks the last 4 bytes, in time independent of where they differ. */
bool nodelink_verify(const struct nodelink_key *k, uint16_t link, uint32_t epoch,
		     const uint8_t *pkt, size_t len);

/* The link's radio address (pipe address): a rig's nodes only hear their
 * own rig and universe, in hardware. */
uint32_t nodelink_link_address(const struct nodelink_key *k, uint16_t link);

/* ---- hop sequence --------------------------------------------------------- */

/* A permutation of the 40 A-channels drawn from the key, the link and the
 * console's per-session seed; copy B goes 40 channels (40 MHz) above. */
struct nodelink_hop {
	uint8_t seq[NODELINK_CHANNELS];
};

void nodelink_hop_init(struct nodelink_hop *h, const struct nodelink_key *k, uint16_t link,
		       uint16_t seed);
static inline uint8_t nodelink_channel_a(const struct nodelink_hop *h, uint32_t counter)
{
	return h->seq[counter % NODELINK_CHANNELS];
}
static inline uint8_t nodelink_channel_b(const struct nodelink_hop *h, uint32_t counter)
{
	return (uint8_t)(h->seq[counter % NODELINK_CHANNELS] + NODELINK_CHANNELS);
}

/* ---- packets --------------------------------------------------------------- */

enum nodelink_type {
	NODELINK_BEACON = 0,
	NODELINK_DATA = 1,
	NODELINK_DOWN = 2,       /* console -> node: a command */
	NODELINK_UP = 3,         /* node -> console: a report */
};

#define NODELINK_VERSION 1
#define NODELINK_BEACON_LEN 32
#define NODELINK_MSG_LEN 32      /* DOWN and UP */
#define NODELINK_NODE_ALL 0xffffu
#define NODELINK_NODE_NONE 0

struct nodelink_beacon {
	uint32_t counter;        /* superframe number in this epoch, 24 bits */
	uint32_t epoch;          /* console session; only ever grows */
	uint32_t period_us;      /* multiple of 10, 10..655350 */
	uint16_t slot_us;        /* multiple of 10, 10..2550 */
	uint8_t flags;           /* NODELINK_BF_* */
	uint8_t up_slots;        /* uplink slots after the downlink slot */
	uint8_t plan;            /* channel plan; 0 = A 2..41, B 42..81 */
	uint16_t hop_seed;
	uint16_t echo_node;      /* answers a HELLO: node id, 0 none */
	uint32_t echo_nonce;
	uint16_t ack_node;       /* acknowledges an uplink report: node id, 0 none */
	uint8_t ack_seq;
};

#define NODELINK_BF_DOWN 0x01    /* the downlink slot carries a command */

enum nodelink_cmd {          /* DOWN, low 5 bits of byte 0 */
	NODELINK_CMD_CONFIG = 1,      /* set fields of the node's configuration */
	NODELINK_CMD_STATUS = 2,      /* report status now */
	NODELINK_CMD_SCENE = 3,       /* keep the current output as failsafe scene */
	/* 16..23: firmware update, see PROTOCOL.md ("Firmware update") */
	NODELINK_CMD_FW_QUERY = 16,   /* answer FW_INFO */
	NODELINK_CMD_FW_BEGIN = 17,   /* receive an image into the free slot (or resume) */
	NODELINK_CMD_FW_CHUNK = 18,   /* 16 bytes of it; to every node, never answered */
	NODELINK_CMD_FW_END = 19,     /* every chunk is there: verify it */
	NODELINK_CMD_FW_BOOT = 20,    /* start it on trial */
	NODELINK_CMD_FW_FIRST = 16,
	NODELINK_CMD_FW_LAST = 23,
};

enum nodelink_report {       /* UP, low 5 bits of byte 0 */
	NODELINK_REP_HELLO = 1,       /* after boot: asks for a fresh beacon (nonce echo) */
	NODELINK_REP_STATUS = 2,
	NODELINK_REP_CONFIG = 3,      /* answer to CONFIG / SCENE: result + configuration */
	NODELINK_REP_FW_INFO = 16,    /* firmware, update state; answers the FW commands */
	NODELINK_REP_FW_CHUNKS = 17,  /* which chunks of a transfer the node holds */
	NODELINK_REP_FW_FIRST = 16,   /* 16..23: firmware update */
	NODELINK_REP_FW_LAST = 23,
};

/* DOWN and UP share one shape: type|code, counter, node, seq, 21-byte body. */
struct nodelink_msg {
	uint8_t type;            /* NODELINK_DOWN or NODELINK_UP */
	uint8_t code;            /* nodelink_cmd / nodelink_report */
	uint32_t counter;        /* DOWN: the superframe; UP: the last one the node heard */
	uint16_t node;
	uint8_t seq;             /* DOWN: command number; UP: report number */
	uint8_t body[NODELINK_BODY_LEN];
};

struct nodelink_data {
	uint8_t frag;            /* 0..NODELINK_FRAGS-1 */
	uint32_t counter;
	uint8_t slot_count;      /* 24, or 8 for the last fragment */
	const uint8_t *slots;    /* into the parsed packet */
};

/* What nodelink_parse() found; which member is valid follows `type`. */
struct nodelink_packet {
	enum nodelink_type type;
	union {
		struct nodelink_beacon beacon;
		struct nodelink_data data;
		struct nodelink_msg msg;
	} u;
};

/* Length of data fragment `frag` on the air (header + slots + MAC). */
static inline unsigned nodelink_data_len(unsigned frag)
{
	unsigned first = frag * NODELINK_FRAG_SLOTS;
	unsigned n = NODELINK_SLOTS - first < NODELINK_FRAG_SLOTS ? NODELINK_SLOTS - first
								 : NODELINK_FRAG_SLOTS;
	return NODELINK_DATA_HDR + n + NODELINK_MAC_LEN;
}

/* Builders write an unsealed packet (MAC bytes zero) and return its
 * length, or -1 for a field out of range; seal it with nodelink_seal(). */
int nodelink_beacon_encode(uint8_t *pkt, size_t cap, const struct nodelink_beacon *b);
int nodelink_data_encode(uint8_t *pkt, size_t cap, unsigned frag, uint32_t counter,
			 const uint8_t slots[NODELINK_SLOTS]);
int nodelink_msg_encode(uint8_t *pkt, size_t cap, const struct nodelink_msg *m);

/* Parses the fields (not the MAC: check it with nodelink_verify(), which
 * needs the epoch). Returns 0, or a negative NODELINK_E* saying why not. */
int nodelink_parse(const uint8_t *pkt, size_t len, struct nodelink_packet *out);

enum nodelink_err {
	NODELINK_ESHORT = -1,        /* shorter than its type needs */
	NODELINK_ELONG = -2,         /* longer than its type allows */
	NODELINK_ETYPE = -3,         /* reserved type */
	NODELINK_EFIELD = -4,        /* a field out of range (fragment, version, period) */
};
const char *nodelink_strerror(int err);

/* ---- configuration carried in CONFIG commands and reports ----------------- */

enum nodelink_failsafe {
	NODELINK_FS_HOLD = 0,        /* keep the last look */
	NODELINK_FS_ZERO = 1,        /* every slot 0 */
	NODELINK_FS_SCENE = 2,       /* the stored scene */
	NODELINK_FS_OFF = 3,         /* no DMX at all (fixtures see signal loss) */
};

#define NODELINK_CF_UNIVERSE 0x01
#define NODELINK_CF_START 0x02
#define NODELINK_CF_COUNT 0x04
#define NODELINK_CF_FAILSAFE 0x08
#define NODELINK_CF_TIMEOUT 0x10
#define NODELINK_CF_BREAK 0x20
#define NODELINK_CF_MAB 0x40
#define NODELINK_CF_ALL 0x7f

struct nodelink_config {
	uint16_t universe;           /* 1..63999 */
	uint16_t start;              /* universe slot on the line's slot 1: 1..512 */
	uint16_t count;              /* slots on the line: 1..513-start */
	uint8_t failsafe;            /* nodelink_failsafe */
	uint16_t timeout_10ms;       /* hold this long, then failsafe: 1..65535 */
	uint16_t break_us;           /* 92..1000 */
	uint16_t mab_us;             /* 12..1000 */
};

#define NODELINK_BREAK_MIN 92
#define NODELINK_MAB_MIN 12
#define NODELINK_TIMING_MAX 1000

/* Whether the fields of c named in `mask` are in range (start + count
 * checked together). Returns 0 or -1. */
int nodelink_config_check(const struct nodelink_config *c, unsigned mask);
/* Body of a CONFIG command (mask + every field) and of a CONFIG report. */
void nodelink_config_put(uint8_t body[NODELINK_BODY_LEN], unsigned mask,
			 const struct nodelink_config *c);
unsigned nodelink_config_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_config *c);

/* The DMX line time of a frame: break + MAB + start code and `count` slots
 * at 44 µs each. */
static inline uint32_t nodelink_line_us(uint32_t break_us, uint32_t mab_us, uint32_t count)
{
	return break_us + mab_us + 44u * (count + 1u);
}

/* STATUS report body. */
enum nodelink_state {
	NODELINK_ST_SCAN = 0,        /* looking for the link */
	NODELINK_ST_SYNCING = 1,     /* heard it, waiting for a fresh beacon */
	NODELINK_ST_LIVE = 2,
	NODELINK_ST_HOLD = 3,        /* data stopped; holding the last look */
	NODELINK_ST_FAILSAFE = 4,    /* after the timeout: the failsafe mode */
};

struct nodelink_status {
	uint8_t state;               /* nodelink_state */
	uint8_t rx_percent;          /* data packets heard / sent, last second */
	int8_t rssi_dbm;
	uint16_t loss_permille;      /* fragments missing after both copies */
	int8_t temperature_c;        /* NODELINK_TEMP_UNKNOWN when none */
	uint16_t fw_version;         /* major << 8 | minor */
	uint32_t uptime_s;
	uint16_t universe;
	uint16_t start;
	uint8_t failsafe;
	uint8_t cpu_percent;
	uint16_t dmx_rate_centihz;   /* DMX frames per second x 100 */
	uint8_t flags;               /* NODELINK_SF_* */
};

#define NODELINK_TEMP_UNKNOWN (-128)
#define NODELINK_SF_SCENE 0x01       /* a scene is stored */
#define NODELINK_SF_UP_LOSS 0x02     /* reports went unacknowledged lately */

void nodelink_status_put(uint8_t body[NODELINK_BODY_LEN], const struct nodelink_status *s);
void nodelink_status_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_status *s);

/* HELLO body: nonce, firmware version, board. */
struct nodelink_hello {
	uint32_t nonce;
	uint16_t fw_version;
	uint8_t board;               /* NODELINK_BOARD_* */
};

enum { NODELINK_BOARD_SIM = 1, NODELINK_BOARD_QEMU_MPS2 = 2, NODELINK_BOARD_BLUEPILL = 3 };

void nodelink_hello_put(uint8_t body[NODELINK_BODY_LEN], const struct nodelink_hello *h);
void nodelink_hello_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_hello *h);

/* ---- firmware update bodies (PROTOCOL.md, "Firmware update") -------------- */

#define NODELINK_FW_CHUNK_LEN 16     /* image bytes per FW_CHUNK */
#define NODELINK_FW_WINDOW 128       /* chunks a node takes ahead of its first gap */
#define NODELINK_FW_TAIL_MAX 32      /* FW_CHUNK slots after the uplink window, at most */

/* FW_BEGIN: which image comes (the node checks board, slot, size and
 * version before it erases anything). */
struct nodelink_fw_begin {
	uint32_t xfer;               /* transfer id: the image's hash, first 4 bytes; never 0 */
	uint32_t size;               /* image bytes */
	uint16_t version;
	uint8_t board;
	uint8_t slot;                /* where it goes: 1 A, 2 B (FW_SLOT_*) */
};

void nodelink_fw_begin_put(uint8_t body[NODELINK_BODY_LEN], const struct nodelink_fw_begin *b);
void nodelink_fw_begin_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_fw_begin *b);

/* FW_CHUNK: xfer's low 16 bits, chunk index, 16 bytes (offset index * 16). */
void nodelink_fw_chunk_put(uint8_t body[NODELINK_BODY_LEN], uint32_t xfer, uint16_t index,
			   const uint8_t data[NODELINK_FW_CHUNK_LEN]);

enum nodelink_fw_state {         /* the node's side of a transfer */
	NODELINK_FW_IDLE = 0,
	NODELINK_FW_RECEIVING = 1,
	NODELINK_FW_COMPLETE = 2,    /* every chunk written, not verified yet */
	NODELINK_FW_VERIFIED = 3,
	NODELINK_FW_REFUSED = 4,     /* verification failed: `reason` */
};

#define NODELINK_FWF_TRIAL 0x01      /* running an image that has not confirmed itself */
#define NODELINK_FWF_UPDATABLE 0x02  /* has image slots and a firmware key */
#define NODELINK_FWF_ROLLED_BACK 0x04    /* rollback_* tell about the last failed update */

/* FW_INFO report: what runs, the last rollback, the transfer. */
struct nodelink_fw_info {
	uint16_t version;            /* running image (0 none) */
	uint8_t slot;                /* 0 A, 1 B, 0xff none */
	uint8_t flags;               /* NODELINK_FWF_* */
	uint8_t boot_version;        /* the bootloader's (0 none) */
	uint16_t rollback_version;
	uint8_t rollback_reason;     /* fw_image_reason */
	uint32_t xfer;               /* 0 none */
	uint8_t state;               /* nodelink_fw_state */
	uint8_t reason;              /* the answered command's result, or why REFUSED (0 ok) */
	uint16_t contig;             /* chunks below this are written */
	uint16_t chunks;
	uint8_t answered_code;       /* the command this answers; 0: news of its own */
	uint8_t answered_seq;
	uint8_t board;
};

void nodelink_fw_info_put(uint8_t body[NODELINK_BODY_LEN], const struct nodelink_fw_info *i);
void nodelink_fw_info_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_fw_info *i);

/* FW_CHUNKS report: xfer's low 16 bits, the first chunk missing, and which
 * of the NODELINK_FW_WINDOW chunks from there on are held (bit k of byte
 * k / 8: chunk contig + k). */
struct nodelink_fw_chunks {
	uint16_t xfer16;
	uint16_t contig;
	uint8_t state;
	uint8_t window[NODELINK_FW_WINDOW / 8];
};

void nodelink_fw_chunks_put(uint8_t body[NODELINK_BODY_LEN], const struct nodelink_fw_chunks *c);
void nodelink_fw_chunks_get(const uint8_t body[NODELINK_BODY_LEN], struct nodelink_fw_chunks *c);

/* ---- envelopes: air packets over UDP, Ethernet and serial ------------------ */

/* One air packet with what the radio knows about it. Over UDP (the
 * simulated air) and inside an Ethernet frame (QEMU) it is sent as is;
 * over the transmitter's serial line it is COBS-framed. */
struct nodelink_air {
	uint8_t flags;               /* NODELINK_AIR_* */
	uint8_t channel;             /* 0..125 */
	int8_t rssi_dbm;             /* received packets; 0 unknown */
	uint32_t address;            /* radio address (nodelink_link_address) */
	uint64_t at_ns;              /* on-air end of the packet (simulation clock), 0 = now */
	uint8_t len;                 /* 1..32 */
	uint8_t pkt[NODELINK_PAYLOAD_MAX];
};

#define NODELINK_AIR_UP 0x01         /* sent by a node */
#define NODELINK_AIR_MAGIC0 'G'
#define NODELINK_AIR_MAGIC1 'N'
#define NODELINK_AIR_HDR 20
#define NODELINK_AIR_MAX (NODELINK_AIR_HDR + NODELINK_PAYLOAD_MAX)
#define NODELINK_ETHERTYPE 0x88b5    /* IEEE 802 local experimental */

int nodelink_air_encode(uint8_t *buf, size_t cap, const struct nodelink_air *a);
/* Returns 0, or a negative NODELINK_E* (short, long, bad magic/version). */
int nodelink_air_decode(const uint8_t *buf, size_t len, struct nodelink_air *a);

/* COBS (consistent overhead byte stuffing): frames on the serial line are
 * COBS(data) followed by a 0 byte. Encode returns the encoded length
 * (without the 0), or -1 when cap is too small (cap >= len + len/254 + 1
 * is enough). Decode takes one frame without its 0 and returns the
 * decoded length, or -1 for malformed input or cap too small. */
int nodelink_cobs_encode(uint8_t *out, size_t cap, const uint8_t *in, size_t len);
int nodelink_cobs_decode(uint8_t *out, size_t cap, const uint8_t *in, size_t len);

/* ---- little-endian fields ---------------------------------------------------- */

static inline void nodelink_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void nodelink_put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
}
static inline void nodelink_put32(uint8_t *p, uint32_t v)
{
	nodelink_put16(p, (uint16_t)v);
	nodelink_put16(p + 2, (uint16_t)(v >> 16));
}
static inline uint16_t nodelink_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t nodelink_get24(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}
static inline uint32_t nodelink_get32(const uint8_t *p)
{
	return (uint32_t)nodelink_get16(p) | (uint32_t)nodelink_get16(p + 2) << 16;
}

#endif
