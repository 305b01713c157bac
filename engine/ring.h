/*
 * ring.h - fixed-size lock-free rings between threads.
 *
 * gl_mpsc: many producers (control thread, GUI, remotes) push, one consumer
 * (the engine tick) pops. Bounded, array of cells with sequence numbers
 * (Vyukov's bounded queue); push fails when full rather than wait.
 * gl_spsc: one producer (the tick), one consumer (control thread).
 * Both are sized once (capacity rounded up to a power of two) and never
 * allocate after gl_*_init. The operations are inline: the engine tick's
 * object file contains them, so the build-time check of what the tick
 * calls (tools/check_tick.sh) sees them too.
 */
#ifndef GL_RING_H
#define GL_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct gl_mpsc {
	size_t mask;
	size_t item_size;
	unsigned char *cells;        /* (sizeof seq + item) per cell */
	size_t cell_size;
	_Alignas(64) atomic_size_t enqueue_pos;
	_Alignas(64) size_t dequeue_pos;  /* consumer only */
};

/* Returns 0 or GL_ENOMEM. */
int gl_mpsc_init(struct gl_mpsc *r, size_t capacity, size_t item_size);
void gl_mpsc_free(struct gl_mpsc *r);

static inline atomic_size_t *gl_mpsc_cell(struct gl_mpsc *r, size_t pos)
{
	return (atomic_size_t *)(r->cells + (pos & r->mask) * r->cell_size);
}

/* Any thread. Returns false when full. */
static inline bool gl_mpsc_push(struct gl_mpsc *r, const void *item)
{
	size_t pos = atomic_load_explicit(&r->enqueue_pos, memory_order_relaxed);
	for (;;) {
		atomic_size_t *seq = gl_mpsc_cell(r, pos);
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

/* Consumer thread only. Returns false when empty. */
static inline bool gl_mpsc_pop(struct gl_mpsc *r, void *item)
{
	size_t pos = r->dequeue_pos;
	atomic_size_t *seq = gl_mpsc_cell(r, pos);
	size_t s = atomic_load_explicit(seq, memory_order_acquire);
	if ((intptr_t)s - (intptr_t)(pos + 1) < 0)
		return false; /* empty */
	memcpy(item, (unsigned char *)seq + sizeof *seq, r->item_size);
	atomic_store_explicit(seq, pos + r->mask + 1, memory_order_release);
	r->dequeue_pos = pos + 1;
	return true;
}

struct gl_spsc {
	size_t mask;
	size_t item_size;
	unsigned char *items;
	_Alignas(64) atomic_size_t head;  /* next to write */
	_Alignas(64) atomic_size_t tail;  /* next to read */
};

int gl_spsc_init(struct gl_spsc *r, size_t capacity, size_t item_size);
void gl_spsc_free(struct gl_spsc *r);

static inline bool gl_spsc_push(struct gl_spsc *r, const void *item)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->mask)
		return false;
	memcpy(r->items + (head & r->mask) * r->item_size, item, r->item_size);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

static inline bool gl_spsc_pop(struct gl_spsc *r, void *item)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (tail == head)
		return false;
	memcpy(item, r->items + (tail & r->mask) * r->item_size, r->item_size);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return true;
}

/*
 * gl_tbuf - triple buffer: one writer publishes whole buffers, one reader
 * always gets the newest complete one; neither ever waits. The writer fills
 * gl_tbuf_back() and calls gl_tbuf_publish(); the reader calls
 * gl_tbuf_read(), which returns NULL when nothing new was published.
 */
struct gl_tbuf {
	void *buf[3];
	unsigned back;               /* writer's */
	unsigned front;              /* reader's */
	atomic_uint middle;          /* index | GL_TBUF_FRESH */
};

#define GL_TBUF_FRESH 4u

void gl_tbuf_init(struct gl_tbuf *t, void *b0, void *b1, void *b2);

static inline void *gl_tbuf_back(struct gl_tbuf *t)
{
	return t->buf[t->back];
}

/* The index (0..2) of the writer's buffer, for writers that keep
 * per-buffer bookkeeping. */
static inline unsigned gl_tbuf_back_index(const struct gl_tbuf *t)
{
	return t->back;
}

static inline void gl_tbuf_publish(struct gl_tbuf *t)
{
	unsigned prev = atomic_exchange_explicit(&t->middle, t->back | GL_TBUF_FRESH,
						 memory_order_acq_rel);
	t->back = prev & 3u;
}

static inline void *gl_tbuf_read(struct gl_tbuf *t)
{
	if (!(atomic_load_explicit(&t->middle, memory_order_acquire) & GL_TBUF_FRESH))
		return NULL;
	unsigned prev = atomic_exchange_explicit(&t->middle, t->front, memory_order_acq_rel);
	t->front = prev & 3u;
	return t->buf[t->front];
}

/* The reader's current buffer (last returned by gl_tbuf_read). */
static inline void *gl_tbuf_front(struct gl_tbuf *t)
{
	return t->buf[t->front];
}

#endif
