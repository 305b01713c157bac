/*
 * help.c - `ghostlight help`: the options of every output and control
 * adapter and of audio { ... }, printed from the tables the adapters parse with (options.h), as
 * text or as the Markdown the README's option tables are made of
 * (tools/readme_options.sh); and the OSC address space, from the table the
 * dispatcher matches with (what tests/tools/layouts.py checks layouts
 * against).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "outputs/control/control.h"
#include "outputs/control/osc/osc_dispatch.h"
#include "outputs/dmx/output.h"
#include "outputs/media/audio/audio.h"

/* One option table, as text or as a README Markdown table. */
static void print_options(const struct gl_opt_table *options, const char *note, bool markdown)
{
	if (markdown)
		gl_opt_print_markdown(options, note, stdout);
	else
		gl_opt_print(options, note, stdout);
}

static void print_output(const struct gl_output_ops *ops, bool markdown)
{
	char universes[80];

	gl_output_universes_help(ops, universes, sizeof universes);
	print_options(ops->options, universes, markdown);
}

static void print_control(const struct gl_control_ops *ops, bool markdown)
{
	/* an adapter of declared things (rtsp) runs when the show declares one */
	const char *note = ops->default_on && !ops->declaration_function ? "on by default" : NULL;

	print_options(ops->options, note, markdown);
	if (!ops->declaration_options)
		return;
	printf("\n");
	print_options(ops->declaration_options, NULL, markdown);
}

/* Whether `help TOPIC` shows the adapter `name` of a family ("outputs",
 * "controls"): the family's name shows all of it. A blank line goes
 * between two adapters shown. */
static bool topic_shows(const char *topic, const char *family, const char *name, int *printed)
{
	if (strcmp(topic, family) != 0 && strcmp(topic, name) != 0)
		return false;
	if ((*printed)++)
		printf("\n");
	return true;
}

/* One address a line: command|feedback, TAB, pattern, TAB, arguments. */
static void print_osc_addresses(void)
{
	char buf[128];
	const char *address, *args;

	for (int i = 0; (address = osc_address_command(i, buf, sizeof buf, &args)); i++)
		printf("command\t%s\t%s\n", address, args);
	for (int i = 0; (address = osc_address_feedback(i, &args)); i++)
		printf("feedback\t%s\t%s\n", address, args);
}

int gl_cmd_help(int argc, char **argv)
{
	const struct gl_output_ops *const *outs = gl_output_all();
	const struct gl_control_ops *const *ctls = gl_control_all();
	const char *topic = NULL;
	bool markdown = false;
	int printed = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--markdown") == 0)
			markdown = true;
		else if (!topic)
			topic = argv[i];
		else
			topic = "";       /* two topics: usage below */
	}
	if (!topic) {
		gl_usage(stdout);
		return 0;
	}
	if (strcmp(topic, "osc-addresses") == 0) {
		print_osc_addresses();
		return 0;
	}
	for (int i = 0; outs[i]; i++)
		if (topic_shows(topic, "outputs", outs[i]->name, &printed))
			print_output(outs[i], markdown);
	for (int i = 0; ctls[i]; i++)
		if (topic_shows(topic, "controls", ctls[i]->name, &printed))
			print_control(ctls[i], markdown);
	if (strcmp(topic, "audio") == 0) {     /* audio { ... } */
		print_options(&gl_audio_options, NULL, markdown);
		return 0;
	}
	if (printed)
		return 0;
	fprintf(stderr, "ghostlight help: no topic '%s'; topics: outputs, controls, audio, osc-addresses",
		topic);
	for (int i = 0; outs[i]; i++)
		fprintf(stderr, ", %s", outs[i]->name);
	for (int i = 0; ctls[i]; i++)
		fprintf(stderr, ", %s", ctls[i]->name);
	fprintf(stderr, "\n");
	return 2;
}
