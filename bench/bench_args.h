/*
 * bench_args.h - what the benchmark programs share on their command line:
 * a comma-separated list of universe counts. Main thread.
 */
#ifndef GL_BENCH_ARGS_H
#define GL_BENCH_ARGS_H

#include <stdlib.h>
#include <string.h>

/* "1,64,256" into sizes (at most max); returns how many. Cuts text. */
static inline int bench_sizes(char *text, int *sizes, int max)
{
	int n = 0;
	for (char *tok = strtok(text, ","); tok && n < max; tok = strtok(NULL, ","))
		sizes[n++] = atoi(tok);
	return n;
}

#endif
