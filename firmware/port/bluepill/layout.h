/*
 * layout.h - the blue pill's flash and RAM as firmware/budget.txt shares
 * them, for the bootloader (boot_main.c) and the node (node_main.c).
 */
#ifndef BLUEPILL_LAYOUT_H
#define BLUEPILL_LAYOUT_H

#define LAYOUT_KEYBLOCK 0x08002fc0u  /* the last 64 bytes of the bootloader's 12 KiB */
#define LAYOUT_SLOT(s) (0x08003000u + (s) * 0x6000u)
#define LAYOUT_SLOT_PAGES 24u        /* 24 KiB */
#define LAYOUT_SETTINGS 0x0800f000u  /* settings A, B, scene: 3 pages */
#define LAYOUT_LOG 0x0800fc00u       /* the boot-state log: 1 page */
#define LAYOUT_HANDOVER 0x20004f00u  /* above the application's 16 KiB of RAM */

#endif
