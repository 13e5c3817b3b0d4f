//! The corpus cases written byte by byte with [`raw`](super::raw): local headers that
//! disagree with the central directory, names compared after normalisation and folding, names
//! that are not UTF-8, and declared sizes past the disk or past 64 bits.

use super::corpus::{Case, Expect, case};
use super::raw::{self, Entry, Local, UTF8};

const LOCAL: &str = "has a local header that does not match the central directory";
const NORMALISED: &str = "differ only by case or Unicode normalisation";

/// Local headers that disagree with the central directory, and entries it does not list.
pub fn local_headers() -> Vec<Case> {
    let ok = || Entry::stored("ok.txt", b"fine");
    let with = |local: Local| Entry { local, ..ok() };
    let differs = |file, local| {
        case(
            file,
            raw::plain(&[with(local)]),
            Expect::Entry("ok.txt", LOCAL),
        )
    };
    // An entry whose local header and data sit inside another entry's data.
    let inner = raw::plain(&[Entry::stored("b.txt", b"hidden")]);
    let inner_len = inner.len() - 22 - (46 + 5); // its local header and data, without the directory
    let outer = Entry::stored("a.bin", &inner[..inner_len]);
    let overlapping = raw::zip(
        &[outer, Entry::stored("b.txt", b"hidden")],
        &[],
        &[(1, 30 + 5)],
    );
    // A local header the central directory does not list, between two listed entries.
    let hidden = raw::plain(&[Entry::stored("../../evil", b"x")]);
    let hidden_len = hidden.len() - 22 - (46 + 10);
    let unlisted = raw::zip(
        &[ok(), Entry::stored("z.txt", b"z")],
        &[(0, hidden[..hidden_len].to_vec())],
        &[],
    );
    // A directory whose end record counts one entry fewer than it lists.
    let mut uncounted = raw::plain(&[ok(), Entry::stored("z.txt", b"z")]);
    let end = uncounted.len() - 22;
    uncounted[end + 8..end + 12].copy_from_slice(&[1, 0, 1, 0]);
    vec![
        differs(
            "local-name.zip",
            Local {
                name: Some(b"../evil".to_vec()),
                ..Local::default()
            },
        ),
        differs(
            "local-name-same-length.zip",
            Local {
                name: Some(b"ok.exe".to_vec()),
                ..Local::default()
            },
        ),
        differs(
            "local-method.zip",
            Local {
                method: Some(8),
                ..Local::default()
            },
        ),
        differs(
            "local-size.zip",
            Local {
                size: Some(3),
                ..Local::default()
            },
        ),
        differs(
            "local-crc.zip",
            Local {
                crc: Some(0xdead_beef),
                ..Local::default()
            },
        ),
        differs(
            "local-encrypted-flag.zip",
            Local {
                flags: Some(1),
                ..Local::default()
            },
        ),
        differs(
            "local-utf8-flag.zip",
            Local {
                flags: Some(UTF8),
                ..Local::default()
            },
        ),
        case(
            "overlapping.zip",
            overlapping,
            Expect::Archive("not laid out as its central directory says"),
        ),
        case(
            "unlisted-local-header.zip",
            unlisted,
            Expect::Archive("not laid out as its central directory says"),
        ),
        case(
            "uncounted-entry.zip",
            uncounted,
            Expect::Archive("its central directory lists 2 entries but the zip reader found 1"),
        ),
    ]
}

/// Names equal after normalisation or folding, names that are not UTF-8, second names.
pub fn unicode() -> Vec<Case> {
    let two = |a: &str, b: &str| raw::plain(&[Entry::stored(a, b"one"), Entry::stored(b, b"two")]);
    let latin1 = Entry::stored("x", b"latin-1").named(b"caf\xe9.txt");
    let flagged = Entry {
        flags: UTF8,
        ..latin1.clone()
    };
    let long = "d/".repeat(520) + "x";
    // The entry is named by its first 64 bytes and its length.
    let long_shown: &'static str =
        Box::leak(format!("{}… (1041 bytes)", &long[..64]).into_boxed_str());
    vec![
        case(
            "nfc-nfd-duplicate.zip",
            two("caf\u{e9}.txt", "cafe\u{301}.txt"),
            Expect::Entry(
                "cafe\u{301}.txt",
                "and `caf\u{e9}.txt` differ only by case or Unicode normalisation (`cafe\\u{301}.txt` and `caf\\u{e9}.txt`)",
            ),
        ),
        case(
            "case-folded-duplicate.zip",
            two("Stra\u{df}e.txt", "STRASSE.txt"),
            Expect::Entry("STRASSE.txt", NORMALISED),
        ),
        case(
            "long-s-duplicate.zip",
            two("\u{17f}ky.txt", "SKY.txt"),
            Expect::Entry("SKY.txt", NORMALISED),
        ),
        case(
            "nfd-folder.zip",
            two("Caf\u{e9}/a.txt", "cafe\u{301}/b.txt"),
            Expect::Entry("cafe\u{301}/b.txt", "and `Caf\u{e9}` differ only"),
        ),
        case(
            "latin1-name.zip",
            raw::plain(&[latin1]),
            Expect::Entry("caf\u{fffd}.txt", "has a name that is not UTF-8"),
        ),
        case(
            "flagged-utf8-not-utf8.zip",
            raw::plain(&[flagged]),
            Expect::Entry(
                "caf\u{fffd}.txt",
                "is flagged UTF-8 but its name is not UTF-8",
            ),
        ),
        case(
            "unicode-path-rename.zip",
            raw::plain(&[Entry::stored("ok.txt", b"x").with_unicode_path("../evil.txt")]),
            Expect::Entry("ok.txt", "carries a second name, `../evil.txt`"),
        ),
        case(
            "long-name.zip",
            raw::plain(&[Entry::stored(&long, b"x")]),
            Expect::Entry(long_shown, "is longer than 1024 bytes"),
        ),
    ]
}

/// Declared sizes past the free space, and past 64 bits when added up.
pub fn sizes() -> Vec<Case> {
    let huge = |name: &str, size: u64| Entry {
        size,
        ..Entry::file(name, raw::DEFLATED, b"small")
    };
    vec![
        Case {
            limit: u64::MAX,
            ..case(
                "declares-a-petabyte.zip",
                raw::plain(&[huge("big.bin", 1 << 50)]),
                Expect::NoSpace,
            )
        },
        Case {
            limit: u64::MAX,
            ..case(
                "sizes-overflow.zip",
                raw::plain(&[huge("a.bin", 1 << 63), huge("b.bin", 1 << 63)]),
                Expect::Entry(
                    "b.bin",
                    "declares a size that makes the total overflow 64 bits",
                ),
            )
        },
        case(
            "stored-size-lie.zip",
            raw::plain(&[Entry {
                size: 2,
                ..Entry::stored("s.txt", b"stored")
            }]),
            Expect::Entry("s.txt", "inflates past the size it declares (a size bomb)"),
        ),
    ]
}
