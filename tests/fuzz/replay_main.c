/*
 * replay_main.c - runs a fuzz target over files (its corpus) without
 * libFuzzer, so the ordinary GCC test build checks every corpus input under
 * ASan+UBSan. With libFuzzer (clang, GL_FUZZ=ON) the targets link against
 * libFuzzer's own main instead.
 *
 *   fuzz_x_replay FILE_OR_DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	/* a copy of exactly n bytes, so ASan sees reads past the end */
	uint8_t *copy = malloc(n ? n : 1);
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) != 0)
				return 1;
			files++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;       /* a seed folder's subfolders are not inputs */
			if (run_file(path) != 0)
				return 1;
			files++;
		}
		if (d)
			closedir(d);
	}
	printf("%d inputs replayed\n", files);
	return files > 0 ? 0 : 1;
}
