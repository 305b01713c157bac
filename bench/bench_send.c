/*
 * bench_send.c - the send path alone: an sACN or Art-Net output (the real
 * one, from the registry) sends N universes, every slot changing every
 * frame, unicast to a socket on 127.0.0.1 that a second thread drains, at
 * the show rate for a few seconds. Prints the sending thread's CPU share
 * and its CPU time per universe-frame, what left and what arrived. No
 * engine: what it measures is the output and the kernel's send path.
 *
 *   bench_send [--type sacn|artnet] [--universes 1,64,256,1024,4096]
 *              [--seconds 3] [--rate 44]
 *
 * The outputs keep UDP GSO away from loopback unless GHOSTLIGHT_UDP_GSO=1
 * (see outputs/dmx/udp_batch.h); this program sets it, unless the
 * environment already says (=0: GSO off, to compare).
 * A benchmark prints figures; it asserts nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_args.h"
#include "outputs/dmx/output.h"

struct drain {
	int fd;
	atomic_bool running;
	atomic_ullong received;
};

/* Reads whatever arrives, so the receiver's queue never overflows. */
static void *drain_main(void *arg)
{
	struct drain *d = arg;
	enum { BATCH = 64 };
	static uint8_t bufs[BATCH][1500];
	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];
	for (int i = 0; i < BATCH; i++) {
		iovs[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iovs[i], .msg_iovlen = 1 } };
	}
	/* recvmmsg's own timeout is only looked at between datagrams */
	struct timeval tv = { 0, 50 * 1000 };
	setsockopt(d->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	while (atomic_load(&d->running)) {
		int n = recvmmsg(d->fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n > 0)
			atomic_fetch_add(&d->received, (unsigned long long)n);
	}
	return NULL;
}

static double thread_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void opt(struct gl_output_config *cfg, const char *key, const char *value)
{
	struct gl_option *o = &cfg->options[cfg->option_count++];
	snprintf(o->key, sizeof o->key, "%s", key);
	snprintf(o->value, sizeof o->value, "%s", value);
}

static void run(const char *type, int universes, double seconds, double rate)
{
	struct drain d = { .fd = socket(AF_INET, SOCK_DGRAM, 0) };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	int big = 16 << 20;
	setsockopt(d.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	if (bind(d.fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(d.fd, (struct sockaddr *)&sa, &sl) != 0) {
		perror("bench_send: receiver");
		exit(1);
	}
	char port[16];
	snprintf(port, sizeof port, "%d", ntohs(sa.sin_port));

	struct gl_output_config cfg = { .universe_count = universes };
	snprintf(cfg.name, sizeof cfg.name, "bench");
	snprintf(cfg.type, sizeof cfg.type, "%s", type);
	snprintf(cfg.show_name, sizeof cfg.show_name, "bench_send");
	cfg.universes = malloc(sizeof(int) * (size_t)universes);
	int *numbers = malloc(sizeof(int) * (size_t)universes);
	for (int u = 0; u < universes; u++)
		cfg.universes[u] = numbers[u] = u + 1;
	if (strcmp(type, "sacn") == 0) {
		opt(&cfg, "unicast", "127.0.0.1");
		opt(&cfg, "discovery", "false");
		opt(&cfg, "cid", "0d5e3a5c-4f9b-4c1e-9a43-6b1f0e2d7c88");
	} else {
		opt(&cfg, "nodes", "127.0.0.1");
	}
	opt(&cfg, "port", port);
	const struct gl_output_ops *ops = gl_output_find(type);
	char err[256];
	struct gl_output *out = ops ? ops->configure(&cfg, err, sizeof err) : NULL;
	if (!out || ops->open(out) != 0) {
		fprintf(stderr, "bench_send: %s: %s\n", type, out ? "open failed" : err);
		exit(1);
	}

	uint8_t *dmx = malloc((size_t)universes * GL_DMX_SLOTS);
	uint64_t period = (uint64_t)(1e9 / rate);
	struct gl_frame frame = { .universe_count = universes, .numbers = numbers, .dmx = dmx,
				  .period_ns = period };
	atomic_init(&d.running, true);
	pthread_t th;
	pthread_create(&th, NULL, drain_main, &d);

	int frames = (int)(seconds * rate);
	uint64_t next = gl_now_ns();
	double cpu0 = thread_cpu_s();
	uint64_t w0 = gl_now_ns();
	for (int f = 0; f < frames; f++) {
		struct timespec ts = { (time_t)(next / GL_NS_PER_S), (long)(next % GL_NS_PER_S) };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		memset(dmx, f & 0xff, (size_t)universes * GL_DMX_SLOTS);  /* all change */
		frame.tick = (uint64_t)f;
		frame.time_ns = frame.send_at_ns = next;
		ops->send(out, &frame, gl_now_ns());
		next += period;
	}
	double cpu = thread_cpu_s() - cpu0, wall = (double)(gl_now_ns() - w0) / 1e9;
	usleep(100 * 1000);
	atomic_store(&d.running, false);
	pthread_join(th, NULL);
	const struct gl_output_status *st = gl_output_status(out);
	const char *gso = getenv("GHOSTLIGHT_UDP_GSO");
	printf("| %s | %d | %s | %.2f | %.3f | %llu | %llu | %llu |\n", type, universes,
	       gso && strcmp(gso, "0") == 0 ? "off" : "on", cpu / wall * 100.0,
	       cpu * 1e6 / ((double)frames * universes), (unsigned long long)gl_counter(&st->packets_sent),
	       (unsigned long long)atomic_load(&d.received), (unsigned long long)gl_counter(&st->send_errors));
	fflush(stdout);
	ops->close(out);
	close(d.fd);
	free(dmx);
	free(numbers);
	gl_output_config_free(&cfg);
}

int main(int argc, char **argv)
{
	setenv("GHOSTLIGHT_UDP_GSO", "1", 0);
	struct bench_common common = { .sizes = { 1, 64, 256, 1024, 4096 }, .n_sizes = 5,
				       .seconds = 3, .rate = 44 };
	const char *type = "sacn";
	for (int i = 1; i < argc; i++) {
		if (bench_common_arg(&common, argc, argv, &i)) {
			continue;
		} else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc) {
			type = argv[++i];
		} else {
			fprintf(stderr, "usage: bench_send [--type sacn|artnet] [--universes 1,64] "
					"[--seconds S] [--rate HZ]\n");
			return 2;
		}
	}
	printf("| output | universes | GSO | sender CPU %% of one core | sender us per universe-frame "
	       "| packets sent | received | errors |\n|---|---|---|---|---|---|---|---|\n");
	for (int s = 0; s < common.n_sizes; s++)
		run(type, common.sizes[s], common.seconds, common.rate);
	return 0;
}
