//! Byte offsets (what the engine reports) ↔ LSP positions, in the encoding
//! negotiated at initialize (UTF-16 by default, UTF-8 when the client offers
//! it). Conversions happen only here, at the edge.

use tower_lsp_server::ls_types::{Position, Range};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// Line starts of one text, for conversions in both directions.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: std::borrow::Cow<'a, [usize]>,
}

/// The byte offset where each line of `text` starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        LineIndex {
            text,
            starts: line_starts(text).into(),
        }
    }

    /// An index over `text` with its `line_starts`, computed earlier.
    pub fn with_starts(text: &'a str, starts: &'a [usize]) -> Self {
        LineIndex {
            text,
            starts: starts.into(),
        }
    }

    /// The position of byte `offset` (clamped to the text, and to a char
    /// boundary so that a stale span never panics).
    pub fn position(&self, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let seg = &self.text[self.starts[line]..offset];
        let col = match enc {
            Encoding::Utf8 => seg.len(),
            Encoding::Utf16 => seg.encode_utf16().count(),
        };
        Position::new(line as u32, col as u32)
    }

    pub fn range(&self, start: usize, end: usize, enc: Encoding) -> Range {
        Range::new(self.position(start, enc), self.position(end, enc))
    }

    /// The byte offset of `pos`; positions past a line's end clamp to it.
    pub fn offset(&self, pos: Position, enc: Encoding) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(self.text.len(), |e| e - 1);
        let line = &self.text[start..end.max(start)];
        let want = pos.character as usize;
        let mut units = 0;
        for (i, ch) in line.char_indices() {
            if units >= want {
                return start + i;
            }
            units += match enc {
                Encoding::Utf8 => ch.len_utf8(),
                Encoding::Utf16 => ch.len_utf16(),
            };
        }
        start + line.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf8_columns() {
        let text = "package main\n// é😀\nimport \"net\"\n";
        let ix = LineIndex::new(text);
        let imp = text.find("\"net\"").unwrap();
        assert_eq!(ix.position(imp, Encoding::Utf16), Position::new(2, 7));
        let after = text.find('\n').unwrap() + 1 + "// é😀".len();
        assert_eq!(ix.position(after, Encoding::Utf16), Position::new(1, 6));
        assert_eq!(ix.position(after, Encoding::Utf8), Position::new(1, 9));
        assert_eq!(ix.offset(Position::new(1, 6), Encoding::Utf16), after);
        assert_eq!(ix.offset(Position::new(1, 9), Encoding::Utf8), after);
        // Out of range never panics.
        assert_eq!(ix.offset(Position::new(99, 0), Encoding::Utf16), text.len());
        assert_eq!(ix.position(10_000, Encoding::Utf16).line, 3);
    }
}
