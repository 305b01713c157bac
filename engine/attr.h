/*
 * attr.h - attributes (what a DMX channel controls) and their classes
 * (which timing a cue applies to them). Pure tables; any thread.
 *
 * Intensity merges HTP; every other attribute LTP. Values in the engine are
 * normalised 0..1; pan and tilt arrive in degrees and are normalised with the
 * fixture's range at load time.
 */
#ifndef GL_ATTR_H
#define GL_ATTR_H

enum gl_attr {
	GL_ATTR_INTENSITY,
	GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE, GL_ATTR_WHITE,
	GL_ATTR_AMBER, GL_ATTR_UV,
	GL_ATTR_CYAN, GL_ATTR_MAGENTA, GL_ATTR_YELLOW, GL_ATTR_CTO,
	GL_ATTR_PAN, GL_ATTR_TILT,
	GL_ATTR_ZOOM, GL_ATTR_FOCUS, GL_ATTR_IRIS, GL_ATTR_GOBO,
	GL_ATTR_STROBE, GL_ATTR_SHUTTER, GL_ATTR_SPEED, GL_ATTR_CONTROL,
	GL_ATTR_COLOR_WHEEL,    /* a colour wheel or colour-macro channel */
	GL_ATTR_COUNT
};

enum gl_attr_class {
	GL_CLASS_INTENSITY,
	GL_CLASS_COLOR,
	GL_CLASS_POSITION,
	GL_CLASS_BEAM,
	GL_CLASS_COUNT
};

const char *gl_attr_name(enum gl_attr attr);
/* Returns the attribute, or GL_ENOENT for an unknown name. */
int gl_attr_from_name(const char *name);
enum gl_attr_class gl_attr_class(enum gl_attr attr);
const char *gl_class_name(enum gl_attr_class cls);
/* Returns the class, or GL_ENOENT for an unknown name. */
int gl_class_from_name(const char *name);

#endif
