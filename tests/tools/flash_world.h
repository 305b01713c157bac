/*
 * flash_world.h - a console and up to 8 wireless nodes on one link, on a
 * virtual clock, for the firmware-update tests: the console's real
 * nodelink_tx and nodelink_fw, each node's real core (firmware/core) with
 * its flash in a sim_flash (the linux port's NOR flash: memory or a file,
 * with power cuts on demand), and the real bootloader choice at every
 * (re)start. The air delivers what a node is tuned to, with optional loss.
 * Images are signed here with libsodium, as `ghostlight node sign` does.
 *
 * Test code; one thread.
 */
#ifndef FLASH_WORLD_H
#define FLASH_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/core/node.h"
#include "firmware/port/linux/flash_file.h"
#include "outputs/dmx/nodelink/nodelink_fw.h"
#include "outputs/dmx/nodelink/nodelink_tx.h"

#define FW_NODES_MAX 8
#define FW_PAGE 1024
#define FW_SLOT_PAGES 16             /* 16 KiB slots */
/* flash: settings (3 pages), key block, log, slot A, slot B */
#define FW_FLASH_PAGES (5 + 2 * FW_SLOT_PAGES)

struct fw_node {
	struct node node;
	struct node_hal hal;
	uint16_t id;
	bool present;                /* in the world */
	bool off;                    /* powered off: hears nothing, does nothing */
	struct sim_flash flash;
	struct sim_flash_region r_set, r_slot[2], r_log;
	uint8_t key[32];
	bool has_key;
	struct fw_handover ho;
	bool reset_requested;
	bool selftest_never;
	uint8_t tuned;
	uint32_t address;
	uint32_t boots;
};

struct fw_air {
	uint64_t at;
	uint8_t channel;
	uint8_t len;
	uint8_t pkt[NODELINK_PAYLOAD_MAX];
};

struct fw_world {
	uint64_t now;
	uint8_t rig_key[NODELINK_KEY_LEN];
	uint8_t fw_pk[32], fw_sk[64];
	struct nodelink_tx tx;
	struct nodelink_fw fw;
	uint64_t t0_next;
	uint8_t universe[NODELINK_SLOTS];
	struct fw_air *q;
	int qn, qcap;
	unsigned loss_pct;
	uint64_t rng;
	struct fw_node nodes[FW_NODES_MAX];
	uint32_t selftest_us;
	long cut_after;              /* nodes added get a power cut at this erase/write */
	/* the air recorded while `rec` is set, for replays (the test's) */
	struct fw_air *rec;
	int recn, reccap;
	/* a node's answer to FW_BOOT (sent as it is about to restart) is lost */
	bool drop_boot_answers;
	unsigned boot_answers_dropped;
};

/* A world with the console on universe 1; no nodes yet. */
struct fw_world *fw_world_new(void);
void fw_world_free(struct fw_world *w);

/* Node `id` with flash at `flash_path` (NULL: memory), the firmware key
 * given (`with_key`), `factory` (an image, or NULL) in slot A if no slot
 * holds one; started at once. Returns it, or NULL. */
struct fw_node *fw_world_add_node(struct fw_world *w, uint16_t id, const char *flash_path,
				  bool with_key, const uint8_t *factory, size_t factory_len);
/* Power: off (the node stops) and on again (the bootloader, then the
 * node's start). */
void fw_node_power_off(struct fw_node *n);
void fw_node_power_on(struct fw_world *w, struct fw_node *n);

/* A signed image for the simulator board: body_len bytes, "selftest=never"
 * at its start when asked; signed with the world's firmware key, or `sk`.
 * Returns its length (out must hold body_len + 384). */
size_t fw_world_image(const struct fw_world *w, uint8_t *out, uint16_t version, size_t body_len,
		      bool selftest_never, const uint8_t *sk);

/* Runs the world until `until` (virtual µs), or until `stop` (may be NULL)
 * returns true, checked after each event. Returns whether stop did. */
bool fw_world_run(struct fw_world *w, uint64_t until, bool (*stop)(struct fw_world *w, void *arg),
		  void *arg);

/* A stop condition for fw_world_run(): every node the console was asked
 * to flash is done, rolled back or failed. */
bool fw_world_all_finished(struct fw_world *w, void *arg);

/* The console's record of a node being flashed, or NULL. */
const struct nodelink_fw_target *fw_world_target(const struct fw_world *w, uint16_t id);

#endif
