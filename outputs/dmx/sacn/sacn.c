/*
 * sacn.c - the sACN (ANSI E1.31) output: one UDP socket, multicast to
 * 239.255.hi.lo per universe or unicast to one address, optional
 * synchronisation and universe discovery. Packets come from sacn_wire.c.
 *
 * configure() runs on the loading thread and does no I/O; open(), send(),
 * service(), next_service_ns() and close() run on the output thread only;
 * the status is published for any thread (output.h). send() and service() never
 * allocate and never block: the socket is non-blocking and a packet the
 * kernel will not take is dropped, counted and retried with the next frame.
 *
 * Invariant: u->stream holds what was last sent successfully for universe u;
 * a universe goes out when the frame differs from it, then for 3 more frames
 * (E1.31 6.6.1 recommends repeating), then every 800 ms as keep-alive
 * (receivers time out after 2.5 s).
 */
#include "outputs/dmx/output.h"
#include "outputs/dmx/udp_batch.h"
#include "sacn_cid.h"
#include "sacn_wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SACN_KEEPALIVE_NS (800ull * 1000000ull)
#define SACN_DISCOVERY_NS (10ull * GL_NS_PER_S)
#define SACN_REPEATS 3           /* extra sends of unchanged data after a change */
#define SACN_TERMINATE_COUNT 3   /* E1.31 6.2.6: three terminated packets */

struct sacn_universe {
	uint16_t number;
	uint8_t sequence;
	uint8_t repeats_left;        /* unchanged frames still to send */
	int frame_index;             /* cached index in gl_frame.numbers; -1 none */
	struct sockaddr_in dest;
	struct gl_stream stream;
};

struct sacn_output {
	struct gl_output_status status;   /* first: see output.h */
	/* options (sacn_opts), fixed at configure() */
	bool unicast;
	struct in_addr unicast_addr;
	int priority;
	char source_name[SACN_SOURCE_NAME_LEN];
	bool source_name_given;
	bool cid_given;
	uint8_t cid[SACN_CID_LEN];
	bool cid_held;               /* the installation's CID (sacn_cid.c), released at close */
	int sync_universe;           /* 0 = none */
	bool discovery;
	int port;
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
};

/* Why a universe is in a frame's batch: what its state does once it left. */
enum sacn_why { SACN_CHANGED, SACN_REPEAT, SACN_KEEPALIVE };

static const uint8_t zero_slots[GL_DMX_SLOTS];

static struct sacn_output *to_sacn(struct gl_output *out)
{
	return (struct sacn_output *)out;
}

/* ---- options ------------------------------------------------------------ */

static int parse_cid(const char *text, int index, void *field, char *why, size_t len)
{
	if (sacn_uuid_parse(text, field) == 0)
		return 0;
	snprintf(why, len, "must be a UUID like \"0d5e3a5c-4f9b-4c1e-9a43-6b1f0e2d7c88\", "
		 "not \"%s\"", text);
	return GL_EINVAL;
}

static const struct gl_opt sacn_opts[] = {
	{ "unicast", GL_OPT_IPV4, .def_help = "multicast 239.255.hi.lo",
	  GL_OPT_AT(struct sacn_output, unicast_addr), GL_OPT_GIVEN(struct sacn_output, unicast),
	  .help = "send every universe to this address instead of its multicast group" },
	{ "priority", GL_OPT_INT, 0, SACN_PRIORITY_MAX, GL_OPT_STR(SACN_PRIORITY_DEFAULT),
	  GL_OPT_AT(struct sacn_output, priority),
	  .help = "per-source priority; receivers take the highest" },
	{ "source_name", GL_OPT_TEXT, 0, SACN_SOURCE_NAME_LEN - 1,
	  .def_help = "\"ghostlight: <show>\"", GL_OPT_AT(struct sacn_output, source_name),
	  GL_OPT_GIVEN(struct sacn_output, source_name_given),
	  .help = "the name receivers show for this console" },
	{ "cid", GL_OPT_CUSTOM, .def_help = "made once per installation",
	  GL_OPT_AT(struct sacn_output, cid),
	  GL_OPT_GIVEN(struct sacn_output, cid_given), .parse = parse_cid,
	  .syntax = "UUID", .help = "component identifier (default kept in "
	  "~/.local/state/ghostlight/sacn-cid)" },
	{ "sync_universe", GL_OPT_INT, 0, GL_UNIVERSE_MAX, "0",
	  GL_OPT_AT(struct sacn_output, sync_universe),
	  .help = "send a sync packet after each frame on this universe (0 = none)" },
	{ "discovery", GL_OPT_BOOL, .def = "true", GL_OPT_AT(struct sacn_output, discovery),
	  .help = "universe discovery packets every 10 s" },
	{ "port", GL_OPT_INT, 1, 65535, GL_OPT_STR(SACN_PORT),
	  GL_OPT_AT(struct sacn_output, port), .help = "UDP destination port" },
	{ "interface", GL_OPT_IPV4, .def_help = "the system's choice",
	  GL_OPT_AT(struct sacn_output, interface_addr),
	  GL_OPT_GIVEN(struct sacn_output, has_interface),
	  .help = "address of the local interface multicast leaves from" },
	{ "ttl", GL_OPT_INT, 0, 255, "1", GL_OPT_AT(struct sacn_output, ttl),
	  .help = "multicast time to live (1: this network segment only)" },
	{ NULL },
};

static const struct gl_opt_table sacn_options = {
	"sacn", "sACN (ANSI E1.31-2018) over UDP, multicast or unicast", sacn_opts,
};

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

extern const struct gl_output_ops gl_output_sacn;

static struct gl_output *sacn_configure(const struct gl_output_config *cfg,
					char *err, size_t err_len)
{
	struct sacn_output *s = gl_output_new(&gl_output_sacn, cfg, sizeof *s, err, err_len);

	if (!s)
		return NULL;
	s->fd = -1;
	s->universe_count = cfg->universe_count;
	s->universes = calloc((size_t)cfg->universe_count, sizeof *s->universes);
	s->sorted_numbers = calloc((size_t)cfg->universe_count, sizeof *s->sorted_numbers);
	if (!s->universes || !s->sorted_numbers) {
		sacn_free(s);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (!s->source_name_given)
		gl_output_default_name(s->source_name, sizeof s->source_name, cfg->show_name);
	for (int i = 0; i < cfg->universe_count; i++) {
		s->universes[i].number = (uint16_t)cfg->universes[i];
		s->universes[i].frame_index = -1;
		s->sorted_numbers[i] = (uint16_t)cfg->universes[i];
	}
	qsort(s->sorted_numbers, (size_t)s->universe_count, sizeof *s->sorted_numbers, cmp_u16);
	return (struct gl_output *)s;
}

/* ---- sending ------------------------------------------------------------ */

static void set_dest(struct sockaddr_in *sa, uint32_t addr_host_order, uint16_t port)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(addr_host_order);
}

/* One datagram. Returns 0 or GL_EIO/GL_EAGAIN, counted and noted. */
static int sacn_sendto(struct sacn_output *s, const struct sockaddr_in *dest,
		       int len, uint64_t now_ns, const char *what, int universe)
{
	return gl_udp_send_one(s->fd, s->packet, (size_t)len, dest, &s->status, "sacn", now_ns,
			       what, universe);
}

/* A data packet for universe u into buf. Returns its length or GL_E*. */
static int sacn_data_packet(const struct sacn_output *s, const struct sacn_universe *u,
			    const uint8_t *slots, uint8_t options, uint8_t *buf, size_t cap)
{
	struct sacn_data_hdr hdr;

	memcpy(hdr.cid, s->cid, SACN_CID_LEN);
	memcpy(hdr.source_name, s->source_name, SACN_SOURCE_NAME_LEN);
	hdr.priority = (uint8_t)s->priority;
	hdr.sync_address = (uint16_t)s->sync_universe;
	hdr.sequence = u->sequence;
	hdr.options = options;
	hdr.universe = u->number;
	hdr.start_code = 0x00;
	return sacn_wire_data(buf, cap, &hdr, slots, GL_DMX_SLOTS);
}

/* After a data packet of u left (or did not): the universe's state. */
static void sacn_sent(struct sacn_universe *u, const uint8_t *slots, bool ok, uint64_t now_ns)
{
	/* Receivers discard out-of-order sequences, so it advances only with
	 * a packet that left; a retry reuses the number. */
	if (ok)
		u->sequence++;
	gl_stream_sent(&u->stream, slots, ok, now_ns, SACN_KEEPALIVE_NS);
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
static int sacn_batch_number(const void *ctx, int j)
{
	const struct sacn_output *s = ctx;

	return s->universes[s->batch_universe[j]].number;
}

static int sacn_flush(struct sacn_output *s, uint64_t now_ns, bool *any)
{
	int first_err = gl_udp_batch_send_counted(&s->batch, s->fd, &s->status, "sacn",
						  sacn_batch_number, s, now_ns);

	for (int j = 0; j < s->batch.count; j++) {
		int i = s->batch_universe[j];
		struct sacn_universe *u = &s->universes[i];
		bool ok = s->batch.ok[j];

		*any = *any || ok;
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

		gl_first_error(&first_err, rc);
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
	if (!s->cid_given && !s->cid_held) {
		char note[GL_REPORT_TEXT_MAX];

		sacn_cid_acquire(s->cid, note, sizeof note);
		s->cid_held = true;
		if (note[0])
			gl_report_set(&s->status.note, 0, "%s", note);
	}

	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		gl_report_set(&s->status.error, 0, "sacn: socket: %s", strerror(errno));
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
		gl_report_set(&s->status.error, 0, "sacn: multicast setup%s%s: %s",
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
		u->stream.sent = false;
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
		gl_report_set(&s->status.error, 0, "sacn: out of memory");
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
		const uint8_t *slots = gl_frame_slots(frame, u->number, &u->frame_index);
		int rc;

		if (!slots)
			slots = zero_slots;   /* not rendered: dark, not silent */
		if (gl_stream_changed(&u->stream, slots))
			rc = sacn_queue(s, i, slots, SACN_CHANGED);
		else if (u->repeats_left > 0)
			rc = sacn_queue(s, i, u->stream.slots, SACN_REPEAT);
		else if (gl_stream_keepalive_due(&u->stream, now_ns))
			rc = sacn_queue(s, i, u->stream.slots, SACN_KEEPALIVE);
		else
			continue;
		gl_first_error(&first_err, rc);
	}
	/* The frame's data in as few system calls as the kernel allows (a
	 * packet it refuses is counted and noted, the rest still go), then
	 * one sync after all of it releases it at every receiver at once. */
	gl_first_error(&first_err, sacn_flush(s, now_ns, &any));
	if (any && s->sync_universe)
		gl_first_error(&first_err, sacn_send_sync(s, now_ns));
	gl_first_error(&first_err, sacn_periodic(s, now_ns));
	gl_count(&s->status.frames_sent, 1);
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
		if (gl_stream_keepalive_due(&s->universes[i].stream, now_ns))
			sacn_queue(s, i, s->universes[i].stream.slots, SACN_KEEPALIVE);
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
	for (int i = 0; i < s->universe_count; i++)
		next = gl_stream_earliest(next, &s->universes[i].stream);
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

				sacn_send_universe(s, u, u->stream.sent ? u->stream.slots : zero_slots,
						   SACN_OPT_TERMINATED, 0);
			}
		}
		close(s->fd);
		s->fd = -1;
	}
	if (s->cid_held)
		sacn_cid_release();
	sacn_batch_free(s);
	sacn_free(s);
}

static int sacn_poll_fd(struct gl_output *out)
{
	(void)out;
	return -1;                   /* sACN output reads nothing */
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
	.max_universes = GL_OUTPUT_MAX_UNIVERSES,
	.options = &sacn_options,
};
