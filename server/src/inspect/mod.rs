//! What a built binary really is, read with goblin without running it: format,
//! machine, ELF type, interpreter, DT_NEEDED, static / static-pie / dynamic,
//! glibc floor, and Go build info from `.go.buildinfo`.
