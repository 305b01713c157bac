/*
 * test_audio_noalloc.c - the audio callback allocates nothing, takes no
 * lock and does no file I/O, checked rather than promised (as
 * test_tick_noalloc checks the engine tick): SDL_OpenAudioDevice is
 * interposed so that the callback SDL runs is wrapped, and while the
 * wrapped callback runs on SDL's audio thread, allocations (sanitizer
 * allocator hooks, or glibc's allocator wrapped in other builds), mutex,
 * rwlock and semaphore waits, file I/O calls, and libsndfile and
 * SDL_AudioStream calls are counted. Meanwhile the feed thread decodes and
 * resamples, and the commands cover everything the mixer does: starts now
 * and later, fades, loops with devamp, pause, resume, stop, panic, master.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <SDL.h>
#include <sndfile.h>

#include "engine/engine.h"
#include "outputs/media/audio/audio.h"
#include "tools/noalloc.h"

static volatile long callbacks, locks, file_io, decoder_calls;

/* ---- the callback, wrapped ------------------------------------------------------ */

static SDL_AudioCallback real_callback;

static void SDLCALL wrapped_callback(void *ud, Uint8 *stream, int len)
{
	noalloc_watching = 1;
	real_callback(ud, stream, len);
	noalloc_watching = 0;
	callbacks++;
}

static SDL_AudioDeviceID (*real_open)(const char *, int, const SDL_AudioSpec *,
				      SDL_AudioSpec *, int);

SDL_AudioDeviceID SDL_OpenAudioDevice(const char *device, int iscapture,
				      const SDL_AudioSpec *desired, SDL_AudioSpec *obtained,
				      int allowed_changes)
{
	SDL_AudioSpec spec = *desired;

	real_callback = desired->callback;
	spec.callback = wrapped_callback;
	return real_open(device, iscapture, &spec, obtained, allowed_changes);
}

/* ---- allocations ----------------------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
static const char *allocator = "sanitizer hooks";
#else
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);

void *malloc(size_t n)
{
	if (noalloc_watching)
		noalloc_allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	if (noalloc_watching)
		noalloc_allocs++;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	if (noalloc_watching)
		noalloc_allocs++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (noalloc_watching && p)
		noalloc_allocs++;
	__libc_free(p);
}

static const char *allocator = "glibc's allocator wrapped";
#endif

/* ---- locks, I/O, the decoders: counted, then passed on ------------------------------ */

#define PASS_ON(counter, ret, name, params, args)                                   \
	static ret(*real_##name) params;                                           \
	ret name params                                                            \
	{                                                                          \
		if (noalloc_watching)                                              \
			counter++;                                                 \
		return real_##name args;                                           \
	}

PASS_ON(locks, int, pthread_mutex_lock, (pthread_mutex_t *m), (m))
PASS_ON(locks, int, pthread_mutex_trylock, (pthread_mutex_t *m), (m))
PASS_ON(locks, int, pthread_rwlock_rdlock, (pthread_rwlock_t *l), (l))
PASS_ON(locks, int, pthread_rwlock_wrlock, (pthread_rwlock_t *l), (l))
PASS_ON(locks, int, sem_wait, (sem_t *s), (s))
PASS_ON(locks, int, pthread_cond_wait, (pthread_cond_t *c, pthread_mutex_t *m), (c, m))
PASS_ON(file_io, ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n))
PASS_ON(file_io, ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n))
PASS_ON(file_io, FILE *, fopen, (const char *path, const char *mode), (path, mode))
PASS_ON(decoder_calls, sf_count_t, sf_readf_float, (SNDFILE *sf, float *buf, sf_count_t n),
	(sf, buf, n))
PASS_ON(decoder_calls, sf_count_t, sf_seek, (SNDFILE *sf, sf_count_t frames, int whence),
	(sf, frames, whence))
PASS_ON(decoder_calls, int, SDL_AudioStreamGet, (SDL_AudioStream *s, void *buf, int len),
	(s, buf, len))
PASS_ON(decoder_calls, int, SDL_AudioStreamPut, (SDL_AudioStream *s, const void *buf, int len),
	(s, buf, len))

static int (*real_open_fd)(const char *, int, ...);

int open(const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	if (noalloc_watching)
		file_io++;
	return real_open_fd(path, flags, mode);
}

/* Resolved before anything runs: dlsym itself may allocate. */
__attribute__((constructor)) static void resolve(void)
{
	real_open = (SDL_AudioDeviceID(*)(const char *, int, const SDL_AudioSpec *,
					  SDL_AudioSpec *, int))dlsym(RTLD_NEXT,
								      "SDL_OpenAudioDevice");
#define RESOLVE(name) *(void **)&real_##name = dlsym(RTLD_NEXT, #name)
	RESOLVE(pthread_mutex_lock);
	RESOLVE(pthread_mutex_trylock);
	RESOLVE(pthread_rwlock_rdlock);
	RESOLVE(pthread_rwlock_wrlock);
	RESOLVE(sem_wait);
	RESOLVE(pthread_cond_wait);
	RESOLVE(read);
	RESOLVE(write);
	RESOLVE(fopen);
	RESOLVE(sf_readf_float);
	RESOLVE(sf_seek);
	RESOLVE(SDL_AudioStreamGet);
	RESOLVE(SDL_AudioStreamPut);
	*(void **)&real_open_fd = dlsym(RTLD_NEXT, "open");
}

/* ---- the show --------------------------------------------------------------------- */

static void make_wav(const char *path, int rate, int channels, int frames, double freq)
{
	SF_INFO info = { .samplerate = rate, .channels = channels,
			 .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	short *buf = calloc((size_t)frames * channels, sizeof *buf);
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);

	assert_non_null(buf);
	assert_non_null(sf);
	for (int i = 0; i < frames; i++)
		for (int c = 0; c < channels; c++)
			buf[i * channels + c] = (short)(12000 * sin(6.283185307 * freq * i / rate));
	assert_int_equal(sf_writef_short(sf, buf, frames), frames);
	sf_close(sf);
	free(buf);
}

static void wait_frames(struct gl_audio *a, uint64_t more)
{
	static struct gl_audio_state st;
	uint64_t until;

	gl_audio_state(a, &st);
	until = st.frames + more;
	for (int i = 0; i < 30000 && st.frames < until; i++) {
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
		gl_audio_state(a, &st);
	}
	assert_true(st.frames >= until);
}

static void test_callback_allocates_nothing_locks_nothing(void **unused)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	assert_true(noalloc_hooks_install());
#endif
	char dir[] = "/tmp/gl-test-audio-noalloc.XXXXXX", out[64], a48[64], a44[64], cmd[96];
	struct gl_option opts[] = { { "driver", "disk", 0 }, { "buffer", "256", 0 },
				    { "voices", "8", 0 } };
	struct gl_audio_config cfg;
	char err[256];

	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof out, "%s/out.raw", dir);
	snprintf(a48, sizeof a48, "%s/a48.wav", dir);
	snprintf(a44, sizeof a44, "%s/a44.wav", dir);
	make_wav(a48, 48000, 2, 12000, 440);
	make_wav(a44, 44100, 1, 44100, 1000);
	assert_int_equal(gl_audio_config_parse(opts, 3, &cfg, err, sizeof err), 0);
	snprintf(cfg.device, sizeof cfg.device, "%s", out);
	struct gl_audio *a = gl_audio_create(&cfg, err, sizeof err);
	assert_non_null(a);

	struct gl_audio_cue loop = { .path = a48, .loops = 0, .devamp = true, .group = 1,
				     .fade_in_s = 0.05, .fade_out_s = 0.05,
				     .curve = GL_AUDIO_CURVE_EQUAL_POWER, .tag = 1 };
	struct gl_audio_cue once = { .path = a44, .loops = 2, .pan = 0.5, .level_db = -6,
				     .start_s = 0.1, .end_s = 0.6, .group = 2, .tag = 2,
				     .curve = GL_AUDIO_CURVE_S };
	struct gl_audio_match m1 = { GL_AUDIO_TAG, 1 }, m2 = { GL_AUDIO_TAG, 2 };
	for (int round = 0; round < 3; round++) {
		assert_int_equal(gl_audio_play(a, &loop, NULL), 0);
		assert_int_equal(gl_audio_play(a, &once, NULL), 0);
		once.at_ns = gl_now_ns() + 100000000ull;           /* a later start */
		assert_int_equal(gl_audio_play(a, &once, NULL), 0);
		once.at_ns = 0;
		wait_frames(a, 4800);
		gl_audio_fade(a, m1, -20, 0.1, GL_AUDIO_CURVE_DB, false);
		gl_audio_set_master(a, 0.7f);
		gl_audio_pause(a, m2);
		wait_frames(a, 2400);
		gl_audio_resume(a, m2);
		gl_audio_devamp(a, (struct gl_audio_match){ GL_AUDIO_GROUP, 1 });
		wait_frames(a, 4800);
		gl_audio_stop(a, m2, 0.02);
		gl_audio_set_master(a, 1.0f);
		wait_frames(a, 4800);
		gl_audio_panic(a);
		wait_frames(a, 24000);
	}
	struct gl_audio_state st;
	gl_audio_state(a, &st);
	gl_audio_destroy(a);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);

	print_message("%ld callbacks (%llu frames, %llu underruns); allocations via %s: %ld, "
		      "locks %ld, file I/O %ld, decoder calls %ld\n", callbacks,
		      (unsigned long long)st.frames, (unsigned long long)st.underruns, allocator,
		      noalloc_allocs, locks, file_io, decoder_calls);
	assert_true(callbacks > 100);
	assert_int_equal(noalloc_allocs, 0);
	assert_int_equal(locks, 0);
	assert_int_equal(file_io, 0);
	assert_int_equal(decoder_calls, 0);

	/* and the counters work: each sees a call made with the flag up */
	pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
	noalloc_watching = 1;
	free(malloc(16));
	pthread_mutex_lock(&mx);
	int fd = open("/dev/null", O_RDONLY);
	char c;
	ssize_t got = read(fd, &c, 1);
	noalloc_watching = 0;
	(void)got;
	close(fd);
	pthread_mutex_unlock(&mx);
	assert_true(noalloc_allocs >= 2);
	assert_int_equal(locks, 1);
	assert_int_equal(file_io, 2);
}

int main(void)
{
	setenv("SDL_DISKAUDIODELAY", "2", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callback_allocates_nothing_locks_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
