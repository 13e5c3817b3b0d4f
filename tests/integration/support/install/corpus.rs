//! The hostile archive corpus: each case's bytes, made by the `zip` crate's writer (here) or
//! written byte by byte ([`corpus_crafted`]), and the error it must be refused with. The bytes are kept
//! under `tests/data/archives/` (`BGASSETS_WRITE_FIXTURES=1` writes them again).

use super::{
    Raw, corpus_crafted, corrupt_data, raw_zip, rename, set_method, set_uncompressed_size,
};

use crate::support::random_bytes;

/// The default limit on a case's install size.
pub const LIMIT: u64 = 10_000_000;

/// What an install of the case must fail with.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// `InstallError::Entry` naming exactly this entry, its problem holding this text.
    Entry(&'static str, &'static str),
    /// `InstallError::Archive`, its problem holding this text.
    Archive(&'static str),
    /// `InstallError::TooLarge` at this limit.
    TooLarge,
    /// `InstallError::NoSpace`.
    NoSpace,
}

pub struct Case {
    /// The fixture's file name, under `tests/data/archives/`.
    pub file: &'static str,
    pub zip: Vec<u8>,
    pub limit: u64,
    pub expect: Expect,
}

pub fn case(file: &'static str, zip: Vec<u8>, expect: Expect) -> Case {
    Case {
        file,
        zip,
        limit: LIMIT,
        expect,
    }
}

const UNSAFE: &str = "is not a safe relative path";
const SPECIAL: &str = "is a symlink or a special file";
const METHOD: &str = "compression; only stored and deflated entries can be installed";

/// Every case.
pub fn cases() -> Vec<Case> {
    let mut cases = names_and_kinds();
    cases.extend(bodies());
    cases.extend(corpus_crafted::local_headers());
    cases.extend(corpus_crafted::unicode());
    cases.extend(corpus_crafted::sizes());
    cases
}

/// Paths out of the pack, special files, duplicates and unknown methods.
fn names_and_kinds() -> Vec<Case> {
    use Expect::Entry;
    let ok = Raw::Stored("ok.txt", b"fine");
    let plain = |entries: &[Raw]| raw_zip(entries);
    let mut cases = vec![
        case(
            "parent.zip",
            plain(&[Raw::Stored("../evil", b"x"), ok]),
            Entry("../evil", UNSAFE),
        ),
        case(
            "parent-inside.zip",
            plain(&[ok, Raw::Stored("a/../../b", b"x")]),
            Entry("a/../../b", UNSAFE),
        ),
        case(
            "out-of-container.zip",
            plain(&[Raw::Stored("../../../escaped", b"x")]),
            Entry("../../../escaped", UNSAFE),
        ),
        case(
            "absolute.zip",
            plain(&[Raw::Stored("/abs/evil", b"x")]),
            Entry("/abs/evil", UNSAFE),
        ),
        case(
            "drive-letter.zip",
            plain(&[Raw::Stored("C:/x", b"x")]),
            Entry("C:/x", UNSAFE),
        ),
        case(
            "backslash.zip",
            plain(&[Raw::Stored("a\\b", b"x")]),
            Entry("a\\b", UNSAFE),
        ),
        case(
            "nul.zip",
            plain(&[Raw::Stored("a\0b", b"x")]),
            Entry("a\\0b", UNSAFE),
        ),
        case(
            "parent-folder.zip",
            plain(&[Raw::Dir("../up/"), ok]),
            Entry("../up/", UNSAFE),
        ),
        case(
            "symlink-out.zip",
            plain(&[ok, Raw::Symlink("passwd", "/etc/passwd")]),
            Entry("passwd", SPECIAL),
        ),
        case(
            "symlink-in.zip",
            plain(&[Raw::Symlink("alias.txt", "ok.txt"), ok]),
            Entry("alias.txt", SPECIAL),
        ),
        case(
            "case-duplicate.zip",
            plain(&[
                Raw::Stored("Dup.txt", b"one"),
                Raw::Stored("dup.txt", b"two"),
            ]),
            Entry("dup.txt", "and `Dup.txt` differ only by case"),
        ),
        case(
            "file-and-folder.zip",
            plain(&[Raw::Stored("x", b"file"), Raw::Stored("x/y", b"inside")]),
            Entry("x/y", "needs a folder `x` where the archive has a file"),
        ),
    ];
    // Two entries of exactly one name: the writer refuses, so write two and rename one.
    let mut zip = plain(&[
        ok,
        Raw::Stored("dup.txt", b"one"),
        Raw::Stored("dup.tx_", b"two"),
    ]);
    rename(&mut zip, "dup.tx_", "dup.txt");
    cases.push(case(
        "duplicate.zip",
        zip,
        Entry("dup.txt", "appears twice in the archive"),
    ));
    for (file, name, method) in [("lzma.zip", "lzma.bin", 14), ("bzip2.zip", "bzip.bin", 12)] {
        let mut zip = plain(&[ok, Raw::Stored(name, b"compressed, supposedly")]);
        set_method(&mut zip, name, method);
        cases.push(case(file, zip, Entry(name, METHOD)));
    }
    cases
}

/// Bodies that lie about their size or content, and archives that are not zips.
fn bodies() -> Vec<Case> {
    // 1 MB of zeros deflated, declared as 1000 bytes. The good file comes first so that a
    // thread has written something to staging when the bomb goes off.
    let zeros = vec![0u8; 1_000_000];
    let mut bomb = raw_zip(&[
        Raw::Stored("first.bin", &random_bytes(20_000, 3)),
        Raw::Deflated("bomb.bin", &zeros),
        Raw::Stored("after.bin", &random_bytes(20_000, 4)),
    ]);
    set_uncompressed_size(&mut bomb, "bomb.bin", 1000);
    let mut crc = raw_zip(&[
        Raw::Stored("ok.txt", b"fine"),
        Raw::Stored("crc.bin", &random_bytes(10_000, 5)),
    ]);
    corrupt_data(&mut crc, "crc.bin");
    let whole = raw_zip(&[
        Raw::Stored("ok.txt", b"fine"),
        Raw::Stored("big.bin", &random_bytes(10_000, 6)),
    ]);
    let too_large = raw_zip(&[
        Raw::Deflated("a.bin", &zeros[..600_000]),
        Raw::Deflated("b.bin", &zeros[..600_000]),
    ]);
    vec![
        case(
            "size-bomb.zip",
            bomb,
            Expect::Entry(
                "bomb.bin",
                "inflates past the size it declares (a size bomb)",
            ),
        ),
        case(
            "crc-mismatch.zip",
            crc,
            Expect::Entry("crc.bin", "does not match its CRC-32"),
        ),
        case(
            "truncated.zip",
            whole[..whole.len() / 2].to_vec(),
            Expect::Archive("not a valid zip archive"),
        ),
        case(
            "garbage.zip",
            random_bytes(4096, 7),
            Expect::Archive("not a valid zip archive"),
        ),
        Case {
            limit: 1_000_000,
            ..case("too-large.zip", too_large, Expect::TooLarge)
        },
    ]
}
