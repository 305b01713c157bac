/*
 * layout.h - the emulated board's flash, as the bootloader and the
 * slot-linked node images see it: the blue pill's layout
 * (firmware/budget.txt) at the bottom of the AN385's code memory, which
 * is RAM under QEMU and keeps its contents across a reset (SYSRESETREQ),
 * so it stands in for flash (port/common/memflash.c). QEMU loads the
 * bootloader (-kernel) and, at the bench, the key block and a factory
 * image (-device loader) - those it loads again at every reset, so the
 * factory image waits in a staging area the bootloader copies from once.
 */
#ifndef QEMU_LAYOUT_H
#define QEMU_LAYOUT_H

#define LAYOUT_KEYBLOCK 0x00002fc0u  /* the last 64 bytes of the bootloader's 12 KiB */
#define LAYOUT_SLOT(s) (0x00003000u + (s) * 0x6000u)
#define LAYOUT_SLOT_SIZE 0x6000u     /* 24 KiB */
#define LAYOUT_SETTINGS 0x0000f000u  /* settings A, B, scene: 3 pages */
#define LAYOUT_LOG 0x0000fc00u       /* the boot-state log: 1 page */
#define LAYOUT_STAGING 0x00200000u   /* the factory image, for the bootloader to install */
#define LAYOUT_HANDOVER 0x20300000u  /* struct fw_handover, bootloader -> image */

#endif
