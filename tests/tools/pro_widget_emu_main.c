/*
 * pro_widget_emu_main.c - the Pro widget emulator as a program:
 *
 *   pro_widget_emu LINK [--serial HEX]
 *
 * creates the pty behind the symlink LINK, prints "ready LINK" and runs
 * until SIGINT/SIGTERM; then prints "frames N" and the last DMX frame
 * received as "last SC S1 S2 ... S512" (for the integration test, which
 * compares it with `ghostlight render`).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pro_widget_emu.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	uint32_t serial = 0x12345678;
	struct pro_emu *e;
	struct pro_emu_stats st;
	struct pro_emu_frame f;

	if (argc < 2) {
		fprintf(stderr, "usage: pro_widget_emu LINK [--serial HEX]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--serial") == 0 && i + 1 < argc)
			serial = (uint32_t)strtoul(argv[++i], NULL, 16);
		else {
			fprintf(stderr, "pro_widget_emu: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	e = pro_emu_start(argv[1], serial);
	if (!e) {
		perror("pro_widget_emu: cannot create the pty");
		return 1;
	}
	printf("ready %s\n", pro_emu_path(e));
	fflush(stdout);
	while (!stop)
		pause();
	pro_emu_stats(e, &st);
	printf("frames %d\n", st.frames);
	if (pro_emu_frame(e, -1, &f) == 0) {
		printf("last %d", f.start_code);
		for (int i = 0; i < 512; i++)
			printf(" %d", i < f.slot_count ? f.slots[i] : 0);
		printf("\n");
	}
	pro_emu_stop(e);
	return 0;
}
