/*
 * bench_args.h - what the benchmark programs share on their command line:
 * a comma-separated list of universe counts, and the options bench_engine
 * and bench_send both take (--universes, --seconds, --rate). Main thread.
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

/* --universes 1,64,256 (at most 16), --seconds S, --rate HZ; a program
 * sets its defaults before it reads its arguments. */
struct bench_common {
	int sizes[16];
	int n_sizes;
	double seconds, rate;
};

/* When argv[*i] is one of the common options and a value follows it:
 * takes the value into c, moves *i onto it and returns 1. Else 0, nothing
 * changed. Cuts the text of --universes. */
static inline int bench_common_arg(struct bench_common *c, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		return 0;
	if (strcmp(argv[*i], "--universes") == 0)
		c->n_sizes = bench_sizes(argv[*i + 1], c->sizes, 16);
	else if (strcmp(argv[*i], "--seconds") == 0)
		c->seconds = atof(argv[*i + 1]);
	else if (strcmp(argv[*i], "--rate") == 0)
		c->rate = atof(argv[*i + 1]);
	else
		return 0;
	++*i;
	return 1;
}

#endif
