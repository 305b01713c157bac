/*
 * fuzz_journal.c - libFuzzer target: the resume journal's reader
 * (app/journal_wire.c) on arbitrary bytes, as a torn, corrupt or foreign
 * file hands it. Invariants: a refusal says why and leaves nothing to
 * free; a state it accepts encodes again and reads back the same (the
 * fields both versions know: records of unknown kinds are dropped).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/journal_wire.h"

static void same(const struct journal_state *a, const struct journal_state *b)
{
	if (a->seq != b->seq || a->ended != b->ended || a->written_ns != b->written_ns ||
	    memcmp(a->show_hash, b->show_hash, sizeof a->show_hash) != 0 ||
	    strcmp(a->path, b->path) != 0 || strcmp(a->show_name, b->show_name) != 0 ||
	    a->grand_master != b->grand_master || a->blackout != b->blackout ||
	    a->list_count != b->list_count || a->fader_count != b->fader_count ||
	    a->param_count != b->param_count)
		abort();
	for (int i = 0; i < a->list_count; i++) {
		const struct journal_list *x = &a->lists[i], *y = &b->lists[i];
		if (strcmp(x->name, y->name) || x->state != y->state || strcmp(x->active, y->active) ||
		    strcmp(x->from, y->from) || x->back != y->back || x->go_order != y->go_order ||
		    x->elapsed_ns != y->elapsed_ns || x->master != y->master)
			abort();
	}
	for (int i = 0; i < a->fader_count; i++)
		if (a->faders[i].number != b->faders[i].number ||
		    a->faders[i].level != b->faders[i].level)
			abort();
	for (int i = 0; i < a->param_count; i++)
		if (strcmp(a->params[i].fixture, b->params[i].fixture) ||
		    strcmp(a->params[i].attr, b->params[i].attr) ||
		    a->params[i].value != b->params[i].value)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_state st, again;
	char why[200] = "";
	if (journal_decode(data, size, &st, why, sizeof why) != 0) {
		if (!why[0] || st.lists || st.faders || st.params)
			abort();
		return 0;
	}
	uint8_t *img;
	size_t len;
	if (journal_encode(&st, &img, &len) != 0)
		abort();
	if (journal_decode(img, len, &again, why, sizeof why) != 0) {
		fprintf(stderr, "fuzz_journal: its own image refused: %s\n", why);
		abort();
	}
	same(&st, &again);
	journal_state_free(&again);
	journal_state_free(&st);
	free(img);
	return 0;
}
