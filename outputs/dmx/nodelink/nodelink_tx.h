/*
 * nodelink_tx.h - the console's end of one link (one universe): builds
 * each superframe's packets (beacon, two copies of every fragment, a
 * pending command), takes the nodes' reports, keeps the table of nodes
 * heard and the commands waiting for an answer. Pure: no I/O, no clock of
 * its own, no allocation; the driver (nodelink.c) and the firmware's tests
 * put it on the air.
 *
 * One thread per link (the output thread in the console). Invariant: the
 * counter only grows within an epoch; nodelink_tx_superframe() refuses
 * (NODELINK_TX_EWRAP) when it would pass 24 bits, and the driver starts a
 * new epoch.
 */
#ifndef NODELINK_TX_H
#define NODELINK_TX_H

#include <stdbool.h>
#include <stdint.h>

#include "outputs/dmx/nodelink/nodelink_wire.h"

#define NODELINK_TX_PACKETS (1 + 2 * NODELINK_FRAGS + 1)
#define NODELINK_TX_NODES 32         /* nodes remembered per link */
#define NODELINK_TX_COMMANDS 8       /* commands waiting per link */
#define NODELINK_TX_ECHOES 8
#define NODELINK_TX_RETRY_SUPERFRAMES 200    /* a command is retried this long (5 s) */
#define NODELINK_TX_UP_WINDOW 80     /* reports older than this many superframes are stale */
#define NODELINK_TX_EWRAP (-20)

struct nodelink_tx_packet {
	uint8_t slot;                /* NODELINK_SLOT_* + fragment */
	uint8_t channel;
	uint8_t len;
	uint8_t pkt[NODELINK_PAYLOAD_MAX];
};

/* What a link knows about a node it heard. */
struct nodelink_tx_node {
	uint16_t id;                 /* 0: free entry */
	bool has_status;
	bool has_config;
	bool has_hello;
	struct nodelink_status status;
	struct nodelink_config config;   /* from its last CONFIG answer */
	struct nodelink_hello hello;
	uint64_t heard_ns;           /* last report, caller's clock */
	int8_t rssi_dbm;             /* of its last report, as the console's radio heard it */
	uint32_t reports;
	uint32_t last_counter;       /* of its last report: replay check */
	uint8_t last_seq;
	/* firmware: the last FW_INFO and FW_CHUNKS, each with a count that
	 * grows with every new one (nodelink_fw.c watches them) */
	struct nodelink_fw_info fw;
	uint32_t fw_infos;
	struct nodelink_fw_chunks fw_chunks;
	uint32_t fw_chunk_reports;
};

#define NODELINK_ANSWER_UNKNOWN 2    /* a CONFIG report's result: the command is unknown to it */

enum nodelink_cmd_state {
	NODELINK_CMD_FREE = 0,
	NODELINK_CMD_PENDING,        /* sent each superframe until answered */
	NODELINK_CMD_DONE,           /* answered: `result` */
	NODELINK_CMD_TIMEOUT,        /* no answer within the retry time */
};

struct nodelink_tx_cmd {
	uint8_t state;               /* nodelink_cmd_state */
	uint8_t code;
	uint16_t node;
	uint8_t seq;
	uint8_t result;              /* 0 ok (FW_INFO: always), 1 refused, NODELINK_ANSWER_UNKNOWN */
	uint32_t first_counter;
	uint32_t ticket;             /* caller's handle, never 0 */
	uint8_t body[NODELINK_BODY_LEN];
};

struct nodelink_tx_stats {
	uint32_t superframes;
	uint32_t reports;
	uint32_t bad_mac;
	uint32_t stale;
	uint32_t malformed;
	uint32_t foreign;
	uint32_t hellos;
	uint32_t commands_sent;      /* transmissions, retries included */
};

struct nodelink_tx {
	struct nodelink_key key;     /* a copy: the tx owns nothing outside itself */
	uint16_t universe;
	uint32_t address;
	uint32_t epoch;
	uint32_t counter;            /* the next superframe's number */
	uint32_t period_us;
	uint16_t slot_us;
	uint8_t up_slots;
	uint16_t hop_seed;
	struct nodelink_hop hop;
	uint8_t next_seq;
	uint32_t next_ticket;
	struct { uint16_t node; uint32_t nonce; uint8_t left; } echoes[NODELINK_TX_ECHOES];
	uint16_t ack_node;
	uint8_t ack_seq;
	struct nodelink_tx_node nodes[NODELINK_TX_NODES];
	struct nodelink_tx_cmd cmds[NODELINK_TX_COMMANDS];
	struct nodelink_tx_stats stats;
};

/* A link for `universe` in session `epoch`, superframes from `counter`
 * on, hop sequence from `hop_seed`, default timing (25 ms, 290 µs, 16
 * uplink slots). */
void nodelink_tx_init(struct nodelink_tx *tx, const uint8_t key[NODELINK_KEY_LEN],
		      uint16_t universe, uint32_t epoch, uint32_t counter, uint16_t hop_seed);

/* The packets of the next superframe, sealed, in slot order: the beacon,
 * copy A, copy B, and a command when one waits. `slots` is the universe
 * to send; NULL before there is one (the console's first frame not yet
 * there): no data packets, and the nodes go on showing what they show.
 * Returns how many (into out), or NODELINK_TX_EWRAP. */
int nodelink_tx_superframe(struct nodelink_tx *tx, const uint8_t slots[NODELINK_SLOTS],
			   struct nodelink_tx_packet out[NODELINK_TX_PACKETS]);

/* A packet heard on the link (a node's report). now_ns stamps the node
 * entry. Returns 0 when taken, or why not: NODELINK_E* (malformed),
 * NODELINK_TX_EMAC, NODELINK_TX_ESTALE, NODELINK_TX_EFOREIGN. */
int nodelink_tx_heard(struct nodelink_tx *tx, uint64_t now_ns, const uint8_t *pkt, uint8_t len,
		      int8_t rssi_dbm);
#define NODELINK_TX_EMAC (-21)
#define NODELINK_TX_ESTALE (-22)
#define NODELINK_TX_EFOREIGN (-23)

/* Queues a command for `node`. Returns a ticket (> 0) to ask about it, or
 * -1 when NODELINK_TX_COMMANDS are waiting already. */
int32_t nodelink_tx_command(struct nodelink_tx *tx, uint16_t node, uint8_t code,
			    const uint8_t body[NODELINK_BODY_LEN]);
/* Stops repeating a command (its answer no longer matters). */
void nodelink_tx_command_cancel(struct nodelink_tx *tx, uint32_t ticket);
/* The command's state (nodelink_cmd_state) and result; FREE for a ticket
 * no longer known. A finished command stays readable until its entry is
 * needed again. */
int nodelink_tx_command_state(const struct nodelink_tx *tx, uint32_t ticket, uint8_t *result);

const struct nodelink_tx_node *nodelink_tx_node(const struct nodelink_tx *tx, uint16_t id);

#endif
