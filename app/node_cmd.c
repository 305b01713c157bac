/*
 * node_cmd.c - `ghostlight node list` and `ghostlight node config`: the
 * wireless DMX nodes a running show hears on its back-channel, with their
 * status, and setting a node's universe, start address, failsafe and DMX
 * timing. Each running `nodes` output answers on a control socket in the
 * state directory (outputs/dmx/nodelink/nodelink.c); this talks to every
 * one it finds. Main thread; the only state is what the sockets say.
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
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "outputs/dmx/nodelink/nodelink_wire.h"
#include "outputs/statedir.h"

#define MAX_OUTPUTS 32
#define MAX_ROWS 1024
#define REPLY_MAX 65536

struct row {
	char output[64];             /* the output's name, from its socket */
	char sock[PATH_MAX];
	char line[512];              /* "node U ID key=value ..." */
	unsigned universe, id;
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: ghostlight node list [--wait S]\n"
		"       ghostlight node config NODE [--universe U] [--start S] [--count C]\n"
		"                   [--failsafe hold|zero|scene|off] [--timeout S] [--break US] [--mab US]\n"
		"  list    the nodes every running show hears, with their status (--wait: until\n"
		"          at least one is heard, at most S seconds)\n"
		"  config  changes a node's settings over the air; it answers, then keeps them\n");
}

/* One request to a control socket, one reply (text). Returns the reply's
 * length or -1 (no show behind the socket). */
static int request(const char *path, const char *req, char *reply, size_t cap)
{
	struct sockaddr_un to = { .sun_family = AF_UNIX }, me = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct pollfd pfd;
	ssize_t n = -1;

	if (fd < 0 || strlen(path) >= sizeof to.sun_path)
		goto out;
	memcpy(to.sun_path, path, strlen(path) + 1);
	/* an address of our own (Linux autobind), so the show can answer */
	if (bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)) != 0 ||
	    sendto(fd, req, strlen(req), 0, (struct sockaddr *)&to, sizeof to) < 0)
		goto out;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 1000) == 1)
		n = recv(fd, reply, cap - 1, 0);
out:
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return -1;
	reply[n] = '\0';
	return (int)n;
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
	printf("%-10s %5s %8s %5s %-8s %4s %6s %5s %5s %4s %8s %-8s %6s %4s %6s\n", "OUTPUT",
	       "NODE", "UNIVERSE", "START", "STATE", "RX%", "LOSS%", "RSSI", "TEMP", "FW", "UPTIME",
	       "FAILSAFE", "DMX-HZ", "CPU%", "HEARD");
	for (int i = 0; i < n; i++) {
		const char *l = rows[i].line;
		char temp[8] = "-", rssi[8] = "-", fw[48];
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
		printf("%-10s %5u %8u %5ld %-8s %4ld %6.1f %5s %5s %4s %7lds %-8s %6.2f %4ld %5.1fs\n",
		       rows[i].output, rows[i].id, rows[i].universe, field(l, "start"),
		       state_name(field(l, "state")), field(l, "rx"), field(l, "loss") / 10.0, rssi,
		       temp, fw, field(l, "uptime"), failsafe_name(field(l, "failsafe")),
		       field(l, "rate") / 100.0, field(l, "cpu"), field(l, "heard_ms") / 1000.0);
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

int gl_cmd_node(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "config") == 0)
		return cmd_config(argc - 1, argv + 1);
	if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
