/*
 * shutdown.h - how `play` ends on SIGINT, SIGTERM and SIGHUP whatever its
 * control thread is doing (loading the show, stuck in a handler that never
 * returns to the Lua VM, or idle in its poll loop).
 *
 * gl_shutdown_start() runs on the main thread before any other thread
 * exists: it gives SIGINT and SIGTERM their default disposition back (a
 * shell starts background jobs with SIGINT ignored), blocks the signals in
 * every thread and starts one thread that waits for them. On a signal that
 * thread asks for a clean stop (the fd below becomes readable, the
 * interrupt hook runs), and if the control thread has not called
 * gl_shutdown_finish() within GL_SHUTDOWN_GRACE_NS it stops the outputs
 * itself (sACN sends its stream-terminated packets) and exits the process.
 * A control thread that has left its loop by then and is ending the show
 * (gl_shutdown_ending) is given until GL_SHUTDOWN_END_NS after the signal:
 * it answered, and what it still does (closing MIDI clients, the journal's
 * last write on a slow disk) is how a clean stop ends.
 * A second signal skips the grace period, unless it is the same signal
 * within GL_SHUTDOWN_ECHO_NS (one request delivered twice, as timeout(1)
 * does). SIGHUP is left alone when it was ignored at start (nohup).
 *
 * Every function but gl_shutdown_start/finish may be called from any thread.
 */
#ifndef GL_SHUTDOWN_H
#define GL_SHUTDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GL_SHUTDOWN_GRACE_NS (500ull * 1000000ull)
#define GL_SHUTDOWN_ECHO_NS (100ull * 1000000ull)
#define GL_SHUTDOWN_END_NS (5000ull * 1000000ull)

struct gl_shutdown;

/* Returns NULL with what went wrong in err. */
struct gl_shutdown *gl_shutdown_start(char *err, size_t err_len);
/* Disarms the deadline, stops and joins the signal thread, frees. After
 * this, nothing of the process is touched by the signal path. NULL ok. */
void gl_shutdown_finish(struct gl_shutdown *sd);

/* Readable (POLLIN) once a stop was asked; never read it. */
int gl_shutdown_fd(const struct gl_shutdown *sd);
/* The signal that asked for the stop, 0 when none did. */
int gl_shutdown_signal(const struct gl_shutdown *sd);

/* What the signal thread calls at once when a signal comes (e.g. to stop
 * running Lua); fn NULL removes it. Set and cleared by the control thread:
 * after set(NULL) returns, fn is not running and will not run. */
void gl_shutdown_set_interrupt(struct gl_shutdown *sd, void (*fn)(void *ud), void *ud);
/* What stops the outputs (and sends their stream-termination): run at most
 * once, by whichever comes first, gl_shutdown_stop_outputs() on the control
 * thread or the deadline on the signal thread. */
void gl_shutdown_set_outputs(struct gl_shutdown *sd, void (*stop)(void *ud), void *ud);
void gl_shutdown_stop_outputs(struct gl_shutdown *sd);
/* The control thread reads the outputs' state (the status screen) only
 * between these two, so the deadline never closes an output under it.
 * hold returns false, holding nothing, once the outputs are stopped. */
bool gl_shutdown_hold_outputs(struct gl_shutdown *sd);
void gl_shutdown_release_outputs(struct gl_shutdown *sd);
/* Words for the exit message if the deadline strikes: what the control
 * thread is doing ("loading the show"). A string literal. */
void gl_shutdown_set_phase(struct gl_shutdown *sd, const char *phase);
/* The control thread has left its loop and is ending the show (the phase
 * "ending the show"): a deadline that has not struck yet moves to
 * GL_SHUTDOWN_END_NS after the signal. */
void gl_shutdown_ending(struct gl_shutdown *sd);

#endif
