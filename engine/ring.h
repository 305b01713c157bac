/*
 * ring.h - fixed-size lock-free rings between threads.
 *
 * gl_mpsc: many producers (control thread, GUI, remotes) push, one consumer
 * (the engine tick) pops. Bounded, array of cells with sequence numbers
 * (Vyukov's bounded queue); push fails when full rather than wait.
 * gl_spsc: one producer (the tick), one consumer (control thread).
 * Both are sized once (capacity rounded up to a power of two) and never
 * allocate after gl_*_init.
 */
#ifndef GL_RING_H
#define GL_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

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
/* Any thread. Returns false when full. */
bool gl_mpsc_push(struct gl_mpsc *r, const void *item);
/* Consumer thread only. Returns false when empty. */
bool gl_mpsc_pop(struct gl_mpsc *r, void *item);

struct gl_spsc {
	size_t mask;
	size_t item_size;
	unsigned char *items;
	_Alignas(64) atomic_size_t head;  /* next to write */
	_Alignas(64) atomic_size_t tail;  /* next to read */
};

int gl_spsc_init(struct gl_spsc *r, size_t capacity, size_t item_size);
void gl_spsc_free(struct gl_spsc *r);
bool gl_spsc_push(struct gl_spsc *r, const void *item);
bool gl_spsc_pop(struct gl_spsc *r, void *item);

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
void *gl_tbuf_back(struct gl_tbuf *t);
void gl_tbuf_publish(struct gl_tbuf *t);
void *gl_tbuf_read(struct gl_tbuf *t);
/* The reader's current buffer (last returned by gl_tbuf_read). */
void *gl_tbuf_front(struct gl_tbuf *t);

#endif
