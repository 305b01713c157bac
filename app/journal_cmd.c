/*
 * journal_cmd.c - `ghostlight journal SHOW [--clear]`: what a show's resume
 * journal holds (each slot, the newest state by name, whether the next
 * start resumes it and whether the show changed since), read without
 * disturbing a ghostlight that runs the show; --clear forgets it, so the
 * next start begins from the top (refused while the show runs).
 * Main thread.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "journal.h"
#include "outputs/statedir.h"
#include "resume.h"
#include "scripts/sandbox.h"

static void usage(FILE *to)
{
	fprintf(to, "usage: ghostlight journal SHOW [--clear]\n"
		    "  what the show's resume journal holds; --clear forgets it (the next\n"
		    "  start of the show begins from the top)\n");
}

static const char *state_word(uint8_t state)
{
	switch (state) {
	case JOURNAL_LIST_RUNNING: return "running";
	case JOURNAL_LIST_PAUSED: return "paused";
	}
	return "off";
}

/* Names from the journal, printable whatever they hold. */
static const char *safe(const char *text, char *buf, size_t len)
{
	snprintf(buf, len, "%s", text);
	sandbox_escape(buf, len);
	return buf;
}

static void print_state(const struct journal_state *st, const char *show_path)
{
	char when[64], a[GL_NAME_MAX * 4], b[GL_NAME_MAX * 4];
	time_t t = (time_t)(st->written_ns / 1000000000LL);
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(when, sizeof when, "?");
	printf("state: seq %llu, written %s.%03lld, %s\n", (unsigned long long)st->seq, when,
	       (long long)(st->written_ns % 1000000000LL) / 1000000,
	       st->ended ? "the run ended cleanly (the next start begins from the top)"
			 : "the run did not end (the next start resumes it)");
	printf("version: ");
	for (int i = 0; i < 8; i++)
		printf("%02x", st->show_hash[i]);
	struct gl_show *show = NULL;
	char err[1024];
	if (show_path)
		show = gl_show_load(show_path, err, sizeof err);
	if (show) {
		unsigned char now[32];
		gl_resume_show_hash(show, now);
		printf(" (%s)\n", memcmp(now, st->show_hash, sizeof now) == 0
				     ? "the show's files are the same"
				     : "the show's files changed since: it resumes by name");
		gl_show_destroy(show);
	} else {
		printf(" (the show does not load now: %s)\n", err);
	}
	printf("grand_master %.3f\nblackout %s\n", st->grand_master, st->blackout ? "on" : "off");
	for (int i = 0; i < st->list_count; i++) {
		const struct journal_list *l = &st->lists[i];
		printf("list \"%s\" %s", safe(l->name, a, sizeof a), state_word(l->state));
		if (l->state != JOURNAL_LIST_OFF)
			printf(" cue %s from %s%s elapsed %.3f", safe(l->active, a, sizeof a),
			       l->from[0] ? safe(l->from, b, sizeof b) : "-", l->back ? " back" : "",
			       (double)l->elapsed_ns / 1e9);
		printf(" master %.3f\n", l->master);
	}
	for (int i = 0; i < st->fader_count; i++)
		printf("fader %d %.3f\n", (int)st->faders[i].number, st->faders[i].level);
	for (int i = 0; i < st->param_count; i++)
		printf("programmer \"%s\" %s %.3f\n", safe(st->params[i].fixture, a, sizeof a),
		       safe(st->params[i].attr, b, sizeof b), st->params[i].value);
	if (st->skipped)
		printf("(%d records of a newer ghostlight skipped)\n", st->skipped);
}

int gl_cmd_journal(int argc, char **argv)
{
	const char *path = NULL;
	bool clear = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--clear") == 0) {
			clear = true;
		} else {
			int rc = gl_cmd_arg("journal", argv[i], &path, usage);
			if (rc >= 0)
				return rc;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	char real[PATH_MAX], dir[PATH_MAX - 32], err[PATH_MAX + 200];
	if (!realpath(path, real)) {
		fprintf(stderr, "ghostlight journal: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (gl_state_dir(dir, sizeof dir) != 0) {
		fprintf(stderr, "ghostlight journal: no state folder (HOME or GHOSTLIGHT_STATE_DIR "
			"unset)\n");
		return 1;
	}
	strcat(dir, "/resume");
	struct gl_journal *j = clear ? gl_journal_open(dir, real, NULL, err, sizeof err)
				     : gl_journal_peek(dir, real, err, sizeof err);
	if (!j) {
		fprintf(stderr, "ghostlight journal: %s\n", err);
		return 1;
	}
	int rc = 0;
	for (int i = 0; i < 2; i++) {
		uint64_t seq;
		const char *why, *file;
		if (clear) {
			gl_journal_slot(j, i, &seq, &why, &file);
			if (unlink(file) != 0 && errno != ENOENT) {
				fprintf(stderr, "ghostlight journal: %s: %s\n", file, strerror(errno));
				rc = 1;
			}
		} else if (gl_journal_slot(j, i, &seq, &why, &file)) {
			printf("slot %c: seq %llu (%s)\n", 'a' + i, (unsigned long long)seq, file);
		} else {
			printf("slot %c: %s (%s)\n", 'a' + i, why, file);
		}
	}
	if (clear) {
		gl_journal_close(j);
		if (rc == 0)
			printf("journal of %s cleared: its next start begins from the top\n", real);
		return rc;
	}
	char note[400];
	const struct journal_state *st = gl_journal_found(j, note, sizeof note);
	if (note[0])
		printf("note: %s\n", note);
	if (st)
		print_state(st, path);
	else
		printf("state: none (the next start begins from the top)\n");
	gl_journal_close(j);
	return 0;
}
