/*
 * nodelink_tx.c - the console's end of a link (see nodelink_tx.h and
 * PROTOCOL.md). Pure: the caller owns the memory and the clock. One thread
 * per link.
 */
#include "nodelink_tx.h"

#include <string.h>

void nodelink_tx_init(struct nodelink_tx *tx, const uint8_t key[NODELINK_KEY_LEN],
		      uint16_t universe, uint32_t epoch, uint32_t counter, uint16_t hop_seed)
{
	memset(tx, 0, sizeof *tx);
	nodelink_key_init(&tx->key, key);
	tx->universe = universe;
	tx->address = nodelink_link_address(&tx->key, universe);
	tx->epoch = epoch;
	tx->counter = counter;
	tx->period_us = NODELINK_PERIOD_US_DEFAULT;
	tx->slot_us = NODELINK_SLOT_US_DEFAULT;
	tx->up_slots = NODELINK_UP_SLOTS_DEFAULT;
	tx->hop_seed = hop_seed;
	nodelink_hop_init(&tx->hop, &tx->key, universe, hop_seed);
	tx->next_seq = 1;
	tx->next_ticket = 1;
}

/* The command to send this superframe: the oldest pending one. Commands
 * that waited too long give up. */
static struct nodelink_tx_cmd *pending_cmd(struct nodelink_tx *tx)
{
	struct nodelink_tx_cmd *best = NULL;

	for (int i = 0; i < NODELINK_TX_COMMANDS; i++) {
		struct nodelink_tx_cmd *c = &tx->cmds[i];

		if (c->state != NODELINK_CMD_PENDING)
			continue;
		if (tx->counter - c->first_counter > NODELINK_TX_RETRY_SUPERFRAMES) {
			c->state = NODELINK_CMD_TIMEOUT;
			continue;
		}
		if (!best || c->first_counter < best->first_counter)
			best = c;
	}
	return best;
}

static void put(struct nodelink_tx *tx, struct nodelink_tx_packet *p, uint8_t slot, uint8_t channel,
		int len)
{
	p->slot = slot;
	p->channel = channel;
	p->len = (uint8_t)len;
	nodelink_seal(&tx->key, tx->universe, tx->epoch, p->pkt, (size_t)len);
}

int nodelink_tx_superframe(struct nodelink_tx *tx, const uint8_t slots[NODELINK_SLOTS],
			   struct nodelink_tx_packet out[NODELINK_TX_PACKETS])
{
	struct nodelink_beacon b = {
		.counter = tx->counter, .epoch = tx->epoch, .period_us = tx->period_us,
		.slot_us = tx->slot_us, .up_slots = tx->up_slots, .plan = 0,
		.hop_seed = tx->hop_seed, .ack_node = tx->ack_node, .ack_seq = tx->ack_seq,
	};
	struct nodelink_tx_cmd *cmd;
	uint8_t a, bch;
	int n = 0;

	if (tx->counter > NODELINK_COUNTER_MAX)
		return NODELINK_TX_EWRAP;
	a = nodelink_channel_a(&tx->hop, tx->counter);
	bch = nodelink_channel_b(&tx->hop, tx->counter);
	cmd = pending_cmd(tx);
	if (cmd)
		b.flags |= NODELINK_BF_DOWN;
	/* one echo per beacon, each repeated in two beacons in case one is lost */
	for (int i = 0; i < NODELINK_TX_ECHOES; i++) {
		if (tx->echoes[i].left) {
			b.echo_node = tx->echoes[i].node;
			b.echo_nonce = tx->echoes[i].nonce;
			tx->echoes[i].left--;
			break;
		}
	}
	tx->ack_node = 0;
	put(tx, &out[n], NODELINK_SLOT_BEACON, a,
	    nodelink_beacon_encode(out[n].pkt, sizeof out[n].pkt, &b));
	n++;
	for (unsigned copy = 0; slots && copy < 2; copy++) {
		for (unsigned f = 0; f < NODELINK_FRAGS; f++) {
			int len = nodelink_data_encode(out[n].pkt, sizeof out[n].pkt, f, tx->counter,
						       slots);

			put(tx, &out[n], (uint8_t)((copy ? NODELINK_SLOT_COPY_B : NODELINK_SLOT_COPY_A) + f),
			    copy ? bch : a, len);
			n++;
		}
	}
	if (cmd) {
		struct nodelink_msg m = {
			.type = NODELINK_DOWN, .code = cmd->code, .counter = tx->counter,
			.node = cmd->node, .seq = cmd->seq,
		};

		memcpy(m.body, cmd->body, NODELINK_BODY_LEN);
		put(tx, &out[n], NODELINK_SLOT_DOWN, bch,
		    nodelink_msg_encode(out[n].pkt, sizeof out[n].pkt, &m));
		n++;
		tx->stats.commands_sent++;
	}
	tx->counter++;
	tx->stats.superframes++;
	return n;
}

static struct nodelink_tx_node *node_entry(struct nodelink_tx *tx, uint16_t id)
{
	struct nodelink_tx_node *free_entry = NULL, *oldest = &tx->nodes[0];

	for (int i = 0; i < NODELINK_TX_NODES; i++) {
		struct nodelink_tx_node *e = &tx->nodes[i];

		if (e->id == id)
			return e;
		if (!e->id && !free_entry)
			free_entry = e;
		if (e->heard_ns < oldest->heard_ns)
			oldest = e;
	}
	/* a full table forgets the node heard least recently */
	struct nodelink_tx_node *e = free_entry ? free_entry : oldest;

	memset(e, 0, sizeof *e);
	e->id = id;
	return e;
}

static void answered(struct nodelink_tx *tx, uint16_t node, uint8_t seq, uint8_t result)
{
	for (int i = 0; i < NODELINK_TX_COMMANDS; i++) {
		struct nodelink_tx_cmd *c = &tx->cmds[i];

		if (c->state == NODELINK_CMD_PENDING && c->seq == seq &&
		    (c->node == node || c->node == NODELINK_NODE_ALL)) {
			c->state = NODELINK_CMD_DONE;
			c->result = result;
		}
	}
}

int nodelink_tx_heard(struct nodelink_tx *tx, uint64_t now_ns, const uint8_t *pkt, uint8_t len,
		      int8_t rssi_dbm)
{
	struct nodelink_packet p;
	struct nodelink_tx_node *e;
	const struct nodelink_msg *m = &p.u.msg;
	int rc = nodelink_parse(pkt, len, &p);

	if (rc != 0) {
		tx->stats.malformed++;
		return rc;
	}
	if (p.type != NODELINK_UP || m->node == NODELINK_NODE_NONE || m->node == NODELINK_NODE_ALL) {
		tx->stats.foreign++;      /* our own packets, heard back */
		return NODELINK_TX_EFOREIGN;
	}
	if (!nodelink_verify(&tx->key, tx->universe, tx->epoch, pkt, len)) {
		tx->stats.bad_mac++;
		return NODELINK_TX_EMAC;
	}
	/* A report names the last superframe its node heard: within the last
	 * two seconds, and newer than (or beside) that node's last report. */
	if (m->counter >= tx->counter || tx->counter - m->counter > NODELINK_TX_UP_WINDOW) {
		tx->stats.stale++;
		return NODELINK_TX_ESTALE;
	}
	e = node_entry(tx, m->node);
	if (e->reports && (m->counter < e->last_counter ||
			   (m->counter == e->last_counter && m->seq == e->last_seq))) {
		tx->stats.stale++;
		return NODELINK_TX_ESTALE;
	}
	e->last_counter = m->counter;
	e->last_seq = m->seq;
	e->heard_ns = now_ns;
	e->rssi_dbm = rssi_dbm;
	e->reports++;
	tx->stats.reports++;
	tx->ack_node = m->node;
	tx->ack_seq = m->seq;
	switch (m->code) {
	case NODELINK_REP_HELLO: {
		int slot = 0;

		nodelink_hello_get(m->body, &e->hello);
		e->has_hello = true;
		tx->stats.hellos++;
		/* the node's entry if it is there, else a free or the oldest */
		for (int i = 0; i < NODELINK_TX_ECHOES; i++) {
			if (tx->echoes[i].node == m->node || !tx->echoes[i].left) {
				slot = i;
				if (tx->echoes[i].node == m->node)
					break;
			}
		}
		tx->echoes[slot].node = m->node;
		tx->echoes[slot].nonce = e->hello.nonce;
		tx->echoes[slot].left = 2;
		break;
	}
	case NODELINK_REP_STATUS:
		nodelink_status_get(m->body, &e->status);
		e->has_status = true;
		break;
	case NODELINK_REP_CONFIG: {
		struct nodelink_config c;

		nodelink_config_get(m->body, &c);
		if (m->body[15] == 0 || !e->has_config) {
			e->config = c;
			e->has_config = true;
		}
		answered(tx, m->node, m->body[16], m->body[15]);
		break;
	}
	case NODELINK_REP_FW_INFO:
		nodelink_fw_info_get(m->body, &e->fw);
		e->fw_infos++;
		/* the reason is in e->fw; the command's result only tells an
		 * answer in FW_INFO from the CONFIG report of a node that does
		 * not know the command */
		if (e->fw.answered_code)
			answered(tx, m->node, e->fw.answered_seq, 0);
		break;
	case NODELINK_REP_FW_CHUNKS:
		nodelink_fw_chunks_get(m->body, &e->fw_chunks);
		e->fw_chunk_reports++;
		/* the progress, for `node list` */
		if (e->fw_chunks.xfer16 == (uint16_t)e->fw.xfer && e->fw.xfer) {
			e->fw.contig = e->fw_chunks.contig;
			e->fw.state = e->fw_chunks.state;
		}
		break;
	default:
		break;
	}
	return 0;
}

int32_t nodelink_tx_command(struct nodelink_tx *tx, uint16_t node, uint8_t code,
			    const uint8_t body[NODELINK_BODY_LEN])
{
	struct nodelink_tx_cmd *slot = NULL;

	/* a free entry, else the oldest finished one */
	for (int i = 0; i < NODELINK_TX_COMMANDS; i++) {
		struct nodelink_tx_cmd *c = &tx->cmds[i];

		if (c->state == NODELINK_CMD_PENDING)
			continue;
		if (c->state == NODELINK_CMD_FREE) {
			slot = c;
			break;
		}
		if (!slot || c->ticket < slot->ticket)
			slot = c;
	}
	if (!slot)
		return -1;
	memset(slot, 0, sizeof *slot);
	slot->state = NODELINK_CMD_PENDING;
	slot->code = code;
	slot->node = node;
	slot->seq = tx->next_seq++;
	if (tx->next_seq == 0)
		tx->next_seq = 1;
	slot->first_counter = tx->counter;
	slot->ticket = tx->next_ticket++;
	if (tx->next_ticket > 0x7fffffff)
		tx->next_ticket = 1;
	memcpy(slot->body, body, NODELINK_BODY_LEN);
	return (int32_t)slot->ticket;
}

void nodelink_tx_command_cancel(struct nodelink_tx *tx, uint32_t ticket)
{
	for (int i = 0; i < NODELINK_TX_COMMANDS; i++)
		if (tx->cmds[i].state == NODELINK_CMD_PENDING && tx->cmds[i].ticket == ticket)
			tx->cmds[i].state = NODELINK_CMD_TIMEOUT;
}

int nodelink_tx_command_state(const struct nodelink_tx *tx, uint32_t ticket, uint8_t *result)
{
	for (int i = 0; i < NODELINK_TX_COMMANDS; i++) {
		const struct nodelink_tx_cmd *c = &tx->cmds[i];

		if (c->state != NODELINK_CMD_FREE && c->ticket == ticket) {
			if (result)
				*result = c->result;
			return c->state;
		}
	}
	return NODELINK_CMD_FREE;
}

const struct nodelink_tx_node *nodelink_tx_node(const struct nodelink_tx *tx, uint16_t id)
{
	for (int i = 0; i < NODELINK_TX_NODES; i++)
		if (tx->nodes[i].id == id && id)
			return &tx->nodes[i];
	return NULL;
}
