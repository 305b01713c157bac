/*
 * report.c - the seqlock behind gl_report_text (see report.h). The writer
 * is one thread; readers retry while a write is under way, which lasts a
 * few dozen stores, so they never spin for long.
 */
#include "report.h"

#include <stdio.h>
#include <string.h>

enum { WORDS = GL_REPORT_TEXT_MAX / 8 };

static void publish(struct gl_report_text *st, uint64_t now_ns, const char *text)
{
	uint64_t w[WORDS];
	uint32_t seq = atomic_load_explicit(&st->seq, memory_order_relaxed);

	memset(w, 0, sizeof w);
	strncpy((char *)w, text, sizeof w - 1);
	atomic_store_explicit(&st->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (int i = 0; i < WORDS; i++)
		atomic_store_explicit(&st->words[i], w[i], memory_order_relaxed);
	atomic_store_explicit(&st->at_ns, now_ns, memory_order_relaxed);
	atomic_store_explicit(&st->seq, seq + 2, memory_order_release);
}

void gl_report_vset(struct gl_report_text *st, uint64_t now_ns, const char *fmt, va_list ap)
{
	char text[GL_REPORT_TEXT_MAX];

	vsnprintf(text, sizeof text, fmt, ap);
	publish(st, now_ns, text);
}

void gl_report_set(struct gl_report_text *st, uint64_t now_ns, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gl_report_vset(st, now_ns, fmt, ap);
	va_end(ap);
}

void gl_report_clear(struct gl_report_text *st)
{
	publish(st, 0, "");
}

uint64_t gl_report_get(const struct gl_report_text *st, char *buf, size_t len)
{
	uint64_t w[WORDS], at;
	uint32_t before, after;

	do {
		before = atomic_load_explicit(&st->seq, memory_order_acquire);
		for (int i = 0; i < WORDS; i++)
			w[i] = atomic_load_explicit(&st->words[i], memory_order_relaxed);
		at = atomic_load_explicit(&st->at_ns, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		after = atomic_load_explicit(&st->seq, memory_order_relaxed);
	} while ((before & 1) || before != after);
	if (len) {
		((char *)w)[sizeof w - 1] = '\0';
		snprintf(buf, len, "%s", (const char *)w);
	}
	return at;
}
