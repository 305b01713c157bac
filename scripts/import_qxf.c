/*
 * import_qxf.c - QLC+ fixture definitions (.qxf, XML) into a fixture
 * definition, with expat.
 *
 * Two steps: the SAX pass collects the file as written (channels with their
 * preset, group, colour, default and capabilities; modes as channel-name
 * lists with heads; physical data), then the mapping pass turns each mode
 * into our channels: presets and groups to attributes, a fine channel right
 * after its coarse one merged into a 16/24-bit channel, a fine channel
 * later in the mode joined to its coarse one too (with its slot in
 * fine_slot), heads from slot numbers to channel indices. Any thread; no
 * globals. Every error names the file, the line (while parsing) and the
 * element.
 */
#include "import.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <expat.h>

#define QXF_TEXT_MAX 1024
#define QXF_DEPTH_MAX 16

struct qxf_cap {
	int min, max;
	char *preset;
	char *color;          /* "#rrggbb" from Res1 / Color, or NULL */
	char *text;
	int line;
};

struct qxf_channel {
	char *name;
	char *preset;
	char *group;
	int byte;             /* Group Byte: 0 coarse, 1 fine */
	char *colour;         /* <Colour> */
	int default_value;    /* -1 none */
	int line;
	int cap_count;
	struct qxf_cap *caps;
};

struct qxf_head {
	int count;
	int *slots;           /* mode slot numbers, 0-based */
};

struct qxf_mode {
	char *name;
	int line;
	int channel_count;
	char **channels;      /* by Number */
	int *numbers;
	int head_count;
	struct qxf_head *heads;
};

struct qxf {
	const char *file;
	XML_Parser parser;
	int rc;
	char *err;
	size_t err_len;

	char *manufacturer, *model;
	int channel_count;
	struct qxf_channel *channels;
	int mode_count;
	struct qxf_mode *modes;
	float pan_max, tilt_max, weight, power, lens_min, lens_max;

	/* parse state */
	int depth;
	char path[QXF_DEPTH_MAX][24];   /* element names from the root */
	char text[QXF_TEXT_MAX];
	size_t text_len;
	bool root_seen;
};

static void qxf_fail(struct qxf *q, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void qxf_fail(struct qxf *q, int rc, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (q->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	q->rc = rc;
	if (q->parser)
		snprintf(q->err, q->err_len, "%s:%lu: %s", q->file,
			 (unsigned long)XML_GetCurrentLineNumber(q->parser), msg);
	else
		snprintf(q->err, q->err_len, "%s: %s", q->file, msg);
	if (q->parser)
		XML_StopParser(q->parser, XML_FALSE);
}

static char *qxf_dup(struct qxf *q, const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		qxf_fail(q, GL_ENOMEM, "out of memory");
	return d;
}

/* Grows an array by one zeroed item; NULL (and the error set) when out of
 * memory. */
static void *qxf_grow(struct qxf *q, void **items, int *count, size_t size)
{
	int n = *count;

	if ((n & (n - 1)) == 0) {
		void *p = realloc(*items, (size_t)(n ? n * 2 : 1) * size);

		if (!p) {
			qxf_fail(q, GL_ENOMEM, "out of memory");
			return NULL;
		}
		*items = p;
	}
	memset((char *)*items + (size_t)n * size, 0, size);
	(*count)++;
	return (char *)*items + (size_t)n * size;
}

static const char *qxf_attr(const char **atts, const char *key)
{
	for (int i = 0; atts[i]; i += 2)
		if (strcmp(atts[i], key) == 0)
			return atts[i + 1];
	return NULL;
}

/* A whole number lo..hi, or false. */
static bool qxf_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	while (*end == ' ')
		end++;
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

static float qxf_float(const char *s)
{
	char *end;
	double v;

	if (!s)
		return 0.0f;
	v = strtod(s, &end);
	return end != s && v > 0 && v < 1e7 ? (float)v : 0.0f;
}

static bool qxf_in(const struct qxf *q, int depth, const char *name)
{
	return q->depth > depth && strcmp(q->path[depth], name) == 0;
}

static void XMLCALL qxf_start(void *ud, const char *el, const char **atts)
{
	struct qxf *q = ud;
	const char *v;

	if (q->rc)
		return;
	if (q->depth == 0) {
		if (strcmp(el, "FixtureDefinition") != 0) {
			qxf_fail(q, GL_EINVAL, "root element <%s>, expected <FixtureDefinition>", el);
			return;
		}
		q->root_seen = true;
	}
	if (q->depth >= QXF_DEPTH_MAX) {
		qxf_fail(q, GL_EINVAL, "elements nested too deep");
		return;
	}
	snprintf(q->path[q->depth], sizeof q->path[0], "%s", el);
	q->depth++;
	q->text_len = 0;
	q->text[0] = '\0';

	if (q->depth == 2 && strcmp(el, "Channel") == 0) {
		struct qxf_channel *ch = qxf_grow(q, (void **)&q->channels, &q->channel_count,
						  sizeof *ch);
		int d;

		if (!ch)
			return;
		ch->line = (int)XML_GetCurrentLineNumber(q->parser);
		ch->default_value = -1;
		if (!(v = qxf_attr(atts, "Name")) || !*v) {
			qxf_fail(q, GL_EINVAL, "<Channel> without a Name");
			return;
		}
		ch->name = qxf_dup(q, v);
		if ((v = qxf_attr(atts, "Preset")))
			ch->preset = qxf_dup(q, v);
		if ((v = qxf_attr(atts, "Default"))) {
			if (!qxf_int(v, 0, 65535, &d)) {
				qxf_fail(q, GL_EINVAL, "channel \"%s\": bad Default \"%s\"", ch->name, v);
				return;
			}
			ch->default_value = d > 255 ? d >> 8 : d;
		}
	} else if (q->depth == 3 && qxf_in(q, 1, "Channel") && q->channel_count > 0) {
		struct qxf_channel *ch = &q->channels[q->channel_count - 1];

		if (strcmp(el, "Group") == 0) {
			if ((v = qxf_attr(atts, "Byte")) && !qxf_int(v, 0, 1, &ch->byte))
				qxf_fail(q, GL_EINVAL, "channel \"%s\": Group Byte \"%s\" is not 0 or 1",
					 ch->name, v);
		} else if (strcmp(el, "Capability") == 0) {
			struct qxf_cap *cap = qxf_grow(q, (void **)&ch->caps, &ch->cap_count,
						       sizeof *cap);

			if (!cap)
				return;
			cap->line = (int)XML_GetCurrentLineNumber(q->parser);
			if (!qxf_int(qxf_attr(atts, "Min"), 0, 255, &cap->min) ||
			    !qxf_int(qxf_attr(atts, "Max"), 0, 255, &cap->max) ||
			    cap->min > cap->max) {
				qxf_fail(q, GL_EINVAL, "channel \"%s\": capability Min/Max must be "
					 "0 <= Min <= Max <= 255", ch->name);
				return;
			}
			if ((v = qxf_attr(atts, "Preset")))
				cap->preset = qxf_dup(q, v);
			v = qxf_attr(atts, "Color");
			if (!v && (v = qxf_attr(atts, "Res1")) && v[0] != '#')
				v = NULL;
			if (v)
				cap->color = qxf_dup(q, v);
		}
	} else if (q->depth == 2 && strcmp(el, "Mode") == 0) {
		struct qxf_mode *m = qxf_grow(q, (void **)&q->modes, &q->mode_count, sizeof *m);

		if (!m)
			return;
		m->line = (int)XML_GetCurrentLineNumber(q->parser);
		if (!(v = qxf_attr(atts, "Name")) || !*v) {
			qxf_fail(q, GL_EINVAL, "<Mode> without a Name");
			return;
		}
		m->name = qxf_dup(q, v);
	} else if (q->depth == 3 && qxf_in(q, 1, "Mode") && strcmp(el, "Channel") == 0) {
		struct qxf_mode *m = &q->modes[q->mode_count - 1];
		int number = m->channel_count;

		if ((v = qxf_attr(atts, "Number")) && !qxf_int(v, 0, 100000, &number)) {
			qxf_fail(q, GL_EINVAL, "mode \"%s\": bad channel Number \"%s\"", m->name, v);
			return;
		}
		if (m->channel_count >= GL_DMX_SLOTS) {
			qxf_fail(q, GL_EINVAL, "mode \"%s\": channels past %d", m->name,
				 GL_DMX_SLOTS);
			return;
		}
		if ((m->channel_count & (m->channel_count - 1)) == 0) {
			size_t cap = (size_t)(m->channel_count ? m->channel_count * 2 : 1);
			char **c = realloc(m->channels, cap * sizeof *c);
			int *n;

			if (c)
				m->channels = c;
			n = c ? realloc(m->numbers, cap * sizeof *n) : NULL;
			if (!n) {
				qxf_fail(q, GL_ENOMEM, "out of memory");
				return;
			}
			m->numbers = n;
		}
		m->channels[m->channel_count] = NULL;
		m->numbers[m->channel_count] = number;
		m->channel_count++;
	} else if (q->depth == 3 && qxf_in(q, 1, "Mode") && strcmp(el, "Head") == 0) {
		struct qxf_mode *m = &q->modes[q->mode_count - 1];

		qxf_grow(q, (void **)&m->heads, &m->head_count, sizeof m->heads[0]);
	} else if (q->depth == 3 && qxf_in(q, 1, "Physical")) {
		if (strcmp(el, "Focus") == 0) {
			q->pan_max = qxf_float(qxf_attr(atts, "PanMax"));
			q->tilt_max = qxf_float(qxf_attr(atts, "TiltMax"));
		} else if (strcmp(el, "Dimensions") == 0) {
			q->weight = qxf_float(qxf_attr(atts, "Weight"));
		} else if (strcmp(el, "Technical") == 0) {
			q->power = qxf_float(qxf_attr(atts, "PowerConsumption"));
		} else if (strcmp(el, "Lens") == 0) {
			q->lens_min = qxf_float(qxf_attr(atts, "DegreesMin"));
			q->lens_max = qxf_float(qxf_attr(atts, "DegreesMax"));
		}
	}
}

static void qxf_trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' ||
			 s[n - 1] == '\r'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')
		i++;
	memmove(s, s + i, n - i + 1);
}

static void XMLCALL qxf_end(void *ud, const char *el)
{
	struct qxf *q = ud;
	char *text = q->text;
	const char *trimmed;

	if (q->rc)
		return;
	/* Channel names keep their spaces ("Zoom "): modes refer to them
	 * exactly. Everything else is trimmed. */
	if (q->depth == 3 && qxf_in(q, 1, "Mode") && strcmp(el, "Channel") == 0) {
		struct qxf_mode *m = &q->modes[q->mode_count - 1];

		m->channels[m->channel_count - 1] = qxf_dup(q, text);
	} else {
		qxf_trim(text);
		trimmed = text;
		if (q->depth == 2 && strcmp(el, "Manufacturer") == 0) {
			free(q->manufacturer);
			q->manufacturer = qxf_dup(q, trimmed);
		} else if (q->depth == 2 && strcmp(el, "Model") == 0) {
			free(q->model);
			q->model = qxf_dup(q, trimmed);
		} else if (q->depth == 3 && qxf_in(q, 1, "Channel") && q->channel_count > 0) {
			struct qxf_channel *ch = &q->channels[q->channel_count - 1];

			if (strcmp(el, "Group") == 0) {
				free(ch->group);
				ch->group = qxf_dup(q, trimmed);
			} else if (strcmp(el, "Colour") == 0) {
				free(ch->colour);
				ch->colour = qxf_dup(q, trimmed);
			} else if (strcmp(el, "Capability") == 0 && ch->cap_count > 0) {
				ch->caps[ch->cap_count - 1].text = qxf_dup(q, trimmed);
			}
		} else if (q->depth == 4 && qxf_in(q, 1, "Mode") && qxf_in(q, 2, "Head") &&
			   strcmp(el, "Channel") == 0) {
			struct qxf_mode *m = &q->modes[q->mode_count - 1];
			int slot;

			if (m->head_count > 0) {
				struct qxf_head *h = &m->heads[m->head_count - 1];

				if (!qxf_int(trimmed, 0, GL_DMX_SLOTS - 1, &slot)) {
					qxf_fail(q, GL_EINVAL, "mode \"%s\": head %d: channel \"%s\" is "
						 "not a slot number", m->name, m->head_count, trimmed);
					return;
				}
				if (!qxf_grow(q, (void **)&h->slots, &h->count, sizeof *h->slots))
					return;
				h->slots[h->count - 1] = slot;
			}
		}
	}
	q->depth--;
	q->text_len = 0;
	q->text[0] = '\0';
}

static void XMLCALL qxf_chars(void *ud, const char *s, int len)
{
	struct qxf *q = ud;
	size_t n = (size_t)len;

	if (q->rc)
		return;
	if (q->text_len + n >= QXF_TEXT_MAX)
		n = QXF_TEXT_MAX - 1 - q->text_len;
	memcpy(q->text + q->text_len, s, n);
	q->text_len += n;
	q->text[q->text_len] = '\0';
}

static void qxf_free(struct qxf *q)
{
	for (int i = 0; i < q->channel_count; i++) {
		struct qxf_channel *ch = &q->channels[i];

		for (int k = 0; k < ch->cap_count; k++) {
			free(ch->caps[k].preset);
			free(ch->caps[k].color);
			free(ch->caps[k].text);
		}
		free(ch->caps);
		free(ch->name);
		free(ch->preset);
		free(ch->group);
		free(ch->colour);
	}
	free(q->channels);
	for (int i = 0; i < q->mode_count; i++) {
		struct qxf_mode *m = &q->modes[i];

		for (int c = 0; c < m->channel_count; c++)
			free(m->channels[c]);
		free(m->channels);
		free(m->numbers);
		for (int h = 0; h < m->head_count; h++)
			free(m->heads[h].slots);
		free(m->heads);
		free(m->name);
	}
	free(q->modes);
	free(q->manufacturer);
	free(q->model);
}

/* ---- mapping ------------------------------------------------------------------ */

/* Channel presets: attribute and byte (0 coarse, 1 fine). */
static const struct {
	const char *preset;
	int attr;
	int byte;
} qxf_channel_presets[] = {
	{ "IntensityMasterDimmer", GL_ATTR_INTENSITY, 0 },
	{ "IntensityMasterDimmerFine", GL_ATTR_INTENSITY, 1 },
	{ "IntensityDimmer", GL_ATTR_INTENSITY, 0 },
	{ "IntensityDimmerFine", GL_ATTR_INTENSITY, 1 },
	{ "IntensityRed", GL_ATTR_RED, 0 }, { "IntensityRedFine", GL_ATTR_RED, 1 },
	{ "IntensityGreen", GL_ATTR_GREEN, 0 }, { "IntensityGreenFine", GL_ATTR_GREEN, 1 },
	{ "IntensityBlue", GL_ATTR_BLUE, 0 }, { "IntensityBlueFine", GL_ATTR_BLUE, 1 },
	{ "IntensityWhite", GL_ATTR_WHITE, 0 }, { "IntensityWhiteFine", GL_ATTR_WHITE, 1 },
	{ "IntensityAmber", GL_ATTR_AMBER, 0 }, { "IntensityAmberFine", GL_ATTR_AMBER, 1 },
	{ "IntensityUV", GL_ATTR_UV, 0 }, { "IntensityUVFine", GL_ATTR_UV, 1 },
	{ "IntensityCyan", GL_ATTR_CYAN, 0 }, { "IntensityCyanFine", GL_ATTR_CYAN, 1 },
	{ "IntensityMagenta", GL_ATTR_MAGENTA, 0 },
	{ "IntensityMagentaFine", GL_ATTR_MAGENTA, 1 },
	{ "IntensityYellow", GL_ATTR_YELLOW, 0 }, { "IntensityYellowFine", GL_ATTR_YELLOW, 1 },
	{ "IntensityLime", GL_ATTR_CONTROL, 0 }, { "IntensityLimeFine", GL_ATTR_CONTROL, 1 },
	{ "IntensityIndigo", GL_ATTR_CONTROL, 0 }, { "IntensityIndigoFine", GL_ATTR_CONTROL, 1 },
	{ "IntensityHue", GL_ATTR_CONTROL, 0 }, { "IntensityHueFine", GL_ATTR_CONTROL, 1 },
	{ "IntensitySaturation", GL_ATTR_CONTROL, 0 },
	{ "IntensitySaturationFine", GL_ATTR_CONTROL, 1 },
	{ "IntensityLightness", GL_ATTR_CONTROL, 0 },
	{ "IntensityLightnessFine", GL_ATTR_CONTROL, 1 },
	{ "IntensityValue", GL_ATTR_CONTROL, 0 }, { "IntensityValueFine", GL_ATTR_CONTROL, 1 },
	{ "PositionPan", GL_ATTR_PAN, 0 }, { "PositionPanFine", GL_ATTR_PAN, 1 },
	{ "PositionTilt", GL_ATTR_TILT, 0 }, { "PositionTiltFine", GL_ATTR_TILT, 1 },
	{ "PositionXAxis", GL_ATTR_CONTROL, 0 }, { "PositionYAxis", GL_ATTR_CONTROL, 0 },
	{ "SpeedPanSlowFast", GL_ATTR_SPEED, 0 }, { "SpeedPanFastSlow", GL_ATTR_SPEED, 0 },
	{ "SpeedTiltSlowFast", GL_ATTR_SPEED, 0 }, { "SpeedTiltFastSlow", GL_ATTR_SPEED, 0 },
	{ "SpeedPanTiltSlowFast", GL_ATTR_SPEED, 0 },
	{ "SpeedPanTiltFastSlow", GL_ATTR_SPEED, 0 },
	{ "ColorMacro", GL_ATTR_COLOR_WHEEL, 0 }, { "ColorWheel", GL_ATTR_COLOR_WHEEL, 0 },
	{ "ColorWheelFine", GL_ATTR_COLOR_WHEEL, 1 },
	{ "ColorWheelIndex", GL_ATTR_COLOR_WHEEL, 0 },
	{ "ColorRGBMixer", GL_ATTR_CONTROL, 0 }, { "ColorCTOMixer", GL_ATTR_CTO, 0 },
	{ "ColorCTCMixer", GL_ATTR_CONTROL, 0 }, { "ColorCTBMixer", GL_ATTR_CONTROL, 0 },
	{ "GoboWheel", GL_ATTR_GOBO, 0 }, { "GoboWheelFine", GL_ATTR_GOBO, 1 },
	{ "GoboIndex", GL_ATTR_CONTROL, 0 }, { "GoboIndexFine", GL_ATTR_CONTROL, 1 },
	{ "ShutterStrobeSlowFast", GL_ATTR_STROBE, 0 },
	{ "ShutterStrobeFastSlow", GL_ATTR_STROBE, 0 },
	{ "ShutterIrisMinToMax", GL_ATTR_IRIS, 0 }, { "ShutterIrisMaxToMin", GL_ATTR_IRIS, 0 },
	{ "ShutterIrisFine", GL_ATTR_IRIS, 1 },
	{ "BeamFocusNearFar", GL_ATTR_FOCUS, 0 }, { "BeamFocusFarNear", GL_ATTR_FOCUS, 0 },
	{ "BeamFocusFine", GL_ATTR_FOCUS, 1 },
	{ "BeamZoomSmallBig", GL_ATTR_ZOOM, 0 }, { "BeamZoomBigSmall", GL_ATTR_ZOOM, 0 },
	{ "BeamZoomFine", GL_ATTR_ZOOM, 1 },
	{ "PrismRotationSlowFast", GL_ATTR_CONTROL, 0 },
	{ "PrismRotationFastSlow", GL_ATTR_CONTROL, 0 },
	{ "NoFunction", GL_ATTR_CONTROL, 0 },
};

/* Capability presets and what kind of range each is. */
static const struct {
	const char *preset;
	enum fdef_cap_kind kind;
} qxf_cap_presets[] = {
	{ "ShutterOpen", FDEF_CAP_OPEN }, { "ShutterClose", FDEF_CAP_CLOSED },
	{ "StrobeSlowToFast", FDEF_CAP_STROBE }, { "StrobeFastToSlow", FDEF_CAP_STROBE },
	{ "StrobeRandom", FDEF_CAP_STROBE }, { "StrobeRandomSlowToFast", FDEF_CAP_STROBE },
	{ "StrobeRandomFastToSlow", FDEF_CAP_STROBE }, { "StrobeFrequency", FDEF_CAP_STROBE },
	{ "StrobeFreqRange", FDEF_CAP_STROBE },
	{ "ShutterStrobeSlowFast", FDEF_CAP_STROBE }, { "ShutterStrobeFastSlow", FDEF_CAP_STROBE },
	{ "PulseSlowToFast", FDEF_CAP_STROBE }, { "PulseFastToSlow", FDEF_CAP_STROBE },
	{ "PulseFrequency", FDEF_CAP_STROBE }, { "PulseFreqRange", FDEF_CAP_STROBE },
	{ "RampUpSlowToFast", FDEF_CAP_STROBE }, { "RampUpFastToSlow", FDEF_CAP_STROBE },
	{ "RampUpFrequency", FDEF_CAP_STROBE }, { "RampUpFreqRange", FDEF_CAP_STROBE },
	{ "RampDownSlowToFast", FDEF_CAP_STROBE }, { "RampDownFastToSlow", FDEF_CAP_STROBE },
	{ "RampDownFrequency", FDEF_CAP_STROBE }, { "RampDownFreqRange", FDEF_CAP_STROBE },
	{ "ColorMacro", FDEF_CAP_COLOR }, { "ColorDoubleMacro", FDEF_CAP_COLOR },
	{ "GoboMacro", FDEF_CAP_GOBO }, { "GoboShakeMacro", FDEF_CAP_GOBO },
	{ "GenericPicture", FDEF_CAP_GENERIC }, { "Alias", FDEF_CAP_GENERIC },
	{ "NoFunction", FDEF_CAP_NONE },
	{ "SlowToFast", FDEF_CAP_GENERIC }, { "FastToSlow", FDEF_CAP_GENERIC },
	{ "SmallToBig", FDEF_CAP_GENERIC }, { "BigToSmall", FDEF_CAP_GENERIC },
	{ "NearToFar", FDEF_CAP_GENERIC }, { "FarToNear", FDEF_CAP_GENERIC },
	{ "RotationStop", FDEF_CAP_GENERIC }, { "RotationIndexed", FDEF_CAP_GENERIC },
	{ "RotationClockwise", FDEF_CAP_GENERIC },
	{ "RotationClockwiseSlowToFast", FDEF_CAP_GENERIC },
	{ "RotationClockwiseFastToSlow", FDEF_CAP_GENERIC },
	{ "RotationCounterClockwise", FDEF_CAP_GENERIC },
	{ "RotationCounterClockwiseSlowToFast", FDEF_CAP_GENERIC },
	{ "RotationCounterClockwiseFastToSlow", FDEF_CAP_GENERIC },
	{ "LampOn", FDEF_CAP_GENERIC }, { "LampOff", FDEF_CAP_GENERIC },
	{ "ResetAll", FDEF_CAP_GENERIC }, { "ResetPanTilt", FDEF_CAP_GENERIC },
	{ "ResetPan", FDEF_CAP_GENERIC }, { "ResetTilt", FDEF_CAP_GENERIC },
	{ "ResetMotors", FDEF_CAP_GENERIC }, { "ResetEffects", FDEF_CAP_GENERIC },
	{ "ResetColor", FDEF_CAP_GENERIC }, { "ResetCMY", FDEF_CAP_GENERIC },
	{ "ResetGobo", FDEF_CAP_GENERIC }, { "ResetIris", FDEF_CAP_GENERIC },
	{ "ResetFrost", FDEF_CAP_GENERIC }, { "ResetPrism", FDEF_CAP_GENERIC },
	{ "ResetZoom", FDEF_CAP_GENERIC },
	{ "PrismEffectOn", FDEF_CAP_GENERIC }, { "PrismEffectOff", FDEF_CAP_GENERIC },
	{ "SilentModeOn", FDEF_CAP_GENERIC }, { "SilentModeOff", FDEF_CAP_GENERIC },
	{ "SilentModeAutomatic", FDEF_CAP_GENERIC },
};

/* Groups (channels without a channel preset) and their attribute; Intensity
 * looks at <Colour>, Beam at the name. */
static const struct {
	const char *group;
	int attr;
} qxf_groups[] = {
	{ "Intensity", GL_ATTR_INTENSITY }, { "Colour", GL_ATTR_COLOR_WHEEL },
	{ "Gobo", GL_ATTR_GOBO }, { "Shutter", GL_ATTR_SHUTTER },
	{ "Speed", GL_ATTR_SPEED }, { "Pan", GL_ATTR_PAN }, { "Tilt", GL_ATTR_TILT },
	{ "Beam", GL_ATTR_CONTROL }, { "Prism", GL_ATTR_CONTROL },
	{ "Effect", GL_ATTR_CONTROL }, { "Maintenance", GL_ATTR_CONTROL },
	{ "Nothing", GL_ATTR_CONTROL },
};

static bool qxf_has_word(const char *name, const char *word)
{
	return name && strcasestr(name, word) != NULL;
}

/* attr and byte of a channel as written; GL_EINVAL (message set) for an
 * unknown preset, group or colour. */
static int qxf_map_channel(struct qxf *q, const struct qxf_channel *ch, int *attr, int *byte)
{
	size_t i;

	*byte = ch->byte;
	if (ch->preset) {
		for (i = 0; i < sizeof qxf_channel_presets / sizeof qxf_channel_presets[0]; i++)
			if (strcmp(qxf_channel_presets[i].preset, ch->preset) == 0) {
				*attr = qxf_channel_presets[i].attr;
				*byte = qxf_channel_presets[i].byte;
				return 0;
			}
		qxf_fail(q, GL_EINVAL, "line %d: channel \"%s\": unknown preset \"%s\"", ch->line,
			 ch->name, ch->preset);
		return GL_EINVAL;
	}
	if (!ch->group) {
		*attr = GL_ATTR_CONTROL;    /* QLC+ reads a channel without group as Intensity;
					     * we make no light from a channel we cannot name */
		if (ch->colour || qxf_has_word(ch->name, "dimmer"))
			*attr = GL_ATTR_INTENSITY;
		else
			return 0;
	} else {
		for (i = 0; i < sizeof qxf_groups / sizeof qxf_groups[0]; i++)
			if (strcmp(qxf_groups[i].group, ch->group) == 0)
				break;
		if (i == sizeof qxf_groups / sizeof qxf_groups[0]) {
			qxf_fail(q, GL_EINVAL, "line %d: channel \"%s\": unknown group \"%s\"",
				 ch->line, ch->name, ch->group);
			return GL_EINVAL;
		}
		*attr = qxf_groups[i].attr;
	}
	if (*attr == GL_ATTR_INTENSITY && ch->colour) {
		static const struct { const char *name; int attr; } colours[] = {
			{ "Red", GL_ATTR_RED }, { "Green", GL_ATTR_GREEN }, { "Blue", GL_ATTR_BLUE },
			{ "White", GL_ATTR_WHITE }, { "Amber", GL_ATTR_AMBER }, { "UV", GL_ATTR_UV },
			{ "Cyan", GL_ATTR_CYAN }, { "Magenta", GL_ATTR_MAGENTA },
			{ "Yellow", GL_ATTR_YELLOW }, { "Lime", GL_ATTR_CONTROL },
			{ "Indigo", GL_ATTR_CONTROL }, { "Generic", GL_ATTR_INTENSITY },
		};
		for (i = 0; i < sizeof colours / sizeof colours[0]; i++)
			if (strcasecmp(colours[i].name, ch->colour) == 0) {
				*attr = colours[i].attr;
				return 0;
			}
		qxf_fail(q, GL_EINVAL, "line %d: channel \"%s\": unknown colour \"%s\"", ch->line,
			 ch->name, ch->colour);
		return GL_EINVAL;
	}
	if (*attr == GL_ATTR_COLOR_WHEEL && (qxf_has_word(ch->name, "cto") ||
					     qxf_has_word(ch->name, "temperature")))
		*attr = GL_ATTR_CTO;
	if (ch->group && strcmp(ch->group, "Beam") == 0) {
		if (qxf_has_word(ch->name, "zoom"))
			*attr = GL_ATTR_ZOOM;
		else if (qxf_has_word(ch->name, "focus"))
			*attr = GL_ATTR_FOCUS;
		else if (qxf_has_word(ch->name, "iris"))
			*attr = GL_ATTR_IRIS;
	}
	return 0;
}

static int qxf_parse_color(const char *s, float rgb[3])
{
	return s ? gl_color_parse_hex(s, &rgb[0], &rgb[1], &rgb[2]) : GL_EINVAL;
}

/* Copies the capabilities; sets kinds from the presets. */
static int qxf_caps(struct qxf *q, const struct qxf_channel *src, struct fdef_channel *ch)
{
	for (int k = 0; k < src->cap_count; k++) {
		const struct qxf_cap *c = &src->caps[k];
		struct fdef_cap *cap = fdef_add_cap(ch);
		size_t i;

		if (!cap || fdef_set_str(&cap->name, c->text && c->text[0] ? c->text : NULL)) {
			qxf_fail(q, GL_ENOMEM, "out of memory");
			return GL_ENOMEM;
		}
		cap->min = c->min;
		cap->max = c->max;
		cap->kind = FDEF_CAP_GENERIC;
		if (c->preset) {
			for (i = 0; i < sizeof qxf_cap_presets / sizeof qxf_cap_presets[0]; i++)
				if (strcmp(qxf_cap_presets[i].preset, c->preset) == 0)
					break;
			if (i < sizeof qxf_cap_presets / sizeof qxf_cap_presets[0]) {
				cap->kind = qxf_cap_presets[i].kind;
			} else {
				for (i = 0; i < sizeof qxf_channel_presets /
						       sizeof qxf_channel_presets[0]; i++)
					if (strcmp(qxf_channel_presets[i].preset, c->preset) == 0)
						break;
				if (i == sizeof qxf_channel_presets / sizeof qxf_channel_presets[0]) {
					qxf_fail(q, GL_EINVAL, "line %d: channel \"%s\": capability "
						 "%d-%d: unknown capability type \"%s\"", c->line,
						 src->name, c->min, c->max, c->preset);
					return GL_EINVAL;
				}
			}
		}
		if (c->color && qxf_parse_color(c->color, cap->rgb) == 0) {
			cap->has_color = true;
			cap->kind = FDEF_CAP_COLOR;
		}
	}
	return 0;
}

static const struct qxf_channel *qxf_find_channel(const struct qxf *q, const char *name)
{
	for (int i = 0; i < q->channel_count; i++)
		if (strcmp(q->channels[i].name, name) == 0)
			return &q->channels[i];
	return NULL;
}

/* A name without "fine" and without anything but letters and digits,
 * lower-cased: "Pan 2 fine" and "Pan 2" both give "pan2". */
static void qxf_name_key(const char *name, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = name; *p && n + 1 < len; p++) {
		if (strncasecmp(p, "fine", 4) == 0) {
			p += 3;
			continue;
		}
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z'))
			out[n++] = *p;
		else if (*p >= 'A' && *p <= 'Z')
			out[n++] = (char)(*p - 'A' + 'a');
	}
	out[n] = '\0';
}

/* The coarse channel a fine (byte 1) or ultra (byte 2) channel that is not
 * next to it belongs to: an earlier channel of the attribute that has
 * exactly `byte` bytes so far; the one whose name matches ("Pan 2" for "Pan
 * 2 fine") if any, else the nearest. -1 when none (a lone fine channel is
 * just a control). */
static int qxf_coarse_of(const struct fdef_mode *mode, const int *byte_of_entry, int attr,
			 int byte, const char *name)
{
	char want[128], have[128];
	int nearest = -1;

	qxf_name_key(name, want, sizeof want);
	for (int c = mode->channel_count - 1; c >= 0; c--) {
		const struct fdef_channel *ch = &mode->channels[c];

		if (ch->attr != attr || byte_of_entry[c] != 0 || ch->bytes != byte)
			continue;
		if (nearest < 0)
			nearest = c;
		qxf_name_key(ch->name ? ch->name : "", have, sizeof have);
		if (want[0] && strcmp(want, have) == 0)
			return c;
	}
	return nearest;
}

static int qxf_cmp_slot(const void *a, const void *b)
{
	const int *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* One QLC+ mode into one of ours. */
static int qxf_map_mode(struct qxf *q, const struct qxf_mode *qm, struct fdef *def)
{
	struct fdef_mode *mode = fdef_add_mode(def, qm->name);
	int order[GL_DMX_SLOTS][2];            /* number, index: slots sorted */
	int entry_of_slot[GL_DMX_SLOTS];       /* slot -> channel index */
	int byte_of_entry[GL_DMX_SLOTS];       /* fine level of each entry (0 coarse) */
	bool away[GL_DMX_SLOTS] = { false };   /* a fine byte away from its coarse one */
	int n = qm->channel_count;

	if (!mode) {
		qxf_fail(q, GL_ENOMEM, "out of memory");
		return GL_ENOMEM;
	}
	if (n == 0) {
		qxf_fail(q, GL_EINVAL, "line %d: mode \"%s\" has no channels", qm->line, qm->name);
		return GL_EINVAL;
	}
	for (int i = 0; i < n; i++) {
		order[i][0] = qm->numbers[i];
		order[i][1] = i;
	}
	qsort(order, (size_t)n, sizeof order[0], qxf_cmp_slot);
	for (int i = 0; i < n; i++)
		if (order[i][0] != i) {
			qxf_fail(q, GL_EINVAL, "line %d: mode \"%s\": channel numbers must run "
				 "0..%d without gaps or repeats (%d at place %d)", qm->line,
				 qm->name, n - 1, order[i][0], i);
			return GL_EINVAL;
		}
	for (int s = 0; s < n; s++) {
		const char *name = qm->channels[order[s][1]];
		const struct qxf_channel *src = qxf_find_channel(q, name);
		struct fdef_channel *prev = mode->channel_count
						    ? &mode->channels[mode->channel_count - 1] : NULL;
		struct fdef_channel *ch;
		int attr, byte, c;

		if (!src) {
			qxf_fail(q, GL_EINVAL, "line %d: mode \"%s\": channel %d \"%s\" is not "
				 "defined", qm->line, qm->name, s, name);
			return GL_EINVAL;
		}
		if (qxf_map_channel(q, src, &attr, &byte))
			return GL_EINVAL;
		/* A fine channel straight after its coarse one (or a third byte
		 * after a merged 16-bit channel) joins it; so does one later in
		 * the mode (many fixtures put pan fine after tilt), with its slot. */
		if (byte > 0 && prev && prev->attr == attr && s > 0 && !away[s - 1] &&
		    entry_of_slot[s - 1] == mode->channel_count - 1 &&
		    byte_of_entry[mode->channel_count - 1] == 0 && prev->bytes < 3) {
			c = mode->channel_count - 1;
		} else if (byte > 0 && byte < 3) {
			c = qxf_coarse_of(mode, byte_of_entry, attr, byte, src->name);
			if (c >= 0) {
				mode->channels[c].fine_slot[byte - 1] = s;
				away[s] = true;
			}
		} else {
			c = -1;
		}
		if (c >= 0) {
			ch = &mode->channels[c];
			if (fdef_set_str(ch->bytes == 1 ? &ch->fine_name : &ch->ultra_name,
					 src->name)) {
				qxf_fail(q, GL_ENOMEM, "out of memory");
				return GL_ENOMEM;
			}
			ch->bytes++;
			entry_of_slot[s] = c;
			continue;
		}
		ch = fdef_add_channel(mode);
		if (!ch || fdef_set_str(&ch->name, src->name)) {
			qxf_fail(q, GL_ENOMEM, "out of memory");
			return GL_ENOMEM;
		}
		ch->attr = attr;
		byte_of_entry[mode->channel_count - 1] = byte;
		entry_of_slot[s] = mode->channel_count - 1;
		if (byte > 0) {
			ch->attr = GL_ATTR_CONTROL;   /* a fine channel without a coarse one */
			continue;
		}
		if (qxf_caps(q, src, ch))
			return q->rc;
		if (src->default_value >= 0) {
			ch->default_value = (float)src->default_value / 255.0f;
		} else if (attr == GL_ATTR_PAN || attr == GL_ATTR_TILT) {
			ch->default_value = 0.5f;
		} else if (attr == GL_ATTR_SHUTTER || attr == GL_ATTR_STROBE) {
			/* rest open, so intensity alone makes light */
			for (int k = 0; k < ch->cap_count; k++)
				if (ch->caps[k].kind == FDEF_CAP_OPEN) {
					ch->default_value = (float)(ch->caps[k].min + ch->caps[k].max) /
							    2.0f / 255.0f;
					break;
				}
		}
		if (attr == GL_ATTR_SHUTTER) {
			bool shutter = false;

			for (int k = 0; k < ch->cap_count; k++)
				shutter |= ch->caps[k].kind == FDEF_CAP_OPEN ||
					   ch->caps[k].kind == FDEF_CAP_CLOSED;
			if (!shutter && ch->cap_count > 0)
				ch->attr = GL_ATTR_STROBE;
		}
	}
	/* QLC+ gives many single-head fixtures a head: only two or more make
	 * a multi-head fixture */
	for (int h = 0; h < qm->head_count && qm->head_count > 1; h++) {
		int chans[GL_DMX_SLOTS], count = 0;

		for (int i = 0; i < qm->heads[h].count; i++) {
			int slot = qm->heads[h].slots[i], c;
			bool dup = false;

			if (slot >= n) {
				qxf_fail(q, GL_EINVAL, "line %d: mode \"%s\": head %d: channel %d is "
					 "not in the mode (%d channels)", qm->line, qm->name, h + 1,
					 slot, n);
				return GL_EINVAL;
			}
			if (away[slot])
				continue;            /* goes where its coarse channel goes */
			c = entry_of_slot[slot];
			for (int k = 0; k < count; k++)
				dup |= chans[k] == c;
			/* a channel listed by an earlier head stays with that head */
			for (int o = 0; o < mode->head_count && !dup; o++)
				for (int k = 0; k < mode->heads[o].count; k++)
					dup |= mode->heads[o].channels[k] == c;
			if (!dup)
				chans[count++] = c;
		}
		if (count > 0 && !fdef_add_head(mode, chans, count)) {
			qxf_fail(q, GL_ENOMEM, "out of memory");
			return GL_ENOMEM;
		}
	}
	return 0;
}

static int qxf_build(struct qxf *q, struct fdef **out)
{
	struct fdef *def = fdef_create();
	char msg[FDEF_ERR_MAX];
	bool moves = false;

	if (!def) {
		qxf_fail(q, GL_ENOMEM, "out of memory");
		return GL_ENOMEM;
	}
	if (!q->model || !q->model[0]) {
		qxf_fail(q, GL_EINVAL, "no <Model>");
		goto fail;
	}
	if (q->mode_count == 0) {
		qxf_fail(q, GL_EINVAL, "no <Mode>: nothing to patch");
		goto fail;
	}
	for (int i = 0; i < q->channel_count; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(q->channels[i].name, q->channels[j].name) == 0) {
				qxf_fail(q, GL_EINVAL, "line %d: channel \"%s\" is defined twice "
					 "(first at line %d)", q->channels[i].line,
					 q->channels[i].name, q->channels[j].line);
				goto fail;
			}
	for (int i = 0; i < q->mode_count; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(q->modes[i].name, q->modes[j].name) == 0) {
				qxf_fail(q, GL_EINVAL, "line %d: mode \"%s\" is defined twice "
					 "(first at line %d)", q->modes[i].line, q->modes[i].name,
					 q->modes[j].line);
				goto fail;
			}
	if (fdef_set_str(&def->name, q->model) ||
	    fdef_set_str(&def->manufacturer, q->manufacturer && q->manufacturer[0]
							? q->manufacturer : NULL) ||
	    fdef_set_str(&def->source, "QLC+")) {
		qxf_fail(q, GL_ENOMEM, "out of memory");
		goto fail;
	}
	for (int m = 0; m < q->mode_count; m++)
		if (qxf_map_mode(q, &q->modes[m], def))
			goto fail;
	for (int m = 0; m < def->mode_count; m++)
		for (int c = 0; c < def->modes[m].channel_count; c++)
			moves |= def->modes[m].channels[c].attr == GL_ATTR_PAN ||
				 def->modes[m].channels[c].attr == GL_ATTR_TILT;
	/* A moving fixture whose file gives no range: the common 540 / 270. */
	if (moves) {
		def->pan_range_deg = q->pan_max > 0 ? q->pan_max : 540.0f;
		def->tilt_range_deg = q->tilt_max > 0 ? q->tilt_max : 270.0f;
	}
	def->weight_kg = q->weight;
	def->power_w = q->power;
	if (q->lens_max > 0 && q->lens_max <= 360 && q->lens_min <= q->lens_max) {
		def->beam_min_deg = q->lens_min;
		def->beam_max_deg = q->lens_max;
	}
	fdef_mark_repeats(def);
	if (fdef_check(def, msg, sizeof msg)) {
		qxf_fail(q, GL_EINVAL, "%s", msg);
		goto fail;
	}
	*out = def;
	return 0;
fail:
	fdef_destroy(def);
	return q->rc ? q->rc : GL_EINVAL;
}

int import_qxf_buffer(const char *name, const char *data, size_t len, struct fdef **def,
		      char *err, size_t err_len)
{
	struct qxf q;
	int rc;

	*def = NULL;
	memset(&q, 0, sizeof q);
	q.file = name;
	q.err = err;
	q.err_len = err_len;
	if (len > IMPORT_FILE_MAX) {
		qxf_fail(&q, GL_EINVAL, "file too big");
		return GL_EINVAL;
	}
	q.parser = XML_ParserCreate(NULL);
	if (!q.parser) {
		snprintf(err, err_len, "%s: out of memory", name);
		return GL_ENOMEM;
	}
	XML_SetUserData(q.parser, &q);
	XML_SetElementHandler(q.parser, qxf_start, qxf_end);
	XML_SetCharacterDataHandler(q.parser, qxf_chars);
	if (XML_Parse(q.parser, data, (int)len, XML_TRUE) == XML_STATUS_ERROR && !q.rc)
		qxf_fail(&q, GL_EINVAL, "malformed XML: %s",
			 XML_ErrorString(XML_GetErrorCode(q.parser)));
	if (!q.rc && !q.root_seen)
		qxf_fail(&q, GL_EINVAL, "no <FixtureDefinition>");
	XML_ParserFree(q.parser);
	q.parser = NULL;
	rc = q.rc;
	if (!rc)
		rc = qxf_build(&q, def);
	qxf_free(&q);
	return rc;
}

int import_read_file(const char *path, char **data, size_t *len, char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	size_t got;
	char *buf;

	*data = NULL;
	*len = 0;
	if (!f) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return GL_EIO;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_len, "%s: not a regular file", path);
		fclose(f);
		return GL_EIO;
	}
	if ((unsigned long long)st.st_size > IMPORT_FILE_MAX) {
		snprintf(err, err_len, "%s: bigger than %u bytes", path, IMPORT_FILE_MAX);
		fclose(f);
		return GL_ERANGE;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, err_len, "%s: out of memory", path);
		fclose(f);
		return GL_ENOMEM;
	}
	got = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		snprintf(err, err_len, "%s: read error", path);
		free(buf);
		fclose(f);
		return GL_EIO;
	}
	fclose(f);
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

int import_qxf_file(const char *path, struct fdef **def, char *err, size_t err_len)
{
	char *data;
	size_t len;
	int rc = import_read_file(path, &data, &len, err, err_len);

	if (rc)
		return rc;
	rc = import_qxf_buffer(path, data, len, def, err, err_len);
	free(data);
	return rc;
}
