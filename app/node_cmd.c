/*
 * node_cmd.c - `ghostlight node list`, `node config` and `node flash`: the
 * wireless DMX nodes a running show hears on its back-channel, with their
 * status; setting a node's universe, start address, failsafe and DMX
 * timing; updating nodes' firmware (a progress bar per node, then a
 * summary). Each running `nodes` output answers on a control socket in the
 * state directory (outputs/dmx/nodelink/nodelink.c); this talks to every
 * one it finds. `node keygen` and `node sign` are in node_sign.c. Main
 * thread; the only state is what the sockets say.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "app.h"
#include "firmware/core/fwimage.h"
#include "node_sign.h"
#include "outputs/dmx/nodelink/nodelink_fw.h"
#include "outputs/dmx/nodelink/nodelink_wire.h"
#include "outputs/statedir.h"

#define MAX_OUTPUTS 32
#define MAX_ROWS 1024
#define REPLY_MAX 65536

struct row {
	char output[64];             /* the output's name, from its socket */
	char sock[PATH_MAX];
	char line[1024];             /* "node U ID key=value ..." */
	unsigned universe, id;
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: ghostlight node list [--wait S]\n"
		"       ghostlight node config NODE [--universe U] [--start S] [--count C]\n"
		"                   [--failsafe hold|zero|scene|off] [--timeout S] [--break US] [--mab US]\n"
		"       ghostlight node flash NODE[,NODE...]|all IMAGE [--timeout S]\n"
		"       ghostlight node keygen [--key FILE] [--force]\n"
		"       ghostlight node sign --board B --version X.Y [--key FILE] -o OUT BODY...\n"
		"  list    the nodes every running show hears, with their status (--wait: until\n"
		"          at least one is heard, at most S seconds)\n"
		"  config  changes a node's settings over the air; it answers, then keeps them\n"
		"  flash   updates nodes' firmware over the air from a signed image, all at once\n"
		"  keygen  makes the rig's firmware key; sign: signs a firmware image with it\n");
}

/* One request to a control socket (text, and `data` after it when not
 * NULL), one reply (text). Returns the reply's length or -1 (no show
 * behind the socket, or the request too big for it: errno EMSGSIZE). */
static int request_data(const char *path, const char *req, const void *data, size_t data_len,
			char *reply, size_t cap)
{
	struct sockaddr_un to = { .sun_family = AF_UNIX }, me = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct iovec iov[2] = { { (void *)req, strlen(req) }, { (void *)data, data_len } };
	struct msghdr msg = { .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = iov,
			      .msg_iovlen = data ? 2 : 1 };
	struct pollfd pfd;
	ssize_t n = -1;

	if (fd < 0 || strlen(path) >= sizeof to.sun_path)
		goto out;
	memcpy(to.sun_path, path, strlen(path) + 1);
	if (data) {
		/* an image bundle is one datagram: room for it (the kernel's
		 * limit for those who may not raise it: about 200 KiB) */
		int size = (int)(strlen(req) + data_len + 4096);

		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	}
	/* an address of our own (Linux autobind), so the show can answer */
	if (bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)) != 0 ||
	    sendmsg(fd, &msg, 0) < 0)
		goto out;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 1000) == 1)
		n = recv(fd, reply, cap - 1, 0);
out:
	if (fd >= 0) {
		int err = errno;

		close(fd);
		errno = err;
	}
	if (n < 0)
		return -1;
	reply[n] = '\0';
	return (int)n;
}

static int request(const char *path, const char *req, char *reply, size_t cap)
{
	return request_data(path, req, NULL, 0, reply, cap);
}

/* The control sockets of running nodes outputs. */
static int find_sockets(char paths[][PATH_MAX], char names[][64], int max)
{
	char dir[PATH_MAX - 300];
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (gl_state_dir(dir, sizeof dir) != 0 || !(d = opendir(dir)))
		return 0;
	while ((e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);

		if (strncmp(e->d_name, "nodes-", 6) != 0 || len < 12 ||
		    strcmp(e->d_name + len - 5, ".sock") != 0 || len - 11 >= 64)
			continue;
		if (snprintf(paths[n], PATH_MAX, "%s/%.255s", dir, e->d_name) >= PATH_MAX)
			continue;
		memcpy(names[n], e->d_name + 6, len - 11);
		names[n][len - 11] = '\0';
		n++;
	}
	closedir(d);
	return n;
}

/* A key=value of a row; -1 when absent. */
static long field(const char *line, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = strchr(line, ' '); p; p = strchr(p + 1, ' '))
		if (strncmp(p + 1, key, k) == 0 && p[1 + k] == '=')
			return strtol(p + 2 + k, NULL, 10);
	return -1;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->universe != y->universe)
		return x->universe < y->universe ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Every node every running show heard. Returns how many, or -1 when no
 * show answered. */
static int collect(struct row *rows, int max)
{
	static char paths[MAX_OUTPUTS][PATH_MAX];
	static char names[MAX_OUTPUTS][64];
	static char reply[REPLY_MAX];
	int outputs = find_sockets(paths, names, MAX_OUTPUTS), answered = 0, n = 0;

	for (int i = 0; i < outputs; i++) {
		if (request(paths[i], "list", reply, sizeof reply) < 0)
			continue;            /* a socket left by a show that crashed */
		answered++;
		for (char *line = strtok(reply, "\n"); line && n < max; line = strtok(NULL, "\n")) {
			struct row *r = &rows[n];

			if (sscanf(line, "node %u %u", &r->universe, &r->id) != 2)
				continue;
			snprintf(r->output, sizeof r->output, "%s", names[i]);
			snprintf(r->sock, sizeof r->sock, "%s", paths[i]);
			snprintf(r->line, sizeof r->line, "%s", line);
			n++;
		}
	}
	if (!answered)
		return -1;
	qsort(rows, (size_t)n, sizeof *rows, cmp_rows);
	return n;
}

static const char *state_name(long s)
{
	static const char *names[] = { "scan", "syncing", "live", "hold", "failsafe" };

	return s >= 0 && s < 5 ? names[s] : "?";
}

static const char *failsafe_name(long f)
{
	static const char *names[] = { "hold", "zero", "scene", "off" };

	return f >= 0 && f < 4 ? names[f] : "?";
}

/* The UPDATE column: what the node says of its firmware updates. */
static void update_text(const char *l, char *out, size_t cap)
{
	long flags = field(l, "fwflags"), state = field(l, "xstate"), rb = field(l, "rbver");

	if (field(l, "fwinfo") != 1)
		snprintf(out, cap, "-");
	else if (flags & NODELINK_FWF_TRIAL)
		snprintf(out, cap, "on trial (self-test)");
	else if (state == NODELINK_FW_RECEIVING && field(l, "xchunks") > 0)
		snprintf(out, cap, "receiving %ld%%", field(l, "xcontig") * 100 / field(l, "xchunks"));
	else if (flags & NODELINK_FWF_ROLLED_BACK)
		snprintf(out, cap, "rolled back %ld.%ld: %s", (rb >> 8) & 0xff, rb & 0xff,
			 fw_image_strerror((int)field(l, "rbreason")));
	else if (!(flags & NODELINK_FWF_UPDATABLE))
		snprintf(out, cap, "not updatable (no bootloader or key)");
	else
		snprintf(out, cap, "-");
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int cmd_list(int argc, char **argv)
{
	static struct row rows[MAX_ROWS];
	double wait_s = 0;
	int n;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc) {
			wait_s = strtod(argv[++i], NULL);
		} else {
			usage(stderr);
			return 2;
		}
	}
	for (int waited = 0;; waited += 100) {
		n = collect(rows, MAX_ROWS);
		if (n != 0 || waited >= wait_s * 1000)
			break;
		sleep_ms(100);
	}
	if (n < 0) {
		fprintf(stderr, "ghostlight node: no running show has a nodes output "
			"(start one: ghostlight play SHOW)\n");
		return 1;
	}
	printf("%-10s %5s %8s %5s %-8s %4s %6s %5s %5s %4s %8s %-8s %6s %4s %6s  %s\n", "OUTPUT",
	       "NODE", "UNIVERSE", "START", "STATE", "RX%", "LOSS%", "RSSI", "TEMP", "FW", "UPTIME",
	       "FAILSAFE", "DMX-HZ", "CPU%", "HEARD", "UPDATE");
	for (int i = 0; i < n; i++) {
		const char *l = rows[i].line;
		char temp[8] = "-", rssi[8] = "-", fw[48], update[160];
		long t = field(l, "temp"), r = field(l, "node_rssi"), v = field(l, "fw");
		bool newer_elsewhere = false;

		/* a node that moved is listed where it was heard last */
		for (int k = 0; k < n; k++)
			if (k != i && rows[k].id == rows[i].id &&
			    field(rows[k].line, "heard_ms") < field(l, "heard_ms"))
				newer_elsewhere = true;
		if (newer_elsewhere)
			continue;

		if (field(l, "status") != 1) {
			printf("%-10s %5u %8u %5s %-8s %s\n", rows[i].output, rows[i].id,
			       rows[i].universe, "-", "heard", "(no status yet)");
			continue;
		}
		if (t != NODELINK_TEMP_UNKNOWN && t >= -127 && t <= 127)
			snprintf(temp, sizeof temp, "%d", (int)t);
		if (r && r >= -128 && r <= 127)
			snprintf(rssi, sizeof rssi, "%d", (int)r);
		snprintf(fw, sizeof fw, "%ld.%ld", (v >> 8) & 0xff, v & 0xff);
		update_text(l, update, sizeof update);
		printf("%-10s %5u %8u %5ld %-8s %4ld %6.1f %5s %5s %4s %7lds %-8s %6.2f %4ld %5.1fs  %s\n",
		       rows[i].output, rows[i].id, rows[i].universe, field(l, "start"),
		       state_name(field(l, "state")), field(l, "rx"), field(l, "loss") / 10.0, rssi,
		       temp, fw, field(l, "uptime"), failsafe_name(field(l, "failsafe")),
		       field(l, "rate") / 100.0, field(l, "cpu"), field(l, "heard_ms") / 1000.0, update);
	}
	if (n == 0)
		printf("(no node heard yet)\n");
	return 0;
}

static int parse_num(const char *opt, const char *text, double min, double max, double *out)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || *end || !(v >= min && v <= max)) {
		fprintf(stderr, "ghostlight node config: %s must be %g..%g, not '%s'\n", opt, min, max,
			text);
		return -1;
	}
	*out = v;
	return 0;
}

static int cmd_config(int argc, char **argv)
{
	static struct row rows[MAX_ROWS];
	struct nodelink_config c;
	unsigned mask = 0, id;
	const struct row *node = NULL;
	char req[256], reply[256];
	long heard_best = -1;
	unsigned universe;
	int32_t ticket;
	int n;

	if (argc < 2 || sscanf(argv[0], "%u", &id) != 1 || id < 1 || id >= NODELINK_NODE_ALL) {
		usage(stderr);
		return 2;
	}
	memset(&c, 0, sizeof c);
	for (int i = 1; i < argc; i += 2) {
		static const struct { const char *opt; double min, max; unsigned bit; } nums[] = {
			{ "--universe", 1, 63999, NODELINK_CF_UNIVERSE },
			{ "--start", 1, NODELINK_SLOTS, NODELINK_CF_START },
			{ "--count", 1, NODELINK_SLOTS, NODELINK_CF_COUNT },
			{ "--timeout", 0.01, 655.35, NODELINK_CF_TIMEOUT },
			{ "--break", NODELINK_BREAK_MIN, NODELINK_TIMING_MAX, NODELINK_CF_BREAK },
			{ "--mab", NODELINK_MAB_MIN, NODELINK_TIMING_MAX, NODELINK_CF_MAB },
		};
		static const char *modes[] = { "hold", "zero", "scene", "off" };
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool known = false;
		double x;

		if (!v) {
			usage(stderr);
			return 2;
		}
		for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
			if (strcmp(o, nums[k].opt) != 0)
				continue;
			if (parse_num(o, v, nums[k].min, nums[k].max, &x) != 0)
				return 2;
			known = true;
			mask |= nums[k].bit;
			switch (nums[k].bit) {
			case NODELINK_CF_UNIVERSE: c.universe = (uint16_t)x; break;
			case NODELINK_CF_START: c.start = (uint16_t)x; break;
			case NODELINK_CF_COUNT: c.count = (uint16_t)x; break;
			case NODELINK_CF_TIMEOUT: c.timeout_10ms = (uint16_t)(x * 100 + 0.5); break;
			case NODELINK_CF_BREAK: c.break_us = (uint16_t)x; break;
			case NODELINK_CF_MAB: c.mab_us = (uint16_t)x; break;
			}
		}
		if (strcmp(o, "--failsafe") == 0) {
			for (int k = 0; k < 4; k++) {
				if (strcmp(v, modes[k]) == 0) {
					c.failsafe = (uint8_t)k;
					mask |= NODELINK_CF_FAILSAFE;
					known = true;
				}
			}
			if (!known) {
				fprintf(stderr, "ghostlight node config: --failsafe is hold, zero, scene "
					"or off, not '%s'\n", v);
				return 2;
			}
		}
		if (!known) {
			fprintf(stderr, "ghostlight node config: unknown option '%s'\n", o);
			usage(stderr);
			return 2;
		}
	}
	if (!mask) {
		usage(stderr);
		return 2;
	}
	n = collect(rows, MAX_ROWS);
	if (n < 0) {
		fprintf(stderr, "ghostlight node: no running show has a nodes output "
			"(start one: ghostlight play SHOW)\n");
		return 1;
	}
	/* the link that heard the node last */
	for (int i = 0; i < n; i++) {
		long heard = field(rows[i].line, "heard_ms");

		if (rows[i].id == id && (heard_best < 0 || heard < heard_best)) {
			node = &rows[i];
			heard_best = heard;
		}
	}
	if (!node) {
		fprintf(stderr, "ghostlight node config: node %u is not heard by any running show "
			"(ghostlight node list)\n", id);
		return 1;
	}
	if ((mask & (NODELINK_CF_START | NODELINK_CF_COUNT)) && field(node->line, "config") == 1) {
		unsigned start = mask & NODELINK_CF_START ? c.start : (unsigned)field(node->line, "cstart");
		unsigned count = mask & NODELINK_CF_COUNT ? c.count : (unsigned)field(node->line, "ccount");

		if (start + count > NODELINK_SLOTS + 1) {
			fprintf(stderr, "ghostlight node config: start %u with %u slots runs past slot "
				"512: give --count %u or less\n", start, count, NODELINK_SLOTS + 1 - start);
			return 2;
		}
	}
	universe = node->universe;
	snprintf(req, sizeof req, "config %u %u %u %u %u %u %u %u %u %u", id, universe, mask,
		 c.universe, c.start, c.count, c.failsafe, c.timeout_10ms, c.break_us, c.mab_us);
	if (request(node->sock, req, reply, sizeof reply) < 0 ||
	    sscanf(reply, "queued %u %d", &universe, &ticket) != 2) {
		fprintf(stderr, "ghostlight node config: %s", reply[0] ? reply + (strncmp(reply,
			"error ", 6) == 0 ? 6 : 0) : "the show did not answer\n");
		return 1;
	}
	/* the console repeats the command each superframe for 5 s */
	for (int waited = 0; waited < 7000; waited += 50) {
		unsigned result;

		sleep_ms(50);
		snprintf(req, sizeof req, "command %u %d", universe, ticket);
		if (request(node->sock, req, reply, sizeof reply) < 0)
			break;
		if (strncmp(reply, "pending", 7) == 0)
			continue;
		if (sscanf(reply, "done %u", &result) == 1) {
			if (result == 0) {
				printf("node %u: done%s\n", id, mask & NODELINK_CF_UNIVERSE ?
				       " (it moves to its new universe now)" : "");
				return 0;
			}
			fprintf(stderr, "node %u refused: %s\n", id, result == 1 ?
				"a value is out of range for it" : "it does not know the command");
			return 1;
		}
		break;
	}
	fprintf(stderr, "node %u did not answer within 5 s (out of range?)\n", id);
	return 1;
}

/* ---- node flash --------------------------------------------------------------- */

#define FLASH_MAX_NODES 256
#define BUNDLE_MAX (8u << 20)

struct flashing {
	unsigned id, universe;
	int sock;                    /* index into the sockets of the request */
	unsigned job;
	char phase[16];
	unsigned contig, chunks, from, to, resumes, resumed_at;
	unsigned long ms, send_ms;
	char why[160];
	bool final;
	int drawn_pct;               /* what a plain log showed last */
	char drawn_phase[16];
};

static bool final_phase(const char *phase)
{
	return strcmp(phase, "done") == 0 || strcmp(phase, "rolled-back") == 0 ||
	       strcmp(phase, "failed") == 0;
}

static const char *phase_words(const struct flashing *f)
{
	static const struct { const char *phase, *words; } words[] = {
		{ "query", "asking what it runs" }, { "begin", "getting ready (erasing)" },
		{ "send", "receiving" }, { "verify", "checking hash and signature" },
		{ "boot", "starting the new image" }, { "reboot", "restarting" },
		{ "trial", "self-test" }, { "done", "confirmed" }, { "rolled-back", "rolled back" },
		{ "failed", "failed" }, { "waiting", "waiting for the show" },
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(f->phase, words[i].phase) == 0)
			return words[i].words;
	return f->phase;
}

static void version_text(char *out, size_t cap, unsigned v)
{
	if (v)
		snprintf(out, cap, "%u.%u", v >> 8, v & 0xff);
	else
		snprintf(out, cap, "-");
}

static void flash_line(const struct flashing *f, char *out, size_t cap)
{
	char bar[32];
	int width = 24, pct = f->chunks ? (int)(f->contig * 100u / f->chunks) : 0;
	int full = f->chunks ? (int)(f->contig * (unsigned)width / f->chunks) : 0;

	if (strcmp(f->phase, "done") == 0 || strcmp(f->phase, "trial") == 0 ||
	    strcmp(f->phase, "reboot") == 0 || strcmp(f->phase, "boot") == 0 ||
	    strcmp(f->phase, "verify") == 0)
		pct = 100, full = width;
	for (int i = 0; i < width; i++)
		bar[i] = i < full ? '#' : '.';
	bar[width] = '\0';
	snprintf(out, cap, "node %5u  universe %5u  [%s] %3d%%  %6.1f/%.1f KiB  %s%s%s", f->id,
		 f->universe, bar, pct, f->contig * 16 / 1024.0, f->chunks * 16 / 1024.0,
		 phase_words(f), f->final && strcmp(f->phase, "done") ? ": " : "",
		 f->final && strcmp(f->phase, "done") ? f->why : "");
}

/* The bars: redrawn in place on a terminal; otherwise a line when a node
 * changes phase or passes a quarter of its transfer. */
static void draw(struct flashing *fl, int n, bool tty, bool first)
{
	char line[300];

	if (tty && !first)
		printf("\x1b[%dA", n);
	for (int i = 0; i < n; i++) {
		struct flashing *f = &fl[i];
		int pct = f->chunks ? (int)(f->contig * 100u / f->chunks) : 0;

		flash_line(f, line, sizeof line);
		if (tty) {
			printf("\r\x1b[2K%s\n", line);
		} else if (first || strcmp(f->phase, f->drawn_phase) != 0 || pct / 25 != f->drawn_pct / 25) {
			printf("%s\n", line);
			f->drawn_pct = pct;
			snprintf(f->drawn_phase, sizeof f->drawn_phase, "%s", f->phase);
		}
	}
	fflush(stdout);
}

static uint8_t *read_bundle(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	struct fw_image_header h;
	uint8_t *buf;
	size_t at = 0;
	int rc, images = 0;

	if (!f) {
		fprintf(stderr, "ghostlight node flash: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(BUNDLE_MAX + 1);
	*len = buf ? fread(buf, 1, BUNDLE_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || *len > BUNDLE_MAX) {
		fprintf(stderr, "ghostlight node flash: %s: larger than %u bytes\n", path, BUNDLE_MAX);
		free(buf);
		return NULL;
	}
	while ((rc = fw_bundle_next(buf, *len, &at, &h)) == FW_IMG_OK) {
		printf("%s: %s %u.%u for %s, %s, %u bytes\n", path, h.name, h.version >> 8,
		       h.version & 0xff, gl_node_board_name(h.board),
		       h.slot == FW_SLOT_ANY ? "any slot" : h.slot == FW_SLOT_A ? "slot A" : "slot B",
		       fw_image_len(&h));
		images++;
	}
	if (rc != -1 || !images) {
		fprintf(stderr, "ghostlight node flash: %s: %s\n", path,
			rc != -1 ? fw_image_strerror(rc) : "no image in it");
		free(buf);
		return NULL;
	}
	return buf;
}

/* Reads "fw U ID key=value..." lines of a fwstate reply into fl. */
static void take_state(struct flashing *fl, int n, int sock, const char *reply)
{
	for (const char *line = reply; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned u, id;
		const char *why;

		if (sscanf(line, "fw %u %u", &u, &id) != 2)
			continue;
		for (int i = 0; i < n; i++) {
			struct flashing *f = &fl[i];
			char phase[16];

			if (f->sock != sock || f->id != id)
				continue;
			if (sscanf(strstr(line, "phase=") ? strstr(line, "phase=") + 6 : "", "%15s", phase) == 1)
				snprintf(f->phase, sizeof f->phase, "%s", phase);
			f->universe = u;
			f->contig = (unsigned)field(line, "contig");
			f->chunks = (unsigned)field(line, "chunks");
			f->from = (unsigned)field(line, "from");
			f->to = (unsigned)field(line, "to");
			f->resumes = (unsigned)field(line, "resumes");
			f->resumed_at = (unsigned)field(line, "resumed_at");
			f->ms = (unsigned long)field(line, "ms");
			f->send_ms = (unsigned long)field(line, "send_ms");
			if ((why = strstr(line, " why="))) {
				size_t k = strcspn(why + 5, "\n");

				snprintf(f->why, sizeof f->why, "%.*s", (int)k, why + 5);
			}
			f->final = final_phase(f->phase);
		}
	}
}

static int cmd_flash(int argc, char **argv)
{
	static struct row rows[MAX_ROWS];
	static struct flashing fl[FLASH_MAX_NODES];
	static char reply[REPLY_MAX];
	const char *nodes_arg = NULL, *image_path = NULL;
	char socks[MAX_OUTPUTS][PATH_MAX];
	unsigned jobs[MAX_OUTPUTS];
	int nsocks = 0, n = 0, nrows, failed = 0;
	double timeout_s = 600;
	uint8_t *bundle;
	size_t bundle_len;
	bool tty = isatty(STDOUT_FILENO);
	struct timespec t0, now;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			char *end;

			timeout_s = strtod(argv[++i], &end);
			if (*end || !(timeout_s > 0 && timeout_s <= 86400)) {
				fprintf(stderr, "ghostlight node flash: --timeout must be 0..86400 s\n");
				return 2;
			}
		} else if (!nodes_arg && argv[i][0] != '-') {
			nodes_arg = argv[i];
		} else if (!image_path && argv[i][0] != '-') {
			image_path = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!nodes_arg || !image_path) {
		usage(stderr);
		return 2;
	}
	if (!(bundle = read_bundle(image_path, &bundle_len)))
		return 1;
	nrows = collect(rows, MAX_ROWS);
	if (nrows < 0) {
		fprintf(stderr, "ghostlight node: no running show has a nodes output "
			"(start one: ghostlight play SHOW)\n");
		free(bundle);
		return 1;
	}
	/* the nodes: each where it was heard last */
	for (int i = 0; i < nrows; i++) {
		bool wanted = strcmp(nodes_arg, "all") == 0, newest = true;

		for (const char *p = nodes_arg; !wanted && *p;) {
			char *end;
			unsigned long id = strtoul(p, &end, 10);

			if (end == p || (*end && *end != ',')) {
				fprintf(stderr, "ghostlight node flash: nodes are numbers separated by "
					"commas, or all: not '%s'\n", nodes_arg);
				free(bundle);
				return 2;
			}
			wanted = id == rows[i].id;
			p = *end ? end + 1 : end;
		}
		for (int k = 0; k < nrows; k++)
			if (k != i && rows[k].id == rows[i].id &&
			    field(rows[k].line, "heard_ms") < field(rows[i].line, "heard_ms"))
				newest = false;
		for (int k = 0; k < n; k++)
			if (fl[k].id == rows[i].id)
				newest = false;
		if (!wanted || !newest || n >= FLASH_MAX_NODES)
			continue;
		memset(&fl[n], 0, sizeof fl[n]);
		fl[n].id = rows[i].id;
		fl[n].universe = rows[i].universe;
		fl[n].drawn_pct = -100;
		snprintf(fl[n].phase, sizeof fl[n].phase, "waiting");
		fl[n].sock = -1;
		for (int s = 0; s < nsocks; s++)
			if (strcmp(socks[s], rows[i].sock) == 0)
				fl[n].sock = s;
		if (fl[n].sock < 0 && nsocks < MAX_OUTPUTS) {
			snprintf(socks[nsocks], PATH_MAX, "%s", rows[i].sock);
			fl[n].sock = nsocks++;
		}
		n++;
	}
	/* a node named and not heard */
	for (const char *p = nodes_arg; strcmp(nodes_arg, "all") != 0 && *p;) {
		char *end;
		unsigned long id = strtoul(p, &end, 10);
		bool found = false;

		for (int k = 0; k < n; k++)
			found |= fl[k].id == id;
		if (!found) {
			fprintf(stderr, "ghostlight node flash: node %lu is not heard by any running show "
				"(ghostlight node list)\n", id);
			free(bundle);
			return 1;
		}
		p = *end ? end + 1 : end;
	}
	if (!n) {
		fprintf(stderr, "ghostlight node flash: no node heard (ghostlight node list)\n");
		free(bundle);
		return 1;
	}
	/* one request per show: its nodes and the image bundle */
	for (int s = 0; s < nsocks; s++) {
		char head[FLASH_MAX_NODES * 7 + 16];
		size_t len = (size_t)snprintf(head, sizeof head, "flash ");

		for (int i = 0; i < n; i++)
			if (fl[i].sock == s)
				len += (size_t)snprintf(head + len, sizeof head - len, "%s%u",
							len > 6 ? "," : "", fl[i].id);
		snprintf(head + len, sizeof head - len, "\n");
		jobs[s] = 0;
		if (request_data(socks[s], head, bundle, bundle_len, reply, sizeof reply) < 0) {
			fprintf(stderr, "ghostlight node flash: the show did not take the request: %s\n",
				errno == EMSGSIZE ? "the image file is too big for one request" :
				"no answer");
			free(bundle);
			return 1;
		}
		if (strncmp(reply, "error ", 6) == 0 || sscanf(reply, "job %u", &jobs[s]) != 1) {
			fprintf(stderr, "ghostlight node flash: %s", strncmp(reply, "error ", 6) == 0 ?
				reply + 6 : "the show's answer makes no sense\n");
			free(bundle);
			return 1;
		}
		/* nodes it refused to take on */
		for (char *line = strstr(reply, "refused "); line; line = strstr(line + 1, "refused ")) {
			unsigned id;

			if (sscanf(line, "refused %u", &id) != 1)
				continue;
			for (int i = 0; i < n; i++)
				if (fl[i].sock == s && fl[i].id == id) {
					size_t k = strcspn(line, "\n");
					const char *why = strchr(line + 8, ' ');

					snprintf(fl[i].phase, sizeof fl[i].phase, "failed");
					snprintf(fl[i].why, sizeof fl[i].why, "%.*s", why ? (int)(k - (size_t)(why + 1 - line)) : 0,
						 why ? why + 1 : "");
					fl[i].final = true;
				}
		}
	}
	free(bundle);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	draw(fl, n, tty, true);
	for (;;) {
		bool all_final = true;
		char req[64];

		sleep_ms(200);
		for (int s = 0; s < nsocks; s++) {
			snprintf(req, sizeof req, "fwstate %u", jobs[s]);
			if (request(socks[s], req, reply, sizeof reply) >= 0)
				take_state(fl, n, s, reply);
		}
		for (int i = 0; i < n; i++)
			all_final &= fl[i].final;
		draw(fl, n, tty, false);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (all_final)
			break;
		if (now.tv_sec - t0.tv_sec > timeout_s) {
			for (int i = 0; i < n; i++)
				if (!fl[i].final) {
					snprintf(fl[i].why, sizeof fl[i].why, "still %s after %.0f s (the show "
						 "goes on with it)", phase_words(&fl[i]), timeout_s);
					snprintf(fl[i].phase, sizeof fl[i].phase, "failed");
				}
			break;
		}
	}
	for (int s = 0; s < nsocks; s++) {
		char req[64];

		snprintf(req, sizeof req, "fwforget %u", jobs[s]);
		request(socks[s], req, reply, sizeof reply);
	}
	printf("\n%5s %8s %6s %6s %8s %7s  %s\n", "NODE", "UNIVERSE", "FROM", "TO", "TRANSFER",
	       "TOTAL", "RESULT");
	for (int i = 0; i < n; i++) {
		const struct flashing *f = &fl[i];
		char from[16], to[16], result[300];

		version_text(from, sizeof from, f->from);
		version_text(to, sizeof to, f->to);
		if (strcmp(f->phase, "done") == 0 && f->resumes)
			snprintf(result, sizeof result, "confirmed (the transfer resumed at %u%% after "
				 "the node restarted)", f->chunks ? f->resumed_at * 100 / f->chunks : 0);
		else if (strcmp(f->phase, "done") == 0)
			snprintf(result, sizeof result, "confirmed");
		else if (strcmp(f->phase, "rolled-back") == 0)
			snprintf(result, sizeof result, "rolled back to %s: %s", from, f->why);
		else
			snprintf(result, sizeof result, "not updated: %s", f->why);
		failed += strcmp(f->phase, "done") != 0;
		printf("%5u %8u %6s %6s %7.1fs %6.1fs  %s\n", f->id, f->universe, from, to,
		       f->send_ms / 1000.0, f->ms / 1000.0, result);
	}
	printf("%d of %d nodes updated\n", n - failed, n);
	return failed ? 1 : 0;
}

int gl_cmd_node(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "config") == 0)
		return cmd_config(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "flash") == 0)
		return cmd_flash(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "keygen") == 0)
		return gl_node_keygen(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "sign") == 0)
		return gl_node_sign(argc - 1, argv + 1);
	if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
