/*
 * png.c - PNG files of the console's pixels (libpng's simplified API):
 * screenshots and `ghostlight render --png`. Any thread.
 */
#include "console_internal.h"

#include <png.h>
#include <stdio.h>
#include <string.h>

int con_png_write(const char *path, const uint32_t *argb, int w, int h, int pitch_bytes,
		  char *err, size_t len)
{
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)w;
	img.height = (png_uint_32)h;
	/* ARGB8888 words are B, G, R, A bytes on a little-endian machine */
#if SDL_BYTEORDER == SDL_LIL_ENDIAN
	img.format = PNG_FORMAT_BGRA;
#else
	img.format = PNG_FORMAT_ARGB;
#endif
	if (!png_image_write_to_file(&img, path, 0, argb, pitch_bytes, NULL)) {
		snprintf(err, len, "%s: %s", path, img.message[0] ? img.message : "cannot write");
		return -1;
	}
	return 0;
}
