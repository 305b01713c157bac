/*
 * app.h - the subcommands of the ghostlight binary (main.c dispatches).
 * Each takes the arguments after its name and returns the exit code.
 */
#ifndef GL_APP_H
#define GL_APP_H

#include <stdio.h>

int gl_cmd_play(int argc, char **argv);
int gl_cmd_console(int argc, char **argv);  /* console_cmd.c */
int gl_cmd_check(int argc, char **argv);
int gl_cmd_render(int argc, char **argv);
int gl_cmd_devices(int argc, char **argv);  /* devices.c */
int gl_cmd_midi(int argc, char **argv);     /* midi_cmd.c */
int gl_cmd_fixture(int argc, char **argv);  /* fixture_cmd.c */
int gl_cmd_help(int argc, char **argv);     /* help.c */
int gl_cmd_node(int argc, char **argv);     /* node_cmd.c */
int gl_cmd_journal(int argc, char **argv);  /* journal_cmd.c */

/* The subcommands, one line each (main.c). */
void gl_usage(FILE *to);

/* An argument of `ghostlight CMD` that none of its options took: --help
 * or -h prints usage to stdout (returns 0), the first plain word is the
 * show (*path; returns -1, go on), anything else is named on stderr with
 * the usage (returns 2). main.c. */
int gl_cmd_arg(const char *cmd, const char *arg, const char **path, void (*usage)(FILE *to));

#endif
