//! The demo packs' file contents: deterministic bytes seeded from each file's path, in three
//! styles (random, text, binary tiles), so a demo build is the same everywhere and every time.

/// Deterministic bytes: xorshift64* seeded from the file's path.
pub(super) struct Generator {
    state: u64,
    style: Style,
    position: u64,
}

enum Style {
    Random,
    Text,
    Binary,
}

const WORDS: [&str; 16] = [
    "star", "field", "explorer", "nebula", "orbit", "comet", "signal", "drift", "beacon", "quiet",
    "engine", "light", "years", "harbor", "dust", "map",
];

impl Generator {
    pub(super) fn new(path: &str, style: &str) -> Self {
        // FNV-1a of the path: stable across platforms and releases.
        let mut state = 0xcbf2_9ce4_8422_2325u64;
        for byte in path.bytes() {
            state = (state ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        let style = match style {
            "text" => Style::Text,
            "binary" => Style::Binary,
            _ => Style::Random,
        };
        Self {
            state: state | 1,
            style,
            position: 0,
        }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(super) fn fill(&mut self, out: &mut [u8]) {
        match self.style {
            Style::Random => {
                for chunk in out.chunks_mut(8) {
                    let bytes = self.next().to_le_bytes();
                    chunk.copy_from_slice(&bytes[..chunk.len()]);
                }
            }
            Style::Text => {
                let mut i = 0;
                while i < out.len() {
                    let word = WORDS[(self.next() % WORDS.len() as u64) as usize];
                    let separator: &[u8] = if self.next().is_multiple_of(12) {
                        b".\n"
                    } else {
                        b" "
                    };
                    for &byte in word.as_bytes().iter().chain(separator) {
                        if i < out.len() {
                            out[i] = byte;
                            i += 1;
                        }
                    }
                }
            }
            Style::Binary => {
                for byte in out.iter_mut() {
                    // Runs of tile ids with some noise: compresses about by half.
                    *byte = if self.position.is_multiple_of(4) {
                        self.next() as u8
                    } else {
                        (self.position / 64 % 16) as u8
                    };
                    self.position += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_path_gives_the_same_bytes_and_another_path_other_bytes() {
        let bytes = |path: &str, style: &str| {
            let mut out = vec![0u8; 4096];
            Generator::new(path, style).fill(&mut out);
            out
        };
        for style in ["random", "text", "binary"] {
            assert_eq!(bytes("a/b.bin", style), bytes("a/b.bin", style), "{style}");
            assert_ne!(bytes("a/b.bin", style), bytes("a/c.bin", style), "{style}");
        }
        assert!(
            bytes("intro.txt", "text")
                .iter()
                .all(|b| b.is_ascii_lowercase() || b" .\n".contains(b)),
            "text is words"
        );
    }
}
