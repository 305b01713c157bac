/*
 * report.h - what an adapter tells the rest of the program about itself
 * (counters, the last error), published from its own thread and read by
 * any other without a lock or a data race.
 *
 * One writer per status (the thread that owns the adapter); any number of
 * readers. The text is a seqlock over words that are each atomic, so a
 * reader sees either the old or the new message whole, never a mix, and
 * ThreadSanitizer sees no race; the writer never waits. Counters are
 * relaxed atomics that only their writer increments.
 */
#ifndef GL_REPORT_H
#define GL_REPORT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define GL_REPORT_TEXT_MAX 160       /* bytes, with the terminating NUL */

struct gl_report_text {
	_Atomic uint32_t seq;            /* odd while the writer is inside */
	_Atomic uint64_t at_ns;          /* when it was set; 0 never */
	_Atomic uint64_t words[GL_REPORT_TEXT_MAX / 8];
};

/* Writer: sets the text (formatted, cut to fit) and its time. */
void gl_report_set(struct gl_report_text *st, uint64_t now_ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void gl_report_vset(struct gl_report_text *st, uint64_t now_ns, const char *fmt, va_list ap);
void gl_report_clear(struct gl_report_text *st);

/* Any thread: copies the text into buf ("" when none) and returns the time
 * it was set (0 when never). */
uint64_t gl_report_get(const struct gl_report_text *st, char *buf, size_t len);

/* The text alone, for one-off readers and tests:
 * strstr(GL_REPORT_TEXT(&st->error), "stalled"). */
#define GL_REPORT_TEXT(st) \
	gl_report_text((st), (char[GL_REPORT_TEXT_MAX]){ 0 }, GL_REPORT_TEXT_MAX)

static inline const char *gl_report_text(const struct gl_report_text *st, char *buf, size_t len)
{
	gl_report_get(st, buf, len);
	return buf;
}

/* A counter only its writer changes: no read-modify-write needed. */
static inline void gl_count(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline uint64_t gl_counter(const _Atomic uint64_t *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

#endif
