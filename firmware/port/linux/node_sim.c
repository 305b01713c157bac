/*
 * node_sim.c - the linux port: one wireless DMX node as a process. The
 * node's core (firmware/core) runs unchanged on a simulated radio: the
 * air is UDP broadcast on loopback (PROTOCOL.md, "Envelopes"), each packet
 * stamped by its sender with its on-air time, and the radio delivers a
 * packet only if it is tuned to that packet's channel and address at that
 * time - so hopping, sync and copy timing are really exercised. Loss,
 * reordering and jammed channels are injected here, on reception. The DMX
 * line is a log: one line per frame with its BREAK time, BREAK, MAB and
 * bytes. Many nodes run side by side (the link's port is shared with
 * SO_REUSEADDR).
 *
 * Time: the loop is a discrete-event simulation that never runs ahead of
 * CLOCK_MONOTONIC; every event (a packet, a node timer) is handled at its
 * own time, so a process woken late still sees the air as a node would.
 * One thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firmware/core/node.h"

#define QCAP 4096
#define PAGE_SIZE 1024
#define PAGES 3
#define AIRTIME_US 290u

struct queued {
	uint64_t at_us;
	struct nodelink_air air;
};

#define TUNINGS 64

struct sim {
	struct node node;
	struct node_hal hal;
	int air_port;
	int rx_fd, tx_fd;
	int bound_port;
	uint8_t tuned;
	uint32_t address;
	uint64_t vnow;               /* the time the node has been run to */
	/* the radio's last tunings, for a packet that comes in after its air
	 * time: was the radio on its channel then? */
	struct { uint64_t at; uint8_t channel; uint32_t address; } tunings[TUNINGS];
	unsigned tuning_next;
	struct queued *q;
	int qn;
	/* injected trouble */
	unsigned loss_permille, reorder_permille;
	uint8_t jammed[128];
	uint64_t rng;
	/* flash: a file, or memory */
	int flash_fd;
	uint8_t flash_mem[PAGES * PAGE_SIZE];
	/* the line */
	FILE *log;
	bool open;
	uint64_t open_at;
	uint16_t open_break, open_mab, open_len;
	const uint8_t *open_buf;
	const struct hal_dmx_info *open_info;
	uint64_t frames_logged;
	/* cpu */
	uint64_t cpu_wall_us, cpu_used_ns;
	/* counters of what the air did */
	uint64_t heard, dropped_loss, dropped_jam, dropped_tuning, late, late_max_us;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint32_t rnd(struct sim *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)((s->rng * 2685821657736338717ull) >> 32);
}

/* ---- radio ------------------------------------------------------------------ */

static int bind_link(struct sim *s, uint16_t universe)
{
	int port = s->air_port + 1 + universe % 1000, one = 1, fd;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };

	if (port == s->bound_port)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "gl-node-sim: cannot listen on UDP port %d: %s\n", port,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (s->rx_fd >= 0)
		close(s->rx_fd);
	s->rx_fd = fd;
	s->bound_port = port;
	s->qn = 0;                   /* another link's packets are not ours */
	return 0;
}

static void radio_listen(void *ctx, uint8_t channel, uint32_t address)
{
	struct sim *s = ctx;

	s->tuned = channel;
	s->address = address;
	s->tunings[s->tuning_next % TUNINGS].at = s->vnow;
	s->tunings[s->tuning_next % TUNINGS].channel = channel;
	s->tunings[s->tuning_next % TUNINGS].address = address;
	s->tuning_next++;
	/* the universe decides which simulated link we are on */
	if (bind_link(s, s->node.set.link.universe) != 0)
		stop_flag = 1;
}

static int radio_send(void *ctx, uint8_t channel, uint32_t address, const uint8_t *pkt, uint8_t len)
{
	struct sim *s = ctx;
	struct nodelink_air a = { .flags = NODELINK_AIR_UP, .channel = channel, .address = address,
				  .at_ns = (now_us() + AIRTIME_US) * 1000u, .len = len };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->air_port),
				  .sin_addr.s_addr = htonl(0x7fffffffu) };
	uint8_t buf[NODELINK_AIR_MAX];
	int n;

	memcpy(a.pkt, pkt, len);
	n = nodelink_air_encode(buf, sizeof buf, &a);
	if (n < 0 || sendto(s->tx_fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&to,
			    sizeof to) != n)
		return -1;
	return 0;
}

/* Whether the radio listened to channel/address at time `at` (a late
 * packet). Older than the history: no. */
static bool tuned_at(const struct sim *s, uint64_t at, uint8_t channel, uint32_t address)
{
	for (unsigned k = 1; k <= TUNINGS && k <= s->tuning_next; k++) {
		unsigned i = (s->tuning_next - k) % TUNINGS;

		if (s->tunings[i].at <= at)
			return s->tunings[i].channel == channel && s->tunings[i].address == address;
	}
	return false;
}

static void enqueue(struct sim *s, uint64_t at, const struct nodelink_air *a)
{
	int i;

	if (s->qn >= QCAP)
		return;                  /* a flooded receiver drops */
	for (i = s->qn; i > 0 && s->q[i - 1].at_us > at; i--)
		s->q[i] = s->q[i - 1];
	s->q[i].at_us = at;
	s->q[i].air = *a;
	s->qn++;
}

static void read_air(struct sim *s, uint64_t vnow)
{
	uint8_t buf[256];
	struct nodelink_air a;

	for (int k = 0; k < 512; k++) {
		ssize_t n = recv(s->rx_fd, buf, sizeof buf, MSG_DONTWAIT);
		uint64_t at;

		if (n < 0)
			return;
		if (nodelink_air_decode(buf, (size_t)n, &a) != 0 || (a.flags & NODELINK_AIR_UP))
			continue;            /* not for a node, or another node's report */
		if (s->loss_permille && rnd(s) % 1000 < s->loss_permille) {
			s->dropped_loss++;
			continue;
		}
		/* 0: on the air now */
		at = a.at_ns ? a.at_ns / 1000u : vnow;
		/* reordered: it comes after the next one */
		if (s->reorder_permille && rnd(s) % 1000 < s->reorder_permille)
			at += AIRTIME_US + 1;
		enqueue(s, at, &a);
	}
}

/* ---- DMX line: the log ------------------------------------------------------- */

static void close_frame(struct sim *s)
{
	static const char digits[] = "0123456789abcdef";
	char hex[2 * (1 + NODELINK_SLOTS) + 1];

	if (!s->open)
		return;
	s->open = false;
	if (!s->log)
		return;
	for (unsigned i = 0; i < s->open_len; i++) {
		hex[2 * i] = digits[s->open_buf[i] >> 4];
		hex[2 * i + 1] = digits[s->open_buf[i] & 15];
	}
	hex[2 * s->open_len] = '\0';
	fprintf(s->log, "F %" PRIu64 " %u %u %" PRIu32 " %u %u %u %u %s\n", s->open_at,
		s->open_break, s->open_mab, s->open_info->counter, s->open_info->frags,
		s->open_info->fresh, s->open_info->state, s->open_len, hex);
	fflush(s->log);
	s->frames_logged++;
}

static void dmx_start(void *ctx, uint64_t at, uint16_t brk, uint16_t mab, const uint8_t *buf,
		      uint16_t len, const struct hal_dmx_info *info)
{
	struct sim *s = ctx;

	close_frame(s);
	s->open = true;
	s->open_at = at;
	s->open_break = brk;
	s->open_mab = mab;
	s->open_len = len;
	s->open_buf = buf;
	s->open_info = info;
}

static void dmx_stop(void *ctx)
{
	struct sim *s = ctx;

	close_frame(s);
	if (s->log) {
		fprintf(s->log, "S %" PRIu64 "\n", now_us());
		fflush(s->log);
	}
}

/* ---- flash: a file of 3 pages, or memory ---------------------------------------- */

static int flash_erase(void *ctx, uint32_t page)
{
	struct sim *s = ctx;
	uint8_t ff[PAGE_SIZE];

	if (page >= PAGES)
		return -1;
	memset(ff, 0xff, sizeof ff);
	if (s->flash_fd < 0) {
		memcpy(s->flash_mem + page * PAGE_SIZE, ff, PAGE_SIZE);
		return 0;
	}
	return pwrite(s->flash_fd, ff, PAGE_SIZE, (off_t)page * PAGE_SIZE) == PAGE_SIZE &&
	       fdatasync(s->flash_fd) == 0 ? 0 : -1;
}

static int flash_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct sim *s = ctx;

	if (off + len > PAGES * PAGE_SIZE)
		return -1;
	if (s->flash_fd < 0) {
		memcpy(buf, s->flash_mem + off, len);
		return 0;
	}
	return pread(s->flash_fd, buf, len, off) == (ssize_t)len ? 0 : -1;
}

static int flash_write(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	struct sim *s = ctx;
	uint8_t cur[PAGE_SIZE * PAGES];
	const uint8_t *b = buf;

	/* flash only clears bits: what is written is old AND new */
	if (off + len > sizeof cur || flash_read(s, off, cur, len) != 0)
		return -1;
	for (uint32_t i = 0; i < len; i++)
		cur[i] &= b[i];
	if (s->flash_fd < 0) {
		memcpy(s->flash_mem + off, cur, len);
		return 0;
	}
	return pwrite(s->flash_fd, cur, len, off) == (ssize_t)len && fdatasync(s->flash_fd) == 0
	       ? 0 : -1;
}

static int open_flash(struct sim *s, const char *path)
{
	struct stat st;

	memset(s->flash_mem, 0xff, sizeof s->flash_mem);
	s->flash_fd = -1;
	if (!path)
		return 0;
	s->flash_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->flash_fd < 0 || fstat(s->flash_fd, &st) != 0) {
		fprintf(stderr, "gl-node-sim: flash %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (st.st_size < PAGES * PAGE_SIZE &&
	    pwrite(s->flash_fd, s->flash_mem, sizeof s->flash_mem, 0) != (ssize_t)sizeof s->flash_mem) {
		fprintf(stderr, "gl-node-sim: flash %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the rest of the hal ------------------------------------------------------------ */

static void watchdog_kick(void *ctx)
{
	(void)ctx;
	alarm(3);                    /* a loop stuck for 3 s ends the process */
}

static uint32_t rng_next(void *ctx)
{
	return rnd(ctx);
}

static uint8_t cpu_percent(void *ctx)
{
	struct sim *s = ctx;
	struct timespec ts;
	uint64_t used, wall = now_us();
	unsigned pct = 0;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	used = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (s->cpu_wall_us && wall > s->cpu_wall_us)
		pct = (unsigned)((used - s->cpu_used_ns) / 10u / (wall - s->cpu_wall_us));
	s->cpu_wall_us = wall;
	s->cpu_used_ns = used;
	return (uint8_t)(pct > 100 ? 100 : pct);
}

/* ---- command line ------------------------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: gl-node-sim --id N --key-file FILE [options]\n"
		"  --universe U --start S --count C --failsafe hold|zero|scene|off --timeout S\n"
		"  --break US --mab US      settings at first boot (a --flash file keeps them)\n"
		"  --air-port P             the simulated air's base UDP port (47000)\n"
		"  --flash FILE             persistent flash, 3 KiB (default: memory)\n"
		"  --dmx-log FILE           one line per DMX frame: F at_us break mab counter frags\n"
		"                           fresh state len hex; S at_us when the line goes off\n"
		"  --loss PCT --reorder PCT --jam A-B[,C...] --seed N   trouble on reception\n"
		"  --duration S             end after S seconds (default: SIGTERM)\n"
		"  --stats FILE             counters, written at the end\n");
}

static int parse_jam(struct sim *s, const char *text)
{
	char *end;

	while (*text) {
		long a = strtol(text, &end, 10), b = a;

		if (end == text || a < 0 || a > 125)
			return -1;
		if (*end == '-') {
			text = end + 1;
			b = strtol(text, &end, 10);
			if (end == text || b < a || b > 125)
				return -1;
		}
		for (long c = a; c <= b; c++)
			s->jammed[c] = 1;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		text = end;
	}
	return 0;
}

static int read_key_file(const char *path, uint8_t key[NODELINK_KEY_LEN])
{
	char text[80];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	if (n < 2 * NODELINK_KEY_LEN)
		return -1;
	for (int i = 0; i < NODELINK_KEY_LEN; i++) {
		unsigned v;

		if (sscanf(text + 2 * i, "%2x", &v) != 1)
			return -1;
		key[i] = (uint8_t)v;
	}
	return 0;
}

static void write_stats(const struct sim *s, const char *path)
{
	const struct node_stats *st = &s->node.stats;
	FILE *f = fopen(path, "we");

	if (!f)
		return;
	fprintf(f, "rx=%u\nmalformed=%u\nbad_mac=%u\nstale=%u\nforeign=%u\ndata=%u\n"
		"copy_b_in_time=%u\nframes=%u\nsyncs=%u\nlost=%u\ncommands=%u\nreports=%u\n"
		"reports_acked=%u\nflash_errors=%u\nfresh=%d\nepoch=%u\nuniverse=%u\nstart=%u\n"
		"count=%u\nfailsafe=%u\nheard=%" PRIu64 "\ndropped_loss=%" PRIu64 "\n"
		"dropped_jam=%" PRIu64 "\ndropped_tuning=%" PRIu64 "\nlate=%" PRIu64 "\n"
		"late_max_us=%" PRIu64 "\n",
		st->rx, st->malformed, st->bad_mac, st->stale, st->foreign, st->data,
		st->copy_b_in_time, st->frames, st->syncs, st->lost, st->commands, st->reports,
		st->reports_acked, st->flash_errors, s->node.fresh, s->node.epoch,
		s->node.set.link.universe, s->node.set.link.start, s->node.set.link.count,
		s->node.set.link.failsafe, s->heard, s->dropped_loss, s->dropped_jam,
		s->dropped_tuning, s->late, s->late_max_us);
	fclose(f);
}

static int parse_args(int argc, char **argv, struct sim *s, struct node_settings *prov, int *id,
		      const char **flash, const char **log, const char **stats, double *duration)
{
	const char *key_file = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		double x = v ? strtod(v, &end) : 0;
		bool num = v && end != v && *end == '\0';

		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "gl-node-sim: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (strcmp(a, "--id") == 0 && num && x >= 1 && x < NODELINK_NODE_ALL)
			*id = (int)x;
		else if (strcmp(a, "--key-file") == 0)
			key_file = v;
		else if (strcmp(a, "--universe") == 0 && num)
			prov->link.universe = (uint16_t)x;
		else if (strcmp(a, "--start") == 0 && num)
			prov->link.start = (uint16_t)x;
		else if (strcmp(a, "--count") == 0 && num)
			prov->link.count = (uint16_t)x;
		else if (strcmp(a, "--timeout") == 0 && num && x > 0 && x <= 655)
			prov->link.timeout_10ms = (uint16_t)(x * 100 + 0.5);
		else if (strcmp(a, "--break") == 0 && num)
			prov->link.break_us = (uint16_t)x;
		else if (strcmp(a, "--mab") == 0 && num)
			prov->link.mab_us = (uint16_t)x;
		else if (strcmp(a, "--failsafe") == 0 && (strcmp(v, "hold") == 0 || strcmp(v, "zero") == 0 ||
							  strcmp(v, "scene") == 0 || strcmp(v, "off") == 0))
			prov->link.failsafe = (uint8_t)(v[0] == 'h' ? NODELINK_FS_HOLD : v[0] == 'z' ?
					NODELINK_FS_ZERO : v[0] == 's' ? NODELINK_FS_SCENE : NODELINK_FS_OFF);
		else if (strcmp(a, "--air-port") == 0 && num && x >= 1024 && x <= 64000)
			s->air_port = (int)x;
		else if (strcmp(a, "--flash") == 0)
			*flash = v;
		else if (strcmp(a, "--dmx-log") == 0)
			*log = v;
		else if (strcmp(a, "--stats") == 0)
			*stats = v;
		else if (strcmp(a, "--loss") == 0 && num && x >= 0 && x <= 100)
			s->loss_permille = (unsigned)(x * 10 + 0.5);
		else if (strcmp(a, "--reorder") == 0 && num && x >= 0 && x <= 100)
			s->reorder_permille = (unsigned)(x * 10 + 0.5);
		else if (strcmp(a, "--jam") == 0 && parse_jam(s, v) == 0)
			;
		else if (strcmp(a, "--seed") == 0 && num)
			s->rng = (uint64_t)x * 0x9e3779b97f4a7c15ull | 1u;
		else if (strcmp(a, "--duration") == 0 && num && x > 0)
			*duration = x;
		else {
			fprintf(stderr, "gl-node-sim: bad option %s %s\n", a, v);
			usage(stderr);
			return -1;
		}
	}
	if (!*id || !key_file) {
		usage(stderr);
		return -1;
	}
	if (read_key_file(key_file, prov->key) != 0) {
		fprintf(stderr, "gl-node-sim: %s: not a link key (64 hex digits)\n", key_file);
		return -1;
	}
	prov->has_key = 1;
	if (nodelink_config_check(&prov->link, NODELINK_CF_ALL) != 0) {
		fprintf(stderr, "gl-node-sim: universe, start/count, break or MAB out of range\n");
		return -1;
	}
	return 0;
}

/* ---- the loop ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	static struct sim sim;
	struct sim *s = &sim;
	struct node_settings prov;
	const char *flash = NULL, *log = NULL, *stats = NULL;
	double duration = 0;
	int id = 0, one = 1;
	uint64_t end;
	struct sigaction sa = { .sa_handler = on_signal };

	node_settings_default(&prov);
	s->air_port = 47000;
	s->rx_fd = -1;
	s->bound_port = -1;
	if (getrandom(&s->rng, sizeof s->rng, 0) != sizeof s->rng)
		s->rng = now_us();
	s->rng |= 1;
	if (parse_args(argc, argv, s, &prov, &id, &flash, &log, &stats, &duration) != 0)
		return 2;
	s->q = calloc(QCAP, sizeof *s->q);
	s->tx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!s->q || s->tx_fd < 0 ||
	    setsockopt(s->tx_fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0) {
		fprintf(stderr, "gl-node-sim: cannot make a socket: %s\n", strerror(errno));
		return 1;
	}
	if (open_flash(s, flash) != 0)
		return 1;
	if (log && !(s->log = fopen(log, "we"))) {
		fprintf(stderr, "gl-node-sim: %s: %s\n", log, strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	s->hal = (struct node_hal){
		.radio = { s, radio_listen, radio_send },
		.dmx = { s, dmx_start, dmx_stop },
		.flash = { s, PAGE_SIZE, PAGES, flash_erase, flash_write, flash_read },
		.watchdog = { s, watchdog_kick },
		.rng = { s, rng_next },
		.sensors = { s, NULL, cpu_percent },
	};
	s->vnow = now_us();
	end = duration > 0 ? s->vnow + (uint64_t)(duration * 1e6) : UINT64_MAX;
	node_init(&s->node, &s->hal, (uint16_t)id, NODELINK_BOARD_SIM, &prov, s->vnow);
	if (s->rx_fd < 0)
		return 1;
	fprintf(stderr, "gl-node-sim: node %d on universe %u (UDP %d)\n", id,
		s->node.set.link.universe, s->bound_port);

	while (!stop_flag) {
		uint64_t real = now_us(), next;

		if (real >= end)
			break;
		/* what has come in first: a packet with an earlier air time than
		 * the node's next timer must be queued before that timer runs */
		read_air(s, s->vnow);
		next = node_next_us(&s->node);
		if (s->qn && s->q[0].at_us < next)
			next = s->q[0].at_us;
		if (next <= real) {
			/* the earliest event, at its own time */
			if (s->qn && s->q[0].at_us <= next) {
				struct queued p = s->q[0];
				bool tuned;

				memmove(s->q, s->q + 1, (size_t)(--s->qn) * sizeof *s->q);
				if (p.at_us >= s->vnow) {
					s->vnow = p.at_us;
					node_poll(&s->node, s->vnow);
					tuned = p.air.address == s->address && p.air.channel == s->tuned;
				} else {
					/* it reached us after its air time (the sender
					 * was late): the radio had it if it was on its
					 * channel then, and hands it over with that time */
					s->late++;
					if (s->vnow - p.at_us > s->late_max_us)
						s->late_max_us = s->vnow - p.at_us;
					tuned = tuned_at(s, p.at_us, p.air.channel, p.air.address);
				}
				if (!tuned) {
					s->dropped_tuning++;
				} else if (s->jammed[p.air.channel]) {
					s->dropped_jam++;
				} else {
					s->heard++;
					node_rx(&s->node, p.at_us, p.air.pkt, p.air.len, 0);  /* no RSSI in simulation */
				}
			} else {
				s->vnow = next > s->vnow ? next : s->vnow;
				node_poll(&s->node, s->vnow);
			}
			continue;
		}
		{
			uint64_t wait = next - real;
			struct pollfd pfd = { .fd = s->rx_fd, .events = POLLIN };
			struct timespec ts = { (time_t)(wait / 1000000u), (long)(wait % 1000000u) * 1000 };

			if (end - real < wait)
				ts = (struct timespec){ (time_t)((end - real) / 1000000u),
							(long)((end - real) % 1000000u) * 1000 };
			if (ppoll(&pfd, 1, &ts, NULL) > 0)
				read_air(s, s->vnow);
		}
	}
	close_frame(s);
	if (stats)
		write_stats(s, stats);
	if (s->log)
		fclose(s->log);
	fprintf(stderr, "gl-node-sim: node %d: %u frames, %u data, %u bad MAC, %u stale, %u syncs\n",
		id, s->node.stats.frames, s->node.stats.data, s->node.stats.bad_mac,
		s->node.stats.stale, s->node.stats.syncs);
	return 0;
}
