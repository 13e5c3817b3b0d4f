//! Reading one request line with a cap on its length: a client that never sends a newline costs
//! the server at most [`super::protocol::MAX_LINE`] bytes, and the rest is never read.

use std::io;

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// What [`read_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum LineRead {
    /// A line is in the buffer (its newline removed).
    Line,
    /// The client closed its side with nothing pending.
    Eof,
    /// More than the limit arrived without a newline; the rest is left unread.
    TooLong,
}

/// Reads up to the next newline into `line`, never holding more than `max` bytes. Cancel-safe:
/// it only awaits `fill_buf`, and bytes already taken stay in `line` for the next call.
pub async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<LineRead> {
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            // A last line without its newline still counts.
            return Ok(if line.is_empty() {
                LineRead::Eof
            } else {
                LineRead::Line
            });
        }
        let (chunk, found) = match available.iter().position(|&b| b == b'\n') {
            Some(end) => (&available[..end], true),
            None => (available, false),
        };
        if line.len() + chunk.len() > max {
            return Ok(LineRead::TooLong);
        }
        line.extend_from_slice(chunk);
        let used = chunk.len() + usize::from(found);
        reader.consume(used);
        if found {
            return Ok(LineRead::Line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    #[tokio::test]
    async fn lines_are_split_and_capped() {
        let input: &[u8] = b"one\ntwo\r\n0123456789\nlast";
        let mut reader = BufReader::with_capacity(4, input);
        let mut line = Vec::new();
        let mut lines = Vec::new();
        loop {
            match read_line(&mut reader, &mut line, 8).await.unwrap() {
                LineRead::Line => lines.push(String::from_utf8(std::mem::take(&mut line)).unwrap()),
                LineRead::Eof => break,
                LineRead::TooLong => {
                    lines.push("<too long>".into());
                    break;
                }
            }
        }
        assert_eq!(lines, ["one", "two\r", "<too long>"]);

        let mut reader = BufReader::new(&b"a\nb"[..]);
        assert_eq!(
            read_line(&mut reader, &mut line, 8).await.unwrap(),
            LineRead::Line
        );
        line.clear();
        assert_eq!(
            read_line(&mut reader, &mut line, 8).await.unwrap(),
            LineRead::Line
        );
        assert_eq!(line, b"b");
        line.clear();
        assert_eq!(
            read_line(&mut reader, &mut line, 8).await.unwrap(),
            LineRead::Eof
        );
    }
}
