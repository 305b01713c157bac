/*
 * outthread.c - the network output thread (see outthread.h).
 *
 * One poll loop: the tap's eventfd (a new frame), each output's poll_fd,
 * and a timeout from the nearest next_service_ns. Outputs are opened on this
 * thread; an output whose open fails is reported in its status and retried
 * every second, the others run on.
 */
#include "outthread.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OPEN_RETRY_NS (1 * GL_NS_PER_S)

struct slot {
	struct gl_outthread_output o;
	bool open;
	uint64_t next_open_ns;
	uint64_t input_frames;   /* last input reception handed to the engine */
};

struct gl_outthread {
	struct gl_frame_tap *tap;
	struct slot *slots;
	int count;
	pthread_t thread;
	atomic_bool running;
	atomic_uint_fast64_t frames;
};

static void try_open(struct slot *s, uint64_t now)
{
	if (s->open || now < s->next_open_ns)
		return;
	if (s->o.ops->open(s->o.out) == 0)
		s->open = true;
	else
		s->next_open_ns = now + OPEN_RETRY_NS;
}

/* DMX an output received (a widget's input) goes to the engine's input
 * universe when it is new. */
static void forward_input(struct gl_outthread *t, struct slot *s)
{
	uint8_t slots[GL_DMX_SLOTS];
	uint64_t frames = 0;
	int universe = 0;

	if (!s->open || !s->o.ops->input)
		return;
	int n = s->o.ops->input(s->o.out, &universe, slots, &frames);
	if (n < 0 || frames == s->input_frames)
		return;
	s->input_frames = frames;
	gl_tap_input(t->tap, universe, slots, n); /* GL_ENOENT: the show takes no input there */
}

static void *outthread_main(void *arg)
{
	struct gl_outthread *t = arg;
	/* It puts frames on the wire at their send time: a realtime thread
	 * when the process may have one (just under the engine's priority),
	 * so a busy machine does not make the spacing of frames wander. */
	struct sched_param sp = { .sched_priority = 40 };
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	struct pollfd *pfd = calloc((size_t)t->count + 1, sizeof *pfd);
	int *owner = calloc((size_t)t->count + 1, sizeof *owner);
	/* Once frames come steadily, the thread sleeps straight to the next
	 * frame's send time (the last one's + the tick period) and takes the
	 * frame then: one wake-up per frame instead of two (the frame's
	 * arrival, then its send time). Until then, and whenever a frame is
	 * not there at that time, it waits on the tap's eventfd. */
	uint64_t predicted = 0;
	if (!pfd || !owner) {
		free(pfd);
		free(owner);
		return NULL;
	}
	while (atomic_load(&t->running)) {
		uint64_t now = gl_now_ns();
		uint64_t wake = now + 100 * 1000000ull; /* check `running` often */
		int n = 0;
		/* pfd[0] is the tap; fd -1 (ignored by poll) while predicting */
		pfd[n++] = (struct pollfd){ .fd = predicted ? -1 : gl_tap_fd(t->tap), .events = POLLIN };
		if (predicted && predicted < wake)
			wake = predicted;
		for (int i = 0; i < t->count; i++) {
			struct slot *s = &t->slots[i];
			try_open(s, now);
			if (!s->open) {
				if (s->next_open_ns < wake)
					wake = s->next_open_ns;
				continue;
			}
			if (s->o.ops->poll_fd) {
				int fd = s->o.ops->poll_fd(s->o.out);
				if (fd >= 0) {
					owner[n] = i;
					pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
				}
			}
			if (s->o.ops->next_service_ns) {
				uint64_t due = s->o.ops->next_service_ns(s->o.out);
				if (due && due < wake)
					wake = due;
			}
		}
		uint64_t left = wake > now ? wake - now : 0;
		struct timespec timeout = { (time_t)(left / GL_NS_PER_S), (long)(left % GL_NS_PER_S) };
		int rc = ppoll(pfd, (nfds_t)n, &timeout, NULL);
		if (rc < 0 && errno != EINTR)
			break;
		now = gl_now_ns();
		bool frame_time = predicted ? now >= predicted
					    : rc > 0 && (pfd[0].revents & POLLIN);
		if (frame_time) {
			uint64_t count;      /* clears the (non-blocking) eventfd */
			ssize_t got = read(gl_tap_fd(t->tap), &count, sizeof count);
			(void)got;
			const struct gl_frame *fr = gl_tap_read(t->tap);
			if (fr && fr->send_at_ns > now) {
				/* hold it to its send time (a few ms at most) */
				struct timespec ts = { (time_t)(fr->send_at_ns / GL_NS_PER_S),
						       (long)(fr->send_at_ns % GL_NS_PER_S) };
				while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
					;
				now = gl_now_ns();
			}
			if (fr) {
				for (int i = 0; i < t->count; i++)
					if (t->slots[i].open)
						t->slots[i].o.ops->send(t->slots[i].o.out, fr, now);
				atomic_fetch_add(&t->frames, 1);
				/* the engine's period, not the gap since the last
				 * frame we took: after a skipped tick that gap is
				 * several periods */
				predicted = fr->period_ns ? fr->send_at_ns + fr->period_ns : 0;
			} else {
				predicted = 0;    /* late: back to waiting for it */
			}
		}
		for (int k = 1; rc > 0 && k < n; k++)
			if (pfd[k].revents & (POLLIN | POLLERR))
				t->slots[owner[k]].o.ops->service(t->slots[owner[k]].o.out, now);
		for (int i = 0; i < t->count; i++)
			forward_input(t, &t->slots[i]);
		for (int i = 0; i < t->count; i++) {
			struct slot *s = &t->slots[i];
			if (!s->open || !s->o.ops->next_service_ns || !s->o.ops->service)
				continue;
			uint64_t due = s->o.ops->next_service_ns(s->o.out);
			if (due && due <= now)
				s->o.ops->service(s->o.out, now);
		}
	}
	free(pfd);
	free(owner);
	return NULL;
}

struct gl_outthread *gl_outthread_start(struct gl_frame_tap *tap,
					const struct gl_outthread_output *outputs,
					int count, char *err, size_t err_len)
{
	struct gl_outthread *t = calloc(1, sizeof *t);
	if (!t || !(t->slots = calloc((size_t)(count ? count : 1), sizeof *t->slots))) {
		free(t);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	t->tap = tap;
	t->count = count;
	for (int i = 0; i < count; i++)
		t->slots[i].o = outputs[i];
	atomic_init(&t->running, true);
	if (pthread_create(&t->thread, NULL, outthread_main, t) != 0) {
		snprintf(err, err_len, "cannot start the output thread");
		free(t->slots);
		free(t);
		return NULL;
	}
	pthread_setname_np(t->thread, "gl-output");
	return t;
}

void gl_outthread_stop(struct gl_outthread *t)
{
	if (!t)
		return;
	atomic_store(&t->running, false);
	pthread_join(t->thread, NULL);
	for (int i = 0; i < t->count; i++)
		if (t->slots[i].o.ops->close)
			t->slots[i].o.ops->close(t->slots[i].o.out); /* frees, opened or not */
	free(t->slots);
	free(t);
}

int gl_outthread_count(const struct gl_outthread *t)
{
	return t->count;
}

const struct gl_outthread_output *gl_outthread_output(const struct gl_outthread *t, int i)
{
	return &t->slots[i].o;
}

uint64_t gl_outthread_frames(const struct gl_outthread *t)
{
	return atomic_load(&t->frames);
}
