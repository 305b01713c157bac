/*
 * ring.c - sizing and freeing the lock-free rings (see ring.h; their
 * operations are inline there, so the engine tick's object file holds them).
 * Loading thread.
 */
#include "ring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gl.h"

static size_t round_pow2(size_t n)
{
	size_t p = 2;
	while (p < n)
		p <<= 1;
	return p;
}

int gl_mpsc_init(struct gl_mpsc *r, size_t capacity, size_t item_size)
{
	size_t cap = round_pow2(capacity);
	r->mask = cap - 1;
	r->item_size = item_size;
	/* keep the payload aligned for any type */
	r->cell_size = (sizeof(atomic_size_t) + item_size + 15) & ~(size_t)15;
	r->cells = aligned_alloc(64, (cap * r->cell_size + 63) & ~(size_t)63);
	if (!r->cells)
		return GL_ENOMEM;
	for (size_t i = 0; i < cap; i++)
		atomic_init((atomic_size_t *)(r->cells + i * r->cell_size), i);
	atomic_init(&r->enqueue_pos, 0);
	r->dequeue_pos = 0;
	return 0;
}

void gl_mpsc_free(struct gl_mpsc *r)
{
	free(r->cells);
	r->cells = NULL;
}

int gl_spsc_init(struct gl_spsc *r, size_t capacity, size_t item_size)
{
	size_t cap = round_pow2(capacity);
	r->mask = cap - 1;
	r->item_size = item_size;
	r->items = malloc(cap * item_size);
	if (!r->items)
		return GL_ENOMEM;
	memset(r->items, 0, cap * item_size);   /* no page faults in the tick */
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return 0;
}

void gl_spsc_free(struct gl_spsc *r)
{
	free(r->items);
	r->items = NULL;
}

void gl_tbuf_init(struct gl_tbuf *t, void *b0, void *b1, void *b2)
{
	t->buf[0] = b0;
	t->buf[1] = b1;
	t->buf[2] = b2;
	t->back = 0;
	atomic_init(&t->middle, 1);
	t->front = 2;
}

