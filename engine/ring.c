/*
 * ring.c - the lock-free rings and the triple buffer (see ring.h).
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

static atomic_size_t *cell_seq(struct gl_mpsc *r, size_t pos)
{
	return (atomic_size_t *)(r->cells + (pos & r->mask) * r->cell_size);
}

bool gl_mpsc_push(struct gl_mpsc *r, const void *item)
{
	size_t pos = atomic_load_explicit(&r->enqueue_pos, memory_order_relaxed);
	for (;;) {
		atomic_size_t *seq = cell_seq(r, pos);
		size_t s = atomic_load_explicit(seq, memory_order_acquire);
		intptr_t dif = (intptr_t)s - (intptr_t)pos;
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&r->enqueue_pos, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed)) {
				memcpy((unsigned char *)seq + sizeof *seq, item, r->item_size);
				atomic_store_explicit(seq, pos + 1, memory_order_release);
				return true;
			}
		} else if (dif < 0) {
			return false; /* full */
		} else {
			pos = atomic_load_explicit(&r->enqueue_pos, memory_order_relaxed);
		}
	}
}

bool gl_mpsc_pop(struct gl_mpsc *r, void *item)
{
	size_t pos = r->dequeue_pos;
	atomic_size_t *seq = cell_seq(r, pos);
	size_t s = atomic_load_explicit(seq, memory_order_acquire);
	if ((intptr_t)s - (intptr_t)(pos + 1) < 0)
		return false; /* empty */
	memcpy(item, (unsigned char *)seq + sizeof *seq, r->item_size);
	atomic_store_explicit(seq, pos + r->mask + 1, memory_order_release);
	r->dequeue_pos = pos + 1;
	return true;
}

int gl_spsc_init(struct gl_spsc *r, size_t capacity, size_t item_size)
{
	size_t cap = round_pow2(capacity);
	r->mask = cap - 1;
	r->item_size = item_size;
	r->items = calloc(cap, item_size);
	if (!r->items)
		return GL_ENOMEM;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return 0;
}

void gl_spsc_free(struct gl_spsc *r)
{
	free(r->items);
	r->items = NULL;
}

bool gl_spsc_push(struct gl_spsc *r, const void *item)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->mask)
		return false;
	memcpy(r->items + (head & r->mask) * r->item_size, item, r->item_size);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

bool gl_spsc_pop(struct gl_spsc *r, void *item)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (tail == head)
		return false;
	memcpy(item, r->items + (tail & r->mask) * r->item_size, r->item_size);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return true;
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

void *gl_tbuf_back(struct gl_tbuf *t)
{
	return t->buf[t->back];
}

void gl_tbuf_publish(struct gl_tbuf *t)
{
	unsigned prev = atomic_exchange_explicit(&t->middle, t->back | GL_TBUF_FRESH,
						 memory_order_acq_rel);
	t->back = prev & 3u;
}

void *gl_tbuf_read(struct gl_tbuf *t)
{
	if (!(atomic_load_explicit(&t->middle, memory_order_acquire) & GL_TBUF_FRESH))
		return NULL;
	unsigned prev = atomic_exchange_explicit(&t->middle, t->front, memory_order_acq_rel);
	t->front = prev & 3u;
	return t->buf[t->front];
}

void *gl_tbuf_front(struct gl_tbuf *t)
{
	return t->buf[t->front];
}
