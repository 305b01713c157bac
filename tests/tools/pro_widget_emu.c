/*
 * pro_widget_emu.c - the Enttec DMX USB Pro emulator on a pty (see
 * pro_widget_emu.h). One thread polls the pty master; requests from other
 * threads (unplug, replug, inject) are carried out by that thread, so the
 * master fd is only ever touched there. Invariant: e->master < 0 exactly
 * while unplugged.
 */
#include "pro_widget_emu.h"
#include "out_test.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EMU_KEEP 256
#define EMU_OUT_MAX 65536

enum parse_state { P_HUNT, P_LABEL, P_LEN_LO, P_LEN_HI, P_DATA, P_END };

struct pro_emu {
	char link[512];
	uint32_t serial;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t done;
	bool running;
	bool stall;
	int want_unplug, want_replug;    /* requests for the thread */
	int master;
	/* bytes towards the driver, written by the thread */
	uint8_t out[EMU_OUT_MAX];
	size_t out_len;
	/* parser */
	enum parse_state ps;
	uint8_t label;
	size_t len, got;
	uint8_t data[600];
	/* record */
	struct pro_emu_stats st;
	struct pro_emu_frame *frames;    /* ring of EMU_KEEP */
	uint64_t firmware;
};

static uint64_t emu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Queues a reply frame (lock held). */
static void emu_reply(struct pro_emu *e, uint8_t label, const uint8_t *d, size_t n)
{
	if (e->out_len + n + 5 > sizeof e->out)
		return;
	e->out[e->out_len++] = 0x7E;
	e->out[e->out_len++] = label;
	e->out[e->out_len++] = (uint8_t)(n & 0xff);
	e->out[e->out_len++] = (uint8_t)(n >> 8);
	memcpy(e->out + e->out_len, d, n);
	e->out_len += n;
	e->out[e->out_len++] = 0xE7;
}

static void emu_message(struct pro_emu *e)
{
	uint8_t r[8];

	switch (e->label) {
	case 3:
		e->st.get_params++;
		r[0] = (uint8_t)(e->firmware & 0xff);
		r[1] = (uint8_t)(e->firmware >> 8);
		r[2] = e->st.break_units;
		r[3] = e->st.mab_units;
		r[4] = e->st.rate_hz;
		emu_reply(e, 3, r, 5);
		break;
	case 4:
		e->st.set_params++;
		if (e->len >= 5) {
			e->st.break_units = e->data[2];
			e->st.mab_units = e->data[3];
			e->st.rate_hz = e->data[4];
		}
		break;
	case 6: {
		struct pro_emu_frame *f = &e->frames[e->st.frames % EMU_KEEP];

		if (e->len < 1) {
			e->st.bad_frames++;
			break;
		}
		f->t_ns = emu_now();
		f->start_code = e->data[0];
		f->slot_count = (int)e->len - 1 > 512 ? 512 : (int)e->len - 1;
		memset(f->slots, 0, sizeof f->slots);
		memcpy(f->slots, e->data + 1, (size_t)f->slot_count);
		e->st.frames++;
		break;
	}
	case 8:
		e->st.rx_mode++;
		e->st.rx_on_change = e->len >= 1 ? e->data[0] : -1;
		break;
	case 10:
		e->st.get_serial++;
		for (int i = 0; i < 4; i++)
			r[i] = (uint8_t)(e->serial >> (8 * i));
		emu_reply(e, 10, r, 4);
		break;
	case 14:
		e->st.hw_version++;
		r[0] = 2;
		emu_reply(e, 14, r, 1);
		break;
	default:
		e->st.unknown_labels++;
	}
}

/* A byte-at-a-time parser of its own, as simple as the widget's. */
static void emu_byte(struct pro_emu *e, uint8_t b)
{
	switch (e->ps) {
	case P_HUNT:
		if (b == 0x7E)
			e->ps = P_LABEL;
		break;
	case P_LABEL:
		e->label = b;
		e->ps = P_LEN_LO;
		break;
	case P_LEN_LO:
		e->len = b;
		e->ps = P_LEN_HI;
		break;
	case P_LEN_HI:
		e->len |= (size_t)b << 8;
		e->got = 0;
		if (e->len > 600) {
			e->st.bad_frames++;
			e->ps = P_HUNT;
		} else {
			e->ps = e->len ? P_DATA : P_END;
		}
		break;
	case P_DATA:
		e->data[e->got++] = b;
		if (e->got == e->len)
			e->ps = P_END;
		break;
	case P_END:
		if (b == 0xE7)
			emu_message(e);
		else
			e->st.bad_frames++;
		e->ps = P_HUNT;
		break;
	}
}

static int emu_open_pty(struct pro_emu *e)
{
	struct termios tio;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	char *slave;

	if (m < 0)
		return -1;
	if (grantpt(m) != 0 || unlockpt(m) != 0 || !(slave = ptsname(m))) {
		close(m);
		return -1;
	}
	/* Raw both ways: the widget is binary, no echo, no line editing. */
	if (tcgetattr(m, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(m, TCSANOW, &tio);
	}
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	unlink(e->link);
	if (symlink(slave, e->link) != 0) {
		close(m);
		return -1;
	}
	e->master = m;
	e->ps = P_HUNT;
	e->out_len = 0;
	return 0;
}

static void *emu_main(void *arg)
{
	struct pro_emu *e = arg;
	uint8_t buf[4096];

	pthread_mutex_lock(&e->lock);
	while (e->running) {
		if (e->want_unplug) {
			if (e->master >= 0) {
				close(e->master);
				e->master = -1;
			}
			unlink(e->link);
			e->want_unplug = 0;
			pthread_cond_broadcast(&e->done);
		}
		if (e->want_replug) {
			e->want_replug = e->master < 0 && emu_open_pty(e) == 0 ? 0 : -1;
			pthread_cond_broadcast(&e->done);
		}
		int m = e->master;
		bool stall = e->stall;

		if (m >= 0 && e->out_len && !stall) {
			ssize_t n = write(m, e->out, e->out_len);

			if (n > 0) {
				memmove(e->out, e->out + n, e->out_len - (size_t)n);
				e->out_len -= (size_t)n;
			}
		}
		pthread_mutex_unlock(&e->lock);
		if (m < 0 || stall) {
			out_test_sleep_ms(2);
			pthread_mutex_lock(&e->lock);
			continue;
		}
		struct pollfd p = { .fd = m, .events = POLLIN };
		int rc = poll(&p, 1, 2);
		ssize_t n = 0;

		if (rc > 0 && (p.revents & POLLIN))
			n = read(m, buf, sizeof buf);
		else if (rc > 0)
			out_test_sleep_ms(2);     /* no slave open: POLLHUP, nothing to read */
		pthread_mutex_lock(&e->lock);
		for (ssize_t i = 0; i < n; i++)
			emu_byte(e, buf[i]);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

struct pro_emu *pro_emu_start(const char *link_path, uint32_t serial)
{
	struct pro_emu *e = calloc(1, sizeof *e);

	if (!e || !(e->frames = calloc(EMU_KEEP, sizeof *e->frames))) {
		free(e);
		return NULL;
	}
	snprintf(e->link, sizeof e->link, "%s", link_path);
	e->serial = serial;
	e->firmware = (1 << 8) | 44;   /* firmware 1.44: major in the MSB */
	e->st.break_units = 9;         /* the Pro's factory defaults */
	e->st.mab_units = 1;
	e->st.rate_hz = 40;
	e->st.rx_on_change = -1;
	e->master = -1;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->done, NULL);
	if (emu_open_pty(e) != 0) {
		free(e->frames);
		free(e);
		return NULL;
	}
	e->running = true;
	if (pthread_create(&e->thread, NULL, emu_main, e) != 0) {
		close(e->master);
		unlink(e->link);
		free(e->frames);
		free(e);
		return NULL;
	}
	return e;
}

void pro_emu_stop(struct pro_emu *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	e->running = false;
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->thread, NULL);
	if (e->master >= 0)
		close(e->master);
	unlink(e->link);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->done);
	free(e->frames);
	free(e);
}

const char *pro_emu_path(const struct pro_emu *e)
{
	return e->link;
}

void pro_emu_set_stall(struct pro_emu *e, bool stall)
{
	pthread_mutex_lock(&e->lock);
	e->stall = stall;
	pthread_mutex_unlock(&e->lock);
}

void pro_emu_unplug(struct pro_emu *e)
{
	pthread_mutex_lock(&e->lock);
	e->want_unplug = 1;
	while (e->want_unplug)
		pthread_cond_wait(&e->done, &e->lock);
	pthread_mutex_unlock(&e->lock);
}

int pro_emu_replug(struct pro_emu *e)
{
	int rc;

	pthread_mutex_lock(&e->lock);
	e->want_replug = 1;
	while (e->want_replug == 1)
		pthread_cond_wait(&e->done, &e->lock);
	rc = e->want_replug;
	e->want_replug = 0;
	pthread_mutex_unlock(&e->lock);
	return rc;
}

void pro_emu_inject(struct pro_emu *e, const uint8_t *bytes, size_t len)
{
	pthread_mutex_lock(&e->lock);
	if (e->out_len + len <= sizeof e->out) {
		memcpy(e->out + e->out_len, bytes, len);
		e->out_len += len;
	}
	pthread_mutex_unlock(&e->lock);
}

void pro_emu_send_rx_dmx(struct pro_emu *e, uint8_t status, const uint8_t *slots, int count)
{
	uint8_t d[2 + 512];

	if (count < 0 || count > 512)
		return;
	d[0] = status;
	d[1] = 0x00;
	memcpy(d + 2, slots, (size_t)count);
	pthread_mutex_lock(&e->lock);
	emu_reply(e, 5, d, (size_t)count + 2);
	pthread_mutex_unlock(&e->lock);
}

void pro_emu_stats(struct pro_emu *e, struct pro_emu_stats *out)
{
	pthread_mutex_lock(&e->lock);
	*out = e->st;
	pthread_mutex_unlock(&e->lock);
}

int pro_emu_frame(struct pro_emu *e, int i, struct pro_emu_frame *out)
{
	int rc = -1, n, first;

	pthread_mutex_lock(&e->lock);
	n = e->st.frames;
	first = n > EMU_KEEP ? n - EMU_KEEP : 0;
	if (i < 0)
		i = n + i;
	if (i >= first && i < n) {
		*out = e->frames[i % EMU_KEEP];
		rc = 0;
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

void pro_emu_clear_frames(struct pro_emu *e)
{
	pthread_mutex_lock(&e->lock);
	e->st.frames = 0;
	pthread_mutex_unlock(&e->lock);
}
