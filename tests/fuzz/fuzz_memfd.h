/*
 * fuzz_memfd.h - a fuzz input as a file for the loaders that read one by
 * path (the show loader, the Lua fixture-file loader): a memfd holding
 * the bytes, named /proc/self/fd/N. Nothing touches the disk.
 */
#ifndef GL_FUZZ_MEMFD_H
#define GL_FUZZ_MEMFD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Returns the fd (close it after), its path in path; aborts on failure. */
static int fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	size_t done = 0;
	if (fd < 0)
		abort();
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
