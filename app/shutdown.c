/*
 * shutdown.c - the signal thread of `play` (see shutdown.h).
 *
 * Invariant: the lock guards the hooks, `finished` and `outputs_stopped`;
 * the signal thread calls the interrupt and stop hooks only while holding
 * it (the deadline: or after 250 ms of trying), so a hook that the control
 * thread has cleared (or a finished shutdown) is never called, and the
 * outputs are never closed while the control thread reads them.
 * The deadline path writes its message with write(2), not stdio: the
 * control thread may be stuck holding stderr's lock.
 */
#include "shutdown.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct gl_shutdown {
	pthread_t thread;
	sigset_t set;              /* the signals the thread waits for */
	int efd;                   /* readable once a stop was asked */
	atomic_int signo;
	pthread_mutex_t lock;
	void (*interrupt)(void *ud);
	void *interrupt_ud;
	void (*stop)(void *ud);
	void *stop_ud;
	bool outputs_stopped;
	bool finished;
	const char *phase;
	atomic_bool ending;        /* gl_shutdown_ending() was called */
};

static struct timespec ts_after(struct timespec t, uint64_t ns)
{
	t.tv_sec += (time_t)(ns / 1000000000ull);
	t.tv_nsec += (long)(ns % 1000000000ull);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static void stop_outputs_locked(struct gl_shutdown *sd)
{
	if (sd->stop && !sd->outputs_stopped) {
		sd->outputs_stopped = true;
		sd->stop(sd->stop_ud);
	}
}

/* The deadline (`waited_ns` after the signal) passed, or a second signal
 * came (`again`), and the control thread is still busy: end the streams
 * and the process. Called with the lock held (or after waiting for it long
 * enough). */
static void force_exit(struct gl_shutdown *sd, int sig, bool again, uint64_t waited_ns)
{
	const char *name = sigabbrev_np(sig) ? sigabbrev_np(sig) : "signal";
	char msg[256];
	int n = again ? snprintf(msg, sizeof msg, "ghostlight: %s: asked again while still %s; "
				 "ending the outputs' streams and exiting\n", name,
				 sd->phase ? sd->phase : "busy")
		      : snprintf(msg, sizeof msg, "ghostlight: %s: still %s %.1f s later; ending "
				 "the outputs' streams and exiting\n", name,
				 sd->phase ? sd->phase : "busy", (double)waited_ns / 1e9);
	ssize_t w = write(STDERR_FILENO, msg, n > 0 && (size_t)n < sizeof msg ? (size_t)n : 0);

	if (isatty(STDOUT_FILENO))      /* the status screen hid the cursor */
		w = write(STDOUT_FILENO, "\033[?25h\n", 7);
	(void)w;
	stop_outputs_locked(sd);
	_exit(128 + sig);
}

static void *shutdown_main(void *arg)
{
	struct gl_shutdown *sd = arg;
	siginfo_t si;
	int sig;

	do
		sig = sigwaitinfo(&sd->set, &si);   /* where gl_shutdown_finish cancels */
	while (sig < 0);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	atomic_store(&sd->signo, sig);
	uint64_t one = 1;
	ssize_t w = write(sd->efd, &one, sizeof one);
	(void)w;
	pthread_mutex_lock(&sd->lock);
	if (sd->interrupt && !sd->finished)
		sd->interrupt(sd->interrupt_ud);
	pthread_mutex_unlock(&sd->lock);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);

	/* The grace period, longer once the control thread is ending the
	 * show; a second signal cuts it short. The same signal within
	 * GL_SHUTDOWN_ECHO_NS is the same request delivered twice: timeout(1)
	 * and `kill 0` send it to the process and to its group. */
	struct timespec first, end;
	uint64_t budget_ns = GL_SHUTDOWN_GRACE_NS;
	bool again = false;
	clock_gettime(CLOCK_MONOTONIC, &first);
	end = ts_after(first, budget_ns);
	for (;;) {
		struct timespec now, left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		bool expired = left.tv_sec < 0;
		int next = expired ? -1 : sigtimedwait(&sd->set, &si, &left);

		if (expired || (next < 0 && errno == EAGAIN)) {
			if (budget_ns == GL_SHUTDOWN_END_NS || !atomic_load(&sd->ending))
				break;
			budget_ns = GL_SHUTDOWN_END_NS;
			end = ts_after(first, budget_ns);
			continue;
		}
		if (next < 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		uint64_t since_ns = (uint64_t)(now.tv_sec - first.tv_sec) * 1000000000ull +
				    (uint64_t)now.tv_nsec - (uint64_t)first.tv_nsec;
		if (next != sig || since_ns >= GL_SHUTDOWN_ECHO_NS) {
			again = true;
			break;
		}
	}
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	/* The control thread holds the lock only while it reads the outputs
	 * for the status screen; should that be a write to a terminal that
	 * does not drain (^S), ending the process matters more: stop the
	 * outputs without the lock, then _exit at once. */
	clock_gettime(CLOCK_REALTIME, &end);
	end = ts_after(end, 250000000ull);
	bool locked = pthread_mutex_timedlock(&sd->lock, &end) == 0;
	if (!sd->finished)
		force_exit(sd, sig, again, budget_ns);
	if (locked)
		pthread_mutex_unlock(&sd->lock);
	return NULL;
}

struct gl_shutdown *gl_shutdown_start(char *err, size_t err_len)
{
	struct gl_shutdown *sd = calloc(1, sizeof *sd);
	struct sigaction hup;

	if (!sd) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&sd->lock, NULL);
	sd->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sd->efd < 0) {
		snprintf(err, err_len, "eventfd: %s", strerror(errno));
		free(sd);
		return NULL;
	}
	sigemptyset(&sd->set);
	sigaddset(&sd->set, SIGINT);
	sigaddset(&sd->set, SIGTERM);
	/* nohup's SIGHUP stays ignored: blocked, it would be queued for us */
	if (sigaction(SIGHUP, NULL, &hup) == 0 && hup.sa_handler != SIG_IGN)
		sigaddset(&sd->set, SIGHUP);
	/* A shell starts background jobs with SIGINT (and SIGQUIT) ignored;
	 * `kill -INT` must still stop the show. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* before any other thread starts: every thread inherits the mask and
	 * only the signal thread takes the signals */
	int rc = pthread_sigmask(SIG_BLOCK, &sd->set, NULL);
	if (rc == 0)
		rc = pthread_create(&sd->thread, NULL, shutdown_main, sd);
	if (rc != 0) {
		snprintf(err, err_len, "cannot start the signal thread: %s", strerror(rc));
		close(sd->efd);
		free(sd);
		return NULL;
	}
	pthread_setname_np(sd->thread, "gl-signals");
	return sd;
}

void gl_shutdown_finish(struct gl_shutdown *sd)
{
	if (!sd)
		return;
	pthread_mutex_lock(&sd->lock);
	sd->finished = true;
	pthread_mutex_unlock(&sd->lock);
	pthread_cancel(sd->thread);
	pthread_join(sd->thread, NULL);
	pthread_mutex_destroy(&sd->lock);
	close(sd->efd);
	free(sd);
}

int gl_shutdown_fd(const struct gl_shutdown *sd)
{
	return sd->efd;
}

int gl_shutdown_signal(const struct gl_shutdown *sd)
{
	return atomic_load(&sd->signo);
}

void gl_shutdown_set_interrupt(struct gl_shutdown *sd, void (*fn)(void *ud), void *ud)
{
	pthread_mutex_lock(&sd->lock);
	sd->interrupt = fn;
	sd->interrupt_ud = ud;
	pthread_mutex_unlock(&sd->lock);
}

void gl_shutdown_set_outputs(struct gl_shutdown *sd, void (*stop)(void *ud), void *ud)
{
	pthread_mutex_lock(&sd->lock);
	sd->stop = stop;
	sd->stop_ud = ud;
	sd->outputs_stopped = false;
	pthread_mutex_unlock(&sd->lock);
}

void gl_shutdown_stop_outputs(struct gl_shutdown *sd)
{
	pthread_mutex_lock(&sd->lock);
	stop_outputs_locked(sd);
	pthread_mutex_unlock(&sd->lock);
}

void gl_shutdown_set_phase(struct gl_shutdown *sd, const char *phase)
{
	pthread_mutex_lock(&sd->lock);
	sd->phase = phase;
	pthread_mutex_unlock(&sd->lock);
}

void gl_shutdown_ending(struct gl_shutdown *sd)
{
	gl_shutdown_set_phase(sd, "ending the show");
	atomic_store(&sd->ending, true);
}

bool gl_shutdown_hold_outputs(struct gl_shutdown *sd)
{
	pthread_mutex_lock(&sd->lock);
	if (!sd->outputs_stopped)
		return true;
	pthread_mutex_unlock(&sd->lock);
	return false;
}

void gl_shutdown_release_outputs(struct gl_shutdown *sd)
{
	pthread_mutex_unlock(&sd->lock);
}
