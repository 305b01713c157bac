/*
 * tick_check_bad.c - an object shaped like the engine tick (it defines
 * engine_tick_run) that allocates, locks and writes: what
 * tools/check_tick.sh must refuse (CTest tick_symbols_catches). Never
 * linked into anything.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

void engine_tick_run(void *e, unsigned long long now_ns);

/* through a volatile, so an optimising build keeps the malloc/free pair */
void *volatile tick_check_bad_block;

void engine_tick_run(void *e, unsigned long long now_ns)
{
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&m);
	tick_check_bad_block = malloc(16);
	free(tick_check_bad_block);
	ssize_t rc = write(1, e, (size_t)now_ns);
	(void)rc;
	pthread_mutex_unlock(&m);
}
