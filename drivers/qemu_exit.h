/*
 * drivers/qemu_exit.h - leave QEMU with a status a script can read.
 *
 * QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,
 * iosize=0x04) ends QEMU when a value v is written to its port; QEMU then
 * exits with status (v << 1) | 1.  So the kernel's two outcomes are:
 *   QEMU_EXIT_SUCCESS 0x10 -> QEMU exit status 33
 *   QEMU_EXIT_FAILURE 0x11 -> QEMU exit status 35
 * (0 and 1 are avoided: 1 would be QEMU's own error status.)
 */
#ifndef DRIVERS_QEMU_EXIT_H
#define DRIVERS_QEMU_EXIT_H

#define QEMU_EXIT_SUCCESS   0x10
#define QEMU_EXIT_FAILURE   0x11

void qemu_exit(unsigned code) __attribute__((noreturn));

#endif /* DRIVERS_QEMU_EXIT_H */
