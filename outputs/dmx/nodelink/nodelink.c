/*
 * nodelink.c - the `nodes` output: universes to wireless DMX nodes, one
 * link per universe (nodelink_tx.c), through a transmitter on a serial
 * port (COBS-framed air packets; the transmitter times them) or straight
 * into the simulated air (UDP broadcast on loopback, packets stamped with
 * their on-air time; see PROTOCOL.md). It hears the nodes' reports and
 * answers `ghostlight node` on a control socket in the state directory.
 *
 * Firmware updates (nodelink_fw.c) ride on the same superframes: commands
 * in the downlink slot, chunks in the slots after the uplink window - on
 * the serial line in place of copy B while chunks go out (the line has
 * room for one superframe's packets, no more). `ghostlight node flash`
 * sends the image bundle over the control socket; it stays here (a job)
 * until the client has read how every node fared.
 *
 * configure() runs on the loading thread and does no I/O; open(), send(),
 * service(), next_service_ns(), poll_fd() and close() on the output
 * thread. Nothing blocks: the sockets and the tty are non-blocking, a
 * packet the kernel will not take is dropped and counted.
 *
 * Invariant: the superframe clock (next_sf_ns) advances by one period per
 * superframe sent; each superframe carries the newest engine frame that
 * arrived before it was built (the link's 40 Hz is not the engine's rate).
 */
#include "outputs/dmx/output.h"
#include "outputs/statedir.h"
#include "firmware/core/fwimage.h"
#include "nodelink_fw.h"
#include "nodelink_tx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define NODES_AIR_PORT 47000
#define NODES_SERIAL_BAUD B1000000
#define NODES_CTL_MAX 65000          /* one control reply, at most */
#define NODES_RX_MAX 4096
#define NODES_PACKETS (NODELINK_TX_PACKETS + NODELINK_FW_TAIL_MAX)
#define NODES_JOBS 8                 /* `node flash` requests kept at once */
#define NODES_BUNDLE_MAX (8u << 20)  /* image bundle bytes in one request */

struct nodes_link {
	struct nodelink_tx tx;
	int frame_index;             /* cached index in gl_frame.numbers; -1 none */
	uint8_t slots[NODELINK_SLOTS];
	struct sockaddr_in dest;     /* simulated air: this link's port */
	struct nodelink_fw *fw;      /* made at the first `node flash` on this link */
};

/* A `node flash` request: the bundle its nodes are flashed with. */
struct nodes_job {
	uint32_t id;                 /* 0: free */
	uint8_t *buf;                /* the request as received; the bundle is inside */
	const uint8_t *bundle;
	size_t len;
};

struct nodes_output {
	struct gl_output_status status;   /* first: see output.h */
	/* options (nodes_opts), fixed at configure() */
	char device[256];
	bool device_given;
	int air_port;
	char key_file[PATH_MAX];
	bool key_file_given;
	double period_ms;
	double lead_ms;
	char trace[PATH_MAX];
	bool trace_given;
	char name[GL_NAME_MAX];

	int link_count;
	struct nodes_link *links;

	/* runtime, output thread */
	uint8_t key[NODELINK_KEY_LEN];
	uint32_t epoch;
	uint32_t period_us;
	uint64_t lead_ns;
	uint64_t next_sf_ns;         /* start of the next superframe on the air */
	uint64_t frame_tick;         /* the newest engine frame taken */
	uint64_t frame_time_ns;
	uint64_t frame_got_ns;       /* when send() had it */
	bool have_frame;             /* send() has had one: there is a look to send */
	uint64_t late_superframes;
	bool started;                /* a superframe has gone out */
	int udp_fd, tty_fd, ctl_fd, epoll_fd;
	char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	FILE *trace_fp;
	uint8_t rx[NODES_RX_MAX];    /* serial bytes up to the next 0 */
	size_t rx_len;
	struct nodes_job jobs[NODES_JOBS];
	uint32_t next_job;
};

static const uint8_t zero_slots[NODELINK_SLOTS];

static struct nodes_output *to_nodes(struct gl_output *out)
{
	return (struct nodes_output *)out;
}

/* ---- options -------------------------------------------------------------- */

static const struct gl_opt nodes_opts[] = {
	{ "device", GL_OPT_TEXT, 1, 255, .def_help = "none: the simulated air",
	  GL_OPT_AT(struct nodes_output, device), GL_OPT_GIVEN(struct nodes_output, device_given),
	  .help = "serial port of the transmitter (one universe per transmitter); without it "
		  "packets go to the simulated air on loopback" },
	{ "air_port", GL_OPT_INT, 1024, 64000, GL_OPT_STR(NODES_AIR_PORT),
	  GL_OPT_AT(struct nodes_output, air_port),
	  .help = "simulated air: nodes report to this UDP port, universe u is on air_port + 1 + u % 1000" },
	{ "key_file", GL_OPT_TEXT, 1, PATH_MAX - 1, .def_help = "made once per installation",
	  GL_OPT_AT(struct nodes_output, key_file), GL_OPT_GIVEN(struct nodes_output, key_file_given),
	  .help = "the rig's link key (default ~/.local/state/ghostlight/nodelink.key, "
		  "made at first use, mode 0600, never printed)" },
	{ "period_ms", GL_OPT_REAL, 25, 100, "25", GL_OPT_AT(struct nodes_output, period_ms),
	  .help = "superframe period: one full universe and one DMX frame per period (25 = 40 Hz, "
		  "the shortest that holds a 512-slot frame with the longest BREAK and MAB)" },
	{ "lead_ms", GL_OPT_REAL, 0.5, 20, "2", GL_OPT_AT(struct nodes_output, lead_ms),
	  .help = "simulated air: packets are sent this long before their on-air time" },
	{ "trace", GL_OPT_TEXT, 1, PATH_MAX - 1, .def_help = "none",
	  GL_OPT_AT(struct nodes_output, trace), GL_OPT_GIVEN(struct nodes_output, trace_given),
	  .help = "write one line per superframe to this file (counter, on-air start, the engine "
		  "frame's tick, time and arrival, when its last packet left; ns), for latency "
		  "figures" },
	{ NULL },
};

static const struct gl_opt_table nodes_options = {
	"nodes", "wireless DMX nodes over the node link (PROTOCOL.md): a transmitter on a "
	"serial port, or the simulated air", nodes_opts,
};

extern const struct gl_output_ops gl_output_nodes;

static void nodes_free(struct nodes_output *o)
{
	if (!o)
		return;
	for (int i = 0; o->links && i < o->link_count; i++)
		free(o->links[i].fw);
	for (int i = 0; i < NODES_JOBS; i++)
		free(o->jobs[i].buf);
	free(o->links);
	free(o);
}

static struct gl_output *nodes_configure(const struct gl_output_config *cfg, char *err,
					 size_t err_len)
{
	struct nodes_output *o = gl_output_new(&gl_output_nodes, cfg, sizeof *o, err, err_len);

	if (!o)
		return NULL;
	if (o->device_given && cfg->universe_count > 1) {
		snprintf(err, err_len, "a transmitter carries one universe: declare one nodes "
			 "output per transmitter (device = \"%s\" has %d universes)", o->device,
			 cfg->universe_count);
		nodes_free(o);
		return NULL;
	}
	o->udp_fd = o->tty_fd = o->ctl_fd = o->epoll_fd = -1;
	o->link_count = cfg->universe_count;
	o->links = calloc((size_t)o->link_count, sizeof *o->links);
	if (!o->links) {
		nodes_free(o);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	for (int i = 0; i < o->link_count; i++) {
		o->links[i].tx.universe = (uint16_t)cfg->universes[i];
		o->links[i].frame_index = -1;
	}
	snprintf(o->name, sizeof o->name, "%s", cfg->name);
	/* the period on the 10 µs grid the beacon carries */
	o->period_us = (uint32_t)(o->period_ms * 100.0 + 0.5) * 10u;
	o->lead_ns = (uint64_t)(o->lead_ms * 1e6);
	return (struct gl_output *)o;
}

/* ---- key and epoch ---------------------------------------------------------- */

static int fill_random(void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom((uint8_t *)buf + got, len - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static int hex_value(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The key file: 64 hex digits and a newline. Returns 0, -1 when it does
 * not exist, -2 when it is not a key. */
static int read_key(const char *path, uint8_t key[NODELINK_KEY_LEN])
{
	char text[80];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? -1 : -2;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 2 * NODELINK_KEY_LEN)
		return -2;
	for (int i = 0; i < NODELINK_KEY_LEN; i++) {
		int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -2;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int load_key(struct nodes_output *o)
{
	char dir[PATH_MAX - 32], path[PATH_MAX];
	int rc;

	if (o->key_file_given) {
		snprintf(path, sizeof path, "%s", o->key_file);
	} else {
		if (gl_state_dir(dir, sizeof dir) != 0) {
			gl_report_set(&o->status.error, 0, "nodes: no state directory for the link "
				      "key (HOME unset); give key_file");
			return GL_EIO;
		}
		snprintf(path, sizeof path, "%s/nodelink.key", dir);
	}
	rc = read_key(path, o->key);
	if (rc == 0)
		return 0;
	if (rc == -2 || o->key_file_given) {
		gl_report_set(&o->status.error, 0, "nodes: %s: %s", path,
			      rc == -2 ? "not a link key (64 hex digits)" : "no such file");
		return GL_EIO;
	}
	/* first use on this installation: a new rig key */
	{
		char text[2 * NODELINK_KEY_LEN + 1];

		if (fill_random(o->key, sizeof o->key) != 0) {
			gl_report_set(&o->status.error, 0, "nodes: no randomness for a link key: %s",
				      strerror(errno));
			return GL_EIO;
		}
		for (int i = 0; i < NODELINK_KEY_LEN; i++)
			snprintf(text + 2 * i, 3, "%02x", o->key[i]);
		text[2 * NODELINK_KEY_LEN] = '\n';
		if (gl_state_mkdirs(dir) != 0 ||
		    gl_state_write(path, text, sizeof text, 0600) != 0) {
			gl_report_set(&o->status.error, 0, "nodes: cannot save the link key to %s: %s",
				      path, strerror(errno));
			return GL_EIO;
		}
	}
	return 0;
}

/* One epoch per console session, shared by every nodes output of the
 * process: a node moved from one output's universe to another's must not
 * see the session go backwards. max(stored + 1, unix time), stored before
 * it is used. */
static pthread_mutex_t epoch_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t session_epoch;

static int take_epoch(struct nodes_output *o, bool next)
{
	char dir[PATH_MAX - 32], path[PATH_MAX], text[32];
	uint32_t stored = 0, epoch;
	int rc = 0;

	pthread_mutex_lock(&epoch_lock);
	if (session_epoch && !next) {
		o->epoch = session_epoch;
		pthread_mutex_unlock(&epoch_lock);
		return 0;
	}
	if (gl_state_dir(dir, sizeof dir) == 0) {
		int fd;

		snprintf(path, sizeof path, "%s/nodelink.epoch", dir);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, text, sizeof text - 1);

			close(fd);
			if (n > 0) {
				text[n] = '\0';
				stored = (uint32_t)strtoul(text, NULL, 10);
			}
		}
	}
	epoch = (uint32_t)time(NULL);
	if (epoch <= stored)
		epoch = stored + 1;
	if (session_epoch && epoch <= session_epoch)
		epoch = session_epoch + 1;
	snprintf(text, sizeof text, "%" PRIu32 "\n", epoch);
	if (gl_state_dir(dir, sizeof dir) != 0 || gl_state_mkdirs(dir) != 0 ||
	    gl_state_write(path, text, strlen(text), 0600) != 0) {
		/* without a stored epoch a restart within the same second
		 * could repeat one: refuse rather than be replayable */
		gl_report_set(&o->status.error, 0, "nodes: cannot store the session epoch in %s: %s",
			      dir, strerror(errno));
		rc = GL_EIO;
	} else {
		session_epoch = epoch;
		o->epoch = epoch;
	}
	pthread_mutex_unlock(&epoch_lock);
	return rc;
}

static void start_links(struct nodes_output *o)
{
	for (int i = 0; i < o->link_count; i++) {
		struct nodes_link *l = &o->links[i];
		uint16_t universe = l->tx.universe, seed = 0;

		fill_random(&seed, sizeof seed);
		nodelink_tx_init(&l->tx, o->key, universe, o->epoch, 0, seed);
		l->tx.period_us = o->period_us;
	}
}

/* ---- transports ---------------------------------------------------------------- */

static int open_serial(struct nodes_output *o)
{
	struct termios t;
	int fd = open(o->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		gl_report_set(&o->status.error, 0, "nodes: transmitter %s: %s", o->device,
			      strerror(errno));
		return -1;
	}
	if (ioctl(fd, TIOCEXCL) != 0 || tcgetattr(fd, &t) != 0) {
		gl_report_set(&o->status.error, 0, "nodes: transmitter %s: not a serial port (%s)",
			      o->device, strerror(errno));
		close(fd);
		return -1;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)(CSTOPB | CRTSCTS);
	cfsetspeed(&t, NODES_SERIAL_BAUD);
	if (tcsetattr(fd, TCSANOW, &t) != 0) {
		gl_report_set(&o->status.error, 0, "nodes: transmitter %s: cannot set 1 Mbaud (%s)",
			      o->device, strerror(errno));
		close(fd);
		return -1;
	}
	tcflush(fd, TCIOFLUSH);
	return fd;
}

static int open_air(struct nodes_output *o)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->air_port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		gl_report_set(&o->status.error, 0, "nodes: simulated air on UDP port %d: %s",
			      o->air_port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (int i = 0; i < o->link_count; i++) {
		struct sockaddr_in *d = &o->links[i].dest;

		memset(d, 0, sizeof *d);
		d->sin_family = AF_INET;
		d->sin_port = htons((uint16_t)(o->air_port + 1 + o->links[i].tx.universe % 1000));
		d->sin_addr.s_addr = htonl(0x7fffffffu);       /* 127.255.255.255 */
	}
	return fd;
}

/* The control socket `ghostlight node` talks to: a datagram socket in the
 * state directory (mode 0700), named after the output. */
static void open_control(struct nodes_output *o)
{
	char dir[PATH_MAX], name[GL_NAME_MAX];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t k = 0;
	int fd;

	for (const char *p = o->name; *p && k < sizeof name - 1; p++)
		name[k++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ? *p : '_';
	name[k] = '\0';
	if (gl_state_dir(dir, sizeof dir) != 0 || gl_state_mkdirs(dir) != 0 ||
	    snprintf(o->ctl_path, sizeof o->ctl_path, "%s/nodes-%s.sock", dir, name) >=
	    (int)sizeof o->ctl_path) {
		gl_report_set(&o->status.error, 0, "nodes: no control socket (state directory "
			      "unusable or its path too long): `ghostlight node` cannot reach this show");
		o->ctl_path[0] = '\0';
		return;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memcpy(sa.sun_path, o->ctl_path, strlen(o->ctl_path) + 1);
	unlink(o->ctl_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		gl_report_set(&o->status.error, 0, "nodes: control socket %s: %s", o->ctl_path,
			      strerror(errno));
		if (fd >= 0)
			close(fd);
		o->ctl_path[0] = '\0';
		return;
	}
	chmod(o->ctl_path, 0600);
	o->ctl_fd = fd;
}

static int watch(struct nodes_output *o, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return fd < 0 ? 0 : epoll_ctl(o->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

static void nodes_shut(struct nodes_output *o)
{
	if (o->epoll_fd >= 0)
		close(o->epoll_fd);
	if (o->udp_fd >= 0)
		close(o->udp_fd);
	if (o->tty_fd >= 0)
		close(o->tty_fd);
	if (o->ctl_fd >= 0) {
		close(o->ctl_fd);
		unlink(o->ctl_path);
	}
	if (o->trace_fp)
		fclose(o->trace_fp);
	o->epoll_fd = o->udp_fd = o->tty_fd = o->ctl_fd = -1;
	o->trace_fp = NULL;
}

static int nodes_open(struct gl_output *out)
{
	struct nodes_output *o = to_nodes(out);

	if (!o)
		return GL_EINVAL;
	if (o->epoll_fd >= 0)
		return GL_ESTATE;
	if (load_key(o) != 0 || take_epoch(o, false) != 0)
		return GL_EIO;
	start_links(o);
	o->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (o->epoll_fd < 0) {
		gl_report_set(&o->status.error, 0, "nodes: epoll: %s", strerror(errno));
		return GL_EIO;
	}
	if (o->device_given)
		o->tty_fd = open_serial(o);
	else
		o->udp_fd = open_air(o);
	if ((o->device_given ? o->tty_fd : o->udp_fd) < 0) {
		nodes_shut(o);
		return GL_EIO;
	}
	open_control(o);
	if (o->trace_given && !(o->trace_fp = fopen(o->trace, "we")))
		gl_report_set(&o->status.error, 0, "nodes: trace %s: %s", o->trace, strerror(errno));
	if (watch(o, o->udp_fd) || watch(o, o->tty_fd) || watch(o, o->ctl_fd)) {
		gl_report_set(&o->status.error, 0, "nodes: epoll: %s", strerror(errno));
		nodes_shut(o);
		return GL_EIO;
	}
	o->next_sf_ns = gl_now_ns() + o->lead_ns + 1000000u;
	o->started = false;
	return 0;
}

/* ---- sending ------------------------------------------------------------------- */

static int nodes_send(struct gl_output *out, const struct gl_frame *frame, uint64_t now_ns)
{
	struct nodes_output *o = to_nodes(out);

	if (!o || !frame)
		return GL_EINVAL;
	for (int i = 0; i < o->link_count; i++) {
		struct nodes_link *l = &o->links[i];
		const uint8_t *slots = gl_frame_slots(frame, l->tx.universe, &l->frame_index);

		/* a universe the engine does not render is dark, not silent */
		memcpy(l->slots, slots ? slots : zero_slots, NODELINK_SLOTS);
	}
	o->frame_tick = frame->tick;
	o->frame_time_ns = frame->time_ns;
	o->frame_got_ns = now_ns;
	o->have_frame = true;
	/* A show at the link's rate: the superframe clock starts just after
	 * the first frame's send time (the schedule's, not when this thread
	 * got to it), so every superframe carries a frame that is 0.3 ms old,
	 * not up to a period (both run on CLOCK_MONOTONIC at the same period:
	 * they stay in step). Only before the first superframe: later the
	 * counter and the nodes' clocks hang on it. */
	if (!o->started && frame->period_ns == (uint64_t)o->period_us * 1000u)
		o->next_sf_ns = (frame->send_at_ns ? frame->send_at_ns : now_ns) + o->lead_ns + 300000u;
	gl_count(&o->status.frames_sent, 1);
	return 0;
}

/* One link's superframe into the simulated air: every packet stamped with
 * the end of its slot. */
static int send_air(struct nodes_output *o, struct nodes_link *l,
		    const struct nodelink_tx_packet *pk, int n, uint64_t t0_ns)
{
	uint8_t bufs[NODES_PACKETS][NODELINK_AIR_MAX];
	struct iovec iov[NODES_PACKETS];
	struct mmsghdr msgs[NODES_PACKETS];
	int sent = 0;

	for (int i = 0; i < n; i++) {
		struct nodelink_air a = {
			.channel = pk[i].channel, .address = l->tx.address, .len = pk[i].len,
			.at_ns = t0_ns + 1000ull * nodelink_slot_end_us(l->tx.slot_us, pk[i].slot),
		};
		int len;

		memcpy(a.pkt, pk[i].pkt, pk[i].len);
		len = nodelink_air_encode(bufs[i], sizeof bufs[i], &a);
		iov[i] = (struct iovec){ bufs[i], (size_t)len };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &l->dest,
				.msg_namelen = sizeof l->dest, .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	while (sent < n) {
		int rc = sendmmsg(o->udp_fd, msgs + sent, (unsigned)(n - sent), MSG_DONTWAIT);

		if (rc <= 0) {
			gl_count(&o->status.send_errors, (uint64_t)(n - sent));
			gl_report_set(&o->status.error, t0_ns, "nodes: universe %u to the air: %s",
				      l->tx.universe, rc < 0 ? strerror(errno) : "nothing sent");
			return GL_EIO;
		}
		sent += rc;
	}
	gl_count(&o->status.packets_sent, (uint64_t)n);
	return 0;
}

/* To the transmitter: COBS frames; `at` is the slot's end from the
 * superframe's start, in ns (the transmitter keeps the time). */
static int send_serial(struct nodes_output *o, struct nodes_link *l,
		       const struct nodelink_tx_packet *pk, int n, uint64_t now_ns)
{
	uint8_t buf[NODES_PACKETS * (NODELINK_AIR_MAX + 4)];
	size_t len = 0;
	ssize_t w;

	for (int i = 0; i < n; i++) {
		struct nodelink_air a = {
			.channel = pk[i].channel, .address = l->tx.address, .len = pk[i].len,
			.at_ns = 1000ull * nodelink_slot_end_us(l->tx.slot_us, pk[i].slot),
		};
		uint8_t env[NODELINK_AIR_MAX];
		int elen, clen;

		memcpy(a.pkt, pk[i].pkt, pk[i].len);
		elen = nodelink_air_encode(env, sizeof env, &a);
		clen = nodelink_cobs_encode(buf + len, sizeof buf - len - 1, env, (size_t)elen);
		if (elen < 0 || clen < 0)
			return GL_EINVAL;
		len += (size_t)clen;
		buf[len++] = 0;
	}
	w = write(o->tty_fd, buf, len);
	if (w == (ssize_t)len) {
		gl_count(&o->status.packets_sent, (uint64_t)n);
		return 0;
	}
	gl_count(&o->status.send_errors, 1);
	gl_report_set(&o->status.error, now_ns, "nodes: transmitter %s: %s", o->device,
		      w < 0 ? strerror(errno) : "short write (the transmitter takes no data?)");
	return GL_EIO;
}

/* The serial line carries one superframe's packets in a superframe and no
 * more: while chunks go out, copy B of the universe makes room for them. */
static int drop_copy_b(struct nodelink_tx_packet *pk, int n)
{
	int kept = 0;

	for (int i = 0; i < n; i++)
		if (pk[i].slot < NODELINK_SLOT_COPY_B || pk[i].slot >= NODELINK_SLOT_DOWN)
			pk[kept++] = pk[i];
	return kept;
}

static void superframe(struct nodes_output *o, uint64_t now_ns)
{
	struct nodelink_tx_packet pk[NODES_PACKETS];
	uint64_t t0 = o->next_sf_ns;
	uint32_t counter = o->link_count ? o->links[0].tx.counter : 0;

	/* 24 bits of superframes (116 hours at 40 Hz): a new session */
	if (counter > NODELINK_COUNTER_MAX && take_epoch(o, true) == 0)
		start_links(o);
	for (int i = 0; i < o->link_count; i++) {
		struct nodes_link *l = &o->links[i];
		int n;

		if (l->fw)
			nodelink_fw_step(l->fw, &l->tx, now_ns);
		/* no zeros before the engine's first frame: a node holding the
		 * look of a console that crashed keeps it until the look is back */
		n = nodelink_tx_superframe(&l->tx, o->have_frame ? l->slots : NULL, pk);
		if (n <= 0)
			continue;
		if (l->fw && nodelink_fw_sending(l->fw)) {
			int room = NODELINK_FW_TAIL_MAX;

			if (o->tty_fd >= 0) {
				n = drop_copy_b(pk, n);
				room = NODELINK_FRAGS;
			}
			n += nodelink_fw_tail(l->fw, &l->tx, pk + n, room);
		}
		if (o->tty_fd >= 0)
			send_serial(o, l, pk, n, now_ns);
		else
			send_air(o, l, pk, n, t0);
	}
	if (o->trace_fp)
		fprintf(o->trace_fp, "sf %" PRIu32 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
			" %" PRIu64 "\n", counter, t0, o->frame_tick, o->frame_time_ns, o->frame_got_ns,
			gl_now_ns());    /* after the last packet left */
	o->next_sf_ns += (uint64_t)o->period_us * 1000u;
	o->started = true;
	/* Fell behind (the thread was held up): skip ahead, never burst. The
	 * counter is time: superframes not sent are counted all the same, or
	 * the nodes' clocks (which count on without us) would hop a channel
	 * behind from then on. */
	if (o->next_sf_ns < now_ns + o->lead_ns) {
		uint64_t period = (uint64_t)o->period_us * 1000u;
		uint64_t skip = (now_ns + o->lead_ns - o->next_sf_ns) / period + 1;

		o->next_sf_ns += skip * period;
		for (int i = 0; i < o->link_count; i++)
			o->links[i].tx.counter += (uint32_t)skip;
		o->late_superframes += skip;
	}
}

/* ---- receiving ------------------------------------------------------------------- */

static void heard(struct nodes_output *o, const struct nodelink_air *a, uint64_t now_ns)
{
	for (int i = 0; i < o->link_count; i++) {
		struct nodes_link *l = &o->links[i];
		int rc;

		if (l->tx.address != a->address)
			continue;
		rc = nodelink_tx_heard(&l->tx, now_ns, a->pkt, a->len, a->rssi_dbm);
		if (rc == 0)
			gl_count(&o->status.packets_received, 1);
		else if (rc != NODELINK_TX_EFOREIGN)
			gl_count(&o->status.packets_malformed, 1);   /* bad MAC, stale, malformed */
		return;
	}
}

static void read_air(struct nodes_output *o, uint64_t now_ns)
{
	uint8_t buf[256];
	struct nodelink_air a;

	for (int k = 0; k < 256; k++) {
		ssize_t n = recv(o->udp_fd, buf, sizeof buf, MSG_DONTWAIT);

		if (n < 0)
			return;
		if (nodelink_air_decode(buf, (size_t)n, &a) != 0) {
			gl_count(&o->status.packets_malformed, 1);
			continue;
		}
		if (a.flags & NODELINK_AIR_UP)
			heard(o, &a, now_ns);
	}
}

static void read_serial(struct nodes_output *o, uint64_t now_ns)
{
	uint8_t buf[512];
	ssize_t n;

	while ((n = read(o->tty_fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			uint8_t frame[NODELINK_AIR_MAX];
			struct nodelink_air a;
			int len;

			if (buf[i] != 0) {
				if (o->rx_len < sizeof o->rx)
					o->rx[o->rx_len++] = buf[i];
				continue;
			}
			len = nodelink_cobs_decode(frame, sizeof frame, o->rx, o->rx_len);
			o->rx_len = 0;
			if (len < 0 || nodelink_air_decode(frame, (size_t)len, &a) != 0) {
				gl_count(&o->status.packets_malformed, 1);
				continue;
			}
			heard(o, &a, now_ns);
		}
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		gl_report_set(&o->status.error, now_ns, "nodes: transmitter %s: %s", o->device,
			      n == 0 ? "hung up (unplugged?)" : strerror(errno));
		epoll_ctl(o->epoll_fd, EPOLL_CTL_DEL, o->tty_fd, NULL);
	}
}

/* ---- the control socket ------------------------------------------------------------ */

static struct nodes_link *find_link(struct nodes_output *o, unsigned universe)
{
	for (int i = 0; i < o->link_count; i++)
		if (o->links[i].tx.universe == universe)
			return &o->links[i];
	return NULL;
}

/* Appends to out; false when it does not fit (out is then cut). */
static bool appendf(char *out, size_t cap, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool appendf(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(out + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= cap - *len)
		return false;
	*len += (size_t)w;
	return true;
}

static size_t list_reply(struct nodes_output *o, char *out, size_t cap, uint64_t now_ns)
{
	size_t len = 0;

#define ADD(...) if (!appendf(out, cap, &len, __VA_ARGS__)) goto full
	for (int i = 0; i < o->link_count; i++) {
		const struct nodelink_tx *tx = &o->links[i].tx;

		ADD("link %u epoch=%" PRIu32 " counter=%" PRIu32 " reports=%" PRIu32
		    " bad_mac=%" PRIu32 " stale=%" PRIu32 "\n", tx->universe, tx->epoch, tx->counter,
		    tx->stats.reports, tx->stats.bad_mac, tx->stats.stale);
		for (int k = 0; k < NODELINK_TX_NODES; k++) {
			const struct nodelink_tx_node *e = &tx->nodes[k];
			const struct nodelink_status *s = &e->status;
			const struct nodelink_config *c = &e->config;

			if (!e->id)
				continue;
			ADD("node %u %u heard_ms=%" PRIu64 " rssi=%d reports=%" PRIu32 " status=%d"
			    " state=%u rx=%u loss=%u node_rssi=%d temp=%d fw=%u uptime=%" PRIu32
			    " start=%u failsafe=%u cpu=%u rate=%u flags=%u config=%d cuniverse=%u"
			    " cstart=%u ccount=%u cfailsafe=%u ctimeout=%u cbreak=%u cmab=%u hello=%d"
			    " board=%u fwinfo=%d fwver=%u fwslot=%u fwflags=%u fwboot=%u rbver=%u"
			    " rbreason=%u xstate=%u xcontig=%u xchunks=%u\n", tx->universe, e->id,
			    now_ns > e->heard_ns ? (now_ns - e->heard_ns) / 1000000u : 0, e->rssi_dbm,
			    e->reports, e->has_status, s->state, s->rx_percent, s->loss_permille,
			    s->rssi_dbm, s->temperature_c, s->fw_version, s->uptime_s, s->start,
			    s->failsafe, s->cpu_percent, s->dmx_rate_centihz, s->flags, e->has_config,
			    c->universe, c->start, c->count, c->failsafe, c->timeout_10ms, c->break_us,
			    c->mab_us, e->has_hello, e->hello.board, e->fw_infos > 0, e->fw.version,
			    e->fw.slot, e->fw.flags, e->fw.boot_version, e->fw.rollback_version,
			    e->fw.rollback_reason, e->fw.state, e->fw.contig, e->fw.chunks);
		}
	}
	ADD("end\n");
	return len;
full:
	len = (size_t)snprintf(out, cap, "error the node list does not fit in one reply\n");
	return len;
#undef ADD
}

/* "config ID UNIVERSE MASK universe start count failsafe timeout break mab":
 * queued on the link of UNIVERSE (where `node list` heard the node). */
static size_t config_request(struct nodes_output *o, const char *req, char *out, size_t cap)
{
	unsigned id, universe, mask, v[7];
	struct nodelink_config c;
	struct nodes_link *l;
	uint8_t body[NODELINK_BODY_LEN];
	int32_t ticket;

	if (sscanf(req, "config %u %u %u %u %u %u %u %u %u %u", &id, &universe, &mask, &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) != 10 || !id || id >= NODELINK_NODE_ALL)
		return (size_t)snprintf(out, cap, "error malformed config request\n");
	if (!(l = find_link(o, universe)))
		return (size_t)snprintf(out, cap, "error this output has no universe %u\n", universe);
	c = (struct nodelink_config){ .universe = (uint16_t)v[0], .start = (uint16_t)v[1],
		.count = (uint16_t)v[2], .failsafe = (uint8_t)v[3], .timeout_10ms = (uint16_t)v[4],
		.break_us = (uint16_t)v[5], .mab_us = (uint16_t)v[6] };
	if (nodelink_config_check(&c, mask) != 0)
		return (size_t)snprintf(out, cap, "error a value is out of range\n");
	nodelink_config_put(body, mask, &c);
	ticket = nodelink_tx_command(&l->tx, (uint16_t)id, NODELINK_CMD_CONFIG, body);
	if (ticket < 0)
		return (size_t)snprintf(out, cap, "error too many commands waiting on universe %u\n",
					universe);
	return (size_t)snprintf(out, cap, "queued %u %" PRId32 "\n", universe, ticket);
}

static size_t command_request(struct nodes_output *o, const char *req, char *out, size_t cap)
{
	unsigned universe, ticket;
	struct nodes_link *l;
	uint8_t result = 0;

	if (sscanf(req, "command %u %u", &universe, &ticket) != 2 || !(l = find_link(o, universe)))
		return (size_t)snprintf(out, cap, "error malformed command request\n");
	switch (nodelink_tx_command_state(&l->tx, ticket, &result)) {
	case NODELINK_CMD_PENDING: return (size_t)snprintf(out, cap, "pending\n");
	case NODELINK_CMD_DONE: return (size_t)snprintf(out, cap, "done %u\n", result);
	case NODELINK_CMD_TIMEOUT: return (size_t)snprintf(out, cap, "timeout\n");
	default: return (size_t)snprintf(out, cap, "unknown\n");
	}
}

/* ---- firmware jobs ---------------------------------------------------------------- */

/* Frees the jobs no link uses any more. */
static void jobs_collect(struct nodes_output *o)
{
	for (int j = 0; j < NODES_JOBS; j++) {
		bool used = false;

		for (int i = 0; o->jobs[j].id && i < o->link_count; i++)
			used |= o->links[i].fw && nodelink_fw_uses(o->links[i].fw, o->jobs[j].id);
		if (o->jobs[j].id && !used) {
			free(o->jobs[j].buf);
			memset(&o->jobs[j], 0, sizeof o->jobs[j]);
		}
	}
}

/* The link that heard a node last, or NULL. */
static struct nodes_link *link_of_node(struct nodes_output *o, uint16_t id)
{
	struct nodes_link *best = NULL;
	uint64_t best_heard = 0;

	for (int i = 0; i < o->link_count; i++) {
		const struct nodelink_tx_node *e = nodelink_tx_node(&o->links[i].tx, id);

		if (e && (!best || e->heard_ns > best_heard)) {
			best = &o->links[i];
			best_heard = e->heard_ns;
		}
	}
	return best;
}

/* "flash ID[,ID...]\n" and the bundle: each node on the link that heard it
 * last. Takes `buf` (malloc'd, the whole request) when it answers with a
 * job; the reply lists the nodes taken and why the others were not. */
static size_t flash_request(struct nodes_output *o, uint8_t **buf, size_t n, char *out,
			    size_t cap, uint64_t now_ns)
{
	const char *text = (const char *)*buf;
	const uint8_t *nl = memchr(*buf, '\n', n < 256 ? n : 256);
	struct nodes_job *job = NULL;
	struct fw_image_header h;
	size_t len = 0, at = 0, bundle_len;
	const uint8_t *bundle;
	int images = 0, rc, taken = 0;

	if (!nl)
		return (size_t)snprintf(out, cap, "error malformed flash request\n");
	bundle = nl + 1;
	bundle_len = n - (size_t)(bundle - *buf);
	while ((rc = fw_bundle_next(bundle, bundle_len, &at, &h)) == FW_IMG_OK)
		images++;
	if (rc != -1 || !images)
		return (size_t)snprintf(out, cap, "error the image file: %s\n",
					images || rc != -1 ? fw_image_strerror(rc) : "no image in it");
	jobs_collect(o);
	for (int j = 0; j < NODES_JOBS && !job; j++)
		if (!o->jobs[j].id)
			job = &o->jobs[j];
	if (!job)
		return (size_t)snprintf(out, cap, "error %d flash requests are running\n", NODES_JOBS);
	job->id = ++o->next_job ? o->next_job : ++o->next_job;
	len += (size_t)snprintf(out + len, cap - len, "job %" PRIu32 "\n", job->id);
	for (const char *p = text + 6; p < (const char *)nl && len < cap - 200;) {
		char *end;
		unsigned long id = strtoul(p, &end, 10);
		struct nodes_link *l;

		if (end == p || !id || id >= NODELINK_NODE_ALL) {
			len += (size_t)snprintf(out + len, cap - len, "error malformed node list\n");
			break;
		}
		p = *end == ',' ? end + 1 : end;
		if (!(l = link_of_node(o, (uint16_t)id))) {
			len += (size_t)snprintf(out + len, cap - len, "refused %lu not heard\n", id);
			continue;
		}
		if (!l->fw) {
			if (!(l->fw = malloc(sizeof *l->fw))) {
				len += (size_t)snprintf(out + len, cap - len, "refused %lu out of memory\n", id);
				continue;
			}
			nodelink_fw_init(l->fw);
		}
		if (nodelink_fw_add(l->fw, (uint16_t)id, bundle, bundle_len, job->id, now_ns) != 0) {
			len += (size_t)snprintf(out + len, cap - len, "refused %lu %d nodes of universe %u "
						"are being flashed\n", id, NODELINK_FW_TARGETS, l->tx.universe);
			continue;
		}
		len += (size_t)snprintf(out + len, cap - len, "node %lu %u\n", id, l->tx.universe);
		taken++;
	}
	if (!taken) {
		memset(job, 0, sizeof *job);
	} else {
		job->buf = *buf;
		job->bundle = bundle;
		job->len = bundle_len;
		*buf = NULL;
	}
	len += (size_t)snprintf(out + len, cap - len, "end\n");
	return len;
}

/* "fwstate JOB": every node of the job, where it is. */
static size_t fwstate_request(struct nodes_output *o, const char *req, char *out, size_t cap,
			      uint64_t now_ns)
{
	unsigned long job;
	size_t len = 0;

	if (sscanf(req, "fwstate %lu", &job) != 1)
		return (size_t)snprintf(out, cap, "error malformed fwstate request\n");
	for (int i = 0; i < o->link_count; i++) {
		const struct nodelink_fw *fw = o->links[i].fw;

		for (int k = 0; fw && k < NODELINK_FW_TARGETS; k++) {
			const struct nodelink_fw_target *t = &fw->targets[k];
			uint64_t end = t->finished_ns ? t->finished_ns : now_ns;

			if (!t->node || t->job != job || len > cap - 400)
				continue;
			len += (size_t)snprintf(out + len, cap - len,
				"fw %u %u phase=%s reason=%u contig=%u chunks=%u from=%u to=%u resumes=%u "
				"resumed_at=%u ms=%" PRIu64 " send_ms=%" PRIu64 " why=%s\n",
				o->links[i].tx.universe, t->node, nodelink_fw_phase_name(t->phase), t->reason,
				t->contig, t->chunks, t->from_version, t->to_version, t->resumes, t->resumed_at,
				(end - t->started_ns) / 1000000u,
				t->send_to_ns ? (t->send_to_ns - t->send_from_ns) / 1000000u : 0,
				t->reason ? nodelink_fw_strerror(t->reason) : "-");
		}
	}
	len += (size_t)snprintf(out + len, cap - len, "end\n");
	return len;
}

/* "fwforget JOB": the client has seen the end; finished nodes go. */
static size_t fwforget_request(struct nodes_output *o, const char *req, char *out, size_t cap)
{
	unsigned long job;

	if (sscanf(req, "fwforget %lu", &job) != 1)
		return (size_t)snprintf(out, cap, "error malformed fwforget request\n");
	for (int i = 0; i < o->link_count; i++)
		if (o->links[i].fw)
			nodelink_fw_forget(o->links[i].fw, (uint32_t)job);
	jobs_collect(o);
	return (size_t)snprintf(out, cap, "ok\n");
}

static void read_control(struct nodes_output *o, uint64_t now_ns)
{
	static char reply[NODES_CTL_MAX];    /* output thread only */
	struct sockaddr_un from;

	for (int k = 0; k < 16; k++) {
		socklen_t flen = sizeof from;
		/* the size first: a flash request carries an image bundle */
		ssize_t size = recv(o->ctl_fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT), n;
		uint8_t *buf;
		const char *req;
		size_t len;

		if (size < 0)
			return;
		if ((size_t)size > NODES_BUNDLE_MAX + 256 || !(buf = malloc((size_t)size + 1))) {
			recv(o->ctl_fd, reply, 1, MSG_DONTWAIT);     /* dropped */
			continue;
		}
		n = recvfrom(o->ctl_fd, buf, (size_t)size, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			free(buf);
			return;
		}
		buf[n] = '\0';
		req = (const char *)buf;
		if (strncmp(req, "list", 4) == 0)
			len = list_reply(o, reply, sizeof reply, now_ns);
		else if (strncmp(req, "config ", 7) == 0)
			len = config_request(o, req, reply, sizeof reply);
		else if (strncmp(req, "command ", 8) == 0)
			len = command_request(o, req, reply, sizeof reply);
		else if (strncmp(req, "flash ", 6) == 0)
			len = flash_request(o, &buf, (size_t)n, reply, sizeof reply, now_ns);
		else if (strncmp(req, "fwstate ", 8) == 0)
			len = fwstate_request(o, req, reply, sizeof reply, now_ns);
		else if (strncmp(req, "fwforget ", 9) == 0)
			len = fwforget_request(o, req, reply, sizeof reply);
		else
			len = (size_t)snprintf(reply, sizeof reply, "error unknown request\n");
		free(buf);
		/* an anonymous sender cannot be answered; a gone one is its loss */
		if (flen > sizeof(sa_family_t))
			sendto(o->ctl_fd, reply, len, MSG_DONTWAIT, (struct sockaddr *)&from, flen);
	}
}

/* ---- ops ------------------------------------------------------------------------------ */

static void nodes_service(struct gl_output *out, uint64_t now_ns)
{
	struct nodes_output *o = to_nodes(out);
	struct epoll_event ev[8];
	int n;

	if (!o || o->epoll_fd < 0)
		return;
	n = epoll_wait(o->epoll_fd, ev, 8, 0);
	for (int i = 0; i < n; i++) {
		if (ev[i].data.fd == o->udp_fd)
			read_air(o, now_ns);
		else if (ev[i].data.fd == o->tty_fd)
			read_serial(o, now_ns);
		else if (ev[i].data.fd == o->ctl_fd)
			read_control(o, now_ns);
	}
	if (now_ns + o->lead_ns >= o->next_sf_ns)
		superframe(o, now_ns);
}

static uint64_t nodes_next_service_ns(struct gl_output *out)
{
	struct nodes_output *o = to_nodes(out);

	return o && o->epoll_fd >= 0 ? o->next_sf_ns - o->lead_ns : 0;
}

static int nodes_poll_fd(struct gl_output *out)
{
	struct nodes_output *o = to_nodes(out);

	return o ? o->epoll_fd : -1;
}

static void nodes_close(struct gl_output *out)
{
	struct nodes_output *o = to_nodes(out);

	if (!o)
		return;
	nodes_shut(o);
	nodes_free(o);
}

const struct gl_output_ops gl_output_nodes = {
	.version = 1,
	.name = "nodes",
	.configure = nodes_configure,
	.open = nodes_open,
	.send = nodes_send,
	.close = nodes_close,
	.poll_fd = nodes_poll_fd,
	.service = nodes_service,
	.next_service_ns = nodes_next_service_ns,
	.max_universes = GL_OUTPUT_MAX_UNIVERSES,
	.options = &nodes_options,
};
