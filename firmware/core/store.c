/*
 * store.c - the node's settings and failsafe scene in flash.
 *
 * Settings go to two pages in turn, each record numbered and checked
 * (BLAKE2s, already in the image for the MAC): a power cut while one page
 * is written leaves the other, older record intact, and the newest valid
 * record wins at boot. The scene has a page of its own. Records are
 * written field by field, little-endian, so the layout does not depend on
 * a compiler's struct padding. Node thread only.
 */
#include "store.h"

#include <string.h>

#define SET_MAGIC 0x31434c47u    /* "GLC1" */
#define SCENE_MAGIC 0x31534c47u  /* "GLS1" */
#define SET_LEN 68
#define SCENE_LEN (8 + NODELINK_SLOTS + 4)
#define PAGE_SCENE 2

static void check_of(const uint8_t *rec, uint32_t len, uint8_t out[4])
{
	nodelink_blake2s(out, 4, NULL, 0, rec, len);
}

static void put_settings(uint8_t rec[SET_LEN], uint32_t seq, const struct node_settings *s)
{
	memset(rec, 0, SET_LEN);
	nodelink_put32(rec, SET_MAGIC);
	nodelink_put32(rec + 4, seq);
	nodelink_put16(rec + 8, s->link.universe);
	nodelink_put16(rec + 10, s->link.start);
	nodelink_put16(rec + 12, s->link.count);
	rec[14] = s->link.failsafe;
	nodelink_put16(rec + 16, s->link.timeout_10ms);
	nodelink_put16(rec + 18, s->link.break_us);
	nodelink_put16(rec + 20, s->link.mab_us);
	nodelink_put32(rec + 22, s->epoch_floor);
	rec[26] = s->has_key;
	memcpy(rec + 28, s->key, NODELINK_KEY_LEN);
	check_of(rec, SET_LEN - 4, rec + SET_LEN - 4);
}

/* Returns the record's sequence number, or 0 when the page holds none. */
static uint32_t get_settings(const uint8_t rec[SET_LEN], struct node_settings *s)
{
	uint8_t check[4];

	if (nodelink_get32(rec) != SET_MAGIC)
		return 0;
	check_of(rec, SET_LEN - 4, check);
	if (memcmp(check, rec + SET_LEN - 4, 4) != 0)
		return 0;
	s->link.universe = nodelink_get16(rec + 8);
	s->link.start = nodelink_get16(rec + 10);
	s->link.count = nodelink_get16(rec + 12);
	s->link.failsafe = rec[14];
	s->link.timeout_10ms = nodelink_get16(rec + 16);
	s->link.break_us = nodelink_get16(rec + 18);
	s->link.mab_us = nodelink_get16(rec + 20);
	s->epoch_floor = nodelink_get32(rec + 22);
	s->has_key = rec[26];
	memcpy(s->key, rec + 28, NODELINK_KEY_LEN);
	/* a record that checks but holds nonsense (an older format) is none */
	if (nodelink_config_check(&s->link, NODELINK_CF_ALL) != 0)
		return 0;
	return nodelink_get32(rec + 4);
}

bool node_store_load(struct node *n)
{
	const struct hal_flash *f = &n->hal->flash;
	uint8_t rec[SET_LEN];
	struct node_settings s;
	bool found = false;

	n->store_page = 1;       /* so that the first save goes to page 0 */
	n->store_seq = 0;
	for (uint8_t page = 0; page < 2 && f->read; page++) {
		uint32_t seq;

		if (f->read(f->ctx, page * f->page_size, rec, SET_LEN) != 0)
			continue;
		seq = get_settings(rec, &s);
		if (seq && (!found || seq > n->store_seq)) {
			n->set = s;
			n->store_seq = seq;
			n->store_page = page;
			found = true;
		}
	}
	return found;
}

int node_store_save(struct node *n)
{
	const struct hal_flash *f = &n->hal->flash;
	uint8_t rec[SET_LEN];
	uint8_t page = (uint8_t)(n->store_page ^ 1);

	if (!f->erase || !f->write)
		return -1;
	put_settings(rec, n->store_seq + 1, &n->set);
	if (f->erase(f->ctx, page) != 0 || f->write(f->ctx, page * f->page_size, rec, SET_LEN) != 0) {
		n->stats.flash_errors++;
		return -1;
	}
	n->store_page = page;
	n->store_seq++;
	return 0;
}

bool node_store_load_scene(struct node *n)
{
	const struct hal_flash *f = &n->hal->flash;
	uint8_t rec[SCENE_LEN], check[4];

	if (!f->read || f->pages <= PAGE_SCENE ||
	    f->read(f->ctx, PAGE_SCENE * f->page_size, rec, SCENE_LEN) != 0 ||
	    nodelink_get32(rec) != SCENE_MAGIC)
		return false;
	check_of(rec, SCENE_LEN - 4, check);
	if (memcmp(check, rec + SCENE_LEN - 4, 4) != 0)
		return false;
	memcpy(n->scene, rec + 8, NODELINK_SLOTS);
	return true;
}

int node_store_save_scene(struct node *n)
{
	const struct hal_flash *f = &n->hal->flash;
	uint8_t rec[SCENE_LEN];

	if (!f->erase || !f->write || f->pages <= PAGE_SCENE)
		return -1;
	memset(rec, 0, sizeof rec);
	nodelink_put32(rec, SCENE_MAGIC);
	memcpy(rec + 8, n->scene, NODELINK_SLOTS);
	check_of(rec, SCENE_LEN - 4, rec + SCENE_LEN - 4);
	if (f->erase(f->ctx, PAGE_SCENE) != 0 ||
	    f->write(f->ctx, PAGE_SCENE * f->page_size, rec, SCENE_LEN) != 0) {
		n->stats.flash_errors++;
		return -1;
	}
	return 0;
}
