/*
 * update.h - the node's side of firmware updates (update.c), private to
 * firmware/core: node.c hands it the FW commands and chunks and asks it
 * when to report and reset. See PROTOCOL.md ("Firmware update") for the
 * exchange and fwboot.h for the boot-state log. Node thread only.
 */
#ifndef NODE_UPDATE_H
#define NODE_UPDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "node.h"

/* node.c's report queue, shared with update.c. */
void node_queue_report(struct node *n, uint8_t code, const uint8_t body[NODELINK_BODY_LEN]);

/* What runs (from the bootloader's handover), the boot log, the self-test
 * deadline of a trial image. */
void node_update_init(struct node *n, uint64_t now);
/* A command with code 16..23 from the console (authentic, fresh, for this
 * node); `repeat`: the same seq as the last one (answer again, do nothing).
 * Returns false for a code it does not know. */
bool node_update_command(struct node *n, uint64_t now, const struct nodelink_msg *m, bool repeat);
/* An FW_CHUNK (authentic, fresh, to every node). */
void node_update_chunk(struct node *n, const struct nodelink_msg *m);
/* The self-test, the reset after FW_BOOT, the reports it owes. */
void node_update_poll(struct node *n, uint64_t now);
/* The next instant node_update_poll() must run at by itself (0: none). */
uint64_t node_update_next_us(const struct node *n);
/* A report went out (now) / was acknowledged by a beacon. */
void node_update_sent(struct node *n, uint64_t now, uint8_t code);
void node_update_acked(struct node *n, uint64_t now, uint8_t code);

#endif
