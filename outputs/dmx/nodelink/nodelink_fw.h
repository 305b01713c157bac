/*
 * nodelink_fw.h - the console's side of firmware updates on one link:
 * for each node being flashed, the exchange of PROTOCOL.md ("Firmware
 * update") - ask what runs, pick the image of the bundle that fits the
 * node's board and free slot, announce it, send its chunks, have it
 * verified, booted on trial, and see it confirm itself or roll back - and
 * the FW_CHUNK packets in the tail of each superframe. Nodes that take the
 * same image share one transfer: its chunks go to all of them at once.
 *
 * Pure like nodelink_tx: no I/O, no allocation, no clock but the link's
 * superframe counter and the times it is given. The bundles are the
 * caller's and must stay until nodelink_fw_uses() says no. One thread per
 * link (the output thread).
 */
#ifndef NODELINK_FW_H
#define NODELINK_FW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outputs/dmx/nodelink/nodelink_tx.h"

#define NODELINK_FW_TARGETS 16       /* nodes of one link being flashed at once */
#define NODELINK_FW_XFERS 4          /* different images on one link at once */

enum nodelink_fw_phase {
	NODELINK_FWP_NONE = 0,
	NODELINK_FWP_QUERY,          /* asking what it runs */
	NODELINK_FWP_BEGIN,          /* announcing the image (the node erases) */
	NODELINK_FWP_SEND,           /* chunks */
	NODELINK_FWP_VERIFY,         /* the node checks hash, signature, board, version */
	NODELINK_FWP_BOOT,           /* it notes the trial */
	NODELINK_FWP_REBOOT,         /* waiting for it to come back */
	NODELINK_FWP_TRIAL,          /* the new image runs its self-test */
	NODELINK_FWP_DONE,           /* confirmed */
	NODELINK_FWP_ROLLED_BACK,    /* the new image failed; the old one runs: `reason` */
	NODELINK_FWP_FAILED,         /* refused or lost: `reason` */
};

/* Why a node was not updated, beyond the node's own reasons
 * (fw_image_reason, below 100). */
enum {
	NODELINK_FWE_NO_ANSWER = 100,
	NODELINK_FWE_NO_IMAGE = 101,
	NODELINK_FWE_LOST = 102,
	NODELINK_FWE_NOT_BACK = 103,
	NODELINK_FWE_NO_SWITCH = 104,
	NODELINK_FWE_NO_SUPPORT = 105,
};

struct nodelink_fw_target {
	uint16_t node;               /* 0: free */
	uint8_t phase;               /* nodelink_fw_phase */
	uint8_t reason;
	uint32_t job;                /* the caller's name for the request */
	const uint8_t *bundle;
	size_t bundle_len;
	int8_t xfer;                 /* its transfer (index), -1 none */
	int32_t ticket;              /* the command waiting for an answer, 0 none */
	uint8_t tries;               /* of that command */
	uint32_t wait_until;         /* superframe: no command before */
	uint32_t infos_seen, chunk_reports_seen;
	uint32_t phase_since;        /* superframe its phase began */
	uint32_t heard;              /* superframe of its last firmware report */
	uint16_t contig, chunks;     /* what it holds */
	uint8_t window[NODELINK_FW_WINDOW / 8];
	uint16_t from_version, to_version;
	uint8_t slot;                /* FW_SLOT_A/B it goes to */
	uint8_t resumes;             /* transfers taken up again after the node restarted */
	uint16_t resumed_at;         /* the chunk the last one went on from */
	uint8_t reboots;             /* boots that came back on the old image */
	uint64_t started_ns, finished_ns;
	uint64_t send_from_ns, send_to_ns;   /* the chunks: first sent, all there */
};

struct nodelink_fw_xfer {
	uint32_t id;                 /* 0: free */
	const uint8_t *image;
	uint32_t len;
	uint16_t chunks;
	uint16_t version;
	uint8_t board, slot;
	/* when chunk i (i mod the window) was last sent: superframe + 1 */
	uint32_t sent_at[NODELINK_FW_WINDOW];
	uint16_t sent_index[NODELINK_FW_WINDOW];
	uint32_t chunks_sent;
};

struct nodelink_fw {
	struct nodelink_fw_target targets[NODELINK_FW_TARGETS];
	struct nodelink_fw_xfer xfers[NODELINK_FW_XFERS];
	unsigned rr;
	uint32_t chunks_sent;
};

void nodelink_fw_init(struct nodelink_fw *fw);

/* Flashes `node` with the image of `bundle` that fits it (a node already
 * being flashed starts again with this one). Returns 0, or -1 when
 * NODELINK_FW_TARGETS nodes are busy. */
int nodelink_fw_add(struct nodelink_fw *fw, uint16_t node, const uint8_t *bundle, size_t len,
		    uint32_t job, uint64_t now_ns);

/* Before each nodelink_tx_superframe(): takes the nodes' reports, moves
 * each node on, queues the commands. */
void nodelink_fw_step(struct nodelink_fw *fw, struct nodelink_tx *tx, uint64_t now_ns);

/* After nodelink_tx_superframe(): up to `max` FW_CHUNK packets (sealed) for
 * the superframe just built, in the slots after its uplink window. Returns
 * how many. */
int nodelink_fw_tail(struct nodelink_fw *fw, const struct nodelink_tx *tx,
		     struct nodelink_tx_packet *out, int max);

/* The tail's slots in this link's superframe. */
int nodelink_fw_tail_slots(const struct nodelink_tx *tx);

/* Whether chunks are being sent. */
bool nodelink_fw_sending(const struct nodelink_fw *fw);
/* Whether a target of `job` is still there (its bundle in use). */
bool nodelink_fw_uses(const struct nodelink_fw *fw, uint32_t job);
/* Forgets the finished targets of `job`. */
void nodelink_fw_forget(struct nodelink_fw *fw, uint32_t job);

const char *nodelink_fw_phase_name(uint8_t phase);
/* The text of a reason (the node's fw_image_reason or NODELINK_FWE_*). */
const char *nodelink_fw_strerror(uint8_t reason);

#endif
