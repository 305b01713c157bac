/*
 * sacn_cid.h - the installation's sACN CID (component identifier): made once,
 * kept in a file in the state directory, locked while a process sends with
 * it so that two consoles on one machine never pose as one source.
 *
 * Any thread (a process-wide lock guards the shared state): the sACN
 * outputs of one process share one CID and one lock on the file. Private
 * to outputs/dmx/sacn/.
 */
#ifndef GL_SACN_CID_H
#define GL_SACN_CID_H

#include <stddef.h>
#include <stdint.h>

#include "sacn_wire.h"

/* The CID for an output that opens now. note gets what the operator must
 * read ("" when all is well): the file could not be read or parsed, or
 * another process holds it, and this run sends with a temporary CID
 * instead. The file is only ever written when it does not exist. Each
 * acquire is matched by one release. */
void sacn_cid_acquire(uint8_t cid[SACN_CID_LEN], char *note, size_t note_len);
void sacn_cid_release(void);

/* Reads a CID from a file's text: one UUID line, with a UTF-8 BOM, blank
 * lines, '#' comment lines, spaces and CR/LF around it allowed. Returns 0,
 * or -1 with what is wrong in why. Pure (for tests). */
int sacn_cid_parse_file_text(const char *text, size_t len, uint8_t cid[SACN_CID_LEN],
			     char *why, size_t why_len);

#endif
