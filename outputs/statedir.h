/*
 * statedir.h - where ghostlight keeps what belongs to this installation
 * (the sACN CID, the wireless nodes' link key and session, the nodes
 * outputs' control sockets), and how it writes a file there so that a
 * crash never leaves half of it. Any thread: only the environment and the
 * filesystem are read.
 */
#ifndef GL_STATEDIR_H
#define GL_STATEDIR_H

#include <stddef.h>
#include <sys/types.h>

/* $GHOSTLIGHT_STATE_DIR, else $XDG_STATE_HOME/ghostlight (absolute only),
 * else ~/.local/state/ghostlight. Returns 0, or -1 when none can be named
 * (no HOME) or it does not fit in len. */
int gl_state_dir(char *dir, size_t len);

/* mkdir -p with mode 0700: the directory is ours alone. Returns 0 or -1
 * with errno. */
int gl_state_mkdirs(const char *dir);

/* Writes data to path through a temporary file, fsync and rename(), with
 * `mode` (0600 for secrets). Returns 0 or -1 with errno; path is then
 * untouched. */
int gl_state_write(const char *path, const void *data, size_t len, mode_t mode);

#endif
