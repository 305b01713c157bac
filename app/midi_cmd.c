/*
 * midi_cmd.c - `ghostlight midi monitor [PORT]`: prints every MIDI message
 * that arrives on a port (or on a virtual port of our own), decoded - notes,
 * controllers, MIDI Show Control, time code (as a running position, not
 * each quarter frame) - and, the first time a control is seen, the mapping
 * line that would map it, for a mapping file and for the show (learn).
 *
 * Runs on the main thread; RtMidi's thread only fills the inbox
 * (outputs/control/midi/midi_port.h), this loop polls it with the signals.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "app.h"
#include "engine/engine.h"
#include "outputs/control/midi/midi_map.h"
#include "outputs/control/midi/midi_msc.h"
#include "outputs/control/midi/midi_port.h"
#include "outputs/control/midi/midi_tc.h"
#include "outputs/control/midi/midi_wire.h"

#define CLIENT "ghostlight-monitor"

static void usage(FILE *to)
{
	fprintf(to, "usage: ghostlight midi monitor [PORT] [--api auto|alsa|jack] [--duration S]\n"
		    "  prints what arrives on PORT (a name, a glob like \"APC*\", or part of a\n"
		    "  name; see `ghostlight devices`), or on our own virtual port\n"
		    "  " CLIENT ":in when no PORT is given. The first time a control is\n"
		    "  seen, the mapping line for it is printed, as a .map line and as\n"
		    "  midi.map { ... } for a show: edit the target and paste it.\n");
}

struct monitor {
	uint64_t t0;
	struct midi_parser parser;
	struct midi_chase chase;
	enum midi_chase_state chase_shown;
	uint64_t chase_jumps, next_tc_ns;
	bool seen[5][16][128];        /* learn lines printed: input, channel, number */
};

/* The show form of a mapping line: midi.map { ... }. */
static void lua_form(const struct midi_map *m, char *out, size_t len)
{
	static const char *const keys[] = { "note", "cc", "pc", "bend", "fire" };
	int n = snprintf(out, len, "midi.map { %s = ", keys[m->input]);

	if (m->input == MIDI_IN_BEND)
		n += snprintf(out + n, len - (size_t)n, "true");
	else
		n += snprintf(out + n, len - (size_t)n, "%d", m->number);
	if (m->channel >= 0)
		n += snprintf(out + n, len - (size_t)n, ", channel = %d", m->channel + 1);
	if (m->action == MIDI_DO_FADER)
		snprintf(out + n, len - (size_t)n, ", fader = 1%s }", m->pickup ? ", pickup = true" : "");
	else if (m->action == MIDI_DO_GM)
		snprintf(out + n, len - (size_t)n, ", gm = true%s }", m->pickup ? ", pickup = true" : "");
	else
		snprintf(out + n, len - (size_t)n, ", go = true }");
}

static void learn(struct monitor *mon, const struct midi_msg *msg)
{
	struct midi_map m;
	char line[MIDI_MAP_LINE_MAX], lua[MIDI_MAP_LINE_MAX];
	int input;

	memset(&m, 0, sizeof m);
	m.on = m.alt = 127;
	m.feedback = true;
	m.channel = msg->channel;
	m.number = msg->data[0];
	switch (msg->type) {
	case MIDI_NOTE_ON:
		if (msg->data[1] == 0)
			return;                 /* a release says nothing new */
		input = MIDI_IN_NOTE;
		m.action = MIDI_DO_GO;
		break;
	case MIDI_CC:
		input = MIDI_IN_CC;
		m.action = MIDI_DO_FADER;
		m.fader = 1;
		m.pickup = true;
		break;
	case MIDI_PROGRAM:
		input = MIDI_IN_PC;
		m.action = MIDI_DO_GO;
		break;
	case MIDI_PITCH_BEND:
		input = MIDI_IN_BEND;
		m.number = -1;
		m.action = MIDI_DO_GM;
		m.pickup = true;
		break;
	default:
		return;
	}
	m.input = (enum midi_input)input;
	bool *seen = &mon->seen[input][msg->channel][m.number < 0 ? 0 : m.number];
	if (*seen)
		return;
	*seen = true;
	midi_map_format(&m, line, sizeof line);
	lua_form(&m, lua, sizeof lua);
	printf("           map: %-32s show: %s\n", line, lua);
}

static void show_msc(const struct midi_msg *msg)
{
	struct midi_msc m;
	char why[160];
	const char *name;

	switch (midi_msc_parse(msg->bytes, msg->len, &m, why, sizeof why)) {
	case MIDI_MSC_OK:
		name = midi_msc_command_name(m.command);
		printf("           msc %s", name ? name : "(command)");
		if (!name)
			printf(" %02X", m.command);
		if (m.cue[0])
			printf(" cue %s", m.cue);
		if (m.list[0])
			printf(" list %s", m.list);
		if (m.path[0])
			printf(" path %s", m.path);
		if (m.command == MIDI_MSC_SET)
			printf(" control %d value %d", m.control, m.value);
		if (m.command == MIDI_MSC_FIRE)
			printf(" macro %d", m.macro);
		printf(" (device %02X, format %02X)\n", m.device_id, m.format);
		break;
	case MIDI_MSC_MALFORMED:
		printf("           msc, malformed: %s\n", why);
		break;
	case MIDI_MSC_NOT_MSC:
		break;
	}
}

static void show_timecode(struct monitor *mon, uint64_t now, bool force)
{
	struct midi_chase *c = &mon->chase;
	double frames;
	char label[24];
	struct midi_tc tc;

	if (!midi_chase_position(c, now, &frames))
		return;
	bool changed = c->state != mon->chase_shown || c->jumps != mon->chase_jumps;
	bool running = c->state == MIDI_CHASE_LOCKING || c->state == MIDI_CHASE_LOCKED ||
		       c->state == MIDI_CHASE_FREEWHEEL;

	/* on a change, and once a second while it runs */
	if (!force && !changed && (!running || now < mon->next_tc_ns))
		return;
	midi_tc_from_frames((int64_t)floor(frames), c->rate, &tc);
	midi_tc_format(&tc, label, sizeof label);
	printf("%9.3f  mtc %s %s (%s frames/s)%s\n", (double)(now - mon->t0) / 1e9, label,
	       midi_chase_state_name(c->state), midi_tc_rate_name(c->rate),
	       c->jumps != mon->chase_jumps ? ", jumped" : "");
	mon->chase_shown = c->state;
	mon->chase_jumps = c->jumps;
	mon->next_tc_ns = now + 1000000000ull;
}

static void show(struct monitor *mon, const struct midi_msg *msg, uint64_t t)
{
	char text[MIDI_SYSEX_MAX * 3 + 64];
	struct midi_tc tc;
	int device;

	if (msg->type == MIDI_MTC_QUARTER) {
		midi_chase_quarter(&mon->chase, msg->data[0], t);
		show_timecode(mon, t, false);
		return;
	}
	if (msg->type == MIDI_CLOCK || msg->type == MIDI_ACTIVE_SENSING)
		return;                         /* many a second, and nothing to map */
	midi_describe(msg, text, sizeof text);
	printf("%9.3f  %s\n", (double)(t - mon->t0) / 1e9, text);
	if (msg->type == MIDI_SYSEX) {
		show_msc(msg);
		if (midi_mtc_parse_full_frame(msg->bytes, msg->len, &tc, &device) ==
		    MIDI_MTC_FULL_FRAME) {
			midi_chase_full_frame(&mon->chase, &tc, t);
			show_timecode(mon, t, true);
		}
	}
	learn(mon, msg);
}

int gl_cmd_midi(int argc, char **argv)
{
	enum midi_api_choice api = MIDI_API_AUTO;
	const char *pattern = NULL;
	double duration = 0;
	char why[200], name[MIDI_PORT_NAME_MAX];

	if (argc < 1 || strcmp(argv[0], "monitor") != 0) {
		usage(argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)
		      ? stdout : stderr);
		return argc >= 1 && argv[0][0] == '-' && argv[0][1] != '-' ? 2
		       : argc >= 1 && strcmp(argv[0], "--help") == 0 ? 0 : 2;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--api") == 0 && i + 1 < argc) {
			i++;
			api = strcmp(argv[i], "alsa") == 0 ? MIDI_API_ALSA
			      : strcmp(argv[i], "jack") == 0 ? MIDI_API_JACK : MIDI_API_AUTO;
			if (api == MIDI_API_AUTO && strcmp(argv[i], "auto") != 0) {
				fprintf(stderr, "ghostlight midi: --api auto, alsa or jack\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc) {
			char *end;

			duration = strtod(argv[++i], &end);
			if (*end || !(duration > 0)) {
				fprintf(stderr, "ghostlight midi: --duration needs seconds above 0\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' || pattern) {
			usage(stderr);
			return 2;
		} else {
			pattern = argv[i];
		}
	}

	enum midi_system system = midi_port_system(api, why, sizeof why);
	if (system == MIDI_SYSTEM_NONE) {
		fprintf(stderr, "ghostlight midi: %s\n", why);
		return 1;
	}
	if (pattern) {
		char (*names)[MIDI_PORT_NAME_MAX] = calloc(MIDI_PORTS_MAX, sizeof *names);
		int n = names ? midi_port_list(system, true, names, MIDI_PORTS_MAX, why, sizeof why) : -1;
		int at = n > 0 ? midi_port_match(pattern, names, n, CLIENT) : -1;

		if (at >= 0)
			snprintf(name, sizeof name, "%s", names[at]);
		free(names);
		if (at < 0) {
			fprintf(stderr, "ghostlight midi: no %s input port like \"%s\" (ghostlight "
				"devices lists them)\n", midi_system_name(system), pattern);
			return 1;
		}
	}

	struct midi_inbox box;
	if (midi_inbox_init(&box) != 0) {
		fprintf(stderr, "ghostlight midi: cannot make the input ring\n");
		return 1;
	}
	struct midi_in *in = midi_in_open(system, CLIENT, "in", pattern ? name : NULL, &box, 0, why,
					  sizeof why);
	if (!in) {
		fprintf(stderr, "ghostlight midi: %s\n", why);
		midi_inbox_free(&box);
		return 1;
	}
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	struct monitor *mon = calloc(1, sizeof *mon);
	if (!mon || sfd < 0) {
		fprintf(stderr, "ghostlight midi: out of memory\n");
		midi_in_close(in);
		midi_inbox_free(&box);
		free(mon);
		return 1;
	}
	mon->t0 = gl_now_ns();
	midi_parser_init(&mon->parser);
	midi_chase_init(&mon->chase, 1.0);
	printf("monitoring %s on %s (Ctrl-C ends)\n", pattern ? name : CLIENT ":in (virtual)",
	       midi_system_name(system));
	fflush(stdout);
	uint64_t end = duration > 0 ? mon->t0 + (uint64_t)(duration * 1e9) : 0;
	uint64_t overruns = 0;

	for (;;) {
		struct pollfd p[2] = { { .fd = box.efd, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };
		uint64_t now = gl_now_ns();
		int timeout = 1000;

		if (end && now >= end)
			break;
		if (end && (end - now) / 1000000 < 1000)
			timeout = (int)((end - now) / 1000000) + 1;
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		midi_inbox_ack(&box);
		struct midi_chunk ch;
		while (midi_inbox_take(&box, &ch)) {
			const uint8_t *b = ch.bytes;
			size_t left = ch.len;

			if (ch.gap)
				midi_parser_reset(&mon->parser);
			while (left > 0) {
				struct midi_msg msg;
				enum midi_error err;
				enum midi_parsed got = midi_parse(&mon->parser, &b, &left, &msg, &err);

				if (got == MIDI_PARSED_MESSAGE)
					show(mon, &msg, ch.t_ns);
				else if (got == MIDI_PARSED_ERROR)
					printf("%9.3f  ! %s\n", (double)(ch.t_ns - mon->t0) / 1e9,
					       midi_error_name(err));
			}
		}
		if (atomic_load(&box.overruns) != overruns) {
			overruns = atomic_load(&box.overruns);
			printf("           ! %llu chunks lost (the ring was full)\n",
			       (unsigned long long)overruns);
		}
		midi_chase_tick(&mon->chase, gl_now_ns());
		show_timecode(mon, gl_now_ns(), false);
		fflush(stdout);
	}
	midi_in_close(in);
	midi_inbox_free(&box);
	close(sfd);
	free(mon);
	return 0;
}
