/*
 * store.h - the node's settings and failsafe scene in flash (store.c):
 * pages 0 and 1 of the node's region hold settings records in turn, page 2
 * the scene. Node thread only; private to firmware/core.
 */
#ifndef NODE_STORE_H
#define NODE_STORE_H

#include <stdbool.h>

#include "node.h"

/* Reads the newest valid settings record into n->set. Returns false when
 * neither page holds one (n->set untouched). */
bool node_store_load(struct node *n);
/* Writes n->set to the other page. Returns 0 or -1 (counted). */
int node_store_save(struct node *n);
bool node_store_load_scene(struct node *n);
int node_store_save_scene(struct node *n);

#endif
