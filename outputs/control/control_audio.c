/*
 * control_audio.c - what remotes hear of the audio part (control.h): its
 * levels, device and running sounds as OSC feedback messages and as MQTT's
 * retained state/audio JSON, each only when it changed (levels in 0.5 dB
 * steps, positions in tenths of a second), so that a meter on a tablet
 * moves without flooding it.
 *
 * Control thread. Reads the audio part's published state (any thread may),
 * never waits for it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "control.h"
#include "outputs/media/audio/audio.h"

#define CTL_AUDIO_SOUNDS 8         /* sounds fed back by number */
#define CTL_AUDIO_FLOOR_DB -120.0

struct sent_sound {
	bool used;
	uint32_t id;
	int state;
	int position_ds, remaining_ds;
};

struct gl_control_audio {
	struct gl_audio *audio;
	struct gl_audio_state st;
	bool have_sent;
	int peak[GL_AUDIO_CHANNELS], rms[GL_AUDIO_CHANNELS];   /* half dB */
	bool device_ok;
	int count;
	struct sent_sound sounds[CTL_AUDIO_SOUNDS];
	char json[4096];               /* state/audio as last handed out */
};

struct gl_control_audio *gl_control_audio_create(struct gl_audio *audio)
{
	struct gl_control_audio *fa = audio ? calloc(1, sizeof *fa) : NULL;

	if (fa)
		fa->audio = audio;
	return fa;
}

void gl_control_audio_destroy(struct gl_control_audio *fa)
{
	free(fa);
}

static double db_of(float level)
{
	double db = level > 0 ? 20.0 * log10(level) : CTL_AUDIO_FLOOR_DB;

	return db < CTL_AUDIO_FLOOR_DB ? CTL_AUDIO_FLOOR_DB : db;
}

static int tenths(double s)
{
	return (int)lround(s * 10.0);
}

static void send2(gl_control_audio_send_fn send, void *ud, const char *address, float a, float b,
		  int argc)
{
	struct gl_ctl_arg args[2] = { { .type = 'f', .f = a }, { .type = 'f', .f = b } };

	send(ud, address, args, argc);
}

void gl_control_audio_osc(struct gl_control_audio *fa, bool full, bool remember,
			  gl_control_audio_send_fn send, void *ud)
{
	struct gl_audio_state *st = &fa->st;
	char address[64];

	gl_audio_state(fa->audio, st);
	if (!fa->have_sent)
		full = true;
	for (int c = 0; c < GL_AUDIO_CHANNELS; c++) {
		double peak = db_of(st->peak[c]), rms = db_of(st->rms[c]);
		int p = (int)lround(peak * 2), r = (int)lround(rms * 2);

		if (!full && p == fa->peak[c] && r == fa->rms[c])
			continue;
		snprintf(address, sizeof address, "/gl/out/audio/level/%d", c + 1);
		send2(send, ud, address, (float)peak, (float)rms, 2);
		snprintf(address, sizeof address, "/gl/out/audio/meter/%d", c + 1);
		send2(send, ud, address, peak <= -60.0 ? 0.0f : (float)((peak + 60.0) / 60.0), 0, 1);
		if (remember) {
			fa->peak[c] = p;
			fa->rms[c] = r;
		}
	}
	if (full || st->device_ok != fa->device_ok) {
		struct gl_ctl_arg a = { .type = 's', .s = st->device_ok ? "ok" : "lost" };

		send(ud, "/gl/out/audio/device", &a, 1);
		if (remember)
			fa->device_ok = st->device_ok;
	}
	int count = st->voice_count < CTL_AUDIO_SOUNDS ? st->voice_count : CTL_AUDIO_SOUNDS;
	if (full || st->voice_count != fa->count) {
		struct gl_ctl_arg a = { .type = 'i', .i = st->voice_count };

		send(ud, "/gl/out/audio/sounds", &a, 1);
	}
	for (int k = 0; k < CTL_AUDIO_SOUNDS; k++) {
		struct sent_sound *was = &fa->sounds[k];
		struct sent_sound now = { 0 };
		struct gl_ctl_arg args[4] = { { .type = 's', .s = "" }, { .type = 's', .s = "off" },
					      { .type = 'f' }, { .type = 'f' } };

		if (k < count) {
			const struct gl_audio_voice_info *v = &st->voices[k];

			now = (struct sent_sound){ true, v->id, (int)v->state, tenths(v->position_s),
						   tenths(v->remaining_s) };
			args[0].s = v->name;
			args[1].s = gl_audio_state_name(v->state);
			args[2].f = (double)now.position_ds / 10.0;
			args[3].f = v->remaining_s < 0 ? -1.0 : (double)now.remaining_ds / 10.0;
		}
		if (!full && memcmp(&now, was, sizeof now) == 0)
			continue;
		if (!full && !now.used && !was->used)
			continue;
		snprintf(address, sizeof address, "/gl/out/audio/sound/%d", k + 1);
		send(ud, address, args, 4);
		if (remember)
			*was = now;
	}
	if (remember) {
		fa->count = st->voice_count;
		fa->have_sent = true;
	}
}

size_t gl_control_audio_json(struct gl_control_audio *fa, bool full, char *out, size_t len)
{
	struct gl_audio_state *st = &fa->st;
	cJSON *j = cJSON_CreateObject(), *peak, *rms, *sounds;
	char *text;
	size_t n = 0;

	gl_audio_state(fa->audio, st);
	peak = cJSON_AddArrayToObject(j, "peak");
	rms = cJSON_AddArrayToObject(j, "rms");
	sounds = cJSON_AddArrayToObject(j, "sounds");
	if (!j || !peak || !rms || !sounds) {
		cJSON_Delete(j);
		return 0;
	}
	cJSON_AddStringToObject(j, "device", st->device_ok ? "ok" : "lost");
	for (int c = 0; c < GL_AUDIO_CHANNELS; c++) {
		cJSON_AddItemToArray(peak, cJSON_CreateNumber(round(db_of(st->peak[c]))));
		cJSON_AddItemToArray(rms, cJSON_CreateNumber(round(db_of(st->rms[c]))));
	}
	cJSON_AddNumberToObject(j, "master", round(db_of(st->master) * 10.0) / 10.0);
	cJSON_AddNumberToObject(j, "underruns", (double)st->underruns);
	for (int k = 0; k < st->voice_count && k < CTL_AUDIO_SOUNDS * 2; k++) {
		const struct gl_audio_voice_info *v = &st->voices[k];
		cJSON *s = cJSON_CreateObject();

		if (!s)
			break;
		cJSON_AddStringToObject(s, "name", v->name);
		cJSON_AddStringToObject(s, "state", gl_audio_state_name(v->state));
		cJSON_AddNumberToObject(s, "position", round(v->position_s * 10.0) / 10.0);
		cJSON_AddNumberToObject(s, "remaining",
					v->remaining_s < 0 ? -1.0 : round(v->remaining_s * 10.0) / 10.0);
		cJSON_AddNumberToObject(s, "level", round(v->level_db * 10.0) / 10.0);
		cJSON_AddItemToArray(sounds, s);
	}
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (text && strlen(text) < len && strlen(text) < sizeof fa->json &&
	    (full || strcmp(text, fa->json) != 0)) {
		n = strlen(text);
		memcpy(out, text, n + 1);
		memcpy(fa->json, text, n + 1);
	}
	free(text);
	return n;
}
