/*
 * resume.h - a running show's resume journal, for `play` and the console:
 * at start, the show comes back where it was after a crash or a power cut
 * (as its show { resume = ... } says); while it runs, every change of the
 * engine's live state is journaled (app/journal.h); a clean end is
 * journaled as such, so the next start begins from the top.
 *
 * A crash is a journal that does not say the run ended: SIGKILL, a power
 * cut, a fault, the systemd watchdog. SIGINT/SIGTERM (Ctrl-C, systemctl
 * stop or restart) and --duration end cleanly.
 *
 * Control thread of the program (the engine's one live-state reader):
 * gl_resume_start() before gl_engine_start(), gl_resume_poll() in its loop
 * (after draining the engine's events: the engine makes the event fd
 * readable when its live state changed), gl_resume_end() once the engine
 * has stopped.
 */
#ifndef GL_RESUME_H
#define GL_RESUME_H

#include <stdbool.h>
#include <stddef.h>

#include "scripts/show.h"

/* Journal writes at most this often (a fader dragged on a tablet). */
#define GL_RESUME_WRITE_INTERVAL_NS (100ull * 1000000ull)

struct gl_resume;

/* Takes the place of gl_show_start(): opens the show's journal, and either
 * puts the journaled state back into the engine (the show's load-time
 * commands are then dropped) or starts the show as its file says (after a
 * crash with resume = N: then GOTO that cue); turns on the engine's
 * live-state export. Before gl_engine_start(). note gets one line for the
 * operator and remotes when there is something to say ("resumed after a
 * crash: ..."), "" otherwise. Returns NULL when this run has no journal
 * (note says why: no state folder, another ghostlight runs the show); the
 * show is started either way. */
struct gl_resume *gl_resume_start(struct gl_show *show, char *note, size_t note_len);

/* Journals the live state when it changed. Returns true, with the text in
 * err, when a journal write failed since the last call (once per new
 * error). NULL ok. */
bool gl_resume_poll(struct gl_resume *r, char *err, size_t err_len);

/* The last state journaled, marked as a clean end when `clean`; waits for
 * the write and closes the journal. NULL ok. */
void gl_resume_end(struct gl_resume *r, bool clean);

/* The identity of the show's version: SHA-256 over the show file and every
 * file it was built from (fixture types, required modules). */
void gl_resume_show_hash(struct gl_show *show, unsigned char hash[32]);

#endif
