//! go/build's `importReader` (read.go): the byte-level reader that decides
//! how much of a file go/build reads (the "header": up to and including the
//! imports) and whether reading fails on a NUL byte. Its syntax errors are
//! not errors by themselves: go/build then hands the whole file to go/parser,
//! which alone decides (see `parser.rs`).

/// What `readGoInfo` learns before parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ReadResult {
    /// End (exclusive) of the header go/build parses.
    pub header_end: usize,
    /// Offset of a NUL byte met while reading: go/build fails the read
    /// ("unexpected NUL in input") and the file is invalid.
    pub nul_at: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Err {
    Syntax,
    Nul(usize),
}

struct ImportReader<'a> {
    src: &'a [u8],
    /// Bytes consumed so far (`len(r.buf)` in Go).
    pos: usize,
    /// A byte read but not consumed; 0 = none, as in Go.
    peek: u8,
    err: Option<Err>,
    eof: bool,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

impl ImportReader<'_> {
    fn syntax_error(&mut self) {
        if self.err.is_none() {
            self.err = Some(Err::Syntax);
        }
    }

    fn read_byte(&mut self) -> u8 {
        let Some(&c) = self.src.get(self.pos) else {
            self.eof = true;
            return 0;
        };
        self.pos += 1;
        if c == 0 && self.err.is_none() {
            self.err = Some(Err::Nul(self.pos - 1));
        }
        c
    }

    fn peek_byte(&mut self, skip_space: bool) -> u8 {
        if self.err.is_some() {
            return 0;
        }
        let mut c = self.peek;
        if c == 0 {
            c = self.read_byte();
        }
        while self.err.is_none() && !self.eof {
            if skip_space {
                // Semicolons are never needed to understand the input here.
                match c {
                    b' ' | b'\x0c' | b'\t' | b'\r' | b'\n' | b';' => {
                        c = self.read_byte();
                        continue;
                    }
                    b'/' => {
                        c = self.read_byte();
                        if c == b'/' {
                            while c != b'\n' && self.err.is_none() && !self.eof {
                                c = self.read_byte();
                            }
                        } else if c == b'*' {
                            let mut c1 = 0u8;
                            while (c != b'*' || c1 != b'/') && self.err.is_none() {
                                if self.eof {
                                    self.syntax_error();
                                }
                                (c, c1) = (c1, self.read_byte());
                            }
                        } else {
                            self.syntax_error();
                        }
                        c = self.read_byte();
                        continue;
                    }
                    _ => {}
                }
            }
            break;
        }
        self.peek = c;
        c
    }

    fn next_byte(&mut self, skip_space: bool) -> u8 {
        let c = self.peek_byte(skip_space);
        self.peek = 0;
        c
    }

    fn read_keyword(&mut self, kw: &[u8]) {
        self.peek_byte(true);
        for &k in kw {
            if self.next_byte(false) != k {
                self.syntax_error();
                return;
            }
        }
        if is_ident(self.peek_byte(false)) {
            self.syntax_error();
        }
    }

    fn read_ident(&mut self) {
        let c = self.peek_byte(true);
        if !is_ident(c) {
            self.syntax_error();
            return;
        }
        while is_ident(self.peek_byte(false)) {
            self.peek = 0;
        }
    }

    fn read_string(&mut self) {
        match self.next_byte(true) {
            b'`' => {
                while self.err.is_none() {
                    if self.next_byte(false) == b'`' {
                        break;
                    }
                    if self.eof {
                        self.syntax_error();
                    }
                }
            }
            b'"' => {
                while self.err.is_none() {
                    let c = self.next_byte(false);
                    if c == b'"' {
                        break;
                    }
                    if self.eof || c == b'\n' {
                        self.syntax_error();
                    }
                    if c == b'\\' {
                        self.next_byte(false);
                    }
                }
            }
            _ => self.syntax_error(),
        }
    }

    fn read_import(&mut self) {
        let c = self.peek_byte(true);
        if c == b'.' {
            self.peek = 0;
        } else if is_ident(c) {
            self.read_ident();
        }
        self.read_string();
    }
}

/// `readGoInfo` up to the parse: reads `package name` and the import
/// declarations from `src[start..]` (`start` skips a BOM).
pub(super) fn read_go_info(src: &[u8], start: usize) -> ReadResult {
    let mut r = ImportReader {
        src,
        pos: start,
        peek: 0,
        err: None,
        eof: false,
    };
    r.read_keyword(b"package");
    r.read_ident();
    while r.peek_byte(true) == b'i' {
        r.read_keyword(b"import");
        if r.peek_byte(true) == b'(' {
            r.next_byte(false);
            while r.peek_byte(true) != b')' && r.err.is_none() {
                r.read_import();
            }
            r.next_byte(false);
        } else {
            r.read_import();
        }
    }
    match r.err {
        // The last byte read told the reader it was done; it is not part of
        // the header.
        None if !r.eof => ReadResult {
            header_end: r.pos.saturating_sub(1).max(start),
            nul_at: None,
        },
        None => ReadResult {
            header_end: r.pos,
            nul_at: None,
        },
        // After a syntax error go/build parses the whole file.
        Some(Err::Syntax) => ReadResult {
            header_end: src.len(),
            nul_at: None,
        },
        Some(Err::Nul(at)) => ReadResult {
            header_end: at,
            nul_at: Some(at),
        },
    }
}
