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
 * A process starved for longer (MAX_LAG_US behind) drops what it could not
 * take in time and its clock jumps, as a radio that was off would.
 *
 * Firmware: with --flash the node's flash is a file (flash_file.c) laid
 * out like a board's: the settings pages, the bootloader's key block, the
 * boot-state log and two image slots. At start the bootloader's choice
 * (fwboot.c, the very code a board's bootloader runs) picks and verifies
 * an image; the process then "runs" it - it reports the image's version,
 * and an image whose body says "selftest=never" never passes its
 * self-test. A reset (FW_BOOT, a failed self-test) re-executes the
 * process: a new boot with nothing kept but the flash.
 *
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
#include "flash_file.h"

#define QCAP 4096
#define AIRTIME_US 290u
/* A process starved of CPU (a loaded host) falls behind the air; once it
 * is this far behind, it catches up to half of it (see the main loop). */
#define MAX_LAG_US 500000u

/* The flash file, in 1 KiB pages: the layout of issue 18's 3-page files
 * first, so old files keep their settings. Slots of 96 KiB: room for the
 * 64 KiB images of the transfer figures (a blue pill's are 24 KiB). */
#define PAGE_SIZE 1024
#define SET_PAGES 3                  /* settings A, settings B, scene */
#define KEY_PAGE 3                   /* the bootloader's key block */
#define LOG_PAGE 4                   /* the boot-state log */
#define SLOT_PAGES 96
#define SLOT_PAGE(s) (5 + (s) * SLOT_PAGES)
#define FLASH_PAGES (5 + 2 * SLOT_PAGES)

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
	/* flash: a file, or memory; its regions */
	struct sim_flash flash;
	struct sim_flash_region r_set, r_slot[2], r_log;
	uint8_t fw_key[FW_ED25519_KEY_LEN];
	bool has_fw_key;
	struct fw_handover handover;
	bool selftest_never;          /* the running image says so */
	uint32_t selftest_us;
	bool reset_requested;
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
	uint64_t heard, dropped_loss, dropped_jam, dropped_tuning, dropped_lag, late, late_max_us;
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

/* ---- firmware: the key block, the factory image, the bootloader ---------------- */

static int read_hex(const char *path, uint8_t *out, int len)
{
	char text[256];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	if (n < (size_t)(2 * len))
		return -1;
	for (int i = 0; i < len; i++) {
		unsigned v;

		if (sscanf(text + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* The key block: written at the first start with --fw-key (the bench's
 * provisioning); from then on the flash's key is the node's, whatever the
 * command line says. */
static int setup_key(struct sim *s, const char *fw_key_file)
{
	uint8_t block[FW_KEYBLOCK_LEN], key[FW_ED25519_KEY_LEN];

	if (sim_flash_read(&s->flash, KEY_PAGE * PAGE_SIZE, block, sizeof block) != 0)
		return -1;
	s->has_fw_key = fw_keyblock_get(block, s->fw_key);
	if (!fw_key_file)
		return 0;
	if (read_hex(fw_key_file, key, FW_ED25519_KEY_LEN) != 0) {
		fprintf(stderr, "gl-node-sim: %s: not a firmware key (64 hex digits)\n", fw_key_file);
		return -1;
	}
	if (s->has_fw_key) {
		if (memcmp(key, s->fw_key, sizeof key) != 0)
			fprintf(stderr, "gl-node-sim: the flash keeps its own firmware key; %s is "
				"not used\n", fw_key_file);
		return 0;
	}
	fw_keyblock_put(block, key);
	if (sim_flash_program(&s->flash, KEY_PAGE * PAGE_SIZE, block, sizeof block) != 0)
		return -1;
	memcpy(s->fw_key, key, sizeof key);
	s->has_fw_key = true;
	return 0;
}

/* --factory IMAGE: what the factory programs into slot A of a node whose
 * slots hold nothing valid (the boot log is left alone: the bootloader
 * finds the image and confirms it). */
static int setup_factory(struct sim *s, const char *path)
{
	static uint8_t img[SLOT_PAGES * PAGE_SIZE];
	struct fw_image_header h;
	uint8_t magic[2][4];
	size_t n;
	FILE *f;

	if (sim_flash_read(&s->flash, SLOT_PAGE(0) * PAGE_SIZE, magic[0], 4) != 0 ||
	    sim_flash_read(&s->flash, SLOT_PAGE(1) * PAGE_SIZE, magic[1], 4) != 0)
		return -1;
	if (memcmp(magic[0], "GLFW", 4) == 0 || memcmp(magic[1], "GLFW", 4) == 0)
		return 0;                    /* programmed before */
	if (!(f = fopen(path, "rbe"))) {
		fprintf(stderr, "gl-node-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(img, 1, sizeof img, f);
	fclose(f);
	if (n < FW_IMAGE_HEADER_LEN || fw_image_header_get(img, &h) != FW_IMG_OK ||
	    fw_image_len(&h) > n) {
		fprintf(stderr, "gl-node-sim: %s: not a firmware image for slot A\n", path);
		return -1;
	}
	if (sim_flash_erase_raw(&s->flash, SLOT_PAGE(0) * PAGE_SIZE, SLOT_PAGES * PAGE_SIZE) != 0)
		return -1;
	return sim_flash_program(&s->flash, SLOT_PAGE(0) * PAGE_SIZE, img, fw_image_len(&h));
}

/* The bootloader: the image to run, and what the image says about its
 * self-test. */
static void run_bootloader(struct sim *s, int id)
{
	struct hal_flash slot[2], log;
	struct fw_boot b = { .slot = { &slot[0], &slot[1] }, .log = &log, .key = s->fw_key,
			     .board = NODELINK_BOARD_SIM };
	int chosen;

	sim_flash_region(&s->r_slot[0], &s->flash, SLOT_PAGE(0) * PAGE_SIZE, PAGE_SIZE, SLOT_PAGES,
			 false, &slot[0]);
	sim_flash_region(&s->r_slot[1], &s->flash, SLOT_PAGE(1) * PAGE_SIZE, PAGE_SIZE, SLOT_PAGES,
			 false, &slot[1]);
	sim_flash_region(&s->r_log, &s->flash, LOG_PAGE * PAGE_SIZE, PAGE_SIZE, 1, true, &log);
	chosen = fw_boot_select(&b, &s->handover);
	if (chosen < 0) {
		fprintf(stderr, "gl-node-sim: node %d: no image verifies: running the built-in "
			"firmware %u.%u, updates go to slot A\n", id, NODE_FW_VERSION >> 8,
			NODE_FW_VERSION & 0xff);
		return;
	}
	{
		char body[257];

		memset(body, 0, sizeof body);
		sim_flash_read(&s->flash, SLOT_PAGE(chosen) * PAGE_SIZE + FW_IMAGE_HEADER_LEN, body,
			       sizeof body - 1);
		s->selftest_never = strstr(body, "selftest=never") != NULL;
	}
	fprintf(stderr, "gl-node-sim: node %d: firmware %u.%u from slot %c%s\n", id,
		s->handover.version >> 8, s->handover.version & 0xff, 'A' + chosen,
		s->handover.trial ? " on trial" : "");
}

static void fw_reset(void *ctx)
{
	struct sim *s = ctx;

	s->reset_requested = true;
	stop_flag = 1;
}

static bool fw_selftest(void *ctx)
{
	struct sim *s = ctx;

	return !s->selftest_never;
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
		"  --flash FILE             persistent flash, %u KiB (default: memory)\n"
		"  --fw-key FILE            the rig's firmware key (64 hex digits, `ghostlight node\n"
		"                           keygen`), kept in flash at the first start\n"
		"  --factory IMAGE          signed image for slot A when no slot holds one\n"
		"  --selftest S             a trial image must pass its self-test within S (20)\n"
		"  --cut-after N            power cut at the Nth flash erase or write (exit %d)\n"
		"  --dmx-log FILE           one line per DMX frame: F at_us break mab counter frags\n"
		"                           fresh state len hex; S at_us when the line goes off\n"
		"  --loss PCT --reorder PCT --jam A-B[,C...] --seed N   trouble on reception\n"
		"  --duration S             end after S seconds (default: SIGTERM)\n"
		"  --stats FILE             counters, written at the end\n", FLASH_PAGES,
		SIM_FLASH_CUT_EXIT);
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
		"dropped_jam=%" PRIu64 "\ndropped_tuning=%" PRIu64 "\ndropped_lag=%" PRIu64 "\n"
		"late=%" PRIu64 "\n"
		"late_max_us=%" PRIu64 "\nfw_version=%u\nfw_slot=%d\nfw_trial=%d\nfw_chunks=%u\n"
		"fw_chunk_dups=%u\nfw_resumes=%u\nfw_resumed_at=%u\n",
		st->rx, st->malformed, st->bad_mac, st->stale, st->foreign, st->data,
		st->copy_b_in_time, st->frames, st->syncs, st->lost, st->commands, st->reports,
		st->reports_acked, st->flash_errors, s->node.fresh, s->node.epoch,
		s->node.set.link.universe, s->node.set.link.start, s->node.set.link.count,
		s->node.set.link.failsafe, s->heard, s->dropped_loss, s->dropped_jam,
		s->dropped_tuning, s->dropped_lag, s->late, s->late_max_us, s->node.fw.version, s->node.fw.slot,
		s->node.fw.trial, st->fw_chunks, st->fw_chunk_dups, st->fw_resumes,
		st->fw_resumed_at);
	fclose(f);
}

struct files {
	const char *flash, *log, *stats, *fw_key, *factory;
};

static int parse_args(int argc, char **argv, struct sim *s, struct node_settings *prov, int *id,
		      struct files *files, double *duration)
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
			files->flash = v;
		else if (strcmp(a, "--dmx-log") == 0)
			files->log = v;
		else if (strcmp(a, "--stats") == 0)
			files->stats = v;
		else if (strcmp(a, "--fw-key") == 0)
			files->fw_key = v;
		else if (strcmp(a, "--factory") == 0)
			files->factory = v;
		else if (strcmp(a, "--selftest") == 0 && num && x > 0 && x <= 3600)
			s->selftest_us = (uint32_t)(x * 1e6);
		else if (strcmp(a, "--cut-after") == 0 && num && x >= 1)
			s->flash.cut_after = (long)x;
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
	if (read_hex(key_file, prov->key, NODELINK_KEY_LEN) != 0) {
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

/* A reset: the process starts again as a board would, with nothing but its
 * flash (and without the power cut it may have been asked for). */
static void restart(int argc, char **argv)
{
	char **args = calloc((size_t)argc + 1, sizeof *args);
	int n = 0;

	for (int i = 0; args && i < argc; i++) {
		if (strcmp(argv[i], "--cut-after") == 0 && i + 1 < argc) {
			i++;
			continue;
		}
		args[n++] = argv[i];
	}
	if (args)
		execv("/proc/self/exe", args);
	fprintf(stderr, "gl-node-sim: cannot restart: %s\n", strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	static struct sim sim;
	struct sim *s = &sim;
	struct node_settings prov;
	struct files files = { 0 };
	double duration = 0;
	int id = 0, one = 1;
	uint64_t end;
	long cut_after;
	struct sigaction sa = { .sa_handler = on_signal };

	node_settings_default(&prov);
	s->air_port = 47000;
	s->rx_fd = -1;
	s->bound_port = -1;
	if (getrandom(&s->rng, sizeof s->rng, 0) != sizeof s->rng)
		s->rng = now_us();
	s->rng |= 1;
	if (parse_args(argc, argv, s, &prov, &id, &files, &duration) != 0)
		return 2;
	s->q = calloc(QCAP, sizeof *s->q);
	s->tx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!s->q || s->tx_fd < 0 ||
	    setsockopt(s->tx_fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0) {
		fprintf(stderr, "gl-node-sim: cannot make a socket: %s\n", strerror(errno));
		return 1;
	}
	if (files.fw_key && !files.flash) {
		fprintf(stderr, "gl-node-sim: --fw-key needs --flash FILE: a restart (into a new "
			"image) keeps nothing but the flash\n");
		return 2;
	}
	cut_after = s->flash.cut_after;
	if (sim_flash_open(&s->flash, files.flash, FLASH_PAGES * PAGE_SIZE) != 0) {
		fprintf(stderr, "gl-node-sim: flash %s: %s\n", files.flash, strerror(errno));
		return 1;
	}
	s->flash.cut_after = cut_after;
	if (setup_key(s, files.fw_key) != 0 || (files.factory && setup_factory(s, files.factory) != 0))
		return 1;
	if (s->has_fw_key)
		run_bootloader(s, id);
	if (files.log && !(s->log = fopen(files.log, "ae"))) {
		fprintf(stderr, "gl-node-sim: %s: %s\n", files.log, strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	s->hal = (struct node_hal){
		.radio = { s, radio_listen, radio_send },
		.dmx = { s, dmx_start, dmx_stop },
		.watchdog = { s, watchdog_kick },
		.rng = { s, rng_next },
		.sensors = { s, NULL, cpu_percent },
	};
	sim_flash_region(&s->r_set, &s->flash, 0, PAGE_SIZE, SET_PAGES, true, &s->hal.flash);
	if (s->has_fw_key) {
		sim_flash_region(&s->r_slot[0], &s->flash, SLOT_PAGE(0) * PAGE_SIZE, PAGE_SIZE,
				 SLOT_PAGES, false, &s->hal.fw.slot[0]);
		sim_flash_region(&s->r_slot[1], &s->flash, SLOT_PAGE(1) * PAGE_SIZE, PAGE_SIZE,
				 SLOT_PAGES, false, &s->hal.fw.slot[1]);
		sim_flash_region(&s->r_log, &s->flash, LOG_PAGE * PAGE_SIZE, PAGE_SIZE, 1, true,
				 &s->hal.fw.log);
		s->hal.fw.key = s->fw_key;
		s->hal.fw.boot = &s->handover;
	}
	s->hal.fw.ctx = s;
	s->hal.fw.reset = fw_reset;
	s->hal.fw.selftest = fw_selftest;
	s->hal.fw.selftest_us = s->selftest_us;
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
		/* Far behind the air (the process was starved): a radio hears
		 * only the present, so what came in too long ago is gone, and
		 * the node's clock jumps (its timers run: superframes end
		 * unheard). Else its reports would name superframes the console
		 * no longer takes, and a starved node would never catch up. */
		if (real > s->vnow + MAX_LAG_US) {
			uint64_t to = real - MAX_LAG_US / 2;
			int k = 0;

			while (k < s->qn && s->q[k].at_us < to)
				k++;
			memmove(s->q, s->q + k, (size_t)(s->qn - k) * sizeof *s->q);
			s->qn -= k;
			s->dropped_lag += (uint64_t)k;
			s->vnow = to;
			node_poll(&s->node, s->vnow);
		}
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
	if (files.stats)
		write_stats(s, files.stats);
	if (s->log)
		fclose(s->log);
	if (s->reset_requested) {
		fprintf(stderr, "gl-node-sim: node %d: reset\n", id);
		sim_flash_close(&s->flash);
		restart(argc, argv);
	}
	fprintf(stderr, "gl-node-sim: node %d: %u frames, %u data, %u bad MAC, %u stale, %u syncs\n",
		id, s->node.stats.frames, s->node.stats.data, s->node.stats.bad_mac,
		s->node.stats.stale, s->node.stats.syncs);
	return 0;
}
