/*
 * main.c - the ghostlight binary: subcommand dispatch, and the two small
 * subcommands that need no threads: `check` (validate and print a show)
 * and `render` (the DMX a show produces at given times, computed on a fake
 * clock: what tests compare the wire against; or its stage view as a PNG).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "app/console/console.h"
#include "scripts/show.h"

#include "gl_version.h"

void gl_usage(FILE *to)
{
	fprintf(to,
		"usage: ghostlight COMMAND [ARGS]\n"
		"\n"
		"  console SHOW [--script F] [--stats] ...  the operator's console (SDL2 window)\n"
		"  play SHOW [--duration S] [--no-status]   run a show headless\n"
		"  check SHOW                               validate a show, print its patch,\n"
		"                                           groups, cue lists, outputs and sounds\n"
		"  render SHOW --at T[,T...] [--universe U] print the DMX slots the show\n"
		"                                           produces T seconds after start\n"
		"  render SHOW --at T --png FILE [--size WxH] its stage view at T, as a PNG\n"
		"  devices [--no-probe] [PATH...]           list USB DMX interfaces (kind,\n"
		"                                           serial, firmware, state), MIDI ports\n"
		"                                           and audio outputs\n"
		"  midi monitor [PORT]                      print the MIDI that arrives, with\n"
		"                                           the mapping line for each control\n"
		"  fixture import FILE... [--out DIR]       QLC+ .qxf / OFL .json to our format\n"
		"  fixture show NAME|FILE                   print a fixture's modes and channels\n"
		"  node list | node config NODE [...]       wireless DMX nodes a running show hears;\n"
		"                                           set a node's universe, address, failsafe\n"
		"  node flash NODE|all IMAGE                update nodes' firmware over the air\n"
		"  node keygen | node sign ...              the rig's firmware key; sign an image\n"
		"  journal SHOW [--clear]                   what the show's resume journal holds\n"
		"                                           (where a crash restart comes back)\n"
		"  help [outputs|controls|audio|TYPE] [--markdown] the options of outputs, control\n"
		"                                           surfaces (osc, sacn, ...) and audio\n"
		"  help osc-addresses                       every OSC address accepted and sent\n"
		"  version                                  print the version\n");
}

int gl_cmd_arg(const char *cmd, const char *arg, const char **path, void (*usage)(FILE *to))
{
	if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (arg[0] != '-' && !*path) {
		*path = arg;
		return -1;
	}
	fprintf(stderr, "ghostlight %s: unexpected argument '%s'\n", cmd, arg);
	usage(stderr);
	return 2;
}

int gl_cmd_check(int argc, char **argv)
{
	if (argc != 1 || argv[0][0] == '-') {
		fprintf(stderr, "usage: ghostlight check SHOW\n");
		return 2;
	}
	char err[1024];
	struct gl_show *show = gl_show_load(argv[0], err, sizeof err);
	if (!show) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	gl_show_print(show, stdout);
	/* what the show would run with, but should not (sound files that
	 * cannot be read): each with its file:line, and check fails */
	int problems = gl_show_problem_count(show);
	while (gl_show_take_error(show, err, sizeof err))
		fprintf(stderr, "%s\n", err);
	if (problems) {
		printf("%d problem%s: %s\n", problems, problems == 1 ? "" : "s", argv[0]);
		gl_show_destroy(show);
		return 1;
	}
	printf("ok: %s\n", argv[0]);
	gl_show_destroy(show);
	return 0;
}

/* render --at: how far and how many. Rendering ticks the engine at its
 * rate from 0 to the last instant (44 Hz: 3.8 million ticks for a day). */
#define GL_RENDER_AT_MAX_S 86400.0
#define GL_RENDER_AT_MAX_COUNT 100000

struct render_times {
	double *t;
	int count, cap;
};

/* Appends "1,2.5,10" to the instants, each after the one before. Returns 0,
 * or -1 with what is wrong in why. */
static int parse_times(const char *s, struct render_times *rt, char *why, size_t len)
{
	if (!*s) {
		snprintf(why, len, "--at needs seconds, e.g. 0,1.5,3");
		return -1;
	}
	while (*s) {
		char *end;
		double t = strtod(s, &end);
		int n = rt->count;

		if (end == s || (*end && *end != ',') || !(t >= 0) || t > GL_RENDER_AT_MAX_S) {
			snprintf(why, len, "--at: \"%.*s\" is not a number of seconds 0..%.0f (a day)",
				 (int)strcspn(s, ","), s, GL_RENDER_AT_MAX_S);
			return -1;
		}
		if (n > 0 && t < rt->t[n - 1]) {
			snprintf(why, len, "--at: %g comes after %g: the instants must ascend", t,
				 rt->t[n - 1]);
			return -1;
		}
		if (n == GL_RENDER_AT_MAX_COUNT) {
			snprintf(why, len, "--at: at most %d instants", GL_RENDER_AT_MAX_COUNT);
			return -1;
		}
		if (n == rt->cap) {
			int cap = rt->cap ? rt->cap * 2 : 64;
			double *grown = realloc(rt->t, (size_t)cap * sizeof *grown);

			if (!grown) {
				snprintf(why, len, "--at: out of memory");
				return -1;
			}
			rt->t = grown;
			rt->cap = cap;
		}
		rt->t[rt->count++] = t;
		s = *end ? end + 1 : end;
		if (*end && !*s) {
			snprintf(why, len, "--at: a comma at the end");
			return -1;
		}
	}
	return 0;
}

int gl_cmd_render(int argc, char **argv)
{
	const char *path = NULL, *png = NULL;
	struct render_times times = { 0 };
	int only_universe = 0, width = 1280, height = 720;
	char why[200];
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
			/* may be given again: the instants go on ascending */
			if (parse_times(argv[++i], &times, why, sizeof why) != 0) {
				fprintf(stderr, "ghostlight render: %s\n", why);
				free(times.t);
				return 2;
			}
		} else if (strcmp(argv[i], "--universe") == 0 && i + 1 < argc) {
			only_universe = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--png") == 0 && i + 1 < argc) {
			png = argv[++i];
		} else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%dx%d", &width, &height) != 2) {
				fprintf(stderr, "ghostlight render: --size WxH, e.g. 1280x720\n");
				free(times.t);
				return 2;
			}
		} else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "ghostlight render: unexpected argument '%s'\n", argv[i]);
			free(times.t);
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (!path || times.count == 0 || (png && times.count != 1)) {
		fprintf(stderr, "usage: ghostlight render SHOW --at T[,T...] [--universe U]\n"
				"       ghostlight render SHOW --at T --png FILE [--size WxH]\n");
		free(times.t);
		return 2;
	}
	char err[1024];
	struct gl_show *show = gl_show_load(path, err, sizeof err);
	if (!show) {
		fprintf(stderr, "%s\n", err);
		free(times.t);
		return 1;
	}
	struct gl_engine *e = gl_show_engine(show);
	if (only_universe && gl_engine_universe_index(e, only_universe) < 0) {
		fprintf(stderr, "ghostlight render: the show has no universe %d\n", only_universe);
		gl_show_destroy(show);
		free(times.t);
		return 1;
	}
	/* Tick on the show's own schedule, as `play` does, from t = 0 (the
	 * first tick, when the queued start commands run). */
	gl_show_start(show);
	uint64_t period = gl_engine_period_ns(e);
	uint64_t t = 0;
	gl_engine_tick(e, t);
	for (int k = 0; k < times.count; k++) {
		uint64_t at = (uint64_t)(times.t[k] * 1e9 + 0.5);
		while (t + period <= at) {
			t += period;
			gl_engine_tick(e, t);
		}
		if (t != at) /* the exact instant asked for */
			gl_engine_tick(e, at);
		if (png) {
			int rc = gl_console_render_png(show, width, height, png, why, sizeof why);
			if (rc != 0)
				fprintf(stderr, "ghostlight render: %s\n", why);
			gl_show_destroy(show);
			free(times.t);
			return rc == 0 ? 0 : 1;
		}
		for (int u = 0; u < gl_engine_universe_count(e); u++) {
			int number = gl_engine_universe_number(e, u);
			if (only_universe && number != only_universe)
				continue;
			const uint8_t *dmx = gl_engine_dmx(e, u);
			printf("%.3f %d", times.t[k], number);
			for (int s = 0; s < GL_DMX_SLOTS; s++)
				printf(" %d", dmx[s]);
			printf("\n");
		}
	}
	gl_show_destroy(show);
	free(times.t);
	return 0;
}

/* The commands, each given the arguments after its name. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "play", gl_cmd_play },
	{ "console", gl_cmd_console },
	{ "check", gl_cmd_check },
	{ "render", gl_cmd_render },
	{ "devices", gl_cmd_devices },
	{ "midi", gl_cmd_midi },
	{ "fixture", gl_cmd_fixture },
	{ "node", gl_cmd_node },
	{ "journal", gl_cmd_journal },
	{ "help", gl_cmd_help },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		gl_usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - 2, argv + 2);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("ghostlight %s\n", GL_VERSION);
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		gl_usage(stdout);
		return 0;
	}
	fprintf(stderr, "ghostlight: unknown command '%s'\n", cmd);
	gl_usage(stderr);
	return 2;
}
