/*
 * node_sign.h - `ghostlight node keygen` and `ghostlight node sign`: the
 * rig's firmware key and signed node images (node_sign.c), and the board
 * names the commands share. Main thread.
 */
#ifndef GL_NODE_SIGN_H
#define GL_NODE_SIGN_H

#include <stdint.h>

int gl_node_keygen(int argc, char **argv);
int gl_node_sign(int argc, char **argv);

/* "sim", "qemu-mps2", "bluepill" for NODELINK_BOARD_*; "?" otherwise. */
const char *gl_node_board_name(uint8_t board);

#endif
