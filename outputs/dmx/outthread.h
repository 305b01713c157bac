/*
 * outthread.h - the network output thread: takes the newest frame from an
 * engine tap and hands it to every UDP output (sACN, Art-Net), answers
 * their input (ArtPoll) and runs their periodic work (discovery,
 * keep-alive). A slow or failing output only delays its own thread, never
 * the engine.
 *
 * Created and stopped by the control thread; everything else happens on the
 * thread it starts.
 */
#ifndef GL_OUTTHREAD_H
#define GL_OUTTHREAD_H

#include "engine/engine.h"
#include "output.h"

struct gl_outthread;

struct gl_outthread_output {
	const struct gl_output_ops *ops;
	struct gl_output *out;       /* configured; the thread opens and closes it */
	const struct gl_output_config *config;
};

/* Returns NULL on error (message in err). `outputs` is copied. */
struct gl_outthread *gl_outthread_start(struct gl_frame_tap *tap,
					const struct gl_outthread_output *outputs,
					int count, char *err, size_t err_len);
/* Closes every output (sACN sends its stream-terminated packets) and joins. */
void gl_outthread_stop(struct gl_outthread *t);

int gl_outthread_count(const struct gl_outthread *t);
const struct gl_outthread_output *gl_outthread_output(const struct gl_outthread *t, int i);
/* Frames handed to outputs so far (for the status rate). */
uint64_t gl_outthread_frames(const struct gl_outthread *t);

#endif
