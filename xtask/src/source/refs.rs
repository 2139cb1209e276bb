//! The newest revision of a repository's default branch, from the refs
//! advertisement of git's smart HTTP protocol
//! (`GET {base}/{owner}/{repo}.git/info/refs?service=git-upload-pack`).
//!
//! Every git host serves it (no API, no token, no rate limit of an API),
//! and a loopback server in a test can serve it too. The body is a list of
//! pkt-lines: `# service=git-upload-pack`, a flush (`0000`), then one line
//! per ref, `<id> <name>`, the first carrying the capabilities after a NUL,
//! among them `symref=HEAD:refs/heads/<branch>`. `HEAD` is the default
//! branch, and its id is the revision wanted.

use anyhow::{bail, Result};

use super::githost::is_commit_id;

/// The default branch's tip, as a refs advertisement gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The commit id `HEAD` points at.
    pub revision: String,
    /// The branch `HEAD` names (`refs/heads/main`), when advertised.
    pub branch: Option<String>,
}

/// Read `HEAD` from a refs advertisement (`body`, fetched from `url`, which
/// errors name). Malformed input is an error, never a panic.
pub fn parse_head(body: &[u8], url: &str) -> Result<Head> {
    let mut rest = body;
    let mut lines = 0usize;
    while !rest.is_empty() {
        lines += 1;
        if lines > 1_000_000 {
            bail!("{url}: more than a million refs");
        }
        let Some(len) = rest.get(..4).and_then(hex4) else {
            bail!("{url}: not a git refs advertisement (a pkt-line length is not 4 hex digits; is the base URL a git host?)");
        };
        if len == 0 {
            // A flush between sections.
            rest = &rest[4..];
            continue;
        }
        if !(4..=65520).contains(&len) || len > rest.len() {
            bail!(
                "{url}: a pkt-line of length {len} runs past the body ({} bytes left)",
                rest.len()
            );
        }
        let line = &rest[4..len];
        rest = &rest[len..];
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        if line.starts_with(b"#") {
            continue;
        }
        let refpart = line.split(|b| *b == 0).next().unwrap_or_default();
        let caps = line
            .iter()
            .position(|b| *b == 0)
            .map(|i| &line[i + 1..])
            .unwrap_or_default();
        let text = String::from_utf8_lossy(refpart);
        let Some((id, name)) = text.split_once(' ') else {
            continue;
        };
        if name != "HEAD" {
            continue;
        }
        if !is_commit_id(id) {
            bail!("{url}: HEAD is {id:?}, not a commit id");
        }
        let branch = String::from_utf8_lossy(caps)
            .split(' ')
            .find_map(|c| c.strip_prefix("symref=HEAD:").map(str::to_string));
        return Ok(Head {
            revision: id.to_string(),
            branch,
        });
    }
    bail!("{url}: the refs advertisement has no HEAD (an empty repository, or not the smart HTTP protocol)")
}

fn hex4(b: &[u8]) -> Option<usize> {
    let s = std::str::from_utf8(b).ok()?;
    if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    usize::from_str_radix(s, 16).ok()
}

/// A pkt-line: four hex digits of length (including themselves), then
/// `payload`. For building advertisements in tests.
pub fn pkt_line(payload: &str) -> String {
    format!("{:04x}{payload}", payload.len() + 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";

    fn advert() -> String {
        let mut s = pkt_line("# service=git-upload-pack\n");
        s.push_str("0000");
        s.push_str(&pkt_line(&format!(
            "{A} HEAD\0multi_ack symref=HEAD:refs/heads/main agent=git/2\n"
        )));
        s.push_str(&pkt_line(&format!("{A} refs/heads/main\n")));
        s.push_str(&pkt_line(&format!("{B} refs/heads/old\n")));
        s.push_str("0000");
        s
    }

    #[test]
    fn head_and_branch() {
        let head = parse_head(advert().as_bytes(), "u").expect("head");
        assert_eq!(head.revision, A);
        assert_eq!(head.branch.as_deref(), Some("refs/heads/main"));
    }

    #[test]
    fn hostile_bodies_are_errors() {
        for body in [
            "".to_string(),
            "<html>not found</html>".to_string(),
            "ffff".to_string(),
            "0003".to_string(),
            advert()[..40].to_string(),
            pkt_line("zz HEAD\n"),
            pkt_line(&format!("{B} refs/heads/main\n")),
        ] {
            assert!(parse_head(body.as_bytes(), "u").is_err(), "{body:?}");
        }
    }
}
