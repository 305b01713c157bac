/*
 * gl.c - error strings, the attribute tables and the monotonic clock.
 * Any thread; no state.
 */
#include "gl.h"

#include <string.h>
#include <time.h>

#include "attr.h"
#include "engine.h"

const char *gl_strerror(int err)
{
	switch (err) {
	case GL_OK: return "ok";
	case GL_EINVAL: return "invalid argument";
	case GL_ENOMEM: return "out of memory";
	case GL_EFULL: return "full";
	case GL_ENOENT: return "not found";
	case GL_EIO: return "input/output error";
	case GL_ERANGE: return "out of range";
	case GL_EEXIST: return "already exists";
	case GL_ESTATE: return "not allowed in this state";
	case GL_EBUDGET: return "instruction budget exhausted";
	case GL_EAGAIN: return "try again";
	}
	return "unknown error";
}

static const struct {
	const char *name;
	enum gl_attr_class cls;
} attr_table[GL_ATTR_COUNT] = {
	[GL_ATTR_INTENSITY] = { "intensity", GL_CLASS_INTENSITY },
	[GL_ATTR_RED] = { "red", GL_CLASS_COLOR },
	[GL_ATTR_GREEN] = { "green", GL_CLASS_COLOR },
	[GL_ATTR_BLUE] = { "blue", GL_CLASS_COLOR },
	[GL_ATTR_WHITE] = { "white", GL_CLASS_COLOR },
	[GL_ATTR_AMBER] = { "amber", GL_CLASS_COLOR },
	[GL_ATTR_UV] = { "uv", GL_CLASS_COLOR },
	[GL_ATTR_CYAN] = { "cyan", GL_CLASS_COLOR },
	[GL_ATTR_MAGENTA] = { "magenta", GL_CLASS_COLOR },
	[GL_ATTR_YELLOW] = { "yellow", GL_CLASS_COLOR },
	[GL_ATTR_CTO] = { "cto", GL_CLASS_COLOR },
	[GL_ATTR_PAN] = { "pan", GL_CLASS_POSITION },
	[GL_ATTR_TILT] = { "tilt", GL_CLASS_POSITION },
	[GL_ATTR_ZOOM] = { "zoom", GL_CLASS_BEAM },
	[GL_ATTR_FOCUS] = { "focus", GL_CLASS_BEAM },
	[GL_ATTR_IRIS] = { "iris", GL_CLASS_BEAM },
	[GL_ATTR_GOBO] = { "gobo", GL_CLASS_BEAM },
	[GL_ATTR_STROBE] = { "strobe", GL_CLASS_BEAM },
	[GL_ATTR_SHUTTER] = { "shutter", GL_CLASS_BEAM },
	[GL_ATTR_SPEED] = { "speed", GL_CLASS_BEAM },
	[GL_ATTR_CONTROL] = { "control", GL_CLASS_BEAM },
	[GL_ATTR_COLOR_WHEEL] = { "color_wheel", GL_CLASS_COLOR },
};

static const char *const class_names[GL_CLASS_COUNT] = {
	"intensity", "color", "position", "beam",
};

const char *gl_attr_name(enum gl_attr attr)
{
	return (unsigned)attr < GL_ATTR_COUNT ? attr_table[attr].name : "?";
}

int gl_attr_from_name(const char *name)
{
	for (int i = 0; i < GL_ATTR_COUNT; i++)
		if (strcmp(attr_table[i].name, name) == 0)
			return i;
	return GL_ENOENT;
}

enum gl_attr_class gl_attr_class(enum gl_attr attr)
{
	return (unsigned)attr < GL_ATTR_COUNT ? attr_table[attr].cls : GL_CLASS_BEAM;
}

const char *gl_class_name(enum gl_attr_class cls)
{
	return (unsigned)cls < GL_CLASS_COUNT ? class_names[cls] : "?";
}

int gl_class_from_name(const char *name)
{
	return gl_name_index(class_names, GL_CLASS_COUNT, name);
}

int gl_name_index(const char *const *names, int count, const char *name)
{
	for (int i = 0; i < count; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return GL_ENOENT;
}

uint64_t gl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * GL_NS_PER_S + (uint64_t)ts.tv_nsec;
}
