/*
 * sacn.c - the sACN (ANSI E1.31) output: one UDP socket, multicast to
 * 239.255.hi.lo per universe or unicast to one address, optional
 * synchronisation and universe discovery. Packets come from sacn_wire.c.
 *
 * configure() runs on the loading thread and does no I/O; open(), send(),
 * service(), next_service_ns() and close() run on the output thread only;
 * status() may be read racily from any thread. send() and service() never
 * allocate and never block: the socket is non-blocking and a packet the
 * kernel will not take is dropped, counted and retried with the next frame.
 *
 * Invariant: u->slots holds what was last sent successfully for universe u;
 * a universe goes out when the frame differs from it, then for 3 more frames
 * (E1.31 6.6.1 recommends repeating), then every 800 ms as keep-alive
 * (receivers time out after 2.5 s).
 */
#include "outputs/dmx/output.h"
#include "outputs/dmx/udp_batch.h"
#include "sacn_wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SACN_KEEPALIVE_NS (800ull * 1000000ull)
#define SACN_DISCOVERY_NS (10ull * GL_NS_PER_S)
#define SACN_RETRY_NS (100ull * 1000000ull)   /* after a failed keep-alive */
#define SACN_REPEATS 3           /* extra sends of unchanged data after a change */
#define SACN_TERMINATE_COUNT 3   /* E1.31 6.2.6: three terminated packets */

struct sacn_universe {
	uint16_t number;
	uint8_t sequence;
	uint8_t repeats_left;        /* unchanged frames still to send */
	bool sent;                   /* u->slots and next_keepalive_ns are valid */
	int frame_index;             /* cached index in gl_frame.numbers; -1 none */
	uint64_t next_keepalive_ns;  /* resend unchanged data from then on */
	struct sockaddr_in dest;
	uint8_t slots[GL_DMX_SLOTS];
};

struct sacn_output {
	/* options, fixed at configure() */
	bool unicast;
	struct in_addr unicast_addr;
	uint8_t priority;
	char source_name[SACN_SOURCE_NAME_LEN];
	bool cid_given;
	uint8_t cid[SACN_CID_LEN];
	uint16_t sync_universe;      /* 0 = none */
	bool discovery;
	uint16_t port;
	bool has_interface;
	struct in_addr interface_addr;
	int ttl;

	int universe_count;
	struct sacn_universe *universes;
	uint16_t *sorted_numbers;    /* for discovery, which must be sorted */

	/* runtime, output thread */
	int fd;                      /* -1 until open() */
	uint8_t sync_sequence;
	uint64_t next_discovery_ns;  /* 0: due at the first now_ns seen */
	bool discovery_pending;      /* open() could not send the first one */
	struct sockaddr_in sync_dest;
	struct sockaddr_in discovery_dest;
	uint8_t packet[SACN_DISCOVERY_MAX_LEN > SACN_DATA_MAX_LEN ?
		       SACN_DISCOVERY_MAX_LEN : SACN_DATA_MAX_LEN];
	/* A frame's data packets go to the kernel together (udp_batch.h);
	 * sized at the first open(), freed by close(). */
	struct gl_udp_batch batch;
	int *batch_universe;         /* per datagram: index in universes[] */
	uint8_t *batch_why;          /* per datagram: enum sacn_why */
	const uint8_t **pend_slots;  /* per universe: the slots being sent */

	struct gl_output_status status;
};

/* Why a universe is in a frame's batch: what its state does once it left. */
enum sacn_why { SACN_CHANGED, SACN_REPEAT, SACN_KEEPALIVE };

static const uint8_t zero_slots[GL_DMX_SLOTS];

static struct sacn_output *to_sacn(struct gl_output *out)
{
	return (struct sacn_output *)out;
}

/* ---- options ------------------------------------------------------------ */

static const char *const sacn_keys[] = {
	"unicast", "priority", "source_name", "cid", "sync_universe",
	"discovery", "port", "interface", "ttl", NULL
};

static int opt_fail(char *err, size_t err_len, const struct gl_output_option *opt,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = gl_output_vfail(err, err_len, "sacn", opt, fmt, ap);
	va_end(ap);
	return rc;
}


/* "ghostlight: <show>", cut to 63 bytes before a character that would be
 * split, so receivers never show half a UTF-8 character. */
static void default_source_name(char *name, const char *show_name)
{
	char full[16 + GL_NAME_MAX];
	size_t n;

	if (show_name && show_name[0])
		snprintf(full, sizeof full, "ghostlight: %s", show_name);
	else
		snprintf(full, sizeof full, "ghostlight");
	n = strlen(full);
	if (n > SACN_SOURCE_NAME_LEN - 1) {
		n = SACN_SOURCE_NAME_LEN - 1;
		while (n > 0 && ((uint8_t)full[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(name, full, n);
	name[n] = '\0';
}

static int sacn_parse_options(struct sacn_output *s, const struct gl_output_config *cfg,
			      char *err, size_t err_len)
{
	const struct gl_output_option *opt;
	long v;

	s->priority = SACN_PRIORITY_DEFAULT;
	s->discovery = true;
	s->port = SACN_PORT;
	s->ttl = 1;
	default_source_name(s->source_name, cfg->show_name);

	if ((opt = gl_output_option(cfg, "unicast"))) {
		if (inet_pton(AF_INET, opt->value, &s->unicast_addr) != 1)
			return opt_fail(err, err_len, opt,
					"unicast must be an IPv4 address, not '%s'", opt->value);
		s->unicast = true;
	}
	if ((opt = gl_output_option(cfg, "priority"))) {
		if (gl_output_int(opt->value, 0, SACN_PRIORITY_MAX, &v))
			return opt_fail(err, err_len, opt,
					"priority must be 0..200, not '%s'", opt->value);
		s->priority = (uint8_t)v;
	}
	if ((opt = gl_output_option(cfg, "source_name"))) {
		if (strlen(opt->value) > SACN_SOURCE_NAME_LEN - 1)
			return opt_fail(err, err_len, opt,
					"source_name must be at most %d bytes",
					SACN_SOURCE_NAME_LEN - 1);
		memcpy(s->source_name, opt->value, strlen(opt->value) + 1);
	}
	if ((opt = gl_output_option(cfg, "cid"))) {
		if (sacn_uuid_parse(opt->value, s->cid))
			return opt_fail(err, err_len, opt,
					"cid must be a UUID like "
					"'0d5e3a5c-4f9b-4c1e-9a43-6b1f0e2d7c88', not '%s'",
					opt->value);
		s->cid_given = true;
	}
	if ((opt = gl_output_option(cfg, "sync_universe"))) {
		if (gl_output_int(opt->value, 0, GL_UNIVERSE_MAX, &v))
			return opt_fail(err, err_len, opt,
					"sync_universe must be 1..63999 (0 = none), not '%s'",
					opt->value);
		s->sync_universe = (uint16_t)v;
	}
	if ((opt = gl_output_option(cfg, "discovery"))) {
		if (gl_output_bool(opt->value, &s->discovery))
			return opt_fail(err, err_len, opt,
					"discovery must be true or false, not '%s'", opt->value);
	}
	if ((opt = gl_output_option(cfg, "port"))) {
		if (gl_output_int(opt->value, 1, 65535, &v))
			return opt_fail(err, err_len, opt,
					"port must be 1..65535, not '%s'", opt->value);
		s->port = (uint16_t)v;
	}
	if ((opt = gl_output_option(cfg, "interface"))) {
		if (inet_pton(AF_INET, opt->value, &s->interface_addr) != 1)
			return opt_fail(err, err_len, opt,
					"interface must be the IPv4 address of a local "
					"interface, not '%s'", opt->value);
		s->has_interface = true;
	}
	if ((opt = gl_output_option(cfg, "ttl"))) {
		if (gl_output_int(opt->value, 0, 255, &v))
			return opt_fail(err, err_len, opt,
					"ttl must be 0..255, not '%s'", opt->value);
		s->ttl = (int)v;
	}
	return 0;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void sacn_free(struct sacn_output *s)
{
	if (!s)
		return;
	free(s->universes);
	free(s->sorted_numbers);
	free(s);
}

static struct gl_output *sacn_configure(const struct gl_output_config *cfg,
					char *err, size_t err_len)
{
	struct sacn_output *s;

	if (gl_output_check_network(cfg, "sacn", sacn_keys, err, err_len))
		return NULL;

	s = calloc(1, sizeof *s);
	if (!s) {
		opt_fail(err, err_len, NULL, "out of memory");
		return NULL;
	}
	s->fd = -1;
	s->universe_count = cfg->universe_count;
	s->universes = calloc((size_t)cfg->universe_count, sizeof *s->universes);
	s->sorted_numbers = calloc((size_t)cfg->universe_count, sizeof *s->sorted_numbers);
	if (!s->universes || !s->sorted_numbers) {
		opt_fail(err, err_len, NULL, "out of memory");
		goto fail;
	}
	if (sacn_parse_options(s, cfg, err, err_len))
		goto fail;

	for (int i = 0; i < cfg->universe_count; i++) {
		int number = cfg->universes[i];

		if (number < GL_UNIVERSE_MIN || number > GL_UNIVERSE_MAX) {
			opt_fail(err, err_len, NULL, "universe %d is not in 1..63999", number);
			goto fail;
		}
		s->universes[i].number = (uint16_t)number;
		s->universes[i].frame_index = -1;
		s->sorted_numbers[i] = (uint16_t)number;
	}
	qsort(s->sorted_numbers, (size_t)s->universe_count, sizeof *s->sorted_numbers, cmp_u16);
	for (int i = 1; i < s->universe_count; i++) {
		if (s->sorted_numbers[i] == s->sorted_numbers[i - 1]) {
			opt_fail(err, err_len, NULL, "universe %d listed twice",
				 s->sorted_numbers[i]);
			goto fail;
		}
	}
	return (struct gl_output *)s;

fail:
	sacn_free(s);
	return NULL;
}

/* ---- status ------------------------------------------------------------- */

static void sacn_note(struct sacn_output *s, uint64_t now_ns, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->status.last_error, sizeof s->status.last_error, fmt, ap);
	va_end(ap);
	s->status.last_error_ns = now_ns;
}

/* ---- CID: stable per installation --------------------------------------- */

/* The state directory, or -1 when none can be named (no HOME). */
static int cid_dir(char *dir, size_t len)
{
	const char *env = getenv("GHOSTLIGHT_STATE_DIR");
	int n;

	if (env && env[0])
		n = snprintf(dir, len, "%s", env);
	else if ((env = getenv("XDG_STATE_HOME")) && env[0] == '/')
		n = snprintf(dir, len, "%s/ghostlight", env);   /* XDG: absolute only */
	else if ((env = getenv("HOME")) && env[0])
		n = snprintf(dir, len, "%s/.local/state/ghostlight", env);
	else
		return -1;
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* mkdir -p, 0700: the directory is ours alone. */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof path)
		return -1;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] == '/' || path[i] == '\0') {
			char c = path[i];

			path[i] = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST)
				return -1;
			path[i] = c;
		}
	}
	return 0;
}

static int read_cid(const char *path, uint8_t cid[SACN_CID_LEN])
{
	char text[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < SACN_UUID_TEXT_LEN - 1)
		return -1;
	text[n] = '\0';
	/* One line: the UUID and a newline. */
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		text[--n] = '\0';
	return sacn_uuid_parse(text, cid) == 0 ? 0 : -1;
}

/* Writes the CID to path through a temporary file and rename(), so a
 * crash never leaves a half-written CID that would change our identity. */
static int write_cid(const char *path, const uint8_t cid[SACN_CID_LEN])
{
	char tmp[PATH_MAX];
	char text[SACN_UUID_TEXT_LEN + 1];
	int fd, saved;
	size_t len;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	sacn_uuid_format(cid, text);
	len = strlen(text);
	text[len++] = '\n';
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		saved = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

static void random_bytes(uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	/* getrandom() only fails on kernels older than 3.17; a CID from the
	 * clock and pid is still unique enough to tell sources apart. */
	if (got < len) {
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_sec * GL_NS_PER_S + (uint64_t)ts.tv_nsec;
		x ^= (uint64_t)getpid() << 32;
		for (size_t i = got; i < len; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			buf[i] = (uint8_t)(x >> 56);
		}
	}
}

/* Loads the installation's CID, creating it on first use. On failure to
 * save, uses a random CID for this run and says so in status. */
static void sacn_load_cid(struct sacn_output *s)
{
	char dir[PATH_MAX - 16];
	char path[PATH_MAX];

	if (cid_dir(dir, sizeof dir) != 0) {
		random_bytes(s->cid, SACN_CID_LEN);
		sacn_uuid_make_v4(s->cid);
		sacn_note(s, 0, "sacn: no state directory (HOME unset); "
			  "using a random CID for this run");
		return;
	}
	snprintf(path, sizeof path, "%s/sacn-cid", dir);
	if (read_cid(path, s->cid) == 0)
		return;

	random_bytes(s->cid, SACN_CID_LEN);
	sacn_uuid_make_v4(s->cid);
	if (make_dirs(dir) != 0 || write_cid(path, s->cid) != 0)
		sacn_note(s, 0, "sacn: cannot save CID to %s (%s); "
			  "using a random CID for this run", path, strerror(errno));
}

/* ---- sending ------------------------------------------------------------ */

static void set_dest(struct sockaddr_in *sa, uint32_t addr_host_order, uint16_t port)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(addr_host_order);
}

/* Counts and notes a datagram that did not leave: sent is what the kernel
 * took (-1 with err on failure). Returns GL_EIO or GL_EAGAIN. */
static int sacn_send_failed(struct sacn_output *s, const struct sockaddr_in *dest,
			    ssize_t sent, int err, uint64_t now_ns, const char *what, int universe)
{
	char addr[INET_ADDRSTRLEN];

	s->status.send_errors++;
	inet_ntop(AF_INET, &dest->sin_addr, addr, sizeof addr);
	if (sent >= 0) {
		sacn_note(s, now_ns, "sacn: %s %d to %s:%d: short send", what, universe,
			  addr, ntohs(dest->sin_port));
		return GL_EIO;
	}
	if (err == EAGAIN || err == EWOULDBLOCK) {
		/* Never wait for the kernel: the next frame sends fresher data. */
		sacn_note(s, now_ns, "sacn: %s %d to %s:%d dropped: socket buffer full",
			  what, universe, addr, ntohs(dest->sin_port));
		return GL_EAGAIN;
	}
	sacn_note(s, now_ns, "sacn: %s %d to %s:%d: %s", what, universe, addr,
		  ntohs(dest->sin_port), strerror(err));
	return GL_EIO;
}

/* One datagram. Returns 0 or GL_EIO/GL_EAGAIN, counted and noted. */
static int sacn_sendto(struct sacn_output *s, const struct sockaddr_in *dest,
		       int len, uint64_t now_ns, const char *what, int universe)
{
	ssize_t n = sendto(s->fd, s->packet, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL,
			   (const struct sockaddr *)dest, sizeof *dest);

	if (n == len) {
		s->status.packets_sent++;
		return 0;
	}
	return sacn_send_failed(s, dest, n, errno, now_ns, what, universe);
}

/* A data packet for universe u into buf. Returns its length or GL_E*. */
static int sacn_data_packet(const struct sacn_output *s, const struct sacn_universe *u,
			    const uint8_t *slots, uint8_t options, uint8_t *buf, size_t cap)
{
	struct sacn_data_hdr hdr;

	memcpy(hdr.cid, s->cid, SACN_CID_LEN);
	memcpy(hdr.source_name, s->source_name, SACN_SOURCE_NAME_LEN);
	hdr.priority = s->priority;
	hdr.sync_address = s->sync_universe;
	hdr.sequence = u->sequence;
	hdr.options = options;
	hdr.universe = u->number;
	hdr.start_code = 0x00;
	return sacn_wire_data(buf, cap, &hdr, slots, GL_DMX_SLOTS);
}

/* After a data packet of u left (or did not): the universe's state. */
static void sacn_sent(struct sacn_universe *u, const uint8_t *slots, bool ok, uint64_t now_ns)
{
	if (!ok) {
		/* Retry soon, but not at once: service() runs when this time
		 * comes, and a network that is down must not make it spin. */
		if (u->sent)
			u->next_keepalive_ns = now_ns + SACN_RETRY_NS;
		return;
	}
	/* Receivers discard out-of-order sequences, so it advances only with
	 * a packet that left; a retry reuses the number. */
	u->sequence++;
	if (slots != u->slots)
		memcpy(u->slots, slots, GL_DMX_SLOTS);
	u->sent = true;
	u->next_keepalive_ns = now_ns + SACN_KEEPALIVE_NS;
}

/* One universe on its own (stream termination at close). */
static int sacn_send_universe(struct sacn_output *s, struct sacn_universe *u,
			      const uint8_t *slots, uint8_t options, uint64_t now_ns)
{
	int len = sacn_data_packet(s, u, slots, options, s->packet, sizeof s->packet);
	int rc = len < 0 ? len : sacn_sendto(s, &u->dest, len, now_ns, "universe", u->number);

	sacn_sent(u, slots, rc == 0, now_ns);
	return rc;
}

static void sacn_batch_free(struct sacn_output *s);

/* The frame's batch: one datagram per universe at most. */
static int sacn_batch_alloc(struct sacn_output *s)
{
	size_t n = (size_t)s->universe_count;

	s->batch_universe = calloc(n, sizeof *s->batch_universe);
	s->batch_why = calloc(n, sizeof *s->batch_why);
	s->pend_slots = calloc(n, sizeof *s->pend_slots);
	if (!s->batch_universe || !s->batch_why || !s->pend_slots ||
	    gl_udp_batch_init(&s->batch, s->universe_count, SACN_DATA_MAX_LEN) != 0) {
		sacn_batch_free(s);
		return GL_ENOMEM;
	}
	return 0;
}

static void sacn_batch_free(struct sacn_output *s)
{
	gl_udp_batch_free(&s->batch);
	free(s->batch_universe);
	free(s->batch_why);
	free(s->pend_slots);
	s->batch_universe = NULL;
	s->batch_why = NULL;
	s->pend_slots = NULL;
}

/* Universe i's packet into the frame's batch. */
static int sacn_queue(struct sacn_output *s, int i, const uint8_t *slots, enum sacn_why why)
{
	struct sacn_universe *u = &s->universes[i];
	int n = s->batch.count;
	uint8_t *buf = gl_udp_batch_next(&s->batch, &u->dest);
	int len = buf ? sacn_data_packet(s, u, slots, 0, buf, s->batch.size) : GL_EFULL;

	if (len < 0)
		return len;
	gl_udp_batch_commit(&s->batch, (size_t)len);
	s->batch_universe[n] = i;
	s->batch_why[n] = (uint8_t)why;
	s->pend_slots[i] = slots;
	return 0;
}

/* Sends the batch; each universe's state follows what left. Sets *any when
 * one did. Returns 0 or the first error. */
static int sacn_flush(struct sacn_output *s, uint64_t now_ns, bool *any)
{
	int first_err = 0;

	gl_udp_batch_send(&s->batch, s->fd);
	for (int j = 0; j < s->batch.count; j++) {
		int i = s->batch_universe[j];
		struct sacn_universe *u = &s->universes[i];
		bool ok = s->batch.ok[j];

		if (ok) {
			s->status.packets_sent++;
			*any = true;
		} else {
			int rc = sacn_send_failed(s, &u->dest, s->batch.err[j] ? -1 : 0,
						  s->batch.err[j], now_ns, "universe", u->number);
			if (!first_err)
				first_err = rc;
		}
		sacn_sent(u, s->pend_slots[i], ok, now_ns);
		if (ok && s->batch_why[j] == SACN_CHANGED)
			u->repeats_left = SACN_REPEATS;
		else if (ok && s->batch_why[j] == SACN_REPEAT)
			u->repeats_left--;
	}
	gl_udp_batch_clear(&s->batch);
	return first_err;
}

static int sacn_send_sync(struct sacn_output *s, uint64_t now_ns)
{
	int len = sacn_wire_sync(s->packet, sizeof s->packet, s->cid, s->sync_sequence,
				 s->sync_universe);
	int rc;

	if (len < 0)
		return len;
	rc = sacn_sendto(s, &s->sync_dest, len, now_ns, "sync universe", s->sync_universe);
	if (rc == 0)
		s->sync_sequence++;
	return rc;
}

static int sacn_send_discovery(struct sacn_output *s, uint64_t now_ns)
{
	int pages = sacn_wire_discovery_pages(s->universe_count);
	int first_err = 0;

	for (int page = 0; page < pages; page++) {
		int len = sacn_wire_discovery(s->packet, sizeof s->packet, s->cid,
					      s->source_name, s->sorted_numbers,
					      s->universe_count, page);
		int rc = len < 0 ? len : sacn_sendto(s, &s->discovery_dest, len, now_ns,
						     "discovery page", page);

		if (rc && !first_err)
			first_err = rc;
	}
	return first_err;
}

/* Discovery every 10 s. open() sends the first one without a clock, so
 * the schedule starts at the first now_ns seen. */
static int sacn_periodic(struct sacn_output *s, uint64_t now_ns)
{
	int rc = 0;

	if (!s->discovery)
		return 0;
	if (s->next_discovery_ns == 0 && !s->discovery_pending) {
		s->next_discovery_ns = now_ns + SACN_DISCOVERY_NS;
		return 0;
	}
	if (s->discovery_pending || now_ns >= s->next_discovery_ns) {
		rc = sacn_send_discovery(s, now_ns);
		s->discovery_pending = false;
		s->next_discovery_ns = now_ns + SACN_DISCOVERY_NS;
	}
	return rc;
}

static bool keepalive_due(const struct sacn_universe *u, uint64_t now_ns)
{
	return u->sent && now_ns >= u->next_keepalive_ns;
}

static const uint8_t *frame_slots(const struct gl_frame *frame, struct sacn_universe *u)
{
	int i = u->frame_index;

	if (i >= 0 && i < frame->universe_count && frame->numbers[i] == u->number)
		return frame->dmx + (size_t)i * GL_DMX_SLOTS;
	for (i = 0; i < frame->universe_count; i++) {
		if (frame->numbers[i] == u->number) {
			u->frame_index = i;
			return frame->dmx + (size_t)i * GL_DMX_SLOTS;
		}
	}
	/* A universe the engine does not render is dark, not silent. */
	return zero_slots;
}

/* ---- ops ---------------------------------------------------------------- */

static int sacn_open(struct gl_output *out)
{
	struct sacn_output *s = to_sacn(out);
	unsigned char loop = 1;
	int ttl;

	if (!s)
		return GL_EINVAL;
	if (s->fd >= 0)
		return GL_ESTATE;
	if (!s->cid_given)
		sacn_load_cid(s);

	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		sacn_note(s, 0, "sacn: socket: %s", strerror(errno));
		return GL_EIO;
	}
	ttl = s->ttl;
	/* Multicast stays on the local segment by default (TTL 1) and is looped
	 * back so a visualiser or monitor on this machine sees it too. */
	if (setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) != 0 ||
	    setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) != 0 ||
	    (s->has_interface &&
	     setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &s->interface_addr,
			sizeof s->interface_addr) != 0)) {
		int err = errno;
		char addr[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &s->interface_addr, addr, sizeof addr);
		sacn_note(s, 0, "sacn: multicast setup%s%s: %s",
			  s->has_interface ? " for interface " : "",
			  s->has_interface ? addr : "", strerror(err));
		close(s->fd);
		s->fd = -1;
		return GL_EIO;
	}

	for (int i = 0; i < s->universe_count; i++) {
		struct sacn_universe *u = &s->universes[i];

		set_dest(&u->dest, s->unicast ? ntohl(s->unicast_addr.s_addr)
			 : sacn_wire_multicast_addr(u->number), s->port);
		u->sent = false;
		u->repeats_left = 0;
	}
	/* In unicast mode the one receiver gets everything, sync and discovery
	 * included; otherwise each goes to its universe's group. */
	set_dest(&s->sync_dest, s->unicast ? ntohl(s->unicast_addr.s_addr)
		 : sacn_wire_multicast_addr(s->sync_universe), s->port);
	set_dest(&s->discovery_dest, s->unicast ? ntohl(s->unicast_addr.s_addr)
		 : sacn_wire_multicast_addr(SACN_DISCOVERY_UNIVERSE), s->port);

	s->next_discovery_ns = 0;
	s->discovery_pending = false;
	if (s->discovery && sacn_send_discovery(s, 0) != 0)
		s->discovery_pending = true;
	if (!s->batch.buf && sacn_batch_alloc(s) != 0) {
		sacn_note(s, 0, "sacn: out of memory");
		close(s->fd);
		s->fd = -1;
		return GL_ENOMEM;
	}
	return 0;
}

static int sacn_send(struct gl_output *out, const struct gl_frame *frame, uint64_t now_ns)
{
	struct sacn_output *s = to_sacn(out);
	int first_err = 0;
	bool any = false;

	if (!s || !frame)
		return GL_EINVAL;
	if (s->fd < 0)
		return GL_ESTATE;

	for (int i = 0; i < s->universe_count; i++) {
		struct sacn_universe *u = &s->universes[i];
		const uint8_t *slots = frame_slots(frame, u);
		int rc;

		if (!u->sent || memcmp(slots, u->slots, GL_DMX_SLOTS) != 0)
			rc = sacn_queue(s, i, slots, SACN_CHANGED);
		else if (u->repeats_left > 0)
			rc = sacn_queue(s, i, u->slots, SACN_REPEAT);
		else if (keepalive_due(u, now_ns))
			rc = sacn_queue(s, i, u->slots, SACN_KEEPALIVE);
		else
			continue;
		if (rc && !first_err)
			first_err = rc;
	}
	/* The frame's data in as few system calls as the kernel allows (a
	 * packet it refuses is counted and noted, the rest still go), then
	 * one sync after all of it releases it at every receiver at once. */
	{
		int rc = sacn_flush(s, now_ns, &any);

		if (rc && !first_err)
			first_err = rc;
	}
	if (any && s->sync_universe) {
		int rc = sacn_send_sync(s, now_ns);

		if (rc && !first_err)
			first_err = rc;
	}
	{
		int rc = sacn_periodic(s, now_ns);

		if (rc && !first_err)
			first_err = rc;
	}
	s->status.frames_sent++;
	return first_err;
}

/* Keep-alives when frames stop coming (engine paused or stalled), and
 * discovery. */
static void sacn_service(struct gl_output *out, uint64_t now_ns)
{
	struct sacn_output *s = to_sacn(out);
	bool any = false;

	if (!s || s->fd < 0)
		return;
	for (int i = 0; i < s->universe_count; i++)
		if (keepalive_due(&s->universes[i], now_ns))
			sacn_queue(s, i, s->universes[i].slots, SACN_KEEPALIVE);
	sacn_flush(s, now_ns, &any);
	if (any && s->sync_universe)
		sacn_send_sync(s, now_ns);
	sacn_periodic(s, now_ns);
}

static uint64_t sacn_next_service_ns(struct gl_output *out)
{
	struct sacn_output *s = to_sacn(out);
	uint64_t next = 0;

	if (!s || s->fd < 0)
		return 0;
	if (s->discovery && s->next_discovery_ns)
		next = s->next_discovery_ns;
	for (int i = 0; i < s->universe_count; i++) {
		const struct sacn_universe *u = &s->universes[i];
		if (u->sent && (next == 0 || u->next_keepalive_ns < next))
			next = u->next_keepalive_ns;
	}
	return next;
}

static void sacn_close(struct gl_output *out)
{
	struct sacn_output *s = to_sacn(out);

	if (!s)
		return;
	if (s->fd >= 0) {
		/* Three terminated packets per universe tell receivers to drop
		 * this source now instead of holding its last look for 2.5 s. */
		for (int n = 0; n < SACN_TERMINATE_COUNT; n++) {
			for (int i = 0; i < s->universe_count; i++) {
				struct sacn_universe *u = &s->universes[i];

				sacn_send_universe(s, u, u->sent ? u->slots : zero_slots,
						   SACN_OPT_TERMINATED, 0);
			}
		}
		close(s->fd);
		s->fd = -1;
	}
	sacn_batch_free(s);
	sacn_free(s);
}

static int sacn_poll_fd(struct gl_output *out)
{
	(void)out;
	return -1;                   /* sACN output reads nothing */
}

static const struct gl_output_status *sacn_status(struct gl_output *out)
{
	struct sacn_output *s = to_sacn(out);

	return s ? &s->status : NULL;
}

const struct gl_output_ops gl_output_sacn = {
	.version = 1,
	.name = "sacn",
	.configure = sacn_configure,
	.open = sacn_open,
	.send = sacn_send,
	.close = sacn_close,
	.poll_fd = sacn_poll_fd,
	.service = sacn_service,
	.next_service_ns = sacn_next_service_ns,
	.status = sacn_status,
};
