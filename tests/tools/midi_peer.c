/*
 * midi_peer.c - the far end of the MIDI integration tests and the latency
 * benchmark: a JACK MIDI client (RtMidi) driven line by line on stdin,
 * printing what it receives on stdout. It stands for a fader wing, a sound
 * desk sending MSC, a timecode source.
 *
 *   midi_peer NAME        ports NAME:out (we send) and NAME-in:in (we read)
 *
 * Commands (one per line; each answered "ok <command>" or "error <why>"):
 *   send HEX...           one message (running status and split sysex allowed:
 *                         the bytes go out as given)
 *   out-connect PORT      the output connects to PORT instead (and back to
 *                         a virtual port with "out-virtual")
 *   in-connect PORT       likewise for the input ("in-virtual")
 *   out-close             the output port goes away (a device unplugged)
 *   mtc RATE HH:MM:SS:FF  start sending MTC (24, 25, 29.97df, 30); prints
 *                         "mtc t0 <ns> <frames>"
 *   mtc-stop              stop it
 *   full RATE HH:MM:SS:FF a full-frame message
 *   now                   prints "now <ns>" (CLOCK_MONOTONIC)
 *   quit
 * Received: "in <ns> HEX..." (ns: CLOCK_MONOTONIC when RtMidi gave it), and
 * after each send "sent <ns>".
 * Threads: main reads the commands and sends; RtMidi's (JACK's) thread
 * prints what arrives; the MTC sender has its own. Sends and prints each
 * take their lock (RtMidi outputs are not thread-safe).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rtmidi_c.h>

#include "mtc_sender.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static RtMidiOutPtr out;
static RtMidiInPtr in;
static char name[64], in_name[80];

static void on_input(double stamp, const unsigned char *msg, size_t size, void *ud)
{
	uint64_t now = mtc_now_ns();

	(void)stamp;
	(void)ud;
	pthread_mutex_lock(&print_lock);
	printf("in %llu", (unsigned long long)now);
	for (size_t i = 0; i < size; i++)
		printf(" %02X", msg[i]);
	printf("\n");
	fflush(stdout);
	pthread_mutex_unlock(&print_lock);
}

static void say(const char *fmt, const char *arg)
{
	pthread_mutex_lock(&print_lock);
	printf(fmt, arg);
	printf("\n");
	fflush(stdout);
	pthread_mutex_unlock(&print_lock);
}

static int port_number(RtMidiPtr rt, const char *port)
{
	unsigned n;

	rt->ok = true;
	n = rtmidi_get_port_count(rt);
	for (unsigned i = 0; rt->ok && i < n; i++) {
		char buf[256];
		int len = sizeof buf;

		if (rtmidi_get_port_name(rt, i, buf, &len) >= 0 && strcmp(buf, port) == 0)
			return (int)i;
	}
	return -1;
}

/* Our port `ours` on rt, connected to `port`, or virtual when port is NULL. */
static const char *open_port(RtMidiPtr rt, const char *ours, const char *port)
{
	if (port) {
		int at = port_number(rt, port);

		if (at < 0)
			return "no such port";
		rt->ok = true;
		rtmidi_open_port(rt, (unsigned)at, ours);
	} else {
		rt->ok = true;
		rtmidi_open_virtual_port(rt, ours);
	}
	return rt->ok ? NULL : "cannot open the port";
}

/* (Re)opens the output: virtual when port is NULL. Under out_lock. */
static const char *open_out(const char *port)
{
	if (out) {
		rtmidi_close_port(out);
		rtmidi_out_free(out);
	}
	out = rtmidi_out_create(RTMIDI_API_UNIX_JACK, name);
	if (!out || !out->ok)
		return "cannot create the output";
	return open_port(out, "out", port);
}

static const char *open_in(const char *port)
{
	if (in) {
		rtmidi_close_port(in);
		rtmidi_in_free(in);
	}
	in = rtmidi_in_create(RTMIDI_API_UNIX_JACK, in_name, 1000);
	if (!in || !in->ok)
		return "cannot create the input";
	rtmidi_in_ignore_types(in, false, false, true);
	rtmidi_in_set_callback(in, on_input, NULL);
	return open_port(in, "in", port);
}

static const char *send_hex(const char *hex)
{
	unsigned char bytes[4096];
	size_t n = 0;
	unsigned v;
	int used;

	while (*hex && n < sizeof bytes) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x%n", &v, &used) != 1)
			return "bad hex";
		bytes[n++] = (unsigned char)v;
		hex += used;
	}
	if (!n)
		return "nothing to send";
	pthread_mutex_lock(&out_lock);
	uint64_t t = mtc_now_ns();
	int rc = out ? rtmidi_out_send_message(out, bytes, (int)n) : -1;
	pthread_mutex_unlock(&out_lock);
	if (rc < 0)
		return "send failed";
	char when[32];
	snprintf(when, sizeof when, "%llu", (unsigned long long)t);
	say("sent %s", when);
	return NULL;
}

int main(int argc, char **argv)
{
	struct mtc_sender mtc = { .started = false };
	char line[8192];

	if (argc != 2 || strlen(argv[1]) > 40) {
		fprintf(stderr, "usage: midi_peer NAME\n");
		return 2;
	}
	snprintf(name, sizeof name, "%s", argv[1]);
	snprintf(in_name, sizeof in_name, "%s-in", argv[1]);
	const char *bad = open_out(NULL);
	if (!bad)
		bad = open_in(NULL);
	if (bad) {
		fprintf(stderr, "midi_peer: %s (is a JACK server running?)\n", bad);
		return 1;
	}
	say("ready %s", name);
	while (fgets(line, sizeof line, stdin)) {
		char cmd[32] = "", arg[4096] = "", arg2[64] = "";
		const char *err = NULL;

		line[strcspn(line, "\r\n")] = '\0';
		if (sscanf(line, "%31s %4095[^\n]", cmd, arg) < 1)
			continue;
		if (strcmp(cmd, "send") == 0) {
			err = send_hex(arg);
		} else if (strcmp(cmd, "out-connect") == 0 || strcmp(cmd, "out-virtual") == 0) {
			pthread_mutex_lock(&out_lock);
			err = open_out(cmd[4] == 'c' ? arg : NULL);
			pthread_mutex_unlock(&out_lock);
		} else if (strcmp(cmd, "in-connect") == 0 || strcmp(cmd, "in-virtual") == 0) {
			err = open_in(cmd[3] == 'c' ? arg : NULL);
		} else if (strcmp(cmd, "out-close") == 0) {
			pthread_mutex_lock(&out_lock);
			if (out) {
				rtmidi_close_port(out);
				rtmidi_out_free(out);
				out = NULL;
			}
			pthread_mutex_unlock(&out_lock);
		} else if (strcmp(cmd, "mtc") == 0 || strcmp(cmd, "full") == 0) {
			int rate;
			int64_t frames;

			if (sscanf(arg, "%63s %4095s", arg2, arg) != 2 || (rate = mtc_rate_code(arg2)) < 0 ||
			    (frames = mtc_frames_of(arg, rate)) < 0) {
				err = "usage: mtc|full RATE HH:MM:SS:FF";
			} else if (cmd[0] == 'f') {
				unsigned char full[10];

				mtc_full_frame(frames, rate, full);
				pthread_mutex_lock(&out_lock);
				rtmidi_out_send_message(out, full, 10);
				pthread_mutex_unlock(&out_lock);
			} else {
				char t0[64];

				mtc_sender_stop(&mtc);
				if (mtc_sender_start(&mtc, out, &out_lock, rate, frames) != 0) {
					err = "cannot start the sender";
				} else {
					snprintf(t0, sizeof t0, "%llu %lld",
						 (unsigned long long)mtc.t0_ns, (long long)frames);
					say("mtc t0 %s", t0);
				}
			}
		} else if (strcmp(cmd, "mtc-stop") == 0) {
			mtc_sender_stop(&mtc);
		} else if (strcmp(cmd, "now") == 0) {
			char now[32];

			snprintf(now, sizeof now, "%llu", (unsigned long long)mtc_now_ns());
			say("now %s", now);
		} else if (strcmp(cmd, "quit") == 0) {
			break;
		} else {
			err = "unknown command";
		}
		if (err)
			say("error %s", err);
		else
			say("ok %s", cmd);
	}
	mtc_sender_stop(&mtc);
	if (in)
		rtmidi_in_free(in);
	if (out)
		rtmidi_out_free(out);
	return 0;
}
