/*
 * artnet.c - the Art-Net 4 output: ArtDmx per universe, unicast to a list
 * of nodes or broadcast, optional ArtSync, and a listening socket on UDP
 * 6454 that answers ArtPoll with ArtPollReply so other consoles and tools
 * see us. Packets come from artnet_wire.c.
 *
 * configure() runs on the loading thread and does no I/O; open(), send(),
 * service(), next_service_ns() and close() run on the output thread only;
 * the status is published for any thread (output.h). send() and service() never
 * allocate and never block (non-blocking socket; a packet the kernel will
 * not take is dropped, counted and retried with the next frame).
 *
 * Invariant: u->stream holds what was last sent for universe u; a universe
 * goes out when the frame differs from it and otherwise every second
 * (Art-Net requires a refresh within 4 s).
 */
#include "outputs/dmx/output.h"
#include "outputs/dmx/udp_batch.h"
#include "artnet_wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ARTNET_KEEPALIVE_NS (1ull * GL_NS_PER_S)
#define ARTNET_MAX_NODES 64
#define ARTNET_RX_PER_SERVICE 64     /* bound the time one service() takes */
#define ARTNET_VERSION_INFO 0x0001   /* our firmware revision in replies */

struct artnet_universe {
	uint16_t number;
	uint16_t port_address;
	uint8_t sequence;            /* last used; 0 before the first packet */
	int frame_index;             /* cached index in gl_frame.numbers; -1 none */
	struct gl_stream stream;
};

/* A comma list as the show gave it (artnet_opts). */
struct artnet_addr_list {
	int count;
	struct in_addr addr[ARTNET_MAX_NODES];
};

struct artnet_pa_list {
	int count;
	uint16_t pa[GL_OPTION_VALUE_MAX / 2];   /* "0," is the shortest entry */
};

struct artnet_output {
	struct gl_output_status status;   /* first: see output.h */
	/* options (artnet_opts), fixed at configure() */
	struct artnet_addr_list node_list;
	struct artnet_pa_list pa_list;
	bool pa_given;
	struct in_addr broadcast_addr;
	bool sync;
	bool listen;
	struct in_addr bind_addr;
	int port;                    /* destination */
	int listen_port;
	char short_name[ARTNET_SHORT_NAME_LEN];
	char long_name[ARTNET_LONG_NAME_LEN];
	bool long_name_given;

	int node_count;              /* 0: broadcast */
	struct sockaddr_in *nodes;

	int universe_count;
	struct artnet_universe *universes;
	uint16_t *sorted_pa;         /* port-addresses ascending, for replies */
	uint16_t *reply_pa;          /* scratch: the ones a targeted poll asked for */

	/* runtime, output thread */
	int fd;                      /* sends; also listens when listening */
	bool listening;              /* fd is bound to listen_port */
	unsigned reply_counter;      /* the [count] of the node report */
	struct sockaddr_in broadcast_dest;
	uint8_t packet[ARTNET_DMX_MAX_LEN > ARTNET_POLL_REPLY_LEN ?
		       ARTNET_DMX_MAX_LEN : ARTNET_POLL_REPLY_LEN];
	uint8_t rx[1500];

	/* One frame's ArtDmx, handed to the kernel together (udp_batch.h:
	 * sendmmsg, GSO to a single node) instead of a sendto() per universe
	 * and node (sized at configure). */
	struct gl_udp_batch batch;   /* universes x destinations */
	int *batch_universe;         /* per datagram: index in universes[] */
	uint8_t *pend_seq;           /* per universe: the sequence being sent */
	const uint8_t **pend_slots;  /* per universe: the slots being sent */

};

static const uint8_t zero_slots[GL_DMX_SLOTS];

static struct artnet_output *to_artnet(struct gl_output *out)
{
	return (struct artnet_output *)out;
}

/* ---- options ------------------------------------------------------------ */

static int parse_node(const char *text, int index, void *field, char *why, size_t len)
{
	struct artnet_addr_list *list = field;

	if (inet_pton(AF_INET, text, &list->addr[index]) != 1) {
		snprintf(why, len, "\"%s\" is not an IPv4 address", text);
		return GL_EINVAL;
	}
	list->count = index + 1;
	return 0;
}

/* "N" (0..32767) or "net:sub_net:universe". */
static int parse_port_address(const char *text, int index, void *field, char *why, size_t len)
{
	struct artnet_pa_list *list = field;
	char part[3][16];
	long net, sub, uni, v;

	if (sscanf(text, "%15[0-9]:%15[0-9]:%15[0-9]", part[0], part[1], part[2]) == 3 &&
	    strspn(text, "0123456789:") == strlen(text) &&
	    gl_opt_whole(part[0], 0, 127, &net) == 0 && gl_opt_whole(part[1], 0, 15, &sub) == 0 &&
	    gl_opt_whole(part[2], 0, 15, &uni) == 0) {
		v = artnet_port_address((unsigned)net, (unsigned)sub, (unsigned)uni);
	} else if (gl_opt_whole(text, 0, ARTNET_PORT_ADDRESS_MAX, &v) != 0) {
		snprintf(why, len, "\"%s\" is not 0..%d or net:sub:uni (0..127:0..15:0..15)",
			 text, ARTNET_PORT_ADDRESS_MAX);
		return GL_EINVAL;
	}
	list->pa[index] = (uint16_t)v;
	list->count = index + 1;
	return 0;
}

static const struct gl_opt artnet_opts[] = {
	{ "nodes", GL_OPT_LIST, 1, ARTNET_MAX_NODES, .def_help = "broadcast",
	  GL_OPT_AT(struct artnet_output, node_list), .parse = parse_node,
	  .syntax = "IPv4 addresses", .help = "send unicast to these nodes instead of broadcast" },
	{ "broadcast", GL_OPT_IPV4, .def = "255.255.255.255",
	  GL_OPT_AT(struct artnet_output, broadcast_addr),
	  .help = "broadcast address (e.g. 2.255.255.255 on a 2.x Art-Net network)" },
	{ "port_addresses", GL_OPT_LIST, 1, sizeof ((struct artnet_pa_list *)0)->pa / 2,
	  .def_help = "universe - 1", GL_OPT_AT(struct artnet_output, pa_list),
	  GL_OPT_GIVEN(struct artnet_output, pa_given), .parse = parse_port_address,
	  .syntax = "N or net:sub:uni each",
	  .help = "one Port-Address per universe, in the order of universes" },
	{ "sync", GL_OPT_BOOL, .def = "false", GL_OPT_AT(struct artnet_output, sync),
	  .help = "ArtSync after each frame" },
	{ "listen", GL_OPT_BOOL, .def = "true", GL_OPT_AT(struct artnet_output, listen),
	  .help = "answer ArtPoll on listen_port" },
	{ "bind", GL_OPT_IPV4, .def = "0.0.0.0", GL_OPT_AT(struct artnet_output, bind_addr),
	  .help = "local address to send and listen from" },
	{ "port", GL_OPT_INT, 1, 65535, GL_OPT_STR(ARTNET_PORT),
	  GL_OPT_AT(struct artnet_output, port), .help = "UDP destination port" },
	{ "listen_port", GL_OPT_INT, 1, 65535, GL_OPT_STR(ARTNET_PORT),
	  GL_OPT_AT(struct artnet_output, listen_port), .help = "UDP port ArtPoll arrives on" },
	{ "short_name", GL_OPT_TEXT, 0, ARTNET_SHORT_NAME_LEN - 1, "ghostlight",
	  GL_OPT_AT(struct artnet_output, short_name), .help = "name in ArtPollReply" },
	{ "long_name", GL_OPT_TEXT, 0, ARTNET_LONG_NAME_LEN - 1,
	  .def_help = "\"ghostlight: <show>\"", GL_OPT_AT(struct artnet_output, long_name),
	  GL_OPT_GIVEN(struct artnet_output, long_name_given),
	  .help = "long name in ArtPollReply" },
	{ NULL },
};

static const struct gl_opt_table artnet_options = {
	"artnet", "Art-Net 4 over UDP, broadcast or unicast to nodes", artnet_opts,
};

/* Port-Addresses: as given (one per universe), else universe - 1. */
static int artnet_port_addresses(struct artnet_output *a, char *err, size_t err_len)
{
	if (a->pa_given && a->pa_list.count != a->universe_count) {
		snprintf(err, err_len, "port_addresses: needs one entry per universe (%d), not %d",
			 a->universe_count, a->pa_list.count);
		return GL_EINVAL;
	}
	for (int i = 0; i < a->universe_count; i++) {
		int number = a->universes[i].number;

		if (a->pa_given) {
			a->universes[i].port_address = a->pa_list.pa[i];
			continue;
		}
		/* "Universe 1" is Port-Address 0 (0:0:0) on most desks and nodes. */
		if (number - 1 > ARTNET_PORT_ADDRESS_MAX) {
			snprintf(err, err_len, "universe %d has no default Port-Address "
				 "(above %d): set port_addresses", number, ARTNET_PORT_ADDRESS_MAX + 1);
			return GL_EINVAL;
		}
		a->universes[i].port_address = (uint16_t)(number - 1);
	}
	return 0;
}

static int cmp_u16(const void *x, const void *y)
{
	return (int)*(const uint16_t *)x - (int)*(const uint16_t *)y;
}

static void artnet_free(struct artnet_output *a)
{
	if (!a)
		return;
	free(a->nodes);
	free(a->universes);
	free(a->sorted_pa);
	free(a->reply_pa);
	gl_udp_batch_free(&a->batch);
	free(a->batch_universe);
	free(a->pend_seq);
	free(a->pend_slots);
	free(a);
}

extern const struct gl_output_ops gl_output_artnet;

static struct gl_output *artnet_configure(const struct gl_output_config *cfg,
					  char *err, size_t err_len)
{
	struct artnet_output *a = gl_output_new(&gl_output_artnet, cfg, sizeof *a, err, err_len);

	if (!a)
		return NULL;
	if (!a->long_name_given)
		gl_output_default_name(a->long_name, sizeof a->long_name, cfg->show_name);
	a->fd = -1;
	a->universe_count = cfg->universe_count;
	a->node_count = a->node_list.count;
	a->universes = calloc((size_t)a->universe_count, sizeof *a->universes);
	a->sorted_pa = calloc((size_t)a->universe_count, sizeof *a->sorted_pa);
	a->reply_pa = calloc((size_t)a->universe_count, sizeof *a->reply_pa);
	a->nodes = calloc((size_t)(a->node_count ? a->node_count : 1), sizeof *a->nodes);
	if (!a->universes || !a->sorted_pa || !a->reply_pa || !a->nodes) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	for (int i = 0; i < a->node_count; i++) {
		a->nodes[i].sin_family = AF_INET;
		a->nodes[i].sin_addr = a->node_list.addr[i];
	}
	for (int i = 0; i < a->universe_count; i++) {
		a->universes[i].number = (uint16_t)cfg->universes[i];
		a->universes[i].frame_index = -1;
	}
	if (artnet_port_addresses(a, err, err_len))
		goto fail;

	for (int i = 0; i < a->universe_count; i++)
		a->sorted_pa[i] = a->universes[i].port_address;
	qsort(a->sorted_pa, (size_t)a->universe_count, sizeof *a->sorted_pa, cmp_u16);
	for (int i = 1; i < a->universe_count; i++) {
		if (a->sorted_pa[i] == a->sorted_pa[i - 1]) {
			/* Two universes into one Port-Address would flicker between
			 * the two looks at every node. */
			snprintf(err, err_len, "port_addresses: Port-Address %d (%d:%d:%d) is used "
				 "by two universes",
				 a->sorted_pa[i], artnet_pa_net(a->sorted_pa[i]),
				 artnet_pa_sub_net(a->sorted_pa[i]),
				 artnet_pa_universe(a->sorted_pa[i]));
			goto fail;
		}
	}
	int batch_cap = a->universe_count * (a->node_count ? a->node_count : 1);
	a->batch_universe = calloc((size_t)batch_cap, sizeof *a->batch_universe);
	a->pend_seq = calloc((size_t)a->universe_count, sizeof *a->pend_seq);
	a->pend_slots = calloc((size_t)a->universe_count, sizeof *a->pend_slots);
	if (!a->batch_universe || !a->pend_seq || !a->pend_slots ||
	    gl_udp_batch_init(&a->batch, batch_cap, ARTNET_DMX_MAX_LEN) != 0) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	return (struct gl_output *)a;

fail:
	artnet_free(a);
	return NULL;
}

/* ---- sending ------------------------------------------------------------ */

/* The packet just built, outside the frame's batch. */
static int artnet_sendto(struct artnet_output *a, const struct sockaddr_in *dest, int len,
			 uint64_t now_ns, const char *what, int number)
{
	return gl_udp_send_one(a->fd, a->packet, (size_t)len, dest, &a->status, "artnet", now_ns,
			       what, number);
}

/* Sends one ArtDmx to every node (or the broadcast address). *delivered
 * is set when at least one destination took it, and only then does the
 * universe's state advance; failures are counted and the first returned. */
static int artnet_send_universe(struct artnet_output *a, struct artnet_universe *u,
				const uint8_t *slots, uint64_t now_ns, bool *delivered_out)
{
	uint8_t seq = artnet_next_sequence(u->sequence);
	int len = artnet_wire_dmx(a->packet, sizeof a->packet, seq, 0, u->port_address,
				  slots, GL_DMX_SLOTS);
	int first_err = 0;
	bool delivered = false;

	if (len < 0)
		return len;
	if (a->node_count == 0) {
		first_err = artnet_sendto(a, &a->broadcast_dest, len, now_ns, "universe", u->number);
		delivered = first_err == 0;
	}
	for (int i = 0; i < a->node_count; i++) {
		int rc = artnet_sendto(a, &a->nodes[i], len, now_ns, "universe", u->number);

		if (rc == 0)
			delivered = true;
		else
			gl_first_error(&first_err, rc);
	}
	*delivered_out = delivered;
	if (delivered)
		u->sequence = seq;
	gl_stream_sent(&u->stream, slots, delivered, now_ns, ARTNET_KEEPALIVE_NS);
	return first_err;
}

/* ArtSync is broadcast only (Art-Net 4 forbids unicasting it); nodes take
 * it from the IP their ArtDmx came from, so unicast nodes still act on it. */
static int artnet_send_sync(struct artnet_output *a, uint64_t now_ns)
{
	int len = artnet_wire_sync(a->packet, sizeof a->packet);

	return len < 0 ? len : artnet_sendto(a, &a->broadcast_dest, len, now_ns, "sync", 0);
}

/* ---- ArtPoll ------------------------------------------------------------ */

static const struct artnet_universe *universe_by_pa(const struct artnet_output *a, uint16_t pa)
{
	for (int i = 0; i < a->universe_count; i++)
		if (a->universes[i].port_address == pa)
			return &a->universes[i];
	return NULL;
}

/* Answers one ArtPoll: one ArtPollReply per group of up to 4 ports that
 * share Net and Sub-Net, BindIndex 1, 2, ... so a poller lists them all
 * under our IP. Our ports put data onto Art-Net, so the spec calls them
 * input ports (PortTypes bit 6, GoodInput, SwIn), and a console is
 * StController; advertising output ports would make other controllers
 * unicast their universes to us. */
static void artnet_reply(struct artnet_output *a, const struct artnet_poll *poll,
			 const struct sockaddr_in *poller, struct in_addr local, uint64_t now_ns)
{
	struct artnet_poll_reply r;
	int count = 0;
	int bind_index = 1;

	for (int i = 0; i < a->universe_count; i++) {
		uint16_t pa = a->sorted_pa[i];

		if (!poll->targeted || (pa >= poll->target_bottom && pa <= poll->target_top))
			a->reply_pa[count++] = pa;
	}
	/* A targeted poll wants silence from nodes outside its range. */
	for (int start = 0; start < count; bind_index++) {
		int n = artnet_reply_group(a->reply_pa, count, start);
		int len;

		memset(&r, 0, sizeof r);
		memcpy(r.ip, &local.s_addr, 4);
		memcpy(r.bind_ip, &local.s_addr, 4);
		r.udp_port = ARTNET_PORT;
		r.version_info = ARTNET_VERSION_INFO;
		r.net_switch = artnet_pa_net(a->reply_pa[start]);
		r.sub_switch = artnet_pa_sub_net(a->reply_pa[start]);
		r.oem = ARTNET_OEM_UNKNOWN;
		r.esta_man = 0x0000;
		r.status1 = ARTNET_STATUS1_DEFAULT;
		r.status2 = ARTNET_STATUS2_PORT15;
		r.style = ARTNET_ST_CONTROLLER;
		r.bind_index = (uint8_t)(bind_index > 255 ? 255 : bind_index);
		snprintf(r.short_name, sizeof r.short_name, "%s", a->short_name);
		snprintf(r.long_name, sizeof r.long_name, "%s", a->long_name);
		/* "#0001" is RcPowerOk; the counter counts replies sent. */
		a->reply_counter = (a->reply_counter + 1) % 10000;
		snprintf(r.node_report, sizeof r.node_report, "#0001 [%04u] ok",
			 a->reply_counter);
		r.port_count = n;
		for (int p = 0; p < n; p++) {
			const struct artnet_universe *u = universe_by_pa(a, a->reply_pa[start + p]);

			r.port_types[p] = ARTNET_PORT_INPUT | ARTNET_PORT_DMX512;
			r.good_input[p] = u && u->stream.sent ? ARTNET_GOOD_DATA : 0;
			r.sw_in[p] = artnet_pa_universe(a->reply_pa[start + p]);
		}
		len = artnet_wire_poll_reply(a->packet, sizeof a->packet, &r);
		/* To the poller's address and port: a compliant poller sends from
		 * 6454 anyway, and tools polling from another port still hear us. */
		if (len > 0)
			artnet_sendto(a, poller, len, now_ns, "poll reply", bind_index);
		start += n;
	}
}

/* Reads one datagram with the local address it arrived on. Returns its
 * length, 0 when nothing is waiting, -1 on error (noted). */
static ssize_t artnet_receive(struct artnet_output *a, struct sockaddr_in *from,
			      struct in_addr *local, uint64_t now_ns)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = a->rx, .iov_len = sizeof a->rx };
	struct msghdr msg = {
		.msg_name = from, .msg_namelen = sizeof *from,
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof control.buf,
	};
	ssize_t n = recvmsg(a->fd, &msg, MSG_DONTWAIT);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		/* An ICMP error from an earlier send can surface here; it says
		 * nothing about the next packet, so note it and go on. */
		gl_report_set(&a->status.error, now_ns, "artnet: receive: %s", strerror(errno));
		return -1;
	}
	*local = a->bind_addr;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo info;

			memcpy(&info, CMSG_DATA(c), sizeof info);
			/* Bound to any address: report the address of the
			 * interface the poll came in on. */
			if (a->bind_addr.s_addr == htonl(INADDR_ANY))
				*local = info.ipi_spec_dst;
		}
	}
	/* A datagram larger than rx was cut (MSG_TRUNC); no Art-Net packet we
	 * answer is that big, so it is malformed either way. */
	if (msg.msg_flags & MSG_TRUNC)
		return (ssize_t)sizeof a->rx + 1;
	return n;
}

/* ---- ops ---------------------------------------------------------------- */

static int artnet_open_socket(struct artnet_output *a)
{
	int one = 1;

	a->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0)
		return -1;
	if (setsockopt(a->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0) {
		close(a->fd);
		a->fd = -1;
		return -1;
	}
	return 0;
}

static int artnet_open(struct gl_output *out)
{
	struct artnet_output *a = to_artnet(out);
	int one = 1;

	if (!a)
		return GL_EINVAL;
	if (a->fd >= 0)
		return GL_ESTATE;
	if (artnet_open_socket(a) != 0) {
		gl_report_set(&a->status.error, 0, "artnet: socket: %s", strerror(errno));
		return GL_EIO;
	}
	a->listening = false;
	if (a->listen) {
		struct sockaddr_in sa = {
			.sin_family = AF_INET,
			.sin_port = htons(a->listen_port),
			.sin_addr = a->bind_addr,
		};

		/* Send from the listening socket, so our packets leave from port
		 * 6454 as the spec asks and replies reach us. Another Art-Net
		 * program (olad, a visualiser) may hold the port: then we only
		 * send, from an ephemeral port, and say so. */
		if (setsockopt(a->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
		    setsockopt(a->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) == 0 &&
		    bind(a->fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
			a->listening = true;
		} else {
			char addr[INET_ADDRSTRLEN];
			int saved = errno;

			inet_ntop(AF_INET, &a->bind_addr, addr, sizeof addr);
			gl_report_set(&a->status.error, 0, "artnet: cannot listen on %s:%d (%s); sending only, "
				    "ArtPoll goes unanswered", addr, a->listen_port, strerror(saved));
			close(a->fd);
			if (artnet_open_socket(a) != 0) {
				gl_report_set(&a->status.error, 0, "artnet: socket: %s", strerror(errno));
				return GL_EIO;
			}
		}
	}
	memset(&a->broadcast_dest, 0, sizeof a->broadcast_dest);
	a->broadcast_dest.sin_family = AF_INET;
	a->broadcast_dest.sin_port = htons(a->port);
	a->broadcast_dest.sin_addr = a->broadcast_addr;
	for (int i = 0; i < a->node_count; i++)
		a->nodes[i].sin_port = htons(a->port);
	for (int i = 0; i < a->universe_count; i++)
		a->universes[i].stream.sent = false;
	return 0;
}

/* Queues one universe's ArtDmx for every destination into the batch. */
static int artnet_queue(struct artnet_output *a, int i, const uint8_t *slots)
{
	struct artnet_universe *u = &a->universes[i];
	int dests = a->node_count ? a->node_count : 1;

	a->pend_seq[i] = artnet_next_sequence(u->sequence);
	a->pend_slots[i] = slots;
	for (int d = 0; d < dests; d++) {
		struct sockaddr_in *dest = a->node_count ? &a->nodes[d] : &a->broadcast_dest;
		int n = a->batch.count;
		uint8_t *buf = gl_udp_batch_next(&a->batch, dest);
		int len = buf ? artnet_wire_dmx(buf, a->batch.size, a->pend_seq[i], 0,
						u->port_address, slots, GL_DMX_SLOTS)
			      : GL_EFULL;

		if (len < 0)
			return len;
		gl_udp_batch_commit(&a->batch, (size_t)len);
		a->batch_universe[n] = i;
	}
	return 0;
}

static int artnet_batch_number(const void *ctx, int j)
{
	const struct artnet_output *a = ctx;

	return a->universes[a->batch_universe[j]].number;
}

static int artnet_send(struct gl_output *out, const struct gl_frame *frame, uint64_t now_ns)
{
	struct artnet_output *a = to_artnet(out);
	int first_err = 0;
	bool any = false;

	if (!a || !frame)
		return GL_EINVAL;
	if (a->fd < 0)
		return GL_ESTATE;
	gl_udp_batch_clear(&a->batch);
	for (int i = 0; i < a->universe_count; i++) {
		struct artnet_universe *u = &a->universes[i];
		const uint8_t *slots = gl_frame_slots(frame, u->number, &u->frame_index);
		int rc;

		if (!slots)
			slots = zero_slots;   /* not rendered: dark, not silent */
		if (gl_stream_changed(&u->stream, slots))
			rc = artnet_queue(a, i, slots);
		else if (gl_stream_keepalive_due(&u->stream, now_ns))
			rc = artnet_queue(a, i, u->stream.slots);
		else
			continue;
		if (rc < 0)
			return rc;
	}
	/* The whole frame in as few calls as the kernel allows; a datagram it
	 * refuses is counted and noted, and the rest still go. */
	first_err = gl_udp_batch_send_counted(&a->batch, a->fd, &a->status, "artnet",
					      artnet_batch_number, a, now_ns);
	/* A universe advances when at least one destination took it; its
	 * datagrams are consecutive in the batch. */
	for (int j = 0; j < a->batch.count;) {
		int i = a->batch_universe[j];
		bool delivered = false;
		for (; j < a->batch.count && a->batch_universe[j] == i; j++)
			delivered |= a->batch.ok[j];
		struct artnet_universe *u = &a->universes[i];
		if (delivered) {
			any = true;
			u->sequence = a->pend_seq[i];
		}
		gl_stream_sent(&u->stream, a->pend_slots[i], delivered, now_ns,
			       ARTNET_KEEPALIVE_NS);
	}
	/* One ArtSync after the frame's ArtDmx makes nodes output together. */
	if (any && a->sync)
		gl_first_error(&first_err, artnet_send_sync(a, now_ns));
	gl_count(&a->status.frames_sent, 1);
	return first_err;
}

static void artnet_service(struct gl_output *out, uint64_t now_ns)
{
	struct artnet_output *a = to_artnet(out);
	bool any = false;

	if (!a || a->fd < 0)
		return;
	/* Keep-alives when frames stop coming (engine paused or stalled). */
	for (int i = 0; i < a->universe_count; i++) {
		struct artnet_universe *u = &a->universes[i];
		bool delivered = false;

		if (gl_stream_keepalive_due(&u->stream, now_ns)) {
			artnet_send_universe(a, u, u->stream.slots, now_ns, &delivered);
			any = any || delivered;
		}
	}
	if (any && a->sync)
		artnet_send_sync(a, now_ns);

	for (int i = 0; a->listening && i < ARTNET_RX_PER_SERVICE; i++) {
		struct sockaddr_in from;
		struct in_addr local;
		struct artnet_poll poll;
		ssize_t n = artnet_receive(a, &from, &local, now_ns);
		int opcode;
		char addr[INET_ADDRSTRLEN];

		if (n == 0)
			break;
		if (n < 0)
			continue;
		gl_count(&a->status.packets_received, 1);
		opcode = artnet_wire_opcode(a->rx, (size_t)n);
		if (opcode == ARTNET_OP_POLL && (size_t)n <= sizeof a->rx &&
		    artnet_wire_parse_poll(a->rx, (size_t)n, &poll) == 0) {
			artnet_reply(a, &poll, &from, local, now_ns);
			continue;
		}
		if (opcode >= 0 && opcode != ARTNET_OP_POLL)
			continue;   /* other Art-Net traffic, our own broadcasts too */
		gl_count(&a->status.packets_malformed, 1);
		inet_ntop(AF_INET, &from.sin_addr, addr, sizeof addr);
		gl_report_set(&a->status.error, now_ns, "artnet: ignored malformed %s from %s:%d (%zd bytes)",
			    opcode < 0 ? "packet" : "ArtPoll", addr, ntohs(from.sin_port), n);
	}
}

static uint64_t artnet_next_service_ns(struct gl_output *out)
{
	struct artnet_output *a = to_artnet(out);
	uint64_t next = 0;

	if (!a || a->fd < 0)
		return 0;
	for (int i = 0; i < a->universe_count; i++)
		next = gl_stream_earliest(next, &a->universes[i].stream);
	return next;
}

static int artnet_poll_fd(struct gl_output *out)
{
	struct artnet_output *a = to_artnet(out);

	return a && a->listening ? a->fd : -1;
}

static void artnet_close(struct gl_output *out)
{
	struct artnet_output *a = to_artnet(out);

	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	artnet_free(a);
}

const struct gl_output_ops gl_output_artnet = {
	.version = 1,
	.name = "artnet",
	.configure = artnet_configure,
	.open = artnet_open,
	.send = artnet_send,
	.close = artnet_close,
	.poll_fd = artnet_poll_fd,
	.service = artnet_service,
	.next_service_ns = artnet_next_service_ns,
	.max_universes = GL_OUTPUT_MAX_UNIVERSES,
	.options = &artnet_options,
};
