/*
 * node.h - the wireless DMX node: follows its link's superframes (beacons,
 * hopping), checks every packet's MAC and freshness, reassembles the
 * universe from fragments, drives the DMX line at the link's rate, falls
 * back to its failsafe when data stops, answers the console's commands and
 * reports its status, takes firmware updates into its free image slot
 * (update.c). PROTOCOL.md (outputs/dmx/nodelink/) says what and why.
 *
 * No OS, no heap, no clock of its own: struct node lives in the port's
 * memory, every entry point takes the time, and the port's loop calls
 * node_poll() when node_next_us() comes. One thread (or interrupt level)
 * only: a port that receives in an interrupt queues packets for its loop.
 */
#ifndef NODE_H
#define NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/hal/dmx.h"
#include "firmware/hal/flash.h"
#include "firmware/hal/radio.h"
#include "firmware/hal/rng.h"
#include "firmware/hal/sensors.h"
#include "firmware/hal/watchdog.h"
#include "firmware/core/fwboot.h"
#include "outputs/dmx/nodelink/nodelink_wire.h"

#define NODE_FW_VERSION 0x0100       /* 1.0: what a node without a bootloader reports */
#define NODE_SELFTEST_US 20000000u   /* a trial image confirms itself within this, or resets */
#define NODE_SELFTEST_FRAMES 40      /* DMX frames (1 s) the self-test wants to see */
#define NODE_LINE_MARGIN_US 300      /* BREAK this long after copy A's end */
#define NODE_LIVE_US 100000u         /* data within this: live, else holding */
#define NODE_LOST_SUPERFRAMES 40     /* beacons missed in a row: back to scanning */
#define NODE_SCAN_DWELL_US 1050000u  /* one scan channel this long */
#define NODE_STATUS_US 1000000u      /* a status report about this often */

/* Firmware updates: the two image slots, the boot-state page (fwboot.h),
 * the rig's firmware key and what the bootloader handed over. A port
 * without them (no slot[0].read, or no key) has a node that answers every
 * update with why it cannot take one. */
struct node_fw_hal {
	struct hal_flash slot[2];
	struct hal_flash log;
	const uint8_t *key;                  /* FW_ED25519_KEY_LEN bytes: the bootloader's */
	const struct fw_handover *boot;      /* NULL (or not valid): started without a bootloader */
	void *ctx;
	/* Restart through the bootloader. A board does not return; a port
	 * that returns (the simulator) restarts before the core runs again. */
	void (*reset)(void *ctx);
	/* The port's own part of the self-test (NULL: none): true once it
	 * passes. */
	bool (*selftest)(void *ctx);
	uint32_t selftest_us;                /* 0: NODE_SELFTEST_US */
};

struct node_hal {
	struct hal_radio radio;
	struct hal_dmx dmx;
	struct hal_flash flash;      /* 3 pages: config A, config B, scene */
	struct hal_watchdog watchdog;
	struct hal_rng rng;
	struct hal_sensors sensors;
	struct node_fw_hal fw;
};

/* What the node keeps in flash. */
struct node_settings {
	struct nodelink_config link; /* universe, start, count, failsafe, timing */
	uint32_t epoch_floor;        /* highest epoch accepted: older ones are replays */
	uint8_t key[NODELINK_KEY_LEN];
	uint8_t has_key;
};

/* The defaults of a node that has never been configured: universe 1, the
 * whole universe, hold for 2 s then hold, BREAK 176 µs, MAB 16 µs. */
void node_settings_default(struct node_settings *s);

/* Counters since boot, for the port's console, the simulator's log and
 * tests. */
struct node_stats {
	uint32_t rx;                 /* packets handed to node_rx */
	uint32_t malformed;
	uint32_t bad_mac;
	uint32_t stale;              /* authentic but old: replay or late */
	uint32_t foreign;            /* other links, other nodes, other types */
	uint32_t data;               /* fresh data fragments taken */
	uint32_t copy_b_in_time;     /* copy-B fragments that made their frame */
	uint32_t frames;             /* DMX frames started */
	uint32_t syncs;              /* times the link was found */
	uint32_t lost;               /* times it was lost */
	uint32_t commands;           /* commands carried out */
	uint32_t reports;            /* reports sent */
	uint32_t reports_acked;
	uint32_t flash_errors;
	uint32_t fw_chunks;          /* firmware chunks written */
	uint32_t fw_chunk_dups;      /* chunks already held (or outside the window) */
	uint32_t fw_resumes;         /* transfers taken up again from the boot log */
	uint32_t fw_resumed_at;      /* the chunk the last one resumed at */
};

/* The node's side of firmware updates (update.c). */
struct node_update {
	/* what runs */
	uint16_t version;
	int8_t slot;                 /* -1: none (no bootloader) */
	bool trial;                  /* not yet confirmed */
	bool usable;                 /* slots, boot page and key: updates possible */
	uint8_t boot_version;
	uint64_t selftest_deadline;
	struct fw_log log;           /* the boot-state log as this node knows it */
	/* the transfer */
	uint32_t xfer;
	uint32_t size;
	uint16_t chunks;
	uint16_t new_version;
	int8_t target;               /* slot it goes to */
	uint8_t state;               /* nodelink_fw_state */
	uint8_t reason;              /* why REFUSED */
	uint16_t contig;
	uint8_t window[NODELINK_FW_WINDOW / 8];
	bool window_changed;
	uint64_t chunks_report_at;   /* when the last FW_CHUNKS report was queued */
	/* reports and the reset after FW_BOOT */
	bool announce;               /* an FW_INFO of its own, until acknowledged */
	uint64_t announce_at;
	uint8_t announce_seq;        /* its report number, once queued */
	bool announce_queued;
	uint8_t last_result;         /* of the last FW command, for repeats */
	uint8_t last_code;
	bool reset_pending;          /* TRIAL noted: restart once FW_BOOT's answer is out */
	uint64_t reset_at;           /* its time (0: the answer has not gone yet) */
	bool resetting;              /* reset() returned: do nothing more */
	bool own_pending;            /* the pending report is a chunks report or news: it may wait */
};

struct node {
	const struct node_hal *hal;
	uint16_t id;
	uint8_t board;
	struct node_settings set;
	uint8_t scene[NODELINK_SLOTS];
	bool scene_valid;
	uint8_t store_page;          /* config page holding the newest record */
	uint32_t store_seq;

	struct nodelink_key key;
	uint32_t address;

	/* the link */
	uint8_t sync;                /* NODE_SCAN, NODE_FOLLOW */
	bool fresh;                  /* `floor` is trusted for `epoch` */
	uint32_t epoch;
	uint32_t floor;              /* lowest counter taken */
	uint32_t counter;            /* current superframe */
	uint64_t t0;                 /* its start, local µs */
	uint32_t period_us;
	uint32_t slot_us;
	uint8_t up_slots;
	uint16_t hop_seed;
	bool hop_ok;
	struct nodelink_hop hop;
	bool beacon_seen;            /* in the current superframe */
	uint16_t missed;             /* superframes without a beacon, in a row */
	uint8_t on_b;                /* tuned to B(counter) */
	uint8_t tuned;
	uint32_t nonce;
	uint8_t scan_channel;
	uint64_t scan_until;

	/* the universe */
	uint8_t latest[NODELINK_SLOTS];
	uint32_t frag_counter[NODELINK_FRAGS];
	uint32_t frag_have;          /* bit f: latest holds fragment f at all */
	uint32_t sf_mask;            /* fragments of `counter` heard */
	uint32_t sf_rx;              /* data packets of `counter` heard */
	uint64_t last_data;          /* 0 never */

	/* the line */
	uint8_t line[2][1 + NODELINK_SLOTS];
	struct hal_dmx_info line_info[2];
	uint8_t line_cur;
	bool line_running;
	bool line_off;               /* stop() called, no frame since */
	uint64_t line_start;
	uint32_t line_us;
	uint64_t next_line;          /* 0: none scheduled */
	uint32_t line_frag_first, line_frag_last;
	uint32_t line_fresh;         /* bit f: the frame holds fragment f of its superframe */
	uint32_t line_sf;            /* superframe whose frame started last (following) */

	/* reports */
	bool up_pending;
	uint8_t up_code;
	uint8_t up_body[NODELINK_BODY_LEN];
	uint8_t up_seq;
	uint64_t up_at;              /* 0: no slot chosen yet */
	uint8_t up_sent_seq;
	uint8_t up_sent_code;
	bool up_awaiting;            /* the last report sent has no ack yet */
	uint64_t next_status;
	bool down_seen;
	uint8_t down_seq;            /* the last command carried out */
	uint8_t down_result;         /* and its answer */
	uint16_t down_mask;
	bool relink;                 /* move to relink_universe once the answer is out */
	uint16_t relink_universe;

	/* one-second windows for the status report */
	uint32_t w_expected, w_rx, w_frags, w_missing, w_frames;
	uint64_t w_first_frame, w_last_frame;
	int32_t w_rssi_sum;
	uint32_t w_rssi_n;
	uint8_t rx_percent;
	uint16_t loss_permille;
	int8_t rssi_dbm;
	uint16_t dmx_rate_centihz;
	uint8_t cpu_percent;
	uint32_t reports_unacked;

	uint64_t boot_us;
	struct node_update fw;
	struct node_stats stats;
};

enum { NODE_SCAN = 0, NODE_FOLLOW = 1 };

/* Loads the settings (or the defaults, when flash holds none), then starts
 * scanning. `id` is the node's number (1..0xfffe). When the flash holds no
 * key, `provision` (may be NULL) is stored first: a node is given its
 * rig's key once, at the bench. */
void node_init(struct node *n, const struct node_hal *hal, uint16_t id, uint8_t board,
	       const struct node_settings *provision, uint64_t now_us);

/* A packet the radio received at now_us (the end of its slot). now_us may
 * lie before a time node_poll() has already run to: a port that learns of
 * a packet late hands it over with the time the radio caught it. */
void node_rx(struct node *n, uint64_t now_us, const uint8_t *pkt, uint8_t len, int8_t rssi_dbm);

/* Runs everything due by now_us, each at its own time. */
void node_poll(struct node *n, uint64_t now_us);

/* When node_poll() wants to run next (absolute µs). */
uint64_t node_next_us(const struct node *n);

/* The state a STATUS report would give now (nodelink_state). */
uint8_t node_state(const struct node *n, uint64_t now_us);

/* Changes and stores settings from the port (bench setup, tests): the same
 * path as a CONFIG command. Returns 0, or -1 for a field out of range. */
int node_configure(struct node *n, const struct nodelink_config *c, unsigned mask,
		   uint64_t now_us);

#endif
