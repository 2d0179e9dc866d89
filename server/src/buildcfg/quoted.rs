//! Splitting flag values the way Go's `cmd/internal/quoted.Split` does:
//! fields separated by white space, optionally wrapped in single or double
//! quotes (quotes further inside a field do not count). `go build -ldflags`
//! and the linker's `-extldflags` both use it.

/// Splits `s` into fields. An unterminated quote is an error, as in Go.
pub fn split(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(is_space);
        let Some(first) = rest.chars().next() else {
            return Ok(out);
        };
        if first == '"' || first == '\'' {
            let body = &rest[1..];
            match body.find(first) {
                Some(end) => {
                    out.push(body[..end].to_string());
                    rest = &body[end + 1..];
                }
                None => return Err(format!("unterminated {first} string")),
            }
        } else {
            let end = rest.find(is_space).unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Joins fields so that `split` gives them back (used when writing flags
/// into a suggestion or a settings file).
pub fn join(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| {
            if f.is_empty() || f.contains(is_space) || f.contains('"') || f.contains('\'') {
                if f.contains('"') {
                    format!("'{f}'")
                } else {
                    format!("\"{f}\"")
                }
            } else {
                f.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_go() {
        assert_eq!(
            split(r#"-linkmode external -extldflags "-static -lm""#).unwrap(),
            vec!["-linkmode", "external", "-extldflags", "-static -lm"]
        );
        assert_eq!(split("  -s   -w ").unwrap(), vec!["-s", "-w"]);
        assert_eq!(split("'-X main.v=a b'").unwrap(), vec!["-X main.v=a b"]);
        // Quotes inside a field are literal.
        assert_eq!(split(r#"-X=a"b"#).unwrap(), vec![r#"-X=a"b"#]);
        assert!(split(r#"-extldflags "-static"#).is_err());
        assert_eq!(split("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn join_round_trips() {
        let fields = vec![
            "-linkmode".to_string(),
            "external".into(),
            "-extldflags".into(),
            "-static -lm".into(),
        ];
        assert_eq!(split(&join(&fields)).unwrap(), fields);
    }
}
