/*
 * thread.c - the ways into and out of a running engine, and the engine
 * thread itself.
 *
 * In: gl_engine_command() (any thread; a lock-free ring). Out: frame taps
 * (triple buffers, one reader each), the state snapshot (one reader), the
 * event ring (the control thread), each with an eventfd for poll loops.
 * The tick (tick.c) fills them without a system call; gl_engine_tick()
 * here runs it and then wakes the readers. The engine thread runs the tick
 * on an absolute monotonic schedule, as a realtime thread when the process
 * may have one.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "effects.h"
#include "engine_internal.h"

#define ENGINE_FIFO_PRIORITY 50

/* ---- commands and events ------------------------------------------------- */

int gl_engine_command(struct gl_engine *e, const struct gl_cmd *cmd)
{
	switch (cmd->type) {
	case GL_CMD_GO:
	case GL_CMD_BACK:
	case GL_CMD_LIST_MASTER:
		if (cmd->list < 0 || cmd->list >= e->list_count)
			return GL_EINVAL;
		break;
	case GL_CMD_GOTO:
	case GL_CMD_STANDBY:
		if (cmd->list < 0 || cmd->list >= e->list_count ||
		    cmd->index < (cmd->type == GL_CMD_STANDBY ? -1 : 0) ||
		    cmd->index >= atomic_load_explicit(&e->lists[cmd->list].view_count,
						       memory_order_relaxed))
			return GL_EINVAL;
		break;
	case GL_CMD_STOP:
	case GL_CMD_PAUSE:
	case GL_CMD_RESUME:
		if (cmd->list >= e->list_count)
			return GL_EINVAL;
		break;
	case GL_CMD_FADER: {
		bool found = false;
		for (int i = 0; i < e->fader_count; i++)
			found |= e->faders[i].number == cmd->index;
		if (!found)
			return GL_EINVAL;
		break;
	}
	case GL_CMD_GRAND_MASTER:
	case GL_CMD_BLACKOUT:
		break;
	case GL_CMD_SET_PARAM:
		if (cmd->index < 0 || cmd->index >= e->param_count)
			return GL_EINVAL;
		if (!(cmd->value >= 0.0f && cmd->value <= 1.0f))
			return GL_ERANGE;
		break;
	case GL_CMD_CLEAR_PARAM:
		if (cmd->index >= e->param_count)
			return GL_EINVAL;
		break;
	default: {   /* effects and timecode (effects_build.c) */
		int rc = engine_fx_validate(e, cmd);
		if (rc < 0)
			return rc;
		break;
	}
	}
	if ((cmd->type == GL_CMD_FADER || cmd->type == GL_CMD_LIST_MASTER ||
	     cmd->type == GL_CMD_GRAND_MASTER) &&
	    !(cmd->value >= 0.0f && cmd->value <= 1.0f))
		return GL_ERANGE;
	if (!gl_mpsc_push(&e->commands, cmd)) {
		atomic_fetch_add_explicit(&e->commands_dropped, 1, memory_order_relaxed);
		return GL_EFULL;
	}
	return 0;
}

int gl_engine_event_fd(const struct gl_engine *e)
{
	return e->event_fd;
}

bool gl_engine_next_event(struct gl_engine *e, struct gl_event *ev)
{
	if (!gl_spsc_pop(&e->events, ev))
		return false;
	if (ev->type == GL_EV_CUES_REPLACED)
		engine_edit_acked(e, ev->list);
	return true;
}

/* ---- the tick and its wake-ups -------------------------------------------- */

/* Non-blocking eventfds: a write never waits (a full counter is impossible
 * in practice and harmless). */
static void wake(int fd)
{
	uint64_t one = 1;
	ssize_t rc = write(fd, &one, sizeof one);
	(void)rc;
}

static void wake_readers(struct gl_engine *e)
{
	for (int t = 0; t < e->tap_count; t++)
		wake(e->taps[t]->ready_fd);
	if (e->events_pushed) {
		e->events_pushed = false;
		wake(e->event_fd);
	}
}

void gl_engine_tick(struct gl_engine *e, uint64_t now_ns)
{
	engine_tick_run(e, now_ns);
	wake_readers(e);
}

const uint8_t *gl_engine_dmx(const struct gl_engine *e, int u)
{
	return e->dmx + (size_t)u * GL_DMX_SLOTS;
}

float gl_engine_param_value(const struct gl_engine *e, int param)
{
	return e->out[e->param_lane[param]];
}

/* ---- frame taps ------------------------------------------------------------ */

static void tap_free(struct gl_frame_tap *tap)
{
	if (!tap)
		return;
	for (int i = 0; i < 3; i++)
		free(tap->frames[i].dmx);
	if (tap->ready_fd >= 0)
		close(tap->ready_fd);
	free(tap);
}

struct gl_frame_tap *gl_engine_add_tap(struct gl_engine *e)
{
	if (!e->finalized || e->thread_started || e->tap_count == GL_MAX_TAPS)
		return NULL;
	struct gl_frame_tap *tap = calloc(1, sizeof *tap);
	if (!tap)
		return NULL;
	tap->engine = e;
	tap->ready_fd = -1;
	size_t bytes = (size_t)(e->universe_count ? e->universe_count : 1) * GL_DMX_SLOTS;
	for (int i = 0; i < 3; i++) {
		tap->frames[i].universe_count = e->universe_count;
		tap->frames[i].numbers = e->universes;
		tap->frames[i].dmx = malloc(bytes);
		if (!tap->frames[i].dmx) {
			tap_free(tap);
			return NULL;
		}
		memset(tap->frames[i].dmx, 0, bytes);   /* faulted in now, not in a tick */
	}
	tap->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (tap->ready_fd < 0) {
		tap_free(tap);
		return NULL;
	}
	gl_tbuf_init(&tap->tb, &tap->frames[0], &tap->frames[1], &tap->frames[2]);
	e->taps[e->tap_count++] = tap;
	return tap;
}

void engine_taps_free(struct gl_engine *e)
{
	for (int t = 0; t < e->tap_count; t++)
		tap_free(e->taps[t]);
	e->tap_count = 0;
	for (int t = 0; t < e->snap_tap_count; t++) {
		free(e->snap_taps[t]->bufs);
		free(e->snap_taps[t]);
	}
	e->snap_tap_count = 0;
}

const struct gl_frame *gl_tap_read(struct gl_frame_tap *tap)
{
	return gl_tbuf_read(&tap->tb);
}

int gl_tap_fd(const struct gl_frame_tap *tap)
{
	return tap->ready_fd;
}

bool gl_tap_wait(struct gl_frame_tap *tap, uint64_t timeout_ns)
{
	struct pollfd pfd = { .fd = tap->ready_fd, .events = POLLIN };
	int rc;
	while ((rc = poll(&pfd, 1, (int)(timeout_ns / 1000000))) < 0 && errno == EINTR)
		;
	if (rc <= 0)
		return false;
	uint64_t count;
	/* reading resets the counter: only the newest frame counts */
	return read(tap->ready_fd, &count, sizeof count) == sizeof count;
}

int gl_tap_input(struct gl_frame_tap *tap, int number, const uint8_t *slots, int count)
{
	struct gl_engine *e = tap->engine;
	for (int i = 0; i < e->input_count; i++) {
		struct input *in = e->inputs[i];
		if (in->number != number)
			continue;
		/* one writer per triple buffer: the first tap to write owns it
		 * (two devices feeding one input universe is a show mistake) */
		struct gl_frame_tap *owner = NULL;
		if (!atomic_compare_exchange_strong(&in->writer, &owner, tap) && owner != tap)
			return GL_EEXIST;
		struct input_frame *f = gl_tbuf_back(&in->tb);
		f->count = count < 0 ? 0 : count > GL_DMX_SLOTS ? GL_DMX_SLOTS : count;
		if (f->count)
			memcpy(f->slots, slots, (size_t)f->count);
		gl_tbuf_publish(&in->tb);
		return 0;
	}
	return GL_ENOENT;
}

/* ---- snapshot ------------------------------------------------------------- */

/* The newest of a snapshot triple buffer into *out (see engine.h). */
static void snapshot_copy(struct gl_tbuf *tb, struct gl_snapshot *out)
{
	struct gl_snapshot *s = gl_tbuf_read(tb);
	if (!s)
		s = gl_tbuf_front(tb);
	struct gl_list_status *lists = out->lists;
	float *levels = out->fader_levels;
	*out = *s;
	out->lists = lists;
	out->fader_levels = levels;
	const struct gl_list_status *ls = (const struct gl_list_status *)(s + 1);
	if (lists)
		memcpy(lists, ls, (size_t)s->list_count * sizeof *ls);
	if (levels)
		memcpy(levels, ls + s->list_count, (size_t)s->fader_count * sizeof *levels);
}

int gl_engine_snapshot(struct gl_engine *e, struct gl_snapshot *out)
{
	if (!atomic_load_explicit(&e->snap_ready, memory_order_acquire))
		return GL_EAGAIN;
	snapshot_copy(&e->snap_tb, out);
	return 0;
}

struct gl_snapshot_tap *gl_engine_add_snapshot_tap(struct gl_engine *e)
{
	if (!e->finalized || e->thread_started || e->snap_tap_count == GL_MAX_SNAPSHOT_TAPS)
		return NULL;
	struct gl_snapshot_tap *tap = calloc(1, sizeof *tap);
	/* each buffer on a cache line of its own, as in the plan */
	size_t stride = (e->snap_size + 63) & ~(size_t)63;
	char *bufs = tap ? aligned_alloc(64, 3 * stride) : NULL;
	if (!bufs) {
		free(tap);
		return NULL;
	}
	memset(bufs, 0, 3 * stride);   /* faulted in now, not in a tick */
	tap->bufs = bufs;
	gl_tbuf_init(&tap->tb, bufs, bufs + stride, bufs + 2 * stride);
	e->snap_taps[e->snap_tap_count++] = tap;
	return tap;
}

int gl_snapshot_tap_read(struct gl_snapshot_tap *tap, struct gl_snapshot *out)
{
	if (!atomic_load_explicit(&tap->ready, memory_order_acquire))
		return GL_EAGAIN;
	snapshot_copy(&tap->tb, out);
	return 0;
}

void gl_sched_text(const struct gl_snapshot *s, char *buf, size_t len)
{
	char fifo[128], mem[160];
	if (!s->sched_started) {
		snprintf(buf, len, "no engine thread (ticks driven by the caller)");
		return;
	}
	if (s->sched_fifo)
		snprintf(fifo, sizeof fifo, "SCHED_FIFO %d", s->sched_priority);
	else
		snprintf(fifo, sizeof fifo, "normal scheduling (SCHED_FIFO refused: %s; "
			 "needs CAP_SYS_NICE or an rtprio limit, e.g. LimitRTPRIO=%d)",
			 strerror(s->sched_errno), ENGINE_FIFO_PRIORITY);
	if (!s->memory_lock_requested)
		snprintf(mem, sizeof mem, "memory not locked (not asked)");
	else if (s->memory_locked)
		snprintf(mem, sizeof mem, "memory locked");
	else if (s->memory_lock_limit)
		snprintf(mem, sizeof mem, "memory not locked (RLIMIT_MEMLOCK is %llu KiB; "
			 "needs CAP_IPC_LOCK or LimitMEMLOCK=infinity)",
			 (unsigned long long)(s->memory_lock_limit / 1024));
	else
		snprintf(mem, sizeof mem, "memory not locked (%s)", strerror(s->memory_lock_errno));
	snprintf(buf, len, "%s, %s", fifo, mem);
}

/* ---- the engine thread ------------------------------------------------------ */

void gl_engine_lock_memory(struct gl_engine *e, bool on)
{
	e->lock_memory = on;
}

/* Whether this process holds CAP_IPC_LOCK (locking past RLIMIT_MEMLOCK):
 * bit 14 of CapEff in /proc/self/status. */
static bool may_lock_any_amount(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	bool yes = false;
	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		unsigned long long caps;
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			yes = (caps >> 14) & 1;
			break;
		}
	}
	fclose(f);
	return yes;
}

/* Memory locking, when asked for: only when nothing limits it. Locking
 * everything under a finite RLIMIT_MEMLOCK would make the process's later
 * allocations fail once the limit is reached, so then it is reported
 * instead. MCL_ONFAULT locks pages as they are touched, so thread stacks
 * and reserved heap do not all become resident at once. Sanitizer builds
 * reserve terabytes of shadow memory: never there. */
static void lock_memory(struct engine_sched *sc)
{
	struct rlimit rl;
	sc->lock_requested = true;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	sc->lock_errno = ENOTSUP;
	return;
#endif
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    !may_lock_any_amount()) {
		sc->lock_errno = EPERM;
		sc->memlock_limit = (uint64_t)rl.rlim_cur;
		return;
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0)
		sc->memory_locked = true;
	else
		sc->lock_errno = errno;
}

/* Realtime scheduling and memory locking, tried quietly: what came of it
 * is in the snapshot (gl_sched_text()). */
static void become_realtime(struct gl_engine *e)
{
	struct engine_sched *sc = &e->sched;
	struct sched_param sp = { .sched_priority = ENGINE_FIFO_PRIORITY };
	int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	sc->started = true;
	sc->fifo = rc == 0;
	sc->priority = rc == 0 ? ENGINE_FIFO_PRIORITY : 0;
	sc->fifo_errno = rc;
	if (e->lock_memory)
		lock_memory(sc);
}

static void timespec_from_ns(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec = (time_t)(ns / GL_NS_PER_S);
	ts->tv_nsec = (long)(ns % GL_NS_PER_S);
}

/* A frame published after its send time goes out late by however long
 * the tick took, and the spacing on the wire follows the tick's jitter.
 * So when a tick ends (took_ns after its scheduled instant) within a
 * millisecond of its frame's send time, frames leave later from then on:
 * 2 ms after the end of such a tick, up to half a period. The delay never
 * shrinks (each change moves every frame once). A delay of 0 asked for
 * frames as soon as they are made, and stays so. */
static void grow_output_delay(struct gl_engine *e, uint64_t took_ns)
{
	const uint64_t ms = 1000000;
	uint64_t limit = e->period_ns / 2;
	if (!e->output_delay_ns || took_ns + ms <= e->output_delay_ns ||
	    e->output_delay_ns >= limit)
		return;
	e->output_delay_ns = took_ns + 2 * ms < limit ? took_ns + 2 * ms : limit;
}

static void *engine_thread(void *arg)
{
	struct gl_engine *e = arg;
	uint64_t period = e->period_ns;
	become_realtime(e);
	uint64_t next = gl_now_ns();
	while (atomic_load_explicit(&e->running, memory_order_acquire)) {
		struct timespec ts;
		timespec_from_ns(&ts, next);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		uint64_t start = gl_now_ns();
		/* values for the scheduled instant: frames sample the show on an
		 * even grid however late the thread woke */
		engine_tick_run(e, next);
		uint64_t end = gl_now_ns();
		e->tick_ns_last = end - start;
		if (e->tick_ns_last > e->tick_ns_max)
			e->tick_ns_max = e->tick_ns_last;
		if (start > next + period)
			e->ticks_late++;
		grow_output_delay(e, end - next);
		next += period;
		if (end >= next) {
			/* Overran: skip the missed periods instead of bursting
			 * to catch up; the schedule keeps its phase. */
			uint64_t missed = (end - next) / period + 1;
			next += missed * period;
			e->ticks_skipped += missed;
			engine_emit(e, GL_EV_TICK_LATE, -1, -1, (int)missed, end);
		}
		wake_readers(e);
	}
	return NULL;
}

int gl_engine_start(struct gl_engine *e)
{
	if (!e->finalized || e->thread_started)
		return GL_ESTATE;
	atomic_store(&e->running, true);
	if (pthread_create(&e->thread, NULL, engine_thread, e) != 0) {
		atomic_store(&e->running, false);
		return GL_EIO;
	}
	pthread_setname_np(e->thread, "gl-engine");   /* for top, perf, gdb */
	e->thread_started = true;
	return 0;
}

void gl_engine_stop(struct gl_engine *e)
{
	if (!e->thread_started)
		return;
	atomic_store(&e->running, false);
	pthread_join(e->thread, NULL);
	e->thread_started = false;
}
