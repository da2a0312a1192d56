kmemlab test module: this file is loaded by GRUB as a Multiboot module.
